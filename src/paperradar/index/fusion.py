"""Score fusion: merge the ranked lists of several retrievers into one.

Pure functions, chosen by name through :func:`fuse` (the way bm25s chooses its
scoring variants). A *run* is one retriever's answer for one query: a list of
``(key, score)`` pairs, best first, higher scores better. Every fused hit
records which retrievers found it, at which rank and with which score, and how
much each contributed to its fused score, so a search result can say why it
is there.

Methods (see each function):

* ``rrf``     reciprocal rank fusion, ``sum w / (k + rank)``; scores ignored.
* ``minmax``  convex combination of scores min-max normalised per run.
* ``zscore``  convex combination of scores standardised per run (mean 0, sd 1).
* ``tmm``     convex combination of scores normalised by a *theoretical*
              minimum (``lower``, default 0) and the run's maximum: the run's
              best hit gets 1, a score at the floor 0.

The score-based methods use the same weights for every query; the default
method and weights are chosen by measurement (benchmarks/bench_fusion.py).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

Run = Sequence[tuple[Hashable, float]]

#: The fusion the product uses: ``tmm`` with equal weights. Chosen by
#: measurement (benchmarks/bench_fusion.py): on SciRepEval search_dev and on the
#: dev qrels it is the score fusion least sensitive to its one weight (a flat
#: optimum for a semantic weight of 0.25 to 0.65, which cross-validation put at
#: 0.4 and 0.55), and it beats RRF on both; equal weights need no tuning.
DEFAULT_METHOD = "tmm"
#: Its parameters, for the retriever names the product uses.
DEFAULT_PARAMS: dict = {"weights": {"keyword": 0.5, "semantic": 0.5}}


@dataclass(frozen=True)
class RetrieverHit:
    """Where one retriever put a hit: 1-based ``rank`` and its raw ``score``."""

    rank: int
    score: float


@dataclass
class FusedHit:
    """One fused result. ``found_by`` maps each retriever that returned the key
    to its rank and raw score; ``contributions`` is each retriever's share of
    ``score`` (the values add up to ``score``)."""

    key: Hashable
    score: float
    found_by: dict[str, RetrieverHit] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)

    @property
    def retrievers(self) -> list[str]:
        """Names of the retrievers that found this hit, best rank first."""
        return sorted(self.found_by, key=lambda name: self.found_by[name].rank)


@dataclass(frozen=True)
class RunContribution:
    """What one run adds to each key's fused score: ``values`` for the keys it
    returned, ``missing`` for any other key."""

    values: dict[Hashable, float]
    missing: float = 0.0


# Each method maps clean runs (deduplicated, finite) to one RunContribution
# per retriever.
Contributions = dict[str, RunContribution]


def _weight(weights: Mapping[str, float] | None, name: str) -> float:
    return 1.0 if weights is None else float(weights.get(name, 1.0))


def rrf(runs: Mapping[str, Run], k: float = 60.0,
        weights: Mapping[str, float] | None = None) -> Contributions:
    """Reciprocal rank fusion (Cormack et al. 2009): ``w / (k + rank)`` summed
    over the runs, rank 1-based. Needs no score calibration; ignores how far
    apart the scores are."""
    if k < 0:
        raise ValueError("rrf: k must be >= 0")
    return {name: RunContribution({key: _weight(weights, name) / (k + rank)
                                   for rank, (key, _s) in enumerate(run, 1)})
            for name, run in runs.items()}


def minmax(runs: Mapping[str, Run], weights: Mapping[str, float] | None = None) -> Contributions:
    """Weighted sum of min-max normalised scores: the run's best hit gets
    ``w``, its worst 0, a key the run did not return nothing. A run with a
    single hit or with all scores equal gives every hit ``w``."""
    out: Contributions = {}
    for name, run in runs.items():
        w = _weight(weights, name)
        scores = [s for _k, s in run]
        lo, hi = (min(scores), max(scores)) if scores else (0.0, 0.0)
        span = hi - lo
        out[name] = RunContribution({key: w * ((s - lo) / span if span > 0 else 1.0) for key, s in run})
    return out


def zscore(runs: Mapping[str, Run], weights: Mapping[str, float] | None = None) -> Contributions:
    """Weighted sum of standardised scores ``(s - mean) / sd`` per run. A key
    a run did not return is given that run's lowest standardised score (it
    ranked below everything the run returned). A run with a single hit or all
    scores equal carries no evidence and gives 0."""
    out: Contributions = {}
    for name, run in runs.items():
        w = _weight(weights, name)
        scores = [s for _k, s in run]
        n = len(scores)
        mean = sum(scores) / n if n else 0.0
        sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / n) if n else 0.0
        values = {key: w * ((s - mean) / sd if sd > 0 else 0.0) for key, s in run}
        out[name] = RunContribution(values, min(values.values(), default=0.0))
    return out


def tmm(runs: Mapping[str, Run], weights: Mapping[str, float] | None = None,
        lower: Mapping[str, float] | float = 0.0) -> Contributions:
    """Weighted sum of scores normalised as ``(s - lower) / (max - lower)``
    ("theoretical min-max", Bruch et al. 2023): the floor is what the scoring
    function can give at worst (0 for BM25 and for cosine similarity of
    non-negative embeddings), so a run whose hits are all weak stays weak
    instead of being stretched to [0, 1] like ``minmax`` does."""
    out: Contributions = {}
    for name, run in runs.items():
        w = _weight(weights, name)
        floor = float(lower.get(name, 0.0)) if isinstance(lower, Mapping) else float(lower)
        top = max((s for _k, s in run), default=floor)
        span = top - floor
        out[name] = RunContribution(
            {key: w * (max(0.0, s - floor) / span if span > 0 else 1.0) for key, s in run})
    return out


FUSION_METHODS: dict[str, Callable[..., Contributions]] = {
    "rrf": rrf,
    "minmax": minmax,
    "zscore": zscore,
    "tmm": tmm,
}


def _clean(runs: Mapping[str, Run]) -> dict[str, list[tuple[Hashable, float]]]:
    """Runs with each key kept at its first (best) position; a non-finite
    score is an error."""
    clean = {}
    for name, run in runs.items():
        seen: set = set()
        kept = []
        for key, score in run:
            score = float(score)
            if not math.isfinite(score):
                raise ValueError(f"retriever {name!r}: score of {key!r} is {score}, not a finite number")
            if key not in seen:
                seen.add(key)
                kept.append((key, score))
        clean[name] = kept
    return clean


def _check_params(method: str, fn: Callable, params: dict) -> None:
    allowed = [p for p in inspect.signature(fn).parameters if p != "runs"]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"fusion method {method!r} takes {', '.join(allowed) or 'no parameters'}; "
                         f"not {', '.join(unknown)}")


def fuse(method: str, runs: Mapping[str, Run], limit: int | None = None,
         **params) -> list[FusedHit]:
    """Fuse per-retriever runs with the method named ``method`` (one of
    :data:`FUSION_METHODS`), best first, at most ``limit`` hits.

    Ties are broken by the best rank any retriever gave, then by how many
    retrievers found the hit, then by the order the runs were given in."""
    fn = FUSION_METHODS.get(method)
    if fn is None:
        raise ValueError(f"unknown fusion method {method!r}; choose one of: "
                         + ", ".join(sorted(FUSION_METHODS)))
    _check_params(method, fn, params)
    clean = _clean(runs)
    contrib = fn(clean, **params)

    hits: dict[Hashable, FusedHit] = {}
    order: dict[Hashable, int] = {}
    for name, run in clean.items():
        for rank, (key, score) in enumerate(run, 1):
            hit = hits.get(key)
            if hit is None:
                hit = hits[key] = FusedHit(key, 0.0)
                order[key] = len(order)
            hit.found_by[name] = RetrieverHit(rank, score)
    for hit in hits.values():
        for name, part in contrib.items():
            value = part.values.get(hit.key, part.missing)
            if value or name in hit.found_by:
                hit.contributions[name] = value
        hit.score = sum(hit.contributions.values())

    ranked = sorted(hits.values(), key=lambda h: (
        -h.score, min(r.rank for r in h.found_by.values()), -len(h.found_by), order[h.key]))
    return ranked[:limit] if limit is not None else ranked


def fuse_default(runs: Mapping[str, Run], limit: int | None = None) -> list[FusedHit]:
    """:func:`fuse` with the product's method and parameters."""
    return fuse(DEFAULT_METHOD, runs, limit=limit, **DEFAULT_PARAMS)


def fuse_scores(method: str, runs: Mapping[str, Run], **params) -> dict[Hashable, float]:
    """Just the fused score of every key (for reranking a fixed candidate set)."""
    return {h.key: h.score for h in fuse(method, runs, **params)}
