"""For you: the papers a reader is most likely to want, each with its reasons.

``recommend(store, "ana")`` learns what the reader likes from their library
(likes, saves, tags; dislikes push similar papers down) and their interest
statement, then ranks candidate papers (by default the store's latest week)
with the model of :mod:`paperradar.rank.foryou_model`. Each recommendation
says why: the library papers it is closest to, and the terms it shares with
the library. A reader with no library starts cold from their interests
(a Chinese statement is read through the bundled glossary).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..errors import PaperradarError
from ..index.engine import SearchEngine
from ..models import Paper
from ..store import PaperQuery, Store
from ..store.base import LibraryEntry, Reader
from . import terms as term_tools
from .foryou_model import DEFAULT_NOVELTY_WEIGHT, ReaderModel, TrainingSet
from .vectors import background_sample, vectors_of

log = logging.getLogger(__name__)

#: Unrated papers sampled as negatives and as the reference population.
BACKGROUND_SIZE = 2000
#: Days of papers ranked when no candidates are given (ending at the newest paper).
DEFAULT_WINDOW_DAYS = 7
#: A library paper is named as a reason when its cosine similarity reaches this.
CLOSE_SIMILARITY = 0.35
#: ... and is closer than this percentile of stored papers are to that library paper.
CLOSE_PERCENTILE = 75
#: Candidates sampled to tell rare terms from common ones ("shares terms" reasons).
IDF_SAMPLE = 300
#: A shared phrase says more than a shared word.
BIGRAM_BONUS = 2.0
SORTS = ("score", "relevance", "novelty")


class NoReaderSignal(PaperradarError):
    """The reader has nothing to learn from: no liked, saved or tagged papers, no interests."""


@dataclass
class LibraryMatch:
    """A library paper a recommendation is close to."""

    pk: int
    title: str
    similarity: float
    how: str  # "liked", "saved", "tagged 'vision'"


@dataclass
class Recommendation:
    """One recommended paper. ``score`` orders them (standard units, blended);
    ``relevance`` and ``novelty`` are percentiles of stored papers (0..1)."""

    paper: Paper
    score: float
    novelty: float
    reasons: list[str]
    pk: int = 0
    relevance: float = 0.0
    close_to: list[LibraryMatch] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def _how(entry: LibraryEntry, tag: str | None) -> str:
    if tag:
        return f"tagged {tag!r}"
    return "liked" if entry.rating > 0 else "saved" if entry.saved else f"tagged {entry.tags[0]!r}"


def positives_of(library: list[LibraryEntry], tag: str | None = None) -> list[LibraryEntry]:
    """The entries that say "more like this": per tag, the tagged ones; else liked,
    saved or tagged. A disliked paper is never a positive."""
    if tag:
        return [e for e in library if tag in e.tags and e.rating >= 0]
    return [e for e in library if e.rating >= 0 and (e.rating > 0 or e.saved or e.tags)]


def latest_window(store: Store, days: int = DEFAULT_WINDOW_DAYS) -> PaperQuery:
    """The last ``days`` days of papers, ending at the newest paper's date."""
    newest = next(iter(store.papers(PaperQuery(limit=1))), None)
    if newest is None or not newest.date or len(newest.date) < 10:
        return PaperQuery()
    end = datetime.date.fromisoformat(newest.date[:10])
    return PaperQuery(since=(end - datetime.timedelta(days=days - 1)).isoformat(), until=end.isoformat())


def interest_vector(engine: SearchEngine, text: str) -> np.ndarray | None:
    """An interest statement embedded as a query (Chinese through the glossary)."""
    from ..index.crosslingual import translate_query

    text = (text or "").strip()
    if not text:
        return None
    english = translate_query(text).english or text
    return np.asarray(engine.embedder.embed_query(english), dtype=np.float32)


def _candidate_pks(store: Store, papers, query: PaperQuery | None) -> list[int]:
    if papers is None:
        return sorted(store.pks_matching(query or latest_window(store)))
    pks = []
    for item in papers:
        if isinstance(item, int):
            pks.append(item)
        elif item.id:
            pks.append(store.pk_of(item.id))
    return pks


