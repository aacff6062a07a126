"""The math of "for you": a per-reader linear classifier on paper embeddings,
a nearest-neighbour similarity, and a novelty score. Pure numpy, no I/O.

arxiv-sanity trains a linear SVM per tag on TF-IDF vectors, with the tagged
papers as positives and every other paper as a negative. Here the features
are the bundled sentence embeddings, and the model is L2-regularised logistic
regression (accelerated gradient descent) with the classes balanced:

- positives: liked, saved (or, per tag, tagged) papers, and the reader's
  interest statement embedded as one more positive;
- negatives: disliked papers, each weighing as much as one positive, plus a
  random sample of unrated papers that together weigh as much as all the
  positives (most unrated papers are simply unseen, so they count little).

Relevance adds, in standard units, the classifier's log-odds and the mean
cosine similarity to the closest library papers (minus half of that to the
closest disliked ones); the benchmark (benchmarks/bench_foryou.py) measures
each part alone and the sum. Novelty is the Mahalanobis distance of a paper
from a Gaussian fitted to the library's vectors, its covariance shrunk
towards the spread of all papers (few library papers cannot fill 384
dimensions). Both are reported as percentiles of a background sample of
stored papers ("more relevant than 97% of papers"), and the score blends
their standard scores: ``(1 - w) * relevance + w * novelty``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Default weight of novelty in the score: a little serendipity, relevance first.
DEFAULT_NOVELTY_WEIGHT = 0.1
#: L2 penalty of the classifier (each class's sample weights sum to 1).
L2_PENALTY = 0.01
MAX_STEPS = 500
#: Library papers averaged for the nearest-neighbour similarity.
NEIGHBOURS = 3
DISLIKE_PENALTY = 0.5
#: Pseudo-observations of the isotropic prior in the novelty Gaussian.
PRIOR_STRENGTH = 20.0
RELEVANCE_PARTS = ("classifier", "neighbours", "both")


@dataclass
class TrainingSet:
    """Unit vectors, one row per paper; ``interest`` is an embedded statement."""

    positives: np.ndarray
    dislikes: np.ndarray
    unrated: np.ndarray
    interest: np.ndarray | None = None

    def positive_rows(self) -> np.ndarray:
        if self.interest is None:
            return self.positives
        return np.vstack([self.positives, self.interest.reshape(1, -1)]).astype(np.float32)


@dataclass
class Scores:
    score: np.ndarray  # (1 - w) * relevance_z + w * novelty_z
    relevance: np.ndarray  # percentile of the background, 0..1
    novelty: np.ndarray  # percentile of the background, 0..1
    relevance_z: np.ndarray  # standard units of the background (orders past the 100th percentile)
    novelty_z: np.ndarray


def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray, l2: float = L2_PENALTY,
                 max_steps: int = MAX_STEPS, tol: float = 1e-5) -> tuple[np.ndarray, float]:
    """Weighted, L2-regularised logistic regression: (w, bias).

    Nesterov's accelerated gradient for strongly convex functions: the L2
    penalty bounds the condition number, so a few dozen steps of two
    matrix-vector products each converge (far cheaper than Newton's d x d solves).
    The bias is penalised like the weights; with balanced classes its optimum is near 0.
    """
    n, d = x.shape
    xb = np.hstack([x.astype(np.float64), np.ones((n, 1))])
    smooth = 0.25 * _largest_eigenvalue(xb, weights) + l2  # Lipschitz constant of the gradient
    root = np.sqrt(l2 / smooth)
    momentum = (1 - root) / (1 + root)
    theta = previous = np.zeros(d + 1)
    for _ in range(max_steps):
        ahead = theta + momentum * (theta - previous)
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ ahead, -30, 30)))
        grad = xb.T @ (weights * (p - y)) + l2 * ahead
        previous, theta = theta, ahead - grad / smooth
        if float(grad @ grad) < tol * tol:
            break
    return theta[:-1], float(theta[-1])


def _largest_eigenvalue(xb: np.ndarray, weights: np.ndarray, steps: int = 30) -> float:
    """The largest eigenvalue of X^T diag(weights) X, by power iteration (a safe overestimate)."""
    v = np.random.default_rng(0).normal(size=xb.shape[1])
    value = 0.0
    for _ in range(steps):
        u = xb.T @ (weights * (xb @ v))
        value = float(np.linalg.norm(u))
        if value == 0.0:
            return 0.0
        v = u / value
    return value * 1.05


def mean_top_similarity(x: np.ndarray, refs: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Mean cosine similarity of each row of ``x`` to its ``k`` closest ``refs``."""
    if not len(refs):
        return np.zeros(len(x), dtype=np.float32)
    sims = x @ refs.T
    k = min(k, refs.shape[0])
    if k < sims.shape[1]:
        sims = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return sims.mean(axis=1)


class Gaussian:
    """A Gaussian over vectors with its covariance shrunk towards ``spread * I``.

    Distances use the Woodbury identity, so the cost grows with the number of
    library papers, not with the square of the dimension.
    """

    def __init__(self, vectors: np.ndarray, spread: float, prior: float = PRIOR_STRENGTH):
        n = len(vectors)
        self.mean = vectors.mean(axis=0).astype(np.float64)
        alpha = prior / (n + prior)
        self.a = alpha * spread  # the isotropic part
        self.centred = (vectors - self.mean) if n > 1 else np.zeros((0, vectors.shape[1]))
        self.c = (1 - alpha) / max(n - 1, 1)
        if len(self.centred):
            inner = np.eye(len(self.centred)) / self.c + self.centred @ self.centred.T / self.a
            self.inner_inv = np.linalg.inv(inner)

    def distance2(self, x: np.ndarray) -> np.ndarray:
        r = x.astype(np.float64) - self.mean
        d2 = (r * r).sum(axis=1) / self.a
        if len(self.centred):
            proj = r @ self.centred.T
            d2 -= ((proj @ self.inner_inv) * proj).sum(axis=1) / (self.a * self.a)
        return d2


class ReaderModel:
    """What one reader (or one tag) likes, learnt from a :class:`TrainingSet`."""

    def __init__(self, data: TrainingSet, part: str = "both", l2: float = L2_PENALTY):
        if part not in RELEVANCE_PARTS:
            raise ValueError(f"relevance part is one of {', '.join(RELEVANCE_PARTS)}, not {part!r}")
        self.part = part
        self.positives = data.positive_rows()
        self.dislikes = data.dislikes
        if not len(self.positives):
            raise ValueError("a reader model needs at least one positive (a paper or interests)")
        background = data.unrated if len(data.unrated) else self.positives
        self.w, self.b = self._fit(data, l2)
        spread = float(background.var(axis=0).sum() / background.shape[1]) or 1e-3
        self.gaussian = Gaussian(data.positives if len(data.positives) else self.positives, spread)
        self._reference(background)

    def _fit(self, data: TrainingSet, l2: float) -> tuple[np.ndarray, float]:
        pos, dis, unr = self.positives, data.dislikes, data.unrated
        if not len(dis) and not len(unr):
            return np.zeros(pos.shape[1]), 0.0
        x = np.vstack([pos, dis, unr])
        y = np.concatenate([np.ones(len(pos)), np.zeros(len(dis) + len(unr))])
        # Positives sum to 1; each dislike weighs as one positive; the unrated together as 1.
        each = 1.0 / len(pos)
        weights = np.concatenate([np.full(len(pos), each), np.full(len(dis), each),
                                  np.full(len(unr), 1.0 / max(len(unr), 1))])
        return fit_logistic(x, y, weights, l2)

    def _raw_parts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logit = x @ self.w + self.b
        near = mean_top_similarity(x, self.positives)
        if len(self.dislikes):
            near = near - DISLIKE_PENALTY * mean_top_similarity(x, self.dislikes)
        return logit, near

    def _reference(self, background: np.ndarray) -> None:
        logit, near = self._raw_parts(background)
        self.ref_parts = [(float(v.mean()), float(v.std()) or 1.0) for v in (logit, near)]
        self.ref_relevance = np.sort(self.relevance_raw(background))
        d2 = self.gaussian.distance2(background)
        self.ref_novelty = np.sort(d2)
        self.ref_novelty_z = (float(d2.mean()), float(d2.std()) or 1.0)
        rel = self.ref_relevance
        self.ref_relevance_z = (float(rel.mean()), float(rel.std()) or 1.0)

    def relevance_raw(self, x: np.ndarray) -> np.ndarray:
        """The reader's interest in each row: standard units of the background."""
        logit, near = self._raw_parts(x)
        (lm, ls), (nm, ns) = self.ref_parts
        z_logit, z_near = (logit - lm) / ls, (near - nm) / ns
        if self.part == "classifier":
            return z_logit
        if self.part == "neighbours":
            return z_near
        return z_logit + z_near

    def scores(self, x: np.ndarray, novelty_weight: float = DEFAULT_NOVELTY_WEIGHT) -> Scores:
        """Score, relevance and novelty of each row of ``x`` (unit vectors)."""
        if not 0.0 <= novelty_weight <= 1.0:
            raise ValueError(f"the novelty weight is between 0 and 1, not {novelty_weight}")
        rel = self.relevance_raw(x)
        d2 = self.gaussian.distance2(x)
        z_rel = (rel - self.ref_relevance_z[0]) / self.ref_relevance_z[1]
        z_nov = (d2 - self.ref_novelty_z[0]) / self.ref_novelty_z[1]
        score = (1 - novelty_weight) * z_rel + novelty_weight * z_nov
        return Scores(score, _percentile(self.ref_relevance, rel), _percentile(self.ref_novelty, d2),
                      z_rel, z_nov)


def _percentile(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of ``reference`` (sorted) below each value, 0..1."""
    if not len(reference):
        return np.full(len(values), 0.5)
    return np.searchsorted(reference, values, side="left") / len(reference)
