"""Which of a period's papers a subscription's or a feed's topics select.

Topics are ``{"queries": [...], "categories": [...], "tags": [...]}``:

- a category (``cs.CV``; ``cs`` matches the whole archive) matches a paper's given
  categories, else its confident predicted one;
- a saved query goes through the search engine (hybrid when the embedding model
  is installed, else keyword): a keyword hit counts when it holds every word of
  the query (or, for a query written with AND/OR/NOT, when the engine found it);
  a semantic hit counts when its similarity reaches ``SEMANTIC_MIN``;
- a tag (from the reader's library) selects the papers whose for-you relevance for
  that tag (``rank.foryou.recommend(..., tag=T)``) reaches ``TAG_MIN_RELEVANCE``;
  without for-you (nothing tagged, no embeddings) the tag is read as a saved query.
"""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any

from ..enrich.base import filter_categories
from ..errors import InputError, PaperradarError
from ..normalize import BARE_CATEGORIES, normalize_category
from ..store import PaperQuery, Store

log = logging.getLogger(__name__)

#: Cosine similarity from which a semantic hit counts as on-topic (all-MiniLM-L6-v2).
SEMANTIC_MIN = 0.5
#: For-you relevance (a percentile of stored papers) from which a paper is on a tag's topic.
TAG_MIN_RELEVANCE = 0.8
#: arXiv archives a category topic may name whole ("cs": every cs.* category).
ARCHIVES = BARE_CATEGORIES | {"cs", "math", "stat", "eess", "econ", "q-bio", "q-fin"}
_OPERATORS = re.compile(r'\b(?:AND|OR|NOT)\b|"|(?:^|\s)[-+]\w|\w:\w')


def normalize_topics(queries=(), categories=(), tags=()) -> dict[str, list[str]]:
    """Topics as stored in a subscription, validated: categories as arXiv codes."""
    cats = []
    for raw in categories:
        cat = normalize_category(raw) or (raw.strip() if raw.strip() in ARCHIVES else None)
        if not cat:
            raise InputError("--category", f"{raw!r} is not an arXiv category (cs.CV, CV, stat.ML, cs)")
        cats.append(cat)
    out = {"queries": [q.strip() for q in queries if q.strip()], "categories": cats,
           "tags": [t.strip() for t in tags if t.strip()]}
    return {k: v for k, v in out.items() if v}


def topic_label(topics: dict[str, Any]) -> str | None:
    parts = [*topics.get("categories", []), *(f'"{q}"' for q in topics.get("queries", [])),
             *(f"#{t}" for t in topics.get("tags", []))]
    return ", ".join(parts) or None


def _category_match(paper, wanted: list[str]) -> bool:
    have = filter_categories(paper)
    return any(c == w or ("." not in w and c.startswith(w + ".")) for c in have for w in wanted)


class TopicMatcher:
    """Matches topics against candidate papers; one search engine for a whole run."""

    def __init__(self, store: Store):
        self.store = store
        self._engine = None
        self.mode = "hybrid"

    @property
    def engine(self):
        if self._engine is None:
            from ..index import SearchEngine

            self._engine = SearchEngine(self.store)
            self._engine.sync_keyword()
            try:
                self._engine.sync_vectors()
            except (PaperradarError, ImportError) as exc:
                log.info("topic search without vectors: %s", exc)
                self.mode = "keyword"
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()

    def query_pks(self, query: str, candidates: dict[int, Any]) -> set[int]:
        """Candidates on the topic of a saved query."""
        engine = self.engine
        dates = [(p.date or "") for p in candidates.values()]
        since = min(dates) if dates and all(len(d) == 10 for d in dates) else None
        operators = bool(_OPERATORS.search(query))
        limit = max(50, 3 * len(candidates))
        try:
            results = engine.search(query, mode=self.mode, limit=limit, operators=operators,
                                    filters=PaperQuery(since=since))
        except ImportError as exc:  # the embedding model went missing: keyword only
            log.info("topic search falls back to keyword: %s", exc)
            self.mode = "keyword"
            results = engine.search(query, mode="keyword", limit=limit, operators=operators,
                                    filters=PaperQuery(since=since))
        hits = [h for h in results.hits if h.pk in candidates]
        from ..index.query_text import query_words

        text = results.read_as or query
        words = set(query_words(text))
        keyword_pks = [h.pk for h in hits if "keyword" in h.retrievers]
        matched = engine.keyword.matched_words(text, keyword_pks) if keyword_pks and not operators else {}
        out = set()
        for hit in hits:
            if "keyword" in hit.retrievers and (
                    operators or words <= {w for ws in matched.get(hit.pk, {}).values() for w in ws}) or "semantic" in hit.retrievers and hit.retrievers["semantic"].score >= SEMANTIC_MIN:
                out.add(hit.pk)
        return out

    def tag_pks(self, reader, tag: str, candidates: dict[int, Any]) -> set[int]:
        """Candidates like the reader's papers tagged ``tag``."""
        try:
            from ..rank.foryou import recommend
            takes_tag = "tag" in inspect.signature(recommend).parameters
        except (ImportError, TypeError, ValueError):
            takes_tag = False
        if takes_tag and reader is not None:
            by_id = {p.id: pk for pk, p in candidates.items()}
            try:
                found = recommend(self.store, reader, list(candidates.values()), tag=tag, limit=len(candidates))
            except (PaperradarError, ImportError) as exc:  # nothing tagged yet, no embeddings
                log.info("tag %r read as a query: %s", tag, exc)
            else:
                return {by_id[x.paper.id] for x in found or [] if x.paper.id in by_id
                        and getattr(x, "relevance", 1.0) >= TAG_MIN_RELEVANCE}
        return self.query_pks(tag, candidates)

    def select(self, topics: dict[str, Any], candidates: dict[int, Any], reader=None) -> set[int] | None:
        """The candidate pks the topics select; None when there are no topics (everything)."""
        if not any(topics.get(k) for k in ("queries", "categories", "tags")):
            return None
        out = set()
        if topics.get("categories"):
            out |= {pk for pk, p in candidates.items() if _category_match(p, topics["categories"])}
        for query in topics.get("queries", []):
            out |= self.query_pks(query, candidates)
        for tag in topics.get("tags", []):
            out |= self.tag_pks(reader, tag, candidates)
        return out