def recommend(*args, **kwargs) -> list[Recommendation]:
    """The ``limit`` best papers for a reader (see ``_recommend``), computed with
    one BLAS thread: faster for these small products (paperradar.blas)."""
    from ..blas import single_blas_thread

    with single_blas_thread():
        return _recommend(*args, **kwargs)


def _recommend(store: Store, reader: Reader | str, papers: Iterable[Paper] | Iterable[int] | None = None,
              tag: str | None = None, limit: int = 20, *, query: PaperQuery | None = None,
              novelty_weight: float = DEFAULT_NOVELTY_WEIGHT, sort: str = "score",
              engine: SearchEngine | None = None) -> list[Recommendation]:
    """The ``limit`` best papers for a reader (or one of their tags), best first.

    Candidates are ``papers`` (stored papers or their keys), else the papers
    ``query`` selects, else the store's latest week; papers already in the
    reader's library are left out. ``sort`` is ``score`` (relevance blended
    with ``novelty_weight`` of novelty), ``relevance`` or ``novelty``. Raises
    ``NoReaderSignal`` when the reader has neither library nor interests.
    """
    if sort not in SORTS:
        raise PaperradarError(f"sort by one of {', '.join(SORTS)}, not {sort!r}")
    reader = store.reader(reader) if isinstance(reader, str) else reader
    engine = engine or SearchEngine(store)
    library = store.library(reader.id)
    positives = positives_of(library, tag)
    interest = None if (tag and positives) else interest_vector(engine, reader.interests)
    if not positives and interest is None:
        what = f"no papers tagged {tag!r}" if tag else "no liked, saved or tagged papers"
        raise NoReaderSignal(
            f"reader {reader.name!r} has {what} and no interests yet: like papers "
            "(`paperradar like ID`), import a library (`paperradar library import FILE`) "
            "or describe your interests (`paperradar interests TEXT`)")
    in_library = {e.pk for e in library}
    candidates = [pk for pk in dict.fromkeys(_candidate_pks(store, papers, query)) if pk not in in_library]
    if not candidates or limit <= 0:
        return []
    engine.sync_vectors()
    pos_vec = vectors_of(engine, [e.pk for e in positives], sync=False)
    dis_vec = vectors_of(engine, [e.pk for e in library if e.rating < 0], sync=False)
    cand_vec = vectors_of(engine, candidates, sync=False)
    background = background_sample(engine, BACKGROUND_SIZE, in_library, seed=reader.id, sync=False)
    if not len(pos_vec) and interest is None:
        raise NoReaderSignal(f"none of the papers reader {reader.name!r} likes has any text to learn from")
    model = ReaderModel(TrainingSet(pos_vec.matrix, dis_vec.matrix, background.matrix, interest))
    scores = model.scores(cand_vec.matrix, novelty_weight)
    key = {"score": scores.score, "relevance": scores.relevance_z, "novelty": scores.novelty_z}[sort]
    top = np.argsort(-key, kind="stable")[:limit]
    top_pks = cand_vec.pks[top].tolist()
    # A random sample of the candidates stands for "papers in general" in the terms' idf.
    rng = np.random.default_rng(reader.id)
    pool = rng.choice(cand_vec.pks, size=min(IDF_SAMPLE, len(cand_vec)), replace=False).tolist()
    loaded = _papers_by_pk(store, list(dict.fromkeys(top_pks + pool)))
    explainer = _Explainer(store, positives, pos_vec, background.matrix, tag, reader.interests, interest,
                           [loaded[pk] for pk in pool if pk in loaded])
    out = []
    for i in top:
        pk = int(cand_vec.pks[i])
        if pk not in loaded:
            continue
        rec = Recommendation(loaded[pk], float(scores.score[i]), float(scores.novelty[i]), [], pk,
                             float(scores.relevance[i]))
        explainer.explain(rec, cand_vec.matrix[i])
        out.append(rec)
    return out


def _papers_by_pk(store: Store, pks: list[int]) -> dict[int, Paper]:
    papers = store.papers_by_pk(pks)
    if len(papers) == len(pks):
        return dict(zip(pks, papers))
    return {store.pk_of(p.id): p for p in papers}  # some were removed meanwhile


