"""Keyword retrieval: field-weighted BM25 over title, abstract and authors, on tantivy.

The index follows the store (``upsert``/``delete`` by pk, ``commit(meta)`` with its revision).
User text reaches tantivy's parser only with ``operators=True``; otherwise ``query_text`` cuts
it into words. Filters are clauses of the query itself, so filtered searches still fill ``limit``.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Self

import tantivy
from tantivy import Occur, Query

from ..errors import InputError, StoreError
from . import query_text

#: BM25 boosts per field, compared on dev-qrels and SciRepEval (benchmarks/bench_keyword.py).
FIELD_BOOSTS = {"title": 3.0, "abstract": 1.0, "authors": 0.5}
SCHEMA_VERSION = 1
INTEGER = tantivy.FieldType.Integer
META_FILE = "paperradar-keyword.json"
_TOKENIZER_OF_FIELD = {"title": query_text.STEMMED, "abstract": query_text.STEMMED,
                       "authors": query_text.NAMES}


@dataclass
class KeywordDoc:
    """What the keyword index knows of one paper. ``date`` is ISO text, possibly partial."""

    pk: int
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    has_code: bool = False


@dataclass
class KeywordFilters:
    """Conditions every hit meets. Dates: inclusive, ISO, maybe partial; a paper's partial date
    need only overlap the range. ``category``: arXiv code (``cs.CV``) or archive (``cs``).
    ``author``: words of one author's name, the last one a prefix (``hinton``, ``geoffrey hin``)."""

    since: str | None = None
    until: str | None = None
    category: str | None = None
    author: str | None = None
    source: str | None = None
    has_code: bool | None = None


@dataclass
class KeywordHit:
    """One result: the paper's pk, its BM25 score, and which query words matched where."""

    pk: int
    score: float
    matched: dict[str, list[str]] = field(default_factory=dict)  # field -> query words


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("pk", indexed=True, fast=True)
    for name, tokenizer in _TOKENIZER_OF_FIELD.items():
        builder.add_text_field(name, tokenizer_name=tokenizer, index_option="position")
    for name in ("categories", "sources"):
        builder.add_text_field(name, tokenizer_name=query_text.KEYWORDS, index_option="basic")
    builder.add_integer_field("date_lo", indexed=True, fast=True)
    builder.add_integer_field("date_hi", indexed=True, fast=True)
    builder.add_boolean_field("has_code", indexed=True, fast=True)
    return builder.build()


def _document(doc: KeywordDoc) -> tantivy.Document:
    out = tantivy.Document()
    out.add_integer("pk", doc.pk)
    out.add_text("title", doc.title or "")
    out.add_text("abstract", doc.abstract or "")
    archives = [code.split(".", 1)[0] for code in doc.categories if "." in code]  # cs.CV -> cs
    for name, values in (("authors", doc.authors), ("sources", doc.sources),
                         ("categories", [*doc.categories, *archives])):
        for value in values:  # one value per author: a phrase never spans two names
            out.add_text(name, value)
    if interval := query_text.date_interval(doc.date):
        out.add_integer("date_lo", interval[0])
        out.add_integer("date_hi", interval[1])
    out.add_boolean("has_code", bool(doc.has_code))
    return out


