"""Wiring the stages: sources -> store (and, as they land, enrich, index, publish).

Library first: the CLI is a thin shell over these functions.
"""

from __future__ import annotations

import gc
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .errors import InputError, OfflineError, SourceError
from .models import Paper
from .sources import Checkpoint, Notice, Problem, SourceRef, expand
from .store import Store

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclass
class IngestSummary:
    added: int = 0
    merged: int = 0
    unchanged: int = 0
    rejected: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    offline: bool = False
    ids: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.added + self.merged + self.unchanged

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "rejected": [{"where": p.where, "reason": p.message} for p in self.rejected],
            "notices": [str(n) for n in self.notices],
            "resumed": self.resumed,
            "offline": self.offline,
        }


ProgressFn = Callable[[str, int], None]


class _Batcher:
    """Collects papers and commits them in batches, each with its checkpoint."""

    def __init__(self, store: Store, summary: IngestSummary, size: int, keep_ids: bool):
        self.store, self.summary, self.size, self.keep_ids = store, summary, size, keep_ids
        self.papers: list[Paper] = []

    def add(self, paper: Paper) -> bool:
        self.papers.append(paper)
        return len(self.papers) >= self.size

    def flush(self, checkpoint=None) -> None:
        if not self.papers and checkpoint is None:
            return
        result = self.store.ingest_batch(self.papers, checkpoint)
        self.summary.added += len(result.added)
        self.summary.merged += len(result.merged)
        self.summary.unchanged += len(result.unchanged)
        if self.keep_ids:
            self.summary.ids.extend(result.added + result.merged + result.unchanged)
        self.papers = []


def ingest_ref(
    store: Store,
    ref: SourceRef,
    summary: IngestSummary,
    http=None,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
    keep_ids: bool = False,
) -> None:
    """Ingest one source; resumes from its checkpoint if a run was interrupted."""
    batcher = _Batcher(store, summary, batch_size, keep_ids)
    key = ref.resume_key
    state = store.checkpoint(key) if key else None
    # Files resume by the number of records already committed; online
    # sources by the state they handed us (e.g. an OAI-PMH token).
    skip = state.get("records", 0) if (state and not ref.online) else 0
    if state:
        summary.resumed.append(ref.label)
    consumed = 0
    try:
        items = ref.items(http, state.get("source") if (state and ref.online) else None)
        for item in items:
            if isinstance(item, Notice):
                summary.notices.append(item)
                continue
            if isinstance(item, Checkpoint):
                batcher.flush((key, {"source": item.state}) if key else None)
                continue
            consumed += 1
            if consumed <= skip:
                continue
            if isinstance(item, Problem):
                summary.rejected.append(item)
            elif batcher.add(item):
                batcher.flush((key, {"records": consumed}) if key and not ref.online else None)
            if progress:
                progress(ref.label, consumed)
    except OfflineError as exc:
        summary.offline = True
        summary.rejected.append(Problem(ref.label, f"offline: {exc}"))
    except SourceError as exc:
        summary.rejected.append(Problem(ref.label, str(exc)))
    except InputError as exc:
        summary.rejected.append(Problem(exc.where or ref.label, exc.message))
    else:
        batcher.flush()
        if key:
            store.clear_checkpoint(key)
        return
    # A failure part-way: keep what was read, and the checkpoint, for a re-run.
    batcher.flush((key, {"records": consumed}) if key and not ref.online else None)


@contextmanager
def fewer_gc_pauses():
    """Imports allocate millions of short-lived objects and no cycles worth
    chasing: collect the young generation far less often while they run."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(old[0], 50_000), old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def ingest(
    store: Store,
    specs: Iterable[str],
    http=None,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
    keep_ids: bool = False,
) -> IngestSummary:
    """Bring papers from files, directories, stdin (``-``) or ``scheme:ARG`` sources."""
    summary = IngestSummary()
    with fewer_gc_pauses():
        for spec in specs:
            try:
                refs = expand(spec)
            except InputError as exc:
                summary.rejected.append(Problem(exc.where or spec, exc.message))
                continue
            for ref in refs:
                ingest_ref(store, ref, summary, http, progress, batch_size, keep_ids)
    return summary
