"""What every ``fuzz/fuzz_<name>.py`` runs: atheris over one target of ``fuzz.targets``.

The target's own modules (and the paperradar modules they import) are imported
under atheris's instrumentation, so the fuzzer sees which branches each input
reaches; the rest is imported plainly, which keeps the start to about a second.
Only the exceptions a target allows are caught (inside the target); anything
else, and any broken property, is a finding.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_SOURCES = "paperradar.sources."
#: The modules whose coverage guides each target (kept here: importing fuzz.targets
#: first would import them uninstrumented).
INSTRUMENTED = {
    "pasted": (_SOURCES + "pasted",),
    "layouts": (_SOURCES + "layouts",),
    "arxiv_atom": (_SOURCES + "arxiv_atom",),
    "arxiv_feeds": (_SOURCES + "arxiv_feeds",),
    "oai": (_SOURCES + "oai",),
    "snapshot": (_SOURCES + "snapshot", _SOURCES + "jsonl"),
    "hf_daily": (_SOURCES + "hf_daily",),
    "bibtex": (_SOURCES + "bibtex",),
    "csv": (_SOURCES + "csvfile",),
    "jsonl": (_SOURCES + "jsonl",),
    "sniff": tuple(_SOURCES + m for m in ("builtin", "jsonl", "hf_daily", "arxiv_atom", "oai",
                                          "bibtex", "csvfile", "pasted")),
    "query": ("paperradar.index.query_text", "paperradar.index.keyword"),
}


def main(name: str) -> None:
    """Fuzz the target ``name`` with libFuzzer's command line (see ``fuzz/run.py``)."""
    with atheris.instrument_imports(include=["paperradar"]):
        for module in INSTRUMENTED[name]:
            importlib.import_module(module)
    from fuzz.targets import TARGETS, keyword_index

    if name == "query":
        keyword_index()  # built once, before fuzzing starts
    atheris.Setup(sys.argv, TARGETS[name].run)
    atheris.Fuzz()
