"""Enricher ``category``: an arXiv category for papers no source gave one.

Papers that arrive with categories (arXiv, OAI, the snapshot, tagged digests)
keep them and get no prediction. The others (trending pages, listings,
abstract dumps) get the top three classes with calibrated confidences from
one of two classifiers over the stored paper embeddings of the default
embedder:

- ``probe``: multinomial logistic regression trained on the store's papers
  whose primary category is known (see ``category_probe``). It is saved beside
  the database with a fingerprint of what it learnt from, retrained only when
  the labelled set has grown (or shrunk) by a tenth, and its fingerprint is
  part of this enricher's ``version`` so predictions are redone when it changes.
- ``zero-shot``: cosine similarity with embedded class descriptions
  (``category_labels``), while fewer than ``MIN_LABELLED`` papers (or fewer
  than two classes) are labelled.

Predictions never go into ``Paper.categories``: they live in the enrichment
(``predicted``), and only a confident top class becomes a lookup key, which
the ``--category`` filters match.
"""

from __future__ import annotations

import inspect
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import PaperradarError
from ..store.dedupe import content_hash, paper_text
from .base import EnrichContext, Enrichment, filter_categories

if TYPE_CHECKING:
    from ..models import Paper

log = logging.getLogger(__name__)

#: A prediction at least this confident becomes a key (the threshold search filters use).
CONFIDENT: float = inspect.signature(filter_categories).parameters["min_confidence"].default
#: Below this many usable labelled papers (or two classes) predictions are zero-shot.
MIN_LABELLED = 50
#: Retrain the probe when the labelled set changed by this fraction since it was trained.
RETRAIN_CHANGE = 0.10
TOP = 3
#: Softmax temperature over cosine similarities to class descriptions (fitted on
#: the benchmark's labelled papers: mean confidence close to accuracy).
ZERO_SHOT_TEMPERATURE = 0.06
#: Bump when the way predictions are made changes (part of the version).
SCHEME = "1"
PROBE_FILE = "category-probe.npz"
LABELS_FILE = "category-labels.npz"
_CHUNK = 2048
#: What loading a damaged or foreign .npz file raises.
_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


@dataclass
class Classifier:
    """Turns paper vectors into class probabilities; says how it was made."""

    method: str  # "probe" | "zero-shot"
    classes: list[str]
    probabilities: Callable[[Any], Any]
    version: str
    trained_on: int = 0

    def top(self, vectors) -> list[list[dict[str, Any]]]:
        """The ``TOP`` classes with confidences, best first, for each vector."""
        import numpy as np

        probs = self.probabilities(vectors)
        order = np.argsort(-probs, axis=1)[:, :TOP]
        return [[{"category": self.classes[j], "confidence": round(float(row[j]), 3)} for j in best]
                for row, best in zip(probs, order)]


@dataclass
class _Prepared:
    store: Any
    embedder: Any
    classifier: Classifier
    unlabelled: set[int]
    #: content hash -> top classes, filled on the first ``enrich`` call of a run
    predictions: dict[str, list[dict[str, Any]]] | None = None


class CategoryEnricher:
    """Predicts arXiv categories for papers that have none (see the module docstring)."""

    name = "category"
    requires: tuple[str, ...] = ()
    description = ("arXiv category for papers without one: a linear probe on the paper "
                   "embeddings, zero-shot from class descriptions while little is labelled")

    def __init__(self) -> None:
        self.version = f"{SCHEME}-unprepared"
        self._ready: _Prepared | None = None

    def prepare(self, ctx: EnrichContext) -> str | None:
        """Embed what is missing and load (or train) the classifier. Returns why
        it cannot run (no embedding model), else None."""
        self._ready = None
        try:
            import numpy  # noqa: F401

            from ..index.engine import SearchEngine

            engine = SearchEngine(ctx.store)
            embedder = engine.embedder
            engine.embed_missing()
        except (PaperradarError, ImportError) as exc:
            return f"category prediction needs the embedding model: {exc}"
        labels, unlabelled = labelled_papers(ctx.store)
        from .category_probe import class_map

        mapping = class_map(labels.values())
        usable = sum(1 for c in labels.values() if c in mapping)
        if usable < MIN_LABELLED or len(set(mapping.values())) < 2:
            classifier = zero_shot_classifier(ctx.store, embedder)
            ctx.notice(f"category: {usable} papers have a usable known category (fewer than "
                       f"{MIN_LABELLED} or one class); predicting zero-shot from class descriptions")
        else:
            classifier = probe_classifier(ctx, embedder, labels)
        self.version = classifier.version
        self._ready = _Prepared(ctx.store, embedder, classifier, unlabelled)
        return None

    def enrich(self, papers: list[Paper], ctx: EnrichContext) -> list[Enrichment | None]:
        """A prediction for each paper without categories; None for the others."""
        stale = self._ready is None or self._ready.store is not ctx.store
        if stale and self.prepare(ctx):
            return [None] * len(papers)
        ready = self._ready
        if ready.predictions is None:  # first batch: predict every stored vector at once
            ready.predictions = _predict_stored(ctx.store, ready.embedder, ready.classifier,
                                                ready.unlabelled)
        out: list[Enrichment | None] = []
        for paper in papers:
            if paper.categories or not (paper.title or paper.abstract):
                out.append(None)
                continue
            top = ready.predictions.get(content_hash(paper))
            if top is None:  # no stored vector for this text (changed since prepare)
                vector = ready.embedder.embed([paper_text(paper.title, paper.abstract)])
                top = ready.classifier.top(vector)[0]
            out.append(_enrichment(top, ready.classifier))
        return out


