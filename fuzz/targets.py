"""Fuzz targets: one per parser, one for format sniffing, one for the search query path.

Each target takes raw bytes and runs them through the same public entry that
``paperradar ingest`` (or ``paperradar search``) uses, asserting the properties
of ``fuzz.checks``. ``seeds`` name real files under ../shared (tests and
``fuzz/run.py`` use them when present); ``fuzz/corpus/<name>/`` holds small
snippets of them so the harnesses run without ../shared.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from paperradar.errors import InputError
from paperradar.index import query_text
from paperradar.index.keyword import KeywordDoc, KeywordFilters, KeywordIndex
from paperradar.sources import (
    Input,
    arxiv_atom,
    arxiv_feeds,
    bibtex,
    csvfile,
    hf_daily,
    jsonl,
    oai,
    read_input,
)
from paperradar.sources.jsonl import unstorable_json
from paperradar.sources.layouts import LAYOUTS
from paperradar.sources.layouts.text import TextLines, decode_mixed
from paperradar.sources.pasted import parse_pasted
from paperradar.sources.snapshot import is_snapshot_record, snapshot_record

from .checks import ORIGIN, FuzzFinding, check_input_error, check_items, run_parser

FUZZ_DIR = Path(__file__).resolve().parent
#: Real papers (from the Hugging Face Daily Papers fixture) the query target searches.
INDEX_PAPERS = FUZZ_DIR / "data" / "index_papers.jsonl"


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    run: Callable[[bytes], None]
    seeds: tuple[str, ...] = ()  # glob patterns under ../shared


def _layouts(data: bytes) -> None:
    """Every pasted layout forced onto the text, whatever detection would pick."""
    lines = TextLines(decode_mixed(data), ORIGIN)
    check_items(lines.junk_problems())
    for layout in LAYOUTS:
        check_items(layout.parse(lines, ORIGIN))


def _snapshot(data: bytes) -> None:
    """Snapshot lines through the JSON-lines reader, and each record through
    ``snapshot_record``, whose documented failure is ValueError only."""
    run_parser(jsonl.parse, data)
    for raw in data.splitlines()[:200]:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict) and is_snapshot_record(obj) and not unstorable_json(obj):
            try:
                paper = snapshot_record(obj)
            except ValueError as exc:
                if not str(exc):
                    raise FuzzFinding("snapshot_record: a ValueError without a message") from exc
                continue
            check_items([paper])


def _hf_daily(data: bytes) -> None:
    """A saved answer through the file format, and a decoded one through the
    mapping the online source uses (items -> Papers or Problems, nothing raised)."""
    run_parser(hf_daily.parse, data)
    try:
        decoded = orjson.loads(data)
    except orjson.JSONDecodeError:
        return
    if isinstance(decoded, list):
        check_items(hf_daily._papers_in(decoded, ORIGIN))


def _sniff(data: bytes) -> None:
    """Format detection and whichever parser it picks: nothing may escape ``read_input``."""
    check_items(read_input(Input.from_bytes(data, ORIGIN)))


# ---------------------------------------------------------------- the query path

_index: KeywordIndex | None = None
_index_pks: set[int] = set()


def keyword_index() -> KeywordIndex:
    """A small real index (built once per process in a temporary directory)."""
    global _index
    if _index is None:
        where = Path(tempfile.mkdtemp(prefix="paperradar-fuzz-index-"))
        atexit.register(shutil.rmtree, where, True)
        index = KeywordIndex(where / "kw", writer_heap_bytes=20_000_000, writer_threads=1)
        docs = [KeywordDoc(**orjson.loads(line)) for line in INDEX_PAPERS.read_bytes().splitlines()]
        index.upsert(docs)
        index.commit({"fuzz": True})
        index.close()
        _index_pks.update(d.pk for d in docs)
        _index = index
    return _index


def _check_hits(hits: list) -> None:
    if any(hit.pk not in _index_pks for hit in hits):
        raise FuzzFinding(f"a hit outside the index: {hits!r:.200}")


def _query(data: bytes) -> None:
    """Bytes -> what a user may type: the first byte picks options, the rest is the
    query, then filter values after ``\\x1f`` separators (since, until, category,
    author, source). See ``check_query``."""
    flags = data[0] if data else 0
    text = data[1:].decode("utf-8", "surrogateescape" if flags & 1 else "replace")
    query, *filter_values = text.split("\x1f")
    check_query(query, filter_values, flags)


def check_query(query: str, filter_values: list[str], flags: int = 0) -> None:
    """Search ``query`` plainly (nothing may raise), with operators and with the filters
    (only InputError may come out); ``flags`` pick the limit, explain, operators, has_code."""
    index = keyword_index()
    limit = (flags >> 4) * 3 - 1
    query_text.query_words(query)
    query_text.operator_query_words(query)
    _check_hits(index.search(query, limit=limit, explain=bool(flags & 2)))
    try:
        _check_hits(index.search(query, limit=limit, operators=True))
    except InputError as exc:
        check_input_error(exc)
    for value in filter_values:
        interval = query_text.date_interval(value)
        if interval is not None and not interval[0] <= interval[1]:
            raise FuzzFinding(f"date_interval({value!r:.60}) = {interval}")
    if filter_values:
        values = (list(filter_values) + [""] * 5)[:5]
        filters = KeywordFilters(*(v or None for v in values),
                                 has_code=None if flags & 8 else bool(flags & 4))
        try:
            _check_hits(index.search(query, limit=limit, filters=filters,
                                     operators=bool(flags & 4)))
        except InputError as exc:
            check_input_error(exc)


def _parser(parse) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        run_parser(parse, data)
    return run


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("pasted", "pasted listings: layout detection and parsing", _parser(parse_pasted),
           ("seeds/*.txt",)),
    Target("layouts", "each pasted layout forced onto any text", _layouts, ("seeds/*.txt",)),
    Target("arxiv_atom", "arXiv query API answers (Atom)", _parser(arxiv_atom.parse_api),
           ("fixtures/api_*.xml",)),
    Target("arxiv_feeds", "arXiv new-submissions feeds (Atom and RSS 2.0)",
           _parser(arxiv_feeds.parse_feed), ("fixtures/arxiv-rss-cs.xml",)),
    Target("oai", "OAI-PMH answers (arXivRaw, arXiv, oai_dc)", _parser(oai.parse),
           ("fixtures/oai_*.xml",)),
    Target("snapshot", "arXiv metadata snapshot lines", _snapshot,
           ("fixtures/arxiv-snapshot-head200.jsonl",)),
    Target("hf_daily", "Hugging Face Daily Papers answers", _hf_daily,
           ("fixtures/hf-daily/2025-01-21.json", "fixtures/hf-daily/2025-07-07.json")),
    Target("bibtex", "BibTeX bibliographies", _parser(bibtex.parse),
           ("fixtures/d2l-references.bib",)),
    Target("csv", "CSV/TSV with a header (Zotero, arXiv listings, paperradar's export)",
           _parser(csvfile.parse), ("data/arxiv-listing-2023-09-21.csv",)),
    Target("jsonl", "JSON lines (paperradar's export, snapshot, plain objects)",
           _parser(jsonl.parse), ("fixtures/arxiv-snapshot-head200.jsonl",)),
    Target("sniff", "format detection from content, then the parser it picks", _sniff,
           ("seeds/*.txt", "fixtures/*.xml", "fixtures/*.bib", "fixtures/*.jsonl",
            "fixtures/hf-daily/2025-01-21.json", "data/*.csv")),
    Target("query", "keyword search: plain, with operators, with filters", _query),
)}
