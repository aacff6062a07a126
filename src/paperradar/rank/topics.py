"""Topics: a period's papers clustered by their embeddings, labelled by their
words, laid out on a 2-D map, and counted per day or week.

- Clusters: spherical k-means (cosine) on the papers' unit vectors, k-means++
  starts, the best of a few restarts. k follows ``sqrt(n / 2)`` (2..30); the
  silhouette (cosine, on a sample) then picks among that k and its neighbours.
- Labels: class-based TF-IDF (as in BERTopic): a term's share of the
  documents of its topic times ``log(1 + A / f)``, A the mean number of terms
  per topic and f the term's frequency in all topics; unigrams and bigrams of
  title and abstract, stopwords and filler left out.
- Map: every paper projected onto the plane that spreads the topic centroids
  most (the top two principal axes of the size-weighted centroids), so topics
  sit apart while each keeps its inner spread; scaled to [-1, 1].
- Over time: papers per topic per day (per ISO week when the range is longer
  than 31 days). Every paper of the range is counted once, under its topic,
  which is its nearest centroid.

The map is saved as JSON in the store's ``topics`` artifact directory, one file
per period (``{since}_{until}.json``), for the web app.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import InputError
from ..index.engine import SearchEngine
from ..store import PaperQuery, Store
from . import terms as term_tools
from .vectors import vectors_of

log = logging.getLogger(__name__)

MIN_K, MAX_K = 2, 30
RESTARTS = 3
ITERATIONS = 40
SILHOUETTE_SAMPLE = 1000
LABEL_TERMS = 3
TOPIC_TERMS = 10
DAILY_UP_TO_DAYS = 31
MAX_TF = 3


@dataclass
class Topic:
    id: int
    label: str
    terms: list[str]
    pks: list[int]
    size: int


class MapPoint(NamedTuple):
    pk: int
    x: float
    y: float
    topic_id: int


@dataclass
class TopicMap:
    since: str
    until: str
    topics: list[Topic]
    points: list[MapPoint]
    over_time: dict[str, dict[int, int]]
    granularity: str = "day"
    ids: dict[int, str] = field(default_factory=dict)  # pk -> paper id

    def as_dict(self) -> dict:
        return {"since": self.since, "until": self.until, "granularity": self.granularity,
                "topics": [asdict(t) for t in self.topics],
                "points": [{"pk": p.pk, "id": self.ids.get(p.pk, ""), "x": p.x, "y": p.y, "topic": p.topic_id}
                           for p in self.points],
                "over_time": {period: {str(k): v for k, v in counts.items()}
                              for period, counts in self.over_time.items()}}


# -- clustering ------------------------------------------------------------------------------

def rule_k(n: int) -> int:
    """The default number of topics for ``n`` papers: sqrt(n / 2), within 2..30."""
    return max(1, min(n, max(MIN_K, min(MAX_K, round((n / 2) ** 0.5)))))


def kmeans(x: np.ndarray, k: int, seed: int = 0, restarts: int = RESTARTS,
           iterations: int = ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means: (label per row, unit centroids); the best of ``restarts``."""
    best = None
    for r in range(restarts):
        rng = np.random.default_rng(seed + r)
        centroids = _plus_plus(x, k, rng)
        labels = np.zeros(len(x), dtype=np.int64)
        for it in range(iterations):
            new = np.argmax(x @ centroids.T, axis=1)
            if it and np.array_equal(new, labels):
                break
            labels = new
            centroids = _centroids(x, labels, k, centroids)
        labels = np.argmax(x @ centroids.T, axis=1)  # every paper under its nearest centroid
        cohesion = float((x * centroids[labels]).sum())
        if best is None or cohesion > best[0]:
            best = (cohesion, labels, centroids)
    return best[1], best[2]


def _plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    chosen = [int(rng.integers(len(x)))]
    distance = 1.0 - x @ x[chosen[0]]
    for _ in range(1, k):
        weights = np.clip(distance, 0, None) ** 2
        total = weights.sum()
        nxt = int(rng.choice(len(x), p=weights / total)) if total > 0 else int(rng.integers(len(x)))
        chosen.append(nxt)
        distance = np.minimum(distance, 1.0 - x @ x[nxt])
    return x[chosen].copy()


