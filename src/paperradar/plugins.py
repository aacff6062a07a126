"""Plugin hooks. Built-in sources register through the same hooks as third
parties: a package exposing a ``paperradar`` entry point with ``@hookimpl``
functions adds file formats and online sources (and, later, enrichers).
"""

from __future__ import annotations

from functools import lru_cache

import pluggy

hookspec = pluggy.HookspecMarker("paperradar")
hookimpl = pluggy.HookimplMarker("paperradar")


class Hooks:
    @hookspec
    def register_formats(self, register):
        """Call ``register(FileFormat(...))`` for each file layout you read."""

    @hookspec
    def register_sources(self, register):
        """Call ``register(OnlineSource(...))`` for each ``scheme:ARG`` source."""

    @hookspec
    def register_enrichers(self, register):
        """Call ``register(enricher)`` for each enricher (see paperradar.enrich.base)."""


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    from .enrich import builtin as builtin_enrichers
    from .sources import builtin

    pm = pluggy.PluginManager("paperradar")
    pm.add_hookspecs(Hooks)
    pm.register(builtin, name="paperradar.builtin")
    pm.register(builtin_enrichers, name="paperradar.builtin_enrichers")
    pm.load_setuptools_entrypoints("paperradar")
    return pm