class KeywordIndex:
    """A tantivy index directory of papers. Changes become visible on ``commit``. One
    process at a time may write (the writer opens on the first change and holds
    tantivy's lock until ``close``); any number may search."""

    def __init__(self, path: pathlib.Path, *, field_boosts: dict[str, float] | None = None,
                 writer_heap_bytes: int = 128_000_000, writer_threads: int = 0):
        self.path = pathlib.Path(path)
        self.field_boosts = dict(field_boosts or FIELD_BOOSTS)
        self._writer_args = (writer_heap_bytes, writer_threads)
        self._writer: tantivy.IndexWriter | None = None
        self._analyzers = query_text.text_analyzers()
        self._state = self._read_state()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            exists = tantivy.Index.exists(str(self.path))
            self._index = tantivy.Index.open(str(self.path)) if exists else tantivy.Index(
                _schema(), path=str(self.path))
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot open the keyword index at {self.path}: {exc}") from exc
        for name, analyzer in self._analyzers.items():
            self._index.register_tokenizer(name, analyzer)
        self._schema = self._index.schema

    def upsert(self, docs: Iterable[KeywordDoc]) -> int:
        """Add papers, replacing any already indexed under the same pk. Returns how many."""
        writer, count = self._open_writer(), 0
        for count, doc in enumerate(docs, 1):
            writer.delete_documents_by_term("pk", doc.pk)
            writer.add_document(_document(doc))
        return count

    def delete(self, pks: Iterable[int]) -> None:
        """Remove papers by pk (unknown pks are ignored)."""
        for pk in pks:
            self._open_writer().delete_documents_by_term("pk", pk)

    def commit(self, meta: dict) -> None:
        """Make pending changes durable and visible, and record ``meta`` with them.

        The index is committed first and the metadata file replaced after it, so a
        crash in between leaves the metadata of the previous commit: a watermark
        that lags (changes are replayed, upserts are idempotent), never one ahead.
        """
        json.dumps(meta)  # not JSON-serialisable: TypeError before anything is committed
        state = {"schema": SCHEMA_VERSION, "meta": meta,
                 "opstamp": self._writer.commit() if self._writer is not None else None}
        with open(tmp := self.path / (META_FILE + ".tmp"), "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / META_FILE)
        self._state = state
        self._index.reload()

    def rollback(self) -> None:
        """Forget changes made since the last commit."""
        if self._writer is not None:
            self._writer.rollback()

    def close(self) -> None:
        """Release the writer (and its lock); uncommitted changes are dropped."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.rollback()
            writer.wait_merging_threads()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def meta(self) -> dict:
        """The metadata dict given to the last ``commit`` ({} before any)."""
        return dict(self._state.get("meta") or {})

    def count(self) -> int:
        """How many papers are searchable (committed)."""
        return self._index.searcher().num_docs

    def search(self, query: str, limit: int = 20, filters: KeywordFilters | None = None,
               operators: bool = False, explain: bool = True) -> list[KeywordHit]:
        """The best ``limit`` papers for ``query`` (any word may match), best first.

        With ``operators=True`` the query is read in tantivy's syntax (``AND``, ``-word``,
        ``"phrases"``, ``title:word``); a syntax error raises ``InputError("query", ...)``.
        ``explain=False`` leaves ``matched`` empty (about half the time of a search).
        """
        filter_query = self._filter_query(filters or KeywordFilters())  # bad filters raise first
        words = (query_text.operator_query_words if operators else query_text.query_words)(query)
        text_query = self._parse_operators(query) if operators else self._words_query(words)
        searcher = self._index.searcher()
        limit = min(limit, searcher.num_docs)  # a huge limit must not allocate a huge heap
        if limit <= 0 or text_query is None or filter_query is False:
            return []
        if filter_query is not None:
            text_query = Query.boolean_query([(Occur.Must, text_query), (Occur.Must, filter_query)])
        try:
            found = searcher.search(text_query, limit, count=False).hits
        except ValueError as exc:  # only parsed queries can fail here (e.g. "0:*")
            raise query_text.operator_error(query, exc) from None
        pks = searcher.fast_field_values("pk", [address for _, address in found])
        matched = self._matched_words(searcher, words, pks) if pks and explain else {}
        return [KeywordHit(pk, score, matched.get(pk, {})) for (score, _), pk in zip(found, pks)]

    def matched_words(self, query: str, pks: Iterable[int],
                      operators: bool = False) -> dict[int, dict[str, list[str]]]:
        """``KeywordHit.matched`` for any papers: e.g. the top of a fused ranking whose
        keyword candidates were searched with ``explain=False``."""
        words = (query_text.operator_query_words if operators else query_text.query_words)(query)
        return self._matched_words(self._index.searcher(), words, ids) if (ids := list(pks)) else {}

    def _open_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self._index.writer(*self._writer_args)
            except ValueError as exc:
                raise StoreError(f"keyword index {self.path} is locked by another writer: {exc}") from exc
            # A writer killed mid-commit leaves files no commit refers to; tantivy names
            # them by opstamp, so the next writer doing the same changes would collide
            # with them ("FileAlreadyExists"). Tantivy collects them after each commit;
            # collect them before the first one too.
            self._writer.garbage_collect_files()
        return self._writer

    def _read_state(self) -> dict:
        meta_file = self.path / META_FILE
        try:
            state = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"unreadable keyword index metadata in {self.path}: {exc}") from exc
        if state and state.get("schema") != SCHEMA_VERSION:
            raise StoreError(f"the keyword index at {self.path} has layout {state.get('schema')}, "
                             f"this paperradar needs {SCHEMA_VERSION}: delete it to rebuild")
        return state

    def _terms(self, words: list[str]) -> list[tuple[str, str, str]]:
        """(field, indexed term, query word) for each searched field and word."""
        return [(name, term, word) for word in words
                for name, tokenizer in _TOKENIZER_OF_FIELD.items() if self.field_boosts.get(name, 0) > 0
                for term in self._analyzers[tokenizer].analyze(word)]

    def _words_query(self, words: list[str]) -> Query | None:
        clauses = [(Occur.Should, Query.boost_query(Query.term_query(
            self._schema, name, term, index_option="freq"), self.field_boosts[name]))
            for name, term, _ in self._terms(words)]
        return Query.boolean_query(clauses) if clauses else None

    def _parse_operators(self, query: str) -> Query | None:
        text = query_text.check_operator_query(query)
        if not text.strip():
            return None
        boosts = {name: b for name, b in self.field_boosts.items() if b > 0}
        try:
            return self._index.parse_query(text, list(boosts), boosts)
        except ValueError as exc:
            raise query_text.operator_error(text, exc) from None

    def _filter_query(self, filters: KeywordFilters) -> Query | None | bool:
        """The filters as one unscored query; None for no filter, False if nothing can match."""
        must: list[Query] = []
        first, last = query_text.filter_days(filters.since, filters.until)
        if first is not None and last is not None and first > last:
            return False
        if first is not None:  # the paper's last possible day is on or after the first asked for
            must.append(Query.range_query(self._schema, "date_hi", INTEGER, lower_bound=first))
        if last is not None:
            must.append(Query.range_query(self._schema, "date_lo", INTEGER, upper_bound=last))
        query_text.check_text(category=filters.category, source=filters.source, author=filters.author)
        for name, value in (("categories", filters.category), ("sources", filters.source)):
            if value is not None:
                must.append(Query.term_query(self._schema, name, value.strip().lower()))
        if filters.author is not None:
            name_words = self._analyzers[query_text.NAMES].analyze(filters.author)
            if not name_words:
                raise InputError("author", f"no letters or digits in {filters.author!r}")
            must.append(Query.phrase_prefix_query(self._schema, "authors", name_words))
        if filters.has_code is not None:
            must.append(Query.term_query(self._schema, "has_code", bool(filters.has_code)))
        return Query.const_score_query(  # filters add nothing to the score
            Query.boolean_query([(Occur.Must, q) for q in must]), 0.0) if must else None

    def _matched_words(self, searcher: tantivy.Searcher, words: list[str],
                       pks: list[int]) -> dict[int, dict[str, list[str]]]:
        """For each hit, which query words occur in which field ("why this hit").

        One search over the hits alone scores each (field, term) with its own power of
        two, so a hit's score is the bit mask of the terms it holds (exact in float32
        for up to 24 terms; longer queries take several searches)."""
        matched: dict[int, dict[str, list[str]]] = {pk: {} for pk in pks}
        among_hits = Query.const_score_query(Query.boolean_query(  # term_set_query is slower
            [(Occur.Should, Query.term_query(self._schema, "pk", pk)) for pk in pks]), 0.0)
        terms = [t for t in self._terms(words) if searcher.doc_freq(t[0], t[1])]
        for group in (terms[at:at + 24] for at in range(0, len(terms), 24)):
            bits = [(Occur.Should, Query.const_score_query(Query.term_query(
                self._schema, name, term, index_option="basic"), float(1 << i)))
                for i, (name, term, _) in enumerate(group)]
            found = searcher.search(Query.boolean_query([(Occur.Must, among_hits), *bits]),
                                    len(pks), count=False).hits
            hit_pks = searcher.fast_field_values("pk", [address for _, address in found])
            for (mask, _), pk in zip(found, hit_pks):
                for i, (name, _, word) in enumerate(group):
                    if int(mask) >> i & 1 and word not in matched[pk].setdefault(name, []):
                        matched[pk][name].append(word)
        return matched
