"""all-MiniLM-L6-v2 on ONNX Runtime: the default embedder.

Texts are tokenised by the Rust ``tokenizers`` package (truncated at the
model's 256 tokens, as sentence-transformers does) and run through the lean
graph of ``embed_graph`` (int8 matrix products, see ``embed_quantize``) with
full graph optimisation (less one slow fusion, see ``UNFUSED``) and one
intra-op thread per core; pooling and L2 normalisation happen inside the graph.

Batching: the int8 default runs one text per call. Its activations are
quantized with one scale per call, so a text batched with others would get a
vector that depends slightly on its batch mates (cosine down to ~0.97 for very
short texts); one text per call keeps every vector a function of its own text,
which is what a cache keyed by content hash needs, and measured as fast or
faster than batches on this 2-core CPU (a 256-token text already makes
256-row matrix products). With ``batch_size`` > 1, texts are sorted by length
so each batch carries little padding; vectors always come back in input order.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from .embed import EmbeddingModelMissing

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MINILM_DIM = 384
MINILM_MAX_TOKENS = 256  # max_seq_length of all-MiniLM-L6-v2 in sentence-transformers
TOKENIZE_CHUNK = 2048  # texts tokenised, sorted and embedded together
#: ONNX Runtime fusions left out: its SkipLayerNormalization kernel takes 5x as long as
#: the Add and LayerNormalization it replaces (0.56 vs 0.11 ms at 250 x 384, one
#: thread), which was 13 % of the model's time (BENCHMARKS.md, embedding throughput).
UNFUSED = ["SkipLayerNormFusion"]


def usable_cores(setting: str) -> int:
    """A positive count from environment variable ``setting``, else the cores this process may use."""
    wanted = os.environ.get(setting, "")
    if wanted.isdecimal() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def cpu_threads() -> int:
    """Threads for inference: $PAPERRADAR_EMBED_THREADS, else the cores this process may use."""
    return usable_cores("PAPERRADAR_EMBED_THREADS")


def _require_runtime():
    try:
        import numpy
        import onnxruntime
        import tokenizers
    except ImportError as exc:
        raise EmbeddingModelMissing(f"missing {exc.name}") from exc
    return numpy, onnxruntime, tokenizers


class OnnxMiniLM:
    """all-MiniLM-L6-v2 on ONNX Runtime (CPU).

    ``variant`` picks the arithmetic: ``"int8"`` (int8 weights and int8 matrix
    products with dynamic activation scales; the fast default) or ``"int8w"``
    (the same int8 weights, fp32 arithmetic). ``batch_size`` defaults to 1 for
    ``"int8"`` (see the module doc) and 16 for ``"int8w"``.
    """

    dim = MINILM_DIM
    #: Large jobs may embed on one single-threaded copy per core (index/embed_pool.py).
    POOLABLE = True

    def __init__(self, variant: str = "int8", *, batch_size: int | None = None, threads: int | None = None,
                 max_tokens: int = MINILM_MAX_TOKENS):
        np, ort, tokenizers = _require_runtime()
        from . import embed_models, embed_quantize

        if variant not in ("int8", "int8w"):
            raise ValueError(f"unknown ONNX MiniLM variant {variant!r}; use 'int8' or 'int8w'")
        # the name says everything that changes the vectors: arithmetic, and truncation if not the model's
        suffix = "" if max_tokens == MINILM_MAX_TOKENS else f"-t{max_tokens}"
        self.name = f"all-MiniLM-L6-v2/onnx-{variant}{suffix}"
        self.batch_size = batch_size or (1 if variant == "int8" else 16)
        self.max_tokens = max_tokens
        self._np = np
        self._tokenizer = tokenizers.Tokenizer.from_str(embed_models.minilm_tokenizer_json())
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        self._ort = ort
        # one text per call has no padding, so attention can skip the mask (same vectors, ~6 % faster)
        self._model = embed_quantize.prepared_model(embed_models.minilm_onnx_path(), variant,
                                                    masked=self.batch_size > 1)
        self._threads = threads or cpu_threads()
        self._session = self._new_session(self._threads)
        self._query_session = None
        log.debug("loaded %s with %d threads", self.name, self._threads)

    def _new_session(self, threads: int):
        ort = self._ort
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if threads == 1:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(self._model, options, providers=["CPUExecutionProvider"],
                                    disabled_optimizers=UNFUSED)

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, shape (len(texts), 384), in input order."""
        np = self._np
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), TOKENIZE_CHUNK):
            chunk = [t if isinstance(t, str) else "" for t in texts[start:start + TOKENIZE_CHUNK]]
            ids = [e.ids for e in self._tokenizer.encode_batch(chunk, add_special_tokens=True)]
            order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
            for b in range(0, len(order), self.batch_size):
                rows = order[b:b + self.batch_size]
                out[[start + r for r in rows]] = self._embed_batch([ids[r] for r in rows])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised vector of shape (384,) (MiniLM takes queries as they are).

        Queries run on a second, single-threaded session: a few tokens gain nothing
        from parallel kernels, and a search embeds its query while the keyword index
        works beside it (measured: p50 and p99 both lower than with two threads)."""
        if self._query_session is None:
            self._query_session = self._session if self._threads == 1 else self._new_session(1)
        ids = self._tokenizer.encode(text if isinstance(text, str) else "", add_special_tokens=True).ids
        return self._embed_batch([ids], self._query_session)[0]

    def _embed_batch(self, batch_ids: list[list[int]], session=None) -> np.ndarray:
        np = self._np
        width = max(len(ids) for ids in batch_ids)
        input_ids = np.zeros((len(batch_ids), width), dtype=np.int64)
        mask = np.zeros((len(batch_ids), width), dtype=np.int64)
        for row, ids in enumerate(batch_ids):
            input_ids[row, :len(ids)] = ids
            mask[row, :len(ids)] = 1
        return (session or self._session).run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
