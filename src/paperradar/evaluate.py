"""Search quality: metrics, loaders for the judged sets, and evaluation drivers
that take callables, so any retriever can be measured (the product's search or
a benchmark's reference retriever). Library code only: no printing.

* the dev qrels (``{query: [[substring, grade], ...], "_doc": ...}``): judged
  papers are named by a case-insensitive substring of their title or abstract;
* SciRepEval ``search`` (JSON lines: a query and 10 candidates with a graded
  ``score``): rerank the candidates, nDCG@10;
* SciRepEval citation triplets (query paper, cited ``pos``, uncited ``neg``):
  the cited paper must be the more similar one.

nDCG uses linear gain (the grade) and a ``log2(rank + 1)`` discount, as
trec_eval's ``ndcg_cut`` does.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .models import Author, Paper

log = logging.getLogger(__name__)

Search = Callable[[str, str, int], Sequence[Paper]]
"""``search(query, mode, limit) -> papers, best first``."""
Scorer = Callable[[str, Sequence[Paper]], Sequence[float]]
"""``scorer(query, candidates) -> one score per candidate, higher is better``."""


# --------------------------------------------------------------------- metrics

def _discount(rank: int) -> float:  # of a 0-based rank
    return 1.0 / math.log2(rank + 2)


def dcg_at_k(grades: Sequence[float], k: int) -> float:
    """Discounted cumulative gain of grades listed best-ranked first."""
    return sum(g * _discount(i) for i, g in enumerate(grades[:k]) if g)


def ndcg_at_k(ranked_grades: Sequence[float], ideal_grades: Iterable[float], k: int = 10) -> float:
    """nDCG@k: ``ranked_grades[i]`` is the grade found at rank ``i`` (0 if none);
    ``ideal_grades`` are the grades of every judged item, in any order.
    0.0 when nothing is judged relevant."""
    ideal = dcg_at_k(sorted(ideal_grades, reverse=True), k)
    if ideal <= 0:
        return 0.0
    return min(1.0, dcg_at_k(ranked_grades, k) / ideal)


def recall_at_k(found_ranks: Iterable[int | None], k: int = 20) -> float:
    """Share of relevant items found within the first ``k`` ranks.

    ``found_ranks`` has one entry per relevant item: its 0-based rank, or None
    when the item was not retrieved. 0.0 when there is no relevant item."""
    ranks = list(found_ranks)
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r < k) / len(ranks)


def ndcg_from_scores(scores: Sequence[float], grades: Sequence[float], k: int = 10) -> float:
    """nDCG@k of candidates ranked by ``scores`` (higher first).

    Tie-aware: candidates with equal scores share the mean discount of the
    ranks they occupy, i.e. the expected nDCG over every order of the ties, so
    neither the input order nor a constant scorer can inflate the result."""
    if len(scores) != len(grades):
        raise ValueError(f"{len(scores)} scores for {len(grades)} candidates")
    ideal = dcg_at_k(sorted(grades, reverse=True), k)
    if ideal <= 0:
        return 0.0
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    dcg, start = 0.0, 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        shared = sum(_discount(r) for r in range(start, min(end + 1, k))) / (end - start + 1)
        dcg += shared * sum(grades[order[i]] for i in range(start, end + 1))
        start = end + 1
    return dcg / ideal


# ---------------------------------------------------------------- dev qrels

@dataclass(frozen=True)
class Judged:
    """One judged query: each item is (substring of title or abstract, grade)."""

    query: str
    items: tuple[tuple[str, float], ...]


def load_dev_qrels(path: str | Path) -> list[Judged]:
    """The judged queries of a dev-qrels JSON file (keys starting with ``_``,
    such as ``_doc``, are documentation and skipped)."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(  # noqa: TRY004 - a bad file, not a bad argument
            f"{path}: expected a JSON object of query -> [[substring, grade], ...]")
    judged = []
    for query, items in raw.items():
        if query.startswith("_"):
            continue
        pairs = tuple((str(sub), float(grade)) for sub, grade in items)
        judged.append(Judged(query, pairs))
    return judged


