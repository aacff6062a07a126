"""A linear probe over paper embeddings: multinomial logistic regression in numpy.

Pure functions and one small model class; the category enricher decides what
to train on and when. Confidences are softmax probabilities divided by a
temperature fitted on a held-out split (so 0.8 means right about 80% of the
time on papers like the training ones).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .category_labels import archive_of

#: Classes with fewer labelled papers than this fold into their archive
#: (``math.CT`` -> ``math``), and an archive pool still this small is dropped.
MIN_CLASS_SIZE = 8
#: L2 penalty on the standardised-feature weights (chosen by the benchmark's cross-validation).
L2_PENALTY = 1e-2
ITERATIONS = 300
#: At most this many papers of one class are trained on (bounds the cost on a big store).
MAX_PER_CLASS = 1000
HELD_OUT_FRACTION = 0.2
SEED = 13
_TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(4.0), 41))


def class_map(labels: Iterable[str], min_size: int = MIN_CLASS_SIZE) -> dict[str, str]:
    """Category -> the class the probe learns it as: itself when common enough,
    its archive when the archive's rare members together are, else absent."""
    counts = Counter(labels)
    out = {c: c for c, n in counts.items() if n >= min_size}
    pooled = Counter()
    for c, n in counts.items():
        if c not in out:
            pooled[archive_of(c)] += n
    for c in counts:
        if c not in out and pooled[archive_of(c)] >= min_size:
            out[c] = archive_of(c)
    return out


def stratified_split(labels: list[str], fraction: float, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train indexes, held-out indexes): about ``fraction`` of each class held
    out (none of a class with fewer than 2 examples), reproducibly."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    train, held = [], []
    for label in sorted(by_class):
        idx = np.array(by_class[label])
        rng.shuffle(idx)
        k = round(len(idx) * fraction) if len(idx) >= 2 else 0
        held.extend(idx[:k])
        train.extend(idx[k:])
    return np.array(sorted(train), dtype=int), np.array(sorted(held), dtype=int)


def stratified_folds(labels: list[str], k: int, seed: int = SEED) -> list[np.ndarray]:
    """``k`` disjoint index sets, each class dealt round-robin across them."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    by_class: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    start = 0
    for label in sorted(by_class):
        idx = np.array(by_class[label])
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            folds[(start + j) % k].append(int(i))
        start += len(idx)
    return [np.array(sorted(f), dtype=int) for f in folds]


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Probe:
    """A trained probe: standardisation, weights, classes and temperature."""

    classes: list[str]
    weights: np.ndarray  # (dim, classes)
    bias: np.ndarray  # (classes,)
    mean: np.ndarray  # (dim,)
    scale: np.ndarray  # (dim,)
    temperature: float = 1.0
    meta: dict = field(default_factory=dict)

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        return ((np.asarray(vectors, np.float32) - self.mean) / self.scale) @ self.weights + self.bias

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities, one row per vector, columns in ``classes`` order."""
        return softmax(self.logits(vectors) / self.temperature)

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed over ``path``)."""
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, classes=np.array(self.classes, dtype=str), weights=self.weights,
                 bias=self.bias, mean=self.mean, scale=self.scale,
                 temperature=np.array(self.temperature), meta=np.array(json.dumps(self.meta)))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Probe:
        with np.load(path, allow_pickle=False) as f:
            return cls([str(c) for c in f["classes"]], f["weights"], f["bias"], f["mean"],
                       f["scale"], float(f["temperature"]), json.loads(str(f["meta"])))


def _fit_weights(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float,
                 iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Minimise mean cross-entropy + l2/2 |W|^2 by Nesterov-accelerated gradient
    descent with the step set from the loss's curvature bound."""
    n, dim = x.shape
    onehot = np.zeros((n, n_classes), np.float32)
    onehot[np.arange(n), y] = 1.0
    xb = np.hstack([x, np.ones((n, 1), np.float32)])
    # Curvature of softmax cross-entropy is at most half the top eigenvalue of X'X/n.
    top = float(np.linalg.eigvalsh((xb.T @ xb) / n)[-1])
    step = 1.0 / (0.5 * top + l2)
    theta = np.zeros((dim + 1, n_classes), np.float32)
    ahead, t = theta.copy(), 1.0
    penalty = np.full((dim + 1, 1), l2, np.float32)
    penalty[-1] = 0.0  # no penalty on the bias
    for _ in range(iterations):
        grad = xb.T @ (softmax(xb @ ahead) - onehot) / n + penalty * ahead
        new = ahead - step * grad
        t_next = (1 + (1 + 4 * t * t) ** 0.5) / 2
        ahead = new + ((t - 1) / t_next) * (new - theta)
        theta, t = new, t_next
    return theta[:-1], theta[-1]


def _standardise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0) + 1e-6
    return mean.astype(np.float32), scale.astype(np.float32)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises held-out negative log-likelihood."""
    best, best_nll = 1.0, float("inf")
    for temp in _TEMPERATURES:
        p = softmax(logits / temp)[np.arange(len(y)), y]
        nll = float(-np.log(np.maximum(p, 1e-12)).mean())
        if nll < best_nll:
            best, best_nll = float(temp), nll
    return best


def train_probe(vectors: np.ndarray, labels: list[str], *, l2: float = L2_PENALTY,
                iterations: int = ITERATIONS, calibrate: bool = True, seed: int = SEED) -> Probe:
    """Train on (vector, class) pairs; with ``calibrate``, first fit the
    temperature on a stratified held-out split, then train on everything."""
    vectors = np.asarray(vectors, np.float32)
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[c] for c in labels])
    temperature = 1.0
    if calibrate and len(labels) >= 20:
        train, held = stratified_split(labels, HELD_OUT_FRACTION, seed)
        if len(held) and len(set(y[train])) == len(classes):
            part = _train(vectors[train], y[train], classes, l2, iterations)
            temperature = fit_temperature(part.logits(vectors[held]), y[held])
    probe = _train(vectors, y, classes, l2, iterations)
    probe.temperature = temperature
    return probe


def _train(vectors: np.ndarray, y: np.ndarray, classes: list[str], l2: float, iterations: int) -> Probe:
    mean, scale = _standardise(vectors)
    with _blas_threads(len(vectors)):
        weights, bias = _fit_weights((vectors - mean) / scale, y, len(classes), l2, iterations)
    return Probe(classes, weights, bias, mean, scale)


#: Below this many training rows the matrix products run on one BLAS thread:
#: faster for small products, and OpenBLAS threads spinning on a busy machine
#: made a 60-paper training 40 times slower in our measurements.
SINGLE_THREAD_ROWS = 20_000


def _blas_threads(rows: int):
    """Limit BLAS to one thread for small problems."""
    from ..blas import single_blas_thread

    return single_blas_thread() if rows < SINGLE_THREAD_ROWS else contextlib.nullcontext()


def cap_per_class(labels: list[str], cap: int = MAX_PER_CLASS, seed: int = SEED) -> np.ndarray:
    """Indexes keeping at most ``cap`` examples of each class (a random, reproducible sample)."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    keep: list[int] = []
    for members in by_class.values():
        keep.extend(members if len(members) <= cap else rng.choice(members, cap, replace=False))
    return np.array(sorted(keep), dtype=int)


def fingerprint(parts: Iterable[str]) -> str:
    """A short stable hash of what a probe was trained from."""
    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:12]
