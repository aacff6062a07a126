"""The main job (``paperradar run``), as a library function."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date as Date

from .codec import paper_to_dict
from .models import Paper
from .pipeline import IngestSummary, ingest
from .store import PaperQuery, Store

DEFAULT_CATEGORIES = ("cs.LG", "cs.CV", "cs.CL", "cs.AI")


@dataclass
class RunReport:
    ingest: IngestSummary
    papers: list[Paper]
    day: str | None
    stored: int
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "ingest": self.ingest.as_dict(),
            "day": self.day,
            "stored": self.stored,
            "messages": self.messages,
            "papers": [paper_to_dict(p) for p in self.papers],
        }


def configured_categories(categories: tuple[str, ...] | list[str] = ()) -> list[str]:
    if categories:
        return list(categories)
    env = os.environ.get("PAPERRADAR_CATEGORIES")
    if env:
        return [c for c in env.replace(",", " ").split() if c]
    return list(DEFAULT_CATEGORIES)


def update_indexes(store: Store) -> list[str]:
    """Bring the search indexes up to date; embedding needs the [embed] extra."""
    from .errors import PaperradarError
    from .index import SearchEngine

    engine = SearchEngine(store)
    try:
        keyword = engine.sync_keyword()
        try:
            embedded = engine.embed_missing()
            engine.sync_vectors()
        except (PaperradarError, ImportError) as exc:
            return [f"indexed {keyword} papers for keyword search; semantic search skipped: {exc}"]
        return [f"indexed {keyword} papers; embedded {embedded}"] if keyword or embedded else []
    finally:
        engine.close()


def enrich_stored(store: Store) -> list[str]:
    """Run the enrichers on what changed; one line per enricher that did something or was skipped."""
    from .enrich import run_enrichers

    summary = run_enrichers(store)
    lines = []
    for report in summary.reports:
        if report.skipped:
            lines.append(f"enrich {report.name}: skipped: {report.skipped}")
        elif report.done:
            lines.append(f"enrich {report.name}: {report.done} papers"
                         + (f", {len(report.failures)} failed (retried next run)" if report.failures else ""))
    return lines + [f"enrich: {n}" for n in summary.notices]


def run_job(
    store: Store,
    categories=(),
    date: str | None = None,
    from_paths=(),
    http=None,
    limit: int = 30,
    enrich: bool = True,
    publish: bool = True,
) -> RunReport:
    """Fetch the day's papers (unless ``http`` is None: offline), store them,
    bring the indexes up to date, enrich what changed, write the day's digest
    and send the emails due (when SMTP is configured), and return the latest
    stored day's papers."""
    specs: list[str] = list(from_paths)
    messages: list[str] = []
    if http is not None:
        specs = [f"arxiv-new:{'+'.join(configured_categories(categories))}",
                 f"hf:{date or Date.today().isoformat()}"] + specs
    else:
        messages.append("offline: not fetching; working from what is stored"
                        + (" and the files given with --from" if from_paths else ""))
    summary = ingest(store, specs, http=http)
    if summary.offline:
        messages.append(
            "offline: arXiv and Hugging Face could not be reached; working from the "
            f"{store.count()} papers stored" + (" and --from files" if from_paths else "")
        )
    messages.extend(update_indexes(store))
    if enrich:
        messages.extend(enrich_stored(store))
    if publish:
        from .publish.subscribers import publish_day

        messages.extend(publish_day(store, date) if date else publish_day(store))
    latest = next(iter(store.papers(PaperQuery(limit=1))), None)
    day = latest.date[:10] if latest and latest.date else None
    papers = list(store.papers(PaperQuery(since=day, until=day, limit=limit))) if day else []
    return RunReport(summary, papers, day, store.count(), messages)