def _centroids(x: np.ndarray, labels: np.ndarray, k: int, old: np.ndarray) -> np.ndarray:
    members = np.zeros((k, len(x)), dtype=x.dtype)
    members[labels, np.arange(len(x))] = 1
    sums = members @ x
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.where(norms > 0, sums / np.where(norms > 0, norms, 1), old).astype(np.float32)


def silhouette(x: np.ndarray, labels: np.ndarray, sample: int = SILHOUETTE_SAMPLE, seed: int = 0) -> float:
    """Mean silhouette with cosine distance (on a sample of rows)."""
    if len(set(labels.tolist())) < 2:
        return -1.0
    rows = np.arange(len(x))
    if len(x) > sample:
        rows = np.random.default_rng(seed).choice(len(x), size=sample, replace=False)
    dist = 1.0 - x[rows] @ x.T
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.zeros((len(rows), k))
    for c in range(k):
        sums[:, c] = dist[:, labels == c].sum(axis=1)
    own = labels[rows]
    a = sums[np.arange(len(rows)), own] / np.maximum(sizes[own] - 1, 1)
    mean = sums / np.maximum(sizes, 1)
    mean[np.arange(len(rows)), own] = np.inf
    mean[:, sizes == 0] = np.inf
    b = mean.min(axis=1)
    s = np.where(sizes[own] > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def choose_clusters(x: np.ndarray, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Labels and centroids: with ``k`` given, that many; else the best silhouette
    among the rule's k and its neighbours (rule k - 1 .. rule k + 2)."""
    if k is not None:
        if not 1 <= k <= len(x):
            raise InputError("--k", f"the number of topics is between 1 and {len(x)}, not {k}")
        return kmeans(x, k)
    base = rule_k(len(x))
    tries = sorted({c for c in (base - 1, base, base + 1, base + 2) if MIN_K <= c <= min(MAX_K, len(x) - 1)})
    if not tries:
        return kmeans(x, base)
    scored = [(silhouette(x, found[0]), c, found) for c in tries for found in [kmeans(x, c)]]
    return max(scored, key=lambda s: (s[0], -s[1]))[2]


# -- labels, map, counts ---------------------------------------------------------------------

def class_tfidf_terms(docs_by_topic: list[list[list[str]]], n_terms: int = TOPIC_TERMS) -> list[list[str]]:
    """The most distinctive terms of each topic (class-based TF-IDF)."""
    # A term counts at most MAX_TF times per paper (the title counts twice), so
    # one long abstract cannot carry a topic, and titles weigh most.
    counts, present = [], []
    for docs in docs_by_topic:
        tf: Counter = Counter()
        df: Counter = Counter()
        for doc in docs:
            per_doc = Counter(doc)
            tf.update({t: min(n, MAX_TF) for t, n in per_doc.items()})
            df.update(per_doc.keys())
        counts.append(tf)
        present.append(df)
    frequency: Counter = Counter()
    for c in counts:
        frequency.update(c)
    mean_size = max(1.0, sum(sum(c.values()) for c in counts) / max(len(counts), 1))
    out = []
    for docs, c, df in zip(docs_by_topic, counts, present):
        min_docs = 2 if len(docs) >= 4 else 1
        # times the topic's share of the term's uses: a word the other topics use as
        # much ("generation" beside "video") does not name this one
        weight = {t: (n / len(docs)) * np.log(1 + mean_size / frequency[t]) * np.sqrt(n / frequency[t])
                  for t, n in c.items() if df[t] >= min_docs and t not in term_tools.GENERIC}
        ranked = sorted(weight, key=lambda t: (-weight[t], t))
        out.append(term_tools.without_overlaps(ranked, n_terms))
    return out


def layout_2d(x: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates in [-1, 1]: the plane spreading the centroids most."""
    sizes = np.bincount(labels, minlength=len(centroids)).astype(np.float64)
    if len(centroids) >= 3:
        centre = (centroids * sizes[:, None]).sum(axis=0) / sizes.sum()
        basis = (centroids - centre) * np.sqrt(sizes)[:, None]
    else:
        centre = x.mean(axis=0)
        basis = x - centre
    _, _, axes = np.linalg.svd(basis.astype(np.float64), full_matrices=False)
    axes = axes[:2]
    if len(axes) < 2:
        axes = np.vstack([axes, np.zeros((2 - len(axes), x.shape[1]))])
    coords = (x - centre) @ axes.T
    scale = np.abs(coords).max() or 1.0
    return coords / scale


def period_of(date: str | None, granularity: str) -> str:
    """The day, or the ISO week ("2025-W24"), of a paper's date."""
    if not date or len(date) < 10:
        return date or "undated"
    if granularity == "day":
        return date[:10]
    year, week, _ = datetime.date.fromisoformat(date[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def granularity_for(since: str, until: str) -> str:
    days = (datetime.date.fromisoformat(until[:10]) - datetime.date.fromisoformat(since[:10])).days + 1
    return "day" if days <= DAILY_UP_TO_DAYS else "week"


# -- the whole thing -------------------------------------------------------------------------

def topics(store: Store, since: str, until: str, k: int | None = None,
           engine: SearchEngine | None = None, save: bool = True) -> TopicMap:
    """Cluster the papers dated ``since``..``until`` (inclusive) into labelled topics."""
    if not since or not until or since > until:
        raise InputError("--since/--until", f"a period needs a start and an end in order, not {since!r}..{until!r}")
    papers = {store.pk_of(p.id): p for p in store.papers(PaperQuery(since=since, until=until))}
    granularity = granularity_for(since, until)
    vectors = vectors_of(engine or SearchEngine(store), list(papers))
    result = TopicMap(since, until, [], [], {}, granularity)
    if not len(vectors):
        return _saved(store, result) if save else result
    x = vectors.matrix
    labels, centroids = choose_clusters(x, k)
    pks = vectors.pks.tolist()
    docs = [term_tools.paper_terms(papers[pk]) for pk in pks]
    groups = [np.flatnonzero(labels == c) for c in range(len(centroids))]
    kept = [c for c, g in enumerate(groups) if len(g)]
    terms = class_tfidf_terms([[docs[i] for i in groups[c]] for c in kept])
    renumber = {c: n for n, c in enumerate(sorted(kept, key=lambda c: -len(groups[c])))}
    for c, topic_terms in zip(kept, terms):
        label = ", ".join(topic_terms[:LABEL_TERMS]) or f"topic {renumber[c] + 1}"
        result.topics.append(Topic(renumber[c], label, topic_terms, [pks[i] for i in groups[c]], len(groups[c])))
    result.topics.sort(key=lambda t: t.id)
    coords = layout_2d(x, labels, centroids)
    result.points = [MapPoint(pk, round(float(cx), 4), round(float(cy), 4), renumber[int(c)])
                     for pk, (cx, cy), c in zip(pks, coords, labels)]
    for pk, c in zip(pks, labels):
        period = period_of(papers[pk].date, granularity)
        counts = result.over_time.setdefault(period, {})
        counts[renumber[int(c)]] = counts.get(renumber[int(c)], 0) + 1
    result.over_time = {period: dict(sorted(counts.items())) for period, counts in sorted(result.over_time.items())}
    result.ids = {pk: papers[pk].id or "" for pk in pks}
    return _saved(store, result) if save else result


def map_path(store: Store, since: str, until: str) -> Path:
    return store.artifact_dir("topics") / f"{since}_{until}.json"


def _saved(store: Store, result: TopicMap) -> TopicMap:
    path = map_path(store, result.since, result.until)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result.as_dict(), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return result


def load_topic_map(store: Store, since: str, until: str) -> dict | None:
    """The saved map of a period as JSON data (what the web app reads), or None."""
    path = map_path(store, since, until)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
