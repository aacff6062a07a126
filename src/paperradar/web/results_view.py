"""Leaderboards from the results enricher's claims: which datasets have claims,
and one dataset's claims grouped by metric, best first."""

from __future__ import annotations

from typing import Any

from .features import feature
from .present import paper_path
from .services import revision


def datasets(parts: Any) -> list[tuple[str, int]]:
    """(dataset key, number of papers with claims on it), most first."""
    def compute():
        found = feature("dataset_counts")
        if found.available:
            return [tuple(x) for x in found.fn(parts.store)]
        return [(k.removeprefix("dataset:"), n) for k, n in parts.store.enrichment_keys("results", "dataset:")]
    return parts.memo.get(("datasets",), revision(parts), compute)


def leaderboards(parts: Any, dataset: str, metric: str | None = None, limit: int = 20) -> list[dict]:
    """Boards of one dataset: [{"metric", "lower_is_better", "rows": [claim + paper]}]."""
    def compute():
        found = feature("leaderboard")
        if found.available:
            boards = found.fn(parts.store, dataset, metric, limit)
            return [{"metric": b.metric, "lower_is_better": b.lower_is_better,
                     "rows": [_row(r.paper_id, r.title, r.claim) for r in b.rows]} for b in boards]
        return _plain_boards(parts, dataset, metric, limit)
    return parts.memo.get(("leaderboard", dataset, metric, limit), revision(parts), compute)


def _row(paper_id: str, title: str, claim: dict) -> dict:
    keep = ("method", "metric", "value", "unit", "dataset", "baseline", "baseline_value", "sentence")
    return {"paper_id": paper_id, "paper_url": paper_path(paper_id), "title": title,
            **{k: claim.get(k) for k in keep}}


def _plain_boards(parts: Any, dataset: str, metric: str | None, limit: int) -> list[dict]:
    """Without the leaderboard module: claims of papers keyed to this dataset, by metric."""
    key = dataset.strip().lower()
    pks = parts.store.pks_with_key("results", f"dataset:{key}")
    boards: dict[str, list[dict]] = {}
    for paper in parts.store.papers_by_pk(pks):
        for claim in (paper.enrichments.get("results") or {}).get("claims") or []:
            if not isinstance(claim, dict) or not isinstance(claim.get("value"), (int, float)):
                continue
            if metric and metric.lower() not in str(claim.get("metric") or "").lower():
                continue
            boards.setdefault(str(claim.get("metric") or "(metric not named)"), []).append(
                _row(paper.id or "", paper.display_title(), claim))
    out = []
    for name, rows in sorted(boards.items(), key=lambda kv: -len(kv[1])):
        rows.sort(key=lambda r: r["value"], reverse=True)
        out.append({"metric": name, "lower_is_better": False, "rows": rows[:limit]})
    return out
