"""The built-in sources, registered through the public plugin hooks."""

from __future__ import annotations

import importlib
import logging

from ..plugins import hookimpl

log = logging.getLogger(__name__)

#: Modules that each define FORMATS (file layouts) and/or SOURCES (online).
MODULES = (
    "paperradar.sources.jsonl",
    "paperradar.sources.hf_daily",
    "paperradar.sources.arxiv_atom",
    "paperradar.sources.oai",
    "paperradar.sources.bibtex",
    "paperradar.sources.csvfile",
    "paperradar.sources.pasted",
)


def _modules():
    for name in MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.error("built-in source module %s is missing from this install", name)


@hookimpl
def register_formats(register):
    for module in _modules():
        for fmt in getattr(module, "FORMATS", ()):
            register(fmt)


@hookimpl
def register_sources(register):
    for module in _modules():
        for source in getattr(module, "SOURCES", ()):
            register(source)