def _folded(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def paper_matches(substring: str, paper: Paper) -> bool:
    """True when ``substring`` occurs, ignoring case and runs of whitespace, in
    the paper's title or in its abstract."""
    needle = _folded(substring)
    return bool(needle) and (needle in _folded(paper.title) or needle in _folded(paper.abstract))


def best_ranks(judged: Judged, ranked: Sequence[Paper]) -> list[int | None]:
    """For each judged item, the 0-based rank of the best-ranked paper it
    matches in ``ranked`` (None when it matches none). A judgement that matches
    several papers counts once, at its best rank."""
    folded = [(_folded(p.title), _folded(p.abstract)) for p in ranked]
    ranks: list[int | None] = []
    for substring, _grade in judged.items:
        needle = _folded(substring)
        ranks.append(next((i for i, (t, a) in enumerate(folded) if needle in t or needle in a), None))
    return ranks


def matching_papers(judged: Judged, corpus: Sequence[Paper]) -> dict[str, list[int]]:
    """Each judged substring -> the positions in ``corpus`` of the papers it
    matches (a judgement may match several papers, or none)."""
    return {sub: [i for i, p in enumerate(corpus) if paper_matches(sub, p)] for sub, _g in judged.items}


def findable(judged: Judged, corpus: Sequence[Paper]) -> Judged:
    """``judged`` keeping only the items that match some paper of ``corpus``
    (an item no paper matches is logged: it can never be found)."""
    matches = matching_papers(judged, corpus)
    for sub, found in matches.items():
        if not found:
            log.warning("judged item %r of query %r matches no paper", sub, judged.query)
    return Judged(judged.query, tuple((s, g) for s, g in judged.items if matches[s]))


@dataclass(frozen=True)
class QueryScore:
    ndcg10: float
    recall20: float


@dataclass
class Metrics:
    """Mean nDCG@10 and recall@20 of one mode, and each query's own."""

    ndcg10: float
    recall20: float
    per_query: dict[str, QueryScore] = field(default_factory=dict)


def score_ranking(judged: Judged, ranked: Sequence[Paper]) -> QueryScore:
    """nDCG@10 and recall@20 of one ranked list against one judged query."""
    ranks = best_ranks(judged, ranked)
    gains = [0.0] * 10
    for rank, (_sub, grade) in zip(ranks, judged.items):
        if rank is not None and rank < 10:
            gains[rank] += grade
    relevant = [r for r, (_s, g) in zip(ranks, judged.items) if g > 0]
    return QueryScore(ndcg_at_k(gains, [g for _s, g in judged.items], 10), recall_at_k(relevant, 20))


def evaluate_qrels(
    search: Search,
    judged: Sequence[Judged],
    modes: Sequence[str] = ("keyword", "semantic", "hybrid"),
    corpus: Sequence[Paper] | None = None,
) -> dict[str, Metrics]:
    """Mean nDCG@10 and recall@20 per mode. ``search(query, mode, 20)`` returns
    papers best first. With ``corpus``, judged items that match no paper in it
    are left out (they could never be found)."""
    if corpus is not None:
        judged = [findable(j, corpus) for j in judged]
    results: dict[str, Metrics] = {}
    for mode in modes:
        per_query = {j.query: score_ranking(j, search(j.query, mode, 20)) for j in judged}
        n = max(1, len(per_query))
        results[mode] = Metrics(sum(s.ndcg10 for s in per_query.values()) / n,
                                sum(s.recall20 for s in per_query.values()) / n, per_query)
    return results


# ------------------------------------------------------------------ SciRepEval

@dataclass(frozen=True)
class RerankQuery:
    """A query, its candidate papers and one relevance grade per candidate."""

    query: str
    candidates: tuple[Paper, ...]
    grades: tuple[float, ...]


def _scirepeval_paper(rec: dict[str, Any]) -> Paper:
    year = rec.get("year")
    return Paper(
        title=rec.get("title") or None,
        abstract=rec.get("abstract") or None,
        authors=[Author(name) for name in rec.get("author_names") or []],
        date=str(year) if year else None,
        source="scirepeval",
        source_id=str(rec.get("corpus_id") or rec.get("sha") or ""),
        source_fields={k: rec[k] for k in ("venue", "n_citations", "n_key_citations") if k in rec},
    )


def load_scirepeval_search(path: str | Path) -> list[RerankQuery]:
    """SciRepEval ``search`` JSON lines: each query with its candidates (as
    Papers) and their graded ``score``."""
    queries = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                cands = rec["candidates"]
                queries.append(RerankQuery(
                    query=rec["query"],
                    candidates=tuple(_scirepeval_paper(c) for c in cands),
                    grades=tuple(float(c.get("score") or 0) for c in cands),
                ))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: not a SciRepEval search record ({exc})") from exc
    return queries


def rerank_ndcg(scorer: Scorer, data: Sequence[RerankQuery], k: int = 10) -> list[float]:
    """nDCG@k of each query when its candidates are ranked by ``scorer``."""
    return [ndcg_from_scores(list(scorer(q.query, q.candidates)), q.grades, k) for q in data]


def evaluate_rerank(scorers: dict[str, Scorer], data: Sequence[RerankQuery]) -> dict[str, float]:
    """Mean nDCG@10 of each named scorer on a rerank set (ties are scored at
    their expected value, see :func:`ndcg_from_scores`)."""
    return {mode: sum(rerank_ndcg(fn, data)) / max(1, len(data)) for mode, fn in scorers.items()}


@dataclass(frozen=True)
class Triplet:
    """A query paper, a paper it cites and one it does not."""

    query: Paper
    positive: Paper
    negative: Paper


def load_citation_triplets(path: str | Path) -> list[Triplet]:
    """SciRepEval citation triplets (a JSON list of ``{query, pos, neg}``)."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        return [Triplet(_scirepeval_paper(r["query"]), _scirepeval_paper(r["pos"]),
                        _scirepeval_paper(r["neg"])) for r in raw]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a list of citation triplets ({exc})") from exc


@dataclass(frozen=True)
class TripletAccuracy:
    """Share of triplets whose cited paper is strictly more similar; a tie
    counts as a miss."""

    accuracy: float
    correct: int
    ties: int
    total: int


def citation_accuracy(similarity: Callable[[Paper, Paper], float],
                      triplets: Sequence[Triplet]) -> TripletAccuracy:
    """How often ``similarity(query, cited) > similarity(query, uncited)``."""
    correct = ties = 0
    for t in triplets:
        pos, neg = similarity(t.query, t.positive), similarity(t.query, t.negative)
        correct += pos > neg
        ties += pos == neg
    n = len(triplets)
    return TripletAccuracy(correct / n if n else 0.0, correct, ties, n)
