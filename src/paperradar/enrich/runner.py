"""``paperradar enrich``: run each enricher over the papers it has not seen
in their current text and its current version, in batches, one transaction
per batch, so a killed run keeps what it finished and a re-run does the rest."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from ..errors import PaperradarError
from ..models import Paper
from .base import EnrichContext, Enricher, Enrichment, RetryLater
from .registry import select

log = logging.getLogger(__name__)

BATCH = 200


@dataclass
class EnricherReport:
    name: str
    done: int = 0
    found: int = 0
    up_to_date: bool = False
    skipped: str | None = None
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"enricher": self.name, "done": self.done, "found": self.found,
                "skipped": self.skipped, "failures": self.failures}


@dataclass
class EnrichSummary:
    reports: list[EnricherReport] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"enrichers": [r.as_dict() for r in self.reports], "notices": self.notices}


Progress = Callable[[str, int, int], None]  # (enricher, done, total)


def run_enrichers(store, only=None, *, redo: bool = False, settings: dict | None = None,
                  progress: Progress | None = None, batch: int = BATCH,
                  pks: list[int] | None = None) -> EnrichSummary:
    """Run the enrichers (``only`` some, by name) on what changed; ``redo``
    recomputes everything; ``pks`` limits the run to those papers."""
    ctx = EnrichContext(store=store, settings=dict(settings or {}))
    summary = EnrichSummary()
    for name, enricher in select(only).items():
        report = EnricherReport(name)
        summary.reports.append(report)
        try:
            reason = enricher.prepare(ctx)
        except PaperradarError as exc:
            reason = str(exc)
        if reason:
            report.skipped = reason
            continue
        version = "redo-" + enricher.version if redo else enricher.version
        todo = store.enrichment_todo(name, version, pks=pks)
        if redo:  # store under the real version afterwards
            version = enricher.version
        if not todo:
            report.up_to_date = True
            continue
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            rows = _enrich_chunk(store, enricher, chunk, ctx, report)
            store.save_enrichments(name, version, rows)
            report.done += len(rows)
            report.found += sum(1 for _, _, data, _ in rows if data)
            if progress:
                progress(name, min(start + batch, len(todo)), len(todo))
    summary.notices = ctx.notices
    return summary


def _enrich_chunk(store, enricher: Enricher, chunk: list[tuple[int, str]], ctx: EnrichContext,
                  report: EnricherReport) -> list[tuple[int, str, dict, list[str]]]:
    return enrich_pairs(enricher, load_pairs(store, chunk), dict(chunk), ctx, report)


def load_pairs(store, chunk: list[tuple[int, str]]) -> list[tuple[int, Paper]]:
    """(pk, paper) of the to-do ``chunk`` (pk, content_hash), leaving out papers gone since listing."""
    papers = store.papers_by_pk([pk for pk, _ in chunk])
    if len(papers) == len(chunk):
        return list(zip([pk for pk, _ in chunk], papers))
    live = {store.pk_of(p.id): p for p in papers}  # a paper vanished between listing and loading: realign
    return [(pk, live[pk]) for pk, _ in chunk if pk in live]


def enrich_pairs(enricher: Enricher, pairs: list[tuple[int, Paper]], hashes: dict[int, str],
                 ctx: EnrichContext, report: EnricherReport) -> list[tuple[int, str, dict, list[str]]]:
    """The rows ``store.save_enrichments`` takes for these papers: one batch call,
    paper by paper when it fails (failures go to ``report`` and are not stored).
    Needs no store itself (the Ray engine runs it on workers)."""
    try:
        results = enricher.enrich([p for _, p in pairs], ctx)
        if len(results) != len(pairs):
            raise RuntimeError(f"returned {len(results)} results for {len(pairs)} papers")
    except Exception as exc:  # isolate the paper that breaks it; the others still go in
        if isinstance(exc, PaperradarError) and not isinstance(exc, RetryLater):
            raise
        if not isinstance(exc, RetryLater):
            log.exception("enricher %s failed on a batch; retrying paper by paper", enricher.name)
        results = []
        for pk, paper in pairs:
            try:
                results.extend(enricher.enrich([paper], ctx))
            except Exception as exc:
                report.failures.append(f"{paper.id}: {type(exc).__name__}: {exc}")
                results.append(_FAILED)
    rows = []
    for (pk, _), result in zip(pairs, results):
        if result is _FAILED:
            continue  # not stored: retried on the next run
        result = result or Enrichment()
        rows.append((pk, hashes[pk], result.data, list(result.keys)))
    return rows


_FAILED = Enrichment(data={"failed": True})