class _Explainer:
    """Reasons: the closest library papers, shared terms, the interest statement."""

    def __init__(self, store: Store, positives: list[LibraryEntry], pos_vec, background: np.ndarray,
                 tag: str | None, interests: str, interest: np.ndarray | None, pool: list[Paper]):
        self.entries = {e.pk: e for e in positives}
        self.pos_vec = pos_vec
        self.tag = tag
        self.interests = (interests or "").strip()
        self.interest = interest
        # Close means closer to that library paper than most stored papers are.
        self.close = np.full(len(pos_vec), CLOSE_SIMILARITY)
        if len(background) >= 20 and len(pos_vec):
            self.close = np.maximum(self.close, np.percentile(background @ pos_vec.matrix.T, CLOSE_PERCENTILE,
                                                              axis=0))
        library_papers = store.papers_by_pk(pos_vec.pks.tolist())
        self.titles = {int(pk): p.display_title() for pk, p in zip(pos_vec.pks, library_papers)}
        docs = [set(term_tools.paper_terms(p)) for p in library_papers]
        if self.interests:
            docs.append(set(term_tools.text_terms(self.interests)))
        self.library_df = term_tools.document_frequency(docs)
        self.min_df = 2 if len(docs) >= 10 else 1
        pool_docs = [set(term_tools.paper_terms(p)) for p in pool]
        self.pool_df = term_tools.document_frequency(pool_docs)
        self.pool_size = len(pool_docs)

    def explain(self, rec: Recommendation, vector: np.ndarray) -> None:
        if len(self.pos_vec):
            sims = self.pos_vec.matrix @ vector
            for j in np.argsort(-sims)[:2]:
                if sims[j] >= self.close[j]:
                    pk = int(self.pos_vec.pks[j])
                    rec.close_to.append(LibraryMatch(pk, self.titles.get(pk, ""), float(sims[j]),
                                                     _how(self.entries[pk], self.tag)))
        if rec.close_to:
            names = " and ".join(f"“{m.title}”" for m in rec.close_to)
            hows = list(dict.fromkeys(m.how for m in rec.close_to))
            rec.reasons.append(f"close to {names} you {' and '.join(hows)}")
        rec.terms = self._shared_terms(rec.paper)
        if rec.terms:
            rec.reasons.append("shares terms with your library: " + ", ".join(rec.terms))
        if self.interest is not None and float(self.interest @ vector) >= CLOSE_SIMILARITY:
            rec.reasons.append(f"matches your interests (“{_clip(self.interests, 80)}”)")
        if not rec.reasons:
            rec.reasons.append("ranked by your library's overall profile"
                               + (f" for tag {self.tag!r}" if self.tag else ""))

    def _shared_terms(self, paper: Paper, limit: int = 3) -> list[str]:
        """Terms of the paper frequent in the library and rare in papers in general."""
        found = set(term_tools.paper_terms(paper))
        weight = {}
        for t in found:
            in_library = self.library_df.get(t, 0)
            if in_library < self.min_df or t in term_tools.GENERIC:
                continue
            idf = np.log((1 + self.pool_size) / (1 + self.pool_df.get(t, 0))) + 1.0
            weight[t] = (1 + np.log(in_library)) * idf * (BIGRAM_BONUS if " " in t else 1.0)
        ranked = sorted(weight, key=lambda t: (-weight[t], t))
        return term_tools.without_overlaps(ranked, limit)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def related_papers(store: Store, key: str, limit: int = 10, reader: Reader | str | None = None,
                   engine: SearchEngine | None = None):
    """Papers most like one paper (``SearchEngine.related``), leaving out papers the
    reader disliked when a reader is given."""
    engine = engine or SearchEngine(store)
    engine.sync_vectors()
    disliked: set[int] = set()
    if reader is not None:
        reader = store.reader(reader) if isinstance(reader, str) else reader
        disliked = {e.pk for e in store.library(reader.id) if e.rating < 0}
    hits = engine.related(key, limit=limit + len(disliked))
    return [h for h in hits if h.pk not in disliked][:limit]
