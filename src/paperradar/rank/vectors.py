"""Stored paper embeddings as numpy arrays, for ranking and clustering.

The vectors are the ones search uses (the engine's default embedder, kept in
the vector index beside the store). Papers that have no vector yet are
embedded on the spot (only those asked for) and saved to the store, so the
next call, and search, find them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..index.engine import SearchEngine

log = logging.getLogger(__name__)


@dataclass
class PaperVectors:
    """Unit vectors of papers: row ``i`` of ``matrix`` belongs to ``pks[i]``."""

    pks: np.ndarray  # int64, (n,)
    matrix: np.ndarray  # float32, (n, dim)

    def __len__(self) -> int:
        return len(self.pks)

    def subset(self, mask: np.ndarray) -> PaperVectors:
        return PaperVectors(self.pks[mask], self.matrix[mask])


def _lookup(engine: SearchEngine, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found mask over ``wanted``, index rows of the found ones)."""
    index = engine.vectors
    live_rows = np.flatnonzero(index.live)
    if not len(live_rows) or not len(wanted):
        return np.zeros(len(wanted), dtype=bool), np.zeros(0, dtype=np.int64)
    live_pks = index.pks[live_rows]
    order = np.argsort(live_pks, kind="stable")
    sorted_pks = live_pks[order]
    pos = np.minimum(np.searchsorted(sorted_pks, wanted), len(sorted_pks) - 1)
    found = sorted_pks[pos] == wanted
    return found, live_rows[order[pos[found]]]


def embed_papers(engine: SearchEngine, pks: list[int]) -> int:
    """Embed these papers now (whatever vectors they lack) and save the vectors."""
    from ..store.dedupe import content_hash, paper_text

    papers = engine.store.papers_by_pk(pks)
    if not papers:
        return 0
    vectors = engine.embedder.embed([paper_text(p.title, p.abstract) for p in papers])
    engine.store.save_embeddings(engine.embedder.name,
                                 [(content_hash(p), v.tobytes()) for p, v in zip(papers, vectors)])
    return len(papers)


def vectors_of(engine: SearchEngine, pks: Iterable[int], embed: bool = True,
               sync: bool = True) -> PaperVectors:
    """Vectors of these papers, in the order given (duplicates kept once).

    Papers with no stored vector are embedded when ``embed`` is true, else
    left out (a debug log says how many). ``sync=False`` skips bringing the
    vector index up to the store first (when the caller just did).
    """
    wanted = np.fromiter(dict.fromkeys(int(pk) for pk in pks), dtype=np.int64)
    if sync:
        engine.sync_vectors()
    found, rows = _lookup(engine, wanted)
    if embed and not found.all():
        done = embed_papers(engine, wanted[~found].tolist())
        log.info("embedded %d papers that had no vector yet", done)
        engine.sync_vectors()
        found, rows = _lookup(engine, wanted)
    if not found.all():
        log.debug("%d papers have no vector and are left out", int((~found).sum()))
    return PaperVectors(wanted[found], engine.vectors.vectors[rows])


def background_sample(engine: SearchEngine, size: int, exclude: Iterable[int] = (),
                      seed: int = 0, sync: bool = True) -> PaperVectors:
    """Up to ``size`` stored vectors drawn at random (seeded), none of ``exclude``.

    The stand-in for "everything else": unrated negatives for a classifier and
    the reference population for scores shown as percentiles.
    """
    if sync:
        engine.sync_vectors()
    index = engine.vectors
    rows = np.flatnonzero(index.live)
    excluded = np.fromiter((int(pk) for pk in exclude), dtype=np.int64)
    if len(excluded):
        rows = rows[~np.isin(index.pks[rows], excluded)]
    if len(rows) > size:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=size, replace=False))
    return PaperVectors(index.pks[rows], index.vectors[rows])
