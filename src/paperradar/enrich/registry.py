"""The enrichers known to this installation: built-ins and plugins alike."""

from __future__ import annotations

from ..errors import InputError
from .base import Enricher


def all_enrichers() -> dict[str, Enricher]:
    """Name -> enricher, from every ``register_enrichers`` hook, in run order
    (an enricher runs after those it ``requires``)."""
    from ..plugins import plugin_manager

    found: dict[str, Enricher] = {}

    def register(enricher: Enricher) -> None:
        if enricher.name in found:
            raise ValueError(f"two enrichers are named {enricher.name!r}")
        found[enricher.name] = enricher

    plugin_manager().hook.register_enrichers(register=register)
    return _ordered(found)


def _ordered(found: dict[str, Enricher]) -> dict[str, Enricher]:
    out: dict[str, Enricher] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in out:
            return
        if name in visiting:
            raise ValueError(f"enrichers require each other in a cycle through {name!r}")
        visiting.add(name)
        for dep in getattr(found[name], "requires", ()):
            if dep in found:
                visit(dep)
        visiting.discard(name)
        out[name] = found[name]

    for name in found:
        visit(name)
    return out


def select(names: list[str] | tuple[str, ...] | None) -> dict[str, Enricher]:
    """The named enrichers (all when none named), in run order."""
    known = all_enrichers()
    if not names:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError("--only", f"unknown enricher {', '.join(unknown)}; known: {', '.join(known)}")
    return {n: e for n, e in known.items() if n in names}