def _enrichment(top: list[dict[str, Any]], classifier: Classifier) -> Enrichment:
    keys = [top[0]["category"]] if top and top[0]["confidence"] >= CONFIDENT else []
    return Enrichment(data={"predicted": top, "method": classifier.method,
                            "trained_on": classifier.trained_on}, keys=keys)


def labelled_papers(store) -> tuple[dict[int, str], set[int]]:
    """({pk: primary category} of papers with a known category and some text,
    pks of papers without categories)."""
    labels: dict[int, str] = {}
    unlabelled: set[int] = set()
    if hasattr(store, "primary_categories"):  # one light query instead of loading every paper
        for pk, category in store.primary_categories():
            if category:
                labels[pk] = category
            else:
                unlabelled.add(pk)
        return labels, unlabelled
    for chunk in store.changed_since(0):
        for pk, _, paper in chunk:
            if not (paper.title or paper.abstract):
                continue
            if paper.categories:
                labels[pk] = paper.categories[0]
            else:
                unlabelled.add(pk)
    return labels, unlabelled


def _vectors_of(store, model: str, pks: set[int]):
    """Yield (content hashes, vector matrix) chunks of the stored vectors of ``pks``."""
    import numpy as np

    hashes, blobs = [], []
    for pk, chash, _, blob in store.embeddings(model):
        if pk in pks:
            hashes.append(chash)
            blobs.append(blob)
            if len(blobs) == _CHUNK:
                yield hashes, np.frombuffer(b"".join(blobs), np.float32).reshape(len(blobs), -1)
                hashes, blobs = [], []
    if blobs:
        yield hashes, np.frombuffer(b"".join(blobs), np.float32).reshape(len(blobs), -1)


def _predict_stored(store, embedder, classifier: Classifier, pks: set[int]) -> dict[str, list]:
    out: dict[str, list] = {}
    for hashes, matrix in _vectors_of(store, embedder.name, pks):
        out.update(zip(hashes, classifier.top(matrix)))
    return out


def probe_classifier(ctx: EnrichContext, embedder, labels: dict[int, str]) -> Classifier:
    """The saved probe when still fresh for this labelled set, else a new one (saved)."""
    from .category_probe import Probe

    path = ctx.store.artifact_dir("enrich") / PROBE_FILE
    probe = None
    if path.exists():
        try:
            probe = Probe.load(path)
        except _UNREADABLE as exc:  # damaged or from an older layout: retrain
            log.warning("category probe %s unreadable (%s); retraining", path, exc)
    if probe is None or not _fresh(probe.meta, embedder.name, len(labels)):
        probe = train_store_probe(ctx.store, embedder.name, labels)
        probe.save(path)
        ctx.notice(f"category: trained a probe on {probe.meta['trained_on']} papers "
                   f"({len(probe.classes)} classes)")
    return Classifier("probe", probe.classes, probe.probabilities,
                      f"{SCHEME}-probe-{probe.meta['fingerprint']}", probe.meta["trained_on"])


def _fresh(meta: dict, model: str, labelled_now: int) -> bool:
    then = int(meta.get("labelled", 0))
    return (meta.get("scheme") == SCHEME and meta.get("embedder") == model and then > 0
            and abs(labelled_now - then) < RETRAIN_CHANGE * then)


def train_store_probe(store, model: str, labels: dict[int, str]):
    """Train a probe on the stored vectors of the labelled papers (rare classes
    folded into their archive, big classes sampled down). A text stored under
    two papers (one vector) is learnt once, with the first paper's label."""
    import numpy as np

    from .category_probe import cap_per_class, class_map, fingerprint, train_probe

    mapping = class_map(labels.values())
    label_of_hash: dict[str, str] = {}
    blobs: list[bytes] = []
    for pk, chash, _, blob in store.embeddings(model):
        label = mapping.get(labels.get(pk, ""))
        if label is not None and chash not in label_of_hash:
            label_of_hash[chash] = label
            blobs.append(blob)
    hashes = list(label_of_hash)
    names = list(label_of_hash.values())
    vectors = np.frombuffer(b"".join(blobs), np.float32).reshape(len(blobs), -1)
    keep = cap_per_class(names)
    vectors, names, hashes = vectors[keep], [names[i] for i in keep], [hashes[i] for i in keep]
    probe = train_probe(vectors, names)
    probe.meta = {
        "scheme": SCHEME, "embedder": model, "labelled": len(labels), "trained_on": len(names),
        "classes": len(probe.classes),
        "fingerprint": fingerprint([SCHEME, model, *sorted(f"{h}:{n}" for h, n in zip(hashes, names))]),
    }
    return probe


def zero_shot_classifier(store, embedder) -> Classifier:
    """Class probabilities from cosine similarity with the embedded class descriptions."""
    import numpy as np

    from .category_labels import LABEL_DESCRIPTIONS
    from .category_probe import fingerprint, softmax

    classes = list(LABEL_DESCRIPTIONS)
    texts = [LABEL_DESCRIPTIONS[c] for c in classes]
    fp = fingerprint([SCHEME, embedder.name, str(ZERO_SHOT_TEMPERATURE), *classes, *texts])
    path = store.artifact_dir("enrich") / LABELS_FILE
    label_vectors = None
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                if str(f["fingerprint"]) == fp:
                    label_vectors = f["vectors"]
        except _UNREADABLE as exc:
            log.warning("category label vectors %s unreadable (%s); embedding again", path, exc)
    if label_vectors is None:
        label_vectors = embedder.embed(texts)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, vectors=label_vectors, fingerprint=np.array(fp))
        tmp.replace(path)

    def probabilities(vectors):
        return softmax((np.asarray(vectors, np.float32) @ label_vectors.T) / ZERO_SHOT_TEMPERATURE)

    return Classifier("zero-shot", classes, probabilities, f"{SCHEME}-zero-shot-{fp}")


ENRICHERS = [CategoryEnricher()]
