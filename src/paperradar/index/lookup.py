"""Vectors of given papers from a ``VectorIndex``, found by binary search.

``VectorIndex.vector_of`` scans every row; rescoring a hundred candidates at a
million rows needs a sorted map from paper key to live row instead. It is
built on first use and rebuilt when the index has grown.
"""

from __future__ import annotations

import numpy as np


class RowLookup:
    def __init__(self, index):
        self.index = index
        self._rows = -1
        self._sorted_pks = np.zeros(0, np.int64)
        self._order = np.zeros(0, np.int64)

    def _refresh(self) -> None:
        rows = len(self.index.pks)
        if rows == self._rows:
            return
        live = np.flatnonzero(self.index.live)
        order = live[np.argsort(self.index.pks[live], kind="stable")]
        self._sorted_pks, self._order, self._rows = self.index.pks[order], order, rows

    def vectors_of(self, pks: list[int]) -> dict[int, np.ndarray]:
        """{pk: vector} for the papers that have a live vector."""
        self._refresh()
        if not len(pks) or not len(self._sorted_pks):
            return {}
        wanted = np.asarray(pks, dtype=np.int64)
        at = np.searchsorted(self._sorted_pks, wanted)
        at = np.minimum(at, len(self._sorted_pks) - 1)
        found = self._sorted_pks[at] == wanted
        rows = self._order[at[found]]
        return {int(pk): self.index.vectors[row] for pk, row in zip(wanted[found], rows)}
