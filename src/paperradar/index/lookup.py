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

    def _rows_of(self, pks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(pks found, their live rows)."""
        self._refresh()
        if not len(pks) or not len(self._sorted_pks):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        wanted = np.asarray(pks, dtype=np.int64)
        at = np.searchsorted(self._sorted_pks, wanted)
        at = np.minimum(at, len(self._sorted_pks) - 1)
        found = self._sorted_pks[at] == wanted
        return wanted[found], self._order[at[found]]

    def vectors_of(self, pks: list[int]) -> dict[int, np.ndarray]:
        """{pk: vector} for the papers that have a live vector."""
        found, rows = self._rows_of(pks)
        return {int(pk): self.index.vectors[row] for pk, row in zip(found, rows)}

    def similarities(self, pks: list[int], query: np.ndarray) -> dict[int, float]:
        """{pk: dot product with ``query``} for the papers that have a live vector,
        read in one gather (rows in file order) rather than a vector at a time."""
        found, rows = self._rows_of(pks)
        if not len(rows):
            return {}
        order = np.argsort(rows)
        scores = np.asarray(self.index.vectors[rows[order]]) @ np.asarray(query, dtype=np.float32)
        return dict(zip(found[order].tolist(), scores.tolist()))
