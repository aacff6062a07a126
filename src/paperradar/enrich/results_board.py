"""Leaderboards over the ``results`` enricher's claims: which datasets have
claims, and the claims on one dataset grouped by metric, best first."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .results_datasets import dataset_key
from .results_vocab import lower_is_better

UNNAMED_METRIC = "(metric not named)"


@dataclass
class BoardRow:
    """One claim on a leaderboard, with the paper it comes from."""

    paper_id: str
    title: str
    claim: dict

    def as_dict(self) -> dict:
        return {"paper_id": self.paper_id, "title": self.title, **self.claim,
                "dataset_key": dataset_key(self.claim.get("dataset"))}


@dataclass
class Board:
    """The claims of one metric on one dataset, best first."""

    metric: str
    lower_is_better: bool
    rows: list[BoardRow] = field(default_factory=list)


def results_enriched(store) -> bool:
    """Whether ``paperradar enrich`` has run the results enricher on any paper."""
    return next(iter(store.enrichment_rows("results")), None) is not None


def _metric_matches(wanted: str | None, metric: str | None) -> bool:
    if not wanted:
        return True
    fold = lambda text: re.sub(r"[^a-z0-9@]", "", (text or "").lower())  # noqa: E731
    return bool(fold(wanted)) and fold(wanted) in fold(metric)


def _keys_for(store, name: str) -> set[str]:
    """Dataset keys a name asks for: its own, and its variants ("imagenet" -> "imagenet-1k")."""
    key = dataset_key(name)
    found = {k.removeprefix("dataset:") for k, _ in store.enrichment_keys("results", f"dataset:{key}")}
    return {k for k in found if k == key or k.startswith(key + "-")} or {key}


def leaderboard(store, dataset: str, metric: str | None = None, limit: int = 10) -> list[Board]:
    """Claims on ``dataset`` (any spelling; "ImageNet" also shows "ImageNet-1K"),
    grouped by metric, best first (lower first for FID, WER, error...);
    ``limit`` rows per metric (0: all)."""
    keys = _keys_for(store, dataset)
    pks = sorted({pk for key in keys for pk in store.pks_with_key("results", f"dataset:{key}")})
    boards: dict[str, Board] = {}
    for paper in store.papers_by_pk(pks):
        for claim in (paper.enrichments.get("results") or {}).get("claims") or []:
            if dataset_key(claim.get("dataset")) not in keys or not _metric_matches(metric, claim.get("metric")):
                continue
            name = claim.get("metric") or UNNAMED_METRIC
            board = boards.setdefault(name, Board(name, lower_is_better(claim.get("metric"))))
            board.rows.append(BoardRow(paper.id or "", paper.display_title(), claim))
    out = sorted(boards.values(), key=lambda b: (-len(b.rows), b.metric))
    for board in out:
        board.rows.sort(key=lambda r: r.claim["value"], reverse=not board.lower_is_better)
        if limit:
            board.rows = board.rows[:limit]
    return out


def dataset_counts(store, metric: str | None = None) -> list[tuple[str, int]]:
    """(dataset key, number of papers with a claim on it), most papers first;
    with ``metric``, only claims of that metric count."""
    if not metric:
        return [(k.removeprefix("dataset:"), n) for k, n in store.enrichment_keys("results", "dataset:")]
    counts: Counter = Counter()
    for _, data in store.enrichment_rows("results"):
        keys = {dataset_key(c.get("dataset")) for c in data.get("claims") or []
                if c.get("dataset") and _metric_matches(metric, c.get("metric"))}
        counts.update(k for k in keys if k)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
