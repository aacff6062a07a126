"""Embedding on several processes: one single-threaded copy of the model per core.

The int8 ONNX model embeds one short sequence at a time (see embed_onnx.py), and
a single sequence gains little from two threads of parallel kernels: most of the
time goes to synchronising them. One process per core, each with one thread,
keeps every core busy (BENCHMARKS.md has the measurements). The vectors are the
same as the single process's: the same session settings on the same texts.

Used by ``SearchEngine.embed_missing`` for large batches when the machine has
more than one core; ``PAPERRADAR_EMBED_PROCESSES`` sets the count (1 turns it off).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

log = logging.getLogger(__name__)

#: Below this many texts a pool costs more (start-up, model load) than it saves.
MIN_TEXTS = 256
CHUNK = 64

_worker_embedder = None


def pool_size() -> int:
    """Processes to embed with: $PAPERRADAR_EMBED_PROCESSES, else the usable cores."""
    from .embed_onnx import usable_cores

    return usable_cores("PAPERRADAR_EMBED_PROCESSES")


def _start(name: str) -> None:
    global _worker_embedder
    os.environ["PAPERRADAR_EMBED_THREADS"] = "1"
    from .embed import get_embedder

    _worker_embedder = get_embedder(name)


def _embed(texts: list[str]):
    return _worker_embedder.embed(texts)


class EmbedPool:
    """A pool of single-threaded embedders of model ``name``; use as a context manager."""

    def __init__(self, name: str, processes: int):
        self.name = name
        self.processes = processes
        self._pool = ProcessPoolExecutor(processes, mp_context=get_context("spawn"),
                                         initializer=_start, initargs=(name,))

    def embed(self, texts: list[str]):
        """Vectors of ``texts`` in order, computed in chunks across the processes."""
        import numpy as np

        chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]
        parts = list(self._pool.map(_embed, chunks))
        return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
