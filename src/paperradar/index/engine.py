"""Search over the store: keyword (tantivy BM25), semantic (the bundled
embedding model and the vector index), and their fusion.

The indexes live beside the database and follow the store's revisions:
``sync()`` reads only papers changed since the revision an index last saw, so
keeping them in step after every write is cheap. Rankings are never stored in
the indexes; the store stays the one source of truth.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Callable

from ..errors import InputError
from ..models import Paper
from ..store import PaperQuery, Store
from .crosslingual import translate_query
from .fusion import fuse_default

log = logging.getLogger(__name__)

MODES = ("hybrid", "keyword", "semantic")
#: How many hits each retriever contributes to a fusion, per hit asked for.
POOL_FACTOR = 3
MIN_POOL = 50
EMBED_BATCH = 128
#: Titles get a vector of their own (model name + this suffix): a query that
#: reads like a title, or names the topic a title names, matches it better
#: than the title-and-abstract vector does (BENCHMARKS.md, "Title vectors").
TITLE_SUFFIX = "#title"
#: The title vectors are only looked up for candidates, never searched alone.
NO_GRAPH = 1 << 62
#: The keyword index commits every this many papers during a long sync.
KEYWORD_COMMIT_EVERY = 20_000

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Why:
    """How one retriever found a hit."""

    rank: int
    score: float
    detail: str


@dataclass
class SearchHit:
    paper: Paper
    pk: int
    score: float
    retrievers: dict[str, Why] = field(default_factory=dict)


@dataclass
class SearchResults:
    """Hits best first, and how the query was read (its English form for a
    Chinese query)."""

    hits: list[SearchHit]
    query: str
    read_as: str | None = None
    language: str = "en"

    def __iter__(self):
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)


@dataclass
class SyncReport:
    keyword: int = 0
    embedded: int = 0
    vectors: int = 0
    not_embedded: int = 0


def keyword_doc(pk: int, paper: Paper):
    from ..enrich.base import filter_categories, has_code

    from .keyword import KeywordDoc

    return KeywordDoc(
        pk=pk,
        title=paper.title or "",
        abstract=paper.abstract or "",
        authors=paper.author_names,
        date=paper.date,
        categories=filter_categories(paper),
        sources=sorted({s.source for s in paper.sources}),
        has_code=has_code(paper),
    )


def _hash64(content_hash: str) -> int:
    return int(content_hash[:15], 16)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


class SearchEngine:
    """Keyword, semantic and hybrid search over one store."""

    def __init__(self, store: Store, embedder: str | None = None):
        self.store = store
        self.embedder_name = embedder
        self._keyword = None
        self._embedder = None
        self._vectors = None
        self._title_vectors = None
        self._lookups: dict[str, object] = {}
        self._checked: dict[int, float] = {}

    # -- the parts, opened on first use -----------------------------------------

    @property
    def keyword(self):
        if self._keyword is None:
            from .keyword import KeywordIndex

            self._keyword = KeywordIndex(self.store.artifact_dir("keyword"))
        return self._keyword

    @property
    def embedder(self):
        if self._embedder is None:
            from .embed import get_embedder

            self._embedder = get_embedder(self.embedder_name)
        return self._embedder

    #: How often (seconds) a long-running engine looks whether another process
    #: (a batch job, `paperradar run`) has refreshed the vector indexes.
    REFRESH_CHECK_S = 2.0

    def _refreshed(self, index):
        """``index``, or None when another process has refreshed it since it was
        opened (checked at most every REFRESH_CHECK_S seconds)."""
        now = time.monotonic()
        if index is None or now - self._checked.get(id(index), now) < self.REFRESH_CHECK_S:
            self._checked.setdefault(id(index), now)
            return index
        self._checked[id(index)] = now
        if index.changed_on_disk():
            del self._checked[id(index)]
            log.info("vector index %s was refreshed by another process: reopening it", index.dir)
            return None
        return index

    @property
    def vectors(self):
        self._vectors = self._refreshed(self._vectors)
        if self._vectors is None:
            from .vectors import VectorIndex

            directory = self.store.artifact_dir("vectors") / _safe_name(self.embedder.name)
            self._vectors = VectorIndex(directory, self.embedder.dim)
        return self._vectors

    @property
    def title_model(self) -> str:
        return self.embedder.name + TITLE_SUFFIX

    @property
    def title_vectors(self):
        self._title_vectors = self._refreshed(self._title_vectors)
        if self._title_vectors is None:
            from .vectors import VectorIndex

            directory = self.store.artifact_dir("vectors") / _safe_name(self.title_model)
            self._title_vectors = VectorIndex(directory, self.embedder.dim, ann_threshold=NO_GRAPH)
        return self._title_vectors

    def vectors_of(self, pks: list[int], titles: bool = False):
        """{pk: vector} of these papers from the title-and-abstract (or title) index."""
        return self._lookup(titles).vectors_of(pks)

    def _lookup(self, titles: bool):
        from .lookup import RowLookup

        index = self.title_vectors if titles else self.vectors
        name = "title" if titles else "text"
        if name not in self._lookups or self._lookups[name].index is not index:
            self._lookups[name] = RowLookup(index)
        return self._lookups[name]

    def semantic_scores(self, query_vector, pks: list[int],
                        known: dict[int, float] | None = None) -> dict[int, tuple[float, str]]:
        """{pk: (similarity, why)}: the better of the query's cosine to the
        paper's title-and-abstract vector and to its title vector."""
        known = dict(known or {})
        missing = [pk for pk in pks if pk not in known]
        known.update(self._lookup(titles=False).similarities(missing, query_vector))
        title = self._lookup(titles=True).similarities(pks, query_vector)
        out = {}
        for pk in pks:
            text_sim, title_sim = known.get(pk), title.get(pk)
            if text_sim is None and title_sim is None:
                continue
            if title_sim is not None and (text_sim is None or title_sim > text_sim):
                out[pk] = (title_sim, f"title similarity {title_sim:.3f}")
            else:
                out[pk] = (text_sim, f"similarity {text_sim:.3f}")
        return out

    def close(self) -> None:
        if self._keyword is not None:
            self._keyword.close()

    # -- keeping in step with the store ------------------------------------------

    def sync_keyword(self, progress: Progress | None = None) -> int:
        """Index papers changed since the keyword index's revision."""
        mark = int(self.keyword.meta().get("rev", 0))
        target = self.store.revision()
        done = 0
        for chunk in self.store.changed_since(mark):
            self.keyword.upsert(keyword_doc(pk, paper) for pk, _, paper in chunk)
            done += len(chunk)
            if done % KEYWORD_COMMIT_EVERY < len(chunk):  # commit now and then: a crash loses little
                # Papers come in (rev, pk) order: those of the last revision seen may
                # continue in the next chunk, so only the revisions before it are done.
                self.keyword.commit({"rev": chunk[-1][1] - 1})
            if progress:
                progress(done, 0)
        if done or mark != target:
            self.keyword.commit({"rev": target})
        return done

    def embed_missing(self, limit: int | None = None, progress: Progress | None = None) -> int:
        """Embed papers that have no vector for this model yet; returns how many."""
        from contextlib import nullcontext

        from .embed_pool import MIN_TEXTS, EmbedPool, pool_size

        todo = [(self.embedder.name, item) for item in self.store.texts_to_embed(self.embedder.name, limit)]
        todo += [(self.title_model, item)
                 for item in self.store.texts_to_embed(self.title_model, limit, field="title")]
        processes = pool_size()
        pooled = len(todo) >= MIN_TEXTS and processes > 1 and getattr(self.embedder, "POOLABLE", False)
        with EmbedPool(self.embedder.name, processes) if pooled else nullcontext() as pool:
            embed = pool.embed if pool is not None else self.embedder.embed
            for start in range(0, len(todo), EMBED_BATCH):
                batch = todo[start:start + EMBED_BATCH]
                vectors = embed([text for _, (_, text) in batch])
                for model in {m for m, _ in batch}:
                    self.store.save_embeddings(model, [(chash, vec.tobytes()) for (m, (chash, _)), vec
                                                       in zip(batch, vectors) if m == model])
                if progress:
                    progress(start + len(batch), len(todo))
        return sum(1 for model, _ in todo if model == self.embedder.name)

    def sync_vectors(self) -> int:
        """Bring the vector indexes (title-and-abstract, title) up to the store's stored vectors."""
        self._sync_index(self.title_vectors, self.title_model)
        return self._sync_index(self.vectors, self.embedder.name)

    def _sync_index(self, index, model: str) -> int:
        import numpy as np

        rev_mark, seq_mark = index.watermark
        target = self.store.revision()
        pks, hashes, blobs, top_seq = [], [], [], seq_mark
        for pk, chash, seq, blob in self.store.embeddings(model, rev_mark, seq_mark):
            pks.append(pk)
            hashes.append(_hash64(chash))
            blobs.append(blob)
            top_seq = max(top_seq, seq)
        if not pks and target == rev_mark:
            return 0
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(pks), -1) \
            if pks else np.zeros((0, self.embedder.dim), np.float32)
        return index.add(pks, hashes, matrix, rev=target, seq=top_seq)

    def sync(self, embed: bool = True, progress: Progress | None = None) -> SyncReport:
        report = SyncReport(keyword=self.sync_keyword())
        if embed:
            report.embedded = self.embed_missing(progress=progress)
            report.vectors = self.index_vectors(report.embedded)
        return report

    def index_vectors(self, embedded: int) -> int:
        """``sync_vectors``, and after new embeddings on PostgreSQL the pgvector HNSW
        indexes (created once, after the first bulk load). Returns the rows added."""
        added = self.sync_vectors()
        build_ann = getattr(self.store, "build_ann_indexes", None)
        if build_ann is not None and embedded:
            build_ann()
        return added

    def not_embedded(self) -> int:
        return len(self.store.texts_to_embed(self.embedder.name))

    # -- searching ---------------------------------------------------------------

    def search(self, query: str, mode: str = "hybrid", limit: int = 20,
               filters: PaperQuery = PaperQuery(), operators: bool = False) -> SearchResults:
        """The best papers for ``query``; each hit says which retrievers found it and why.

        A Chinese (or mixed) query is put into English with the bundled ML
        glossary before it reaches the English indexes.
        """
        if mode not in MODES:
            raise InputError("--mode", f"unknown search mode {mode!r}; choose one of "
                             + ", ".join(MODES))
        variants = translate_query(query)
        text = variants.english or query
        results = SearchResults([], query, text if text != query else None, variants.language)
        if limit <= 0 or not query.strip():
            return results
        pool = limit if mode == "keyword" else max(MIN_POOL, POOL_FACTOR * limit)
        runs: dict[str, list[tuple[int, float]]] = {}
        details: dict[str, dict[int, str]] = {}
        if mode in ("keyword", "hybrid"):
            hits = self.keyword.search(text, limit=pool, filters=_keyword_filters(filters),
                                       operators=operators, explain=False)
            runs["keyword"] = [(h.pk, h.score) for h in hits]
        if mode in ("semantic", "hybrid"):
            allowed = self.store.pks_matching(filters) if filters.filters_anything else None
            vector = self.embedder.embed_query(text)
            hits = self.vectors.search(vector, limit=pool, allowed=allowed)
            # Rescore the nearest papers, and the keyword hits, by title too.
            candidates = list(dict.fromkeys([h.pk for h in hits] + [pk for pk, _ in runs.get("keyword", [])]))
            scored = self.semantic_scores(vector, candidates, {h.pk: h.similarity for h in hits})
            runs["semantic"] = sorted(((pk, sim) for pk, (sim, _) in scored.items()), key=lambda kv: -kv[1])
            details["semantic"] = {pk: why for pk, (_, why) in scored.items()}
        fused = fuse_default(runs, limit=limit)
        if "keyword" in runs:  # explain only the hits shown: half the keyword time
            matched = self.keyword.matched_words(
                text, [h.key for h in fused if "keyword" in h.found_by], operators=operators)
            details["keyword"] = {pk: _matched(m) for pk, m in matched.items()}
        papers = {pk: p for pk, p in zip([h.key for h in fused],
                                         self.store.papers_by_pk([h.key for h in fused]))}
        for hit in fused:
            if hit.key not in papers:  # removed since indexing
                continue
            why = {name: Why(found.rank, found.score, details[name].get(hit.key, ""))
                   for name, found in hit.found_by.items()}
            score = hit.score if len(runs) > 1 else next(iter(hit.found_by.values())).score
            results.hits.append(SearchHit(papers[hit.key], hit.key, score, why))
        return results

    def related(self, key: str, limit: int = 10) -> list[SearchHit]:
        """Papers most similar to one paper (by its embedding)."""
        pk = self.store.pk_of(key)
        vector = self.vectors.vector_of(pk)
        if vector is None:
            paper = self.store.papers_by_pk([pk])[0]
            from ..store.dedupe import paper_text

            vector = self.embedder.embed([paper_text(paper.title, paper.abstract)])[0]
        hits = [h for h in self.vectors.search(vector, limit=limit + 1) if h.pk != pk][:limit]
        papers = self.store.papers_by_pk([h.pk for h in hits])
        return [SearchHit(p, h.pk, h.similarity,
                          {"semantic": Why(i, h.similarity, f"similarity {h.similarity:.3f}")})
                for i, (h, p) in enumerate(zip(hits, papers), 1)]


def _keyword_filters(query: PaperQuery):
    from .keyword import KeywordFilters

    return KeywordFilters(since=query.since, until=query.until, category=query.category,
                          author=query.author, source=query.source, has_code=query.has_code)


def _matched(matched: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {', '.join(words)}" for field, words in matched.items() if words)
