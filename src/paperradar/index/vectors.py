"""Nearest-neighbour search over paper vectors: exact while small, HNSW above.

Vectors live in the store (one per text and model). This index keeps a copy
beside the database, in the store's artifact directory, so a search does not
read the store: an append-only matrix of rows, the paper key of each row,
and, once there are ``ann_threshold`` rows, a faiss HNSW graph over them.
``refresh()`` appends what changed since the last refresh. A paper whose text
changed gets a new row; its old row is masked, and the graph is rebuilt when
a tenth of its rows are stale.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import PaperradarError

log = logging.getLogger(__name__)

#: Below this many vectors an exact scan is both fast and perfect.
ANN_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
#: Search breadth up to ``HNSW_EF_GROWTH_ROWS`` vectors; above, it grows in proportion
#: to the graph's size (capped at 4x), since recall at a fixed breadth falls as the graph
#: grows. Measured (BENCHMARKS.md): recall@10 0.97 at 200,000 vectors with 256; at
#: 1,000,000 vectors 0.91 with 256 and 0.96 with 512.
HNSW_EF_SEARCH = 256
HNSW_EF_GROWTH_ROWS = 500_000


def ef_search_for(rows: int) -> int:
    """The HNSW search breadth for a graph of ``rows`` vectors."""
    return int(HNSW_EF_SEARCH * min(4.0, max(1.0, rows / HNSW_EF_GROWTH_ROWS)))


REBUILD_STALE_FRACTION = 0.1


@dataclass(frozen=True)
class VectorHit:
    pk: int
    similarity: float


def _faiss():
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise PaperradarError(
            "approximate vector search needs faiss: pip install 'paperradar[embed]'"
        ) from exc
    return faiss


class _ShortFile(Exception):
    pass


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def _read_ahead(path: Path) -> None:
    """Have the kernel read a mapped file into the page cache, in a background thread
    (the hint can block while the disk is busy), so the first searches after opening
    a cold index do not each wait on the disk page by page."""
    if not hasattr(os, "posix_fadvise"):
        return

    def advise() -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            finally:
                os.close(fd)
        except OSError:  # only a hint
            pass

    threading.Thread(target=advise, name="vectors-read-ahead", daemon=True).start()


def _replace(path: Path, write) -> None:
    """Write a file under a temporary name, then rename it over ``path``: a process
    that has the old file mapped keeps reading the old one."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    tmp.replace(path)


