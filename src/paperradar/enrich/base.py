"""What an enricher is, and the shapes of what the built-in ones find.

An enricher is a small object with a ``name``, a ``version`` and an
``enrich(papers, ctx)`` method; built-ins and third parties register the same
way (the ``register_enrichers`` plugin hook). Its output for a paper is an
``Enrichment``: JSON-able ``data`` plus lookup ``keys`` the store indexes.
Outputs are stored per (paper, enricher) with the paper's content hash and
the enricher's version, so ``paperradar enrich`` redoes only what changed.

Data shapes of the built-in enrichers (what ``show``, ``--json``, digests and
the web app read):

- ``category``: ``{"predicted": [{"category": "cs.CV", "confidence": 0.91}, ...],
  "method": "probe" | "zero-shot"}``, only for papers no source gave a
  category. Keys: the top category when confident (search filters use it).
- ``links``: ``{"links": [{"url", "kind"}], "datasets": [...], "models": [...]}``
  found in the abstract and comments. Keys: ``"code"`` when the paper has a
  code link (given or found), ``"dataset:<name>"``.
- ``results``: ``{"claims": [{"method", "metric", "value", "unit", "dataset",
  "baseline", "baseline_value", "sentence"}]}``. Keys: ``"dataset:<key>"``.
- ``name``: ``{"name": "BEiT", "from": "title" | "abstract"}``.
- ``tldr``: ``{"text": "...", "method": "extractive" | "<backend>"}``.
- ``translate``: ``{"<lang>": {"title": ..., "summary": ...}, "backend": "..."}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..errors import PaperradarError

if TYPE_CHECKING:
    from ..models import Paper
    from ..store import Store


class RetryLater(PaperradarError):
    """Raised by an enricher for papers it cannot do now (a backend is down):
    they are reported as failures, without a traceback, and retried next run."""


@dataclass
class Enrichment:
    """What one enricher found for one paper."""

    data: dict[str, Any] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)


@dataclass
class EnrichContext:
    """What enrichers may use: the store, settings, and shared helpers."""

    store: Store
    settings: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def notice(self, message: str) -> None:
        self.notices.append(message)


@runtime_checkable
class Enricher(Protocol):
    #: Short, stable name; the key of its output in ``Paper.enrichments``.
    name: str
    #: Bump when the output for the same text would change; may include
    #: configuration (a backend name, a trained model's fingerprint).
    version: str
    #: Names of enrichers whose output this one reads (they run first).
    requires: tuple[str, ...]
    description: str

    def prepare(self, ctx: EnrichContext) -> str | None:
        """Get ready (train, connect). Return a reason to skip this run, or None."""
        ...

    def enrich(self, papers: list[Paper], ctx: EnrichContext) -> list[Enrichment | None]:
        """One result per paper, in order; None when there is nothing to say."""
        ...


def has_code(paper: Paper) -> bool:
    """A code link given by a source or found by the links enricher."""
    if any(link.kind == "code" for link in paper.links):
        return True
    found = paper.enrichments.get("links") or {}
    return any(link.get("kind") == "code" for link in found.get("links") or [])


def predicted_categories(paper: Paper) -> list[dict[str, Any]]:
    """Predicted categories with confidence, best first (empty when given)."""
    if paper.categories:
        return []
    return list((paper.enrichments.get("category") or {}).get("predicted") or [])


def filter_categories(paper: Paper, min_confidence: float = 0.5) -> list[str]:
    """Categories search filters match: the given ones, else a confident prediction."""
    if paper.categories:
        return list(paper.categories)
    return [p["category"] for p in predicted_categories(paper)[:1] if p.get("confidence", 0) >= min_confidence]
