"""The built-in enrichers, registered through the same hook as plugins."""

from __future__ import annotations

from ..plugins import hookimpl


@hookimpl
def register_enrichers(register):
    for module in _modules():
        for enricher in module.ENRICHERS:
            register(enricher)


def _modules():
    import importlib

    out = []
    for name in BUILTIN_MODULES:
        out.append(importlib.import_module(f"paperradar.enrich.{name}"))
    return out


#: Modules under paperradar.enrich with an ``ENRICHERS`` list.
BUILTIN_MODULES: list[str] = ["category", "links", "name", "results", "tldr", "translate"]