class VectorIndex:
    """Vectors of one model, searchable by cosine similarity."""

    def __init__(self, directory: Path, dim: int, ann_threshold: int = ANN_THRESHOLD):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.meta = {"rev": 0, "seq": 0, "dim": dim, "rows": 0}
        meta_path = self.dir / "meta.json"
        self._stamp = _stamp(meta_path)
        if meta_path.exists():
            self.meta = json.loads(meta_path.read_text())
        if self.meta["dim"] != dim:
            raise PaperradarError(
                f"{self.dir} holds {self.meta['dim']}-d vectors, not {dim}-d; delete it to rebuild"
            )
        rows = self.meta["rows"]
        # The vectors and the graph's copy of them are mapped, not read: processes
        # serving the same index (web workers) share one copy in the page cache, and
        # opening a million-vector index takes milliseconds. Files are only ever
        # appended to or replaced whole (never rewritten in place), so a mapping
        # stays valid while another process refreshes the index.
        try:
            self.vectors = self._load("vectors.f32", np.float32, (rows, dim), mapped=True)
            self.pks = self._load("pks.i64", np.int64, (rows,))
            self.hashes = self._load("hashes.i64", np.int64, (rows,))
        except _ShortFile as exc:  # derived data: start again, the next sync rebuilds it from the store
            log.warning("%s; the vector index at %s starts again from the stored embeddings", exc, self.dir)
            self.meta = {"rev": 0, "seq": 0, "dim": dim, "rows": 0}
            rows = 0
            self.vectors = np.zeros((0, dim), np.float32)
            self.pks = self.hashes = np.zeros(0, np.int64)
        self.live = self._live_mask()
        self.graph = None
        self._graph_mapped = False
        if (self.dir / "hnsw.faiss").exists():
            faiss = _faiss()
            mmap = getattr(faiss, "IO_FLAG_MMAP_IFC", 0)  # faiss >= 1.10
            if mmap:
                _read_ahead(self.dir / "hnsw.faiss")
            self.graph = faiss.read_index(str(self.dir / "hnsw.faiss"), mmap)
            self._graph_mapped = bool(mmap)
            if self.graph.ntotal != rows:  # an interrupted refresh: rebuild
                self.graph = None

    def _load(self, name: str, dtype, shape, mapped: bool = False) -> np.ndarray:
        path = self.dir / name
        if not shape[0] or not path.exists():
            return np.zeros((0,) + shape[1:], dtype=dtype)
        needed = int(np.prod(shape))
        if path.stat().st_size < needed * np.dtype(dtype).itemsize:
            raise _ShortFile(f"{path} is shorter than its meta.json says (an interrupted rewrite?)")
        # Files are appended before meta.json is written: extra bytes are an
        # interrupted refresh, and are ignored (the next refresh redoes them).
        if mapped:
            _read_ahead(path)
            return np.memmap(path, dtype=dtype, mode="r", shape=shape)
        return np.fromfile(path, dtype=dtype, count=needed).reshape(shape)

    def _live_mask(self) -> np.ndarray:
        live = np.zeros(len(self.pks), dtype=bool)
        if len(self.pks):
            # The last row of each paper is its current vector.
            _, last = np.unique(self.pks[::-1], return_index=True)
            live[len(self.pks) - 1 - last] = True
        return live

    def __len__(self) -> int:
        return int(self.live.sum())

    @property
    def watermark(self) -> tuple[int, int]:
        return self.meta["rev"], self.meta["seq"]

    def _append_file(self, name: str, data: np.ndarray, rows_before: int) -> None:
        path = self.dir / name
        with open(path, "r+b" if path.exists() else "wb") as fh:
            fh.seek(rows_before * data.itemsize * (data.shape[1] if data.ndim == 2 else 1))
            fh.write(data.tobytes())
            fh.truncate()

    def add(self, pks: list[int], hashes: list[int], vectors: np.ndarray,
            rev: int, seq: int) -> int:
        """Append the vectors of these papers (replacing older ones) and persist.

        ``hashes`` identify each vector's text: a paper whose current row has
        the same hash is skipped. Returns the number of rows added.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        pks_a = np.asarray(pks, dtype=np.int64)
        hashes_a = np.asarray(hashes, dtype=np.int64)
        if len(pks_a) and len(self.pks):
            current = dict(zip(self.pks[self.live].tolist(), self.hashes[self.live].tolist()))
            keep = np.fromiter((current.get(p) != h for p, h in zip(pks_a.tolist(), hashes_a.tolist())),
                               dtype=bool, count=len(pks_a))
            pks_a, hashes_a, vectors = pks_a[keep], hashes_a[keep], vectors[keep]
        if len(pks_a):
            rows = self.meta["rows"]
            self._append_file("vectors.f32", vectors, rows)
            self._append_file("pks.i64", pks_a, rows)
            self._append_file("hashes.i64", hashes_a, rows)
            self.vectors = np.concatenate([self.vectors, vectors])
            self.pks = np.concatenate([self.pks, pks_a])
            self.hashes = np.concatenate([self.hashes, hashes_a])
            self.live = self._live_mask()
        self.meta.update(rev=max(rev, self.meta["rev"]), seq=max(seq, self.meta["seq"]),
                         rows=len(self.pks))
        self._update_graph(len(pks_a))
        tmp = self.dir / "meta.json.tmp"
        tmp.write_text(json.dumps(self.meta))
        tmp.replace(self.dir / "meta.json")
        self._stamp = _stamp(self.dir / "meta.json")
        return len(pks_a)

    def changed_on_disk(self) -> bool:
        """True when another process has refreshed this index since it was opened
        (a long-running server then reopens it: cheap, the files are mapped)."""
        return _stamp(self.dir / "meta.json") != self._stamp

    def _update_graph(self, added: int) -> None:
        rows = len(self.pks)
        if rows < self.ann_threshold:
            self.graph = None
            (self.dir / "hnsw.faiss").unlink(missing_ok=True)
            return
        stale = rows - int(self.live.sum())
        if stale > REBUILD_STALE_FRACTION * rows:
            self._compact()
            rows = len(self.pks)
        faiss = _faiss()
        if self.graph is None or self.graph.ntotal != rows - added:
            self.graph = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            self.graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            self.graph.add(self.vectors)
        elif added:
            if self._graph_mapped:  # a mapped graph is read-only: read it into memory to grow it
                self.graph = faiss.read_index(str(self.dir / "hnsw.faiss"))
            self.graph.add(self.vectors[rows - added:])
        else:
            return
        self._graph_mapped = False
        _replace(self.dir / "hnsw.faiss", lambda tmp: faiss.write_index(self.graph, str(tmp)))

    def _compact(self) -> None:
        self.vectors = self.vectors[self.live]
        self.pks = self.pks[self.live]
        self.hashes = self.hashes[self.live]
        self.live = np.ones(len(self.pks), dtype=bool)
        for name, data in (("vectors.f32", self.vectors), ("pks.i64", self.pks), ("hashes.i64", self.hashes)):
            _replace(self.dir / name, data.tofile)
        self.meta["rows"] = len(self.pks)
        self.graph = None

    def search(self, query: np.ndarray, limit: int = 20,
               allowed: set[int] | None = None, exact: bool = False) -> list[VectorHit]:
        """The ``limit`` most similar papers, optionally only among ``allowed`` keys."""
        if not len(self.pks) or limit <= 0:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        mask = self.live
        if allowed is not None:
            mask = mask & np.isin(self.pks, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
        candidates = int(mask.sum())
        if not candidates:
            return []
        if self.graph is None or exact or candidates < 4 * limit or candidates < self.ann_threshold:
            return self._exact(query, limit, mask)
        return self._approximate(query, limit, mask)

    def _exact(self, query: np.ndarray, limit: int, mask: np.ndarray) -> list[VectorHit]:
        rows = np.flatnonzero(mask)
        if 4 * len(rows) >= len(mask):  # most rows: score them all in place (gathering them copies the matrix)
            scores = (self.vectors @ query)[rows]
        else:
            scores = self.vectors[rows] @ query
        k = min(limit, len(rows))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [VectorHit(int(self.pks[rows[i]]), float(scores[i])) for i in top]

    def _approximate(self, query: np.ndarray, limit: int, mask: np.ndarray) -> list[VectorHit]:
        share = mask.sum() / len(mask)
        k = int(min(len(mask), max(limit * 2, limit / max(share, 1e-6) * 2)))
        self.graph.hnsw.efSearch = max(ef_search_for(len(mask)), k)
        scores, rows = self.graph.search(query.reshape(1, -1), k)
        hits = []
        for score, row in zip(scores[0], rows[0]):
            if row >= 0 and mask[row]:
                hits.append(VectorHit(int(self.pks[row]), float(score)))
                if len(hits) == limit:
                    return hits
        # The filter kept too few of the graph's candidates: scan exactly.
        return self._exact(query, limit, mask)

    def vector_of(self, pk: int) -> np.ndarray | None:
        rows = np.flatnonzero((self.pks == pk) & self.live)
        return self.vectors[rows[0]] if len(rows) else None
