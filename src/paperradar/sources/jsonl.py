"""JSON lines: paperradar's own export, the arXiv metadata snapshot, and plain
JSON lines from elsewhere, recognised line by line. Streamed, never loaded
whole, so the ~4 GB snapshot imports in flat memory."""

from __future__ import annotations

import re
from typing import IO, Any, AnyStr, Iterator

import orjson

from ..codec import paper_from_export
from ..models import Author, Link, Paper
from ..normalize import (
    clean_space, latex_to_text, normalize_doi, parse_arxiv_id, parse_date, split_categories,
)
from .base import MAX_LINE_BYTES, FileFormat, Input, Item, Problem, clip
from .snapshot import is_snapshot_record, snapshot_record

KNOWN_KEYS = {"id", "title", "abstract", "summary", "authors", "date", "year", "categories",
              "doi", "arxiv_id", "links", "url"}
#: Lists and objects nested deeper than this are refused: the store writes JSON with
#: orjson, which stops at 254 levels (and a record's values sit a few levels down).
MAX_JSON_DEPTH = 200
_EXPORT_TEXT = ("id", "title", "abstract", "date", "updated", "arxiv_id", "doi", "comments",
                "journal_ref")
_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable_json(value: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why the store could not write ``value`` as JSON, or None when it can.

    orjson refuses lone surrogates (``"\\ud800"`` escapes decode to them), integers
    beyond 64 bits and nesting past 254 levels. Walked without recursion or copies.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return "text with a lone surrogate (an escape like \\ud800)"
        elif isinstance(item, int) and not -(2**63) <= item < 2**64:
            return "an integer beyond 64 bits"
        elif isinstance(item, (dict, list, tuple)):
            if depth > limit:
                return f"nested more than {limit} levels deep"
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                item = item.values()
            stack.extend((v, depth + 1) for v in item)
    return None


def bounded_lines(fh: IO, skipped: list[tuple[int, int]],
                  limit: int = MAX_LINE_BYTES) -> Iterator[AnyStr]:
    """The lines of a binary or text stream, none held longer than ``limit``: a longer
    line is read past in pieces, comes as an empty line, and its (number, size) is
    appended to ``skipped``. So one huge line never sits in memory whole."""
    newline, ends = ("\n", ("\n", "\r")) if isinstance(fh.read(0), str) else (b"\n", (b"\n",))
    number = 0
    while line := fh.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith(ends):
            size = len(line)
            while (line := fh.readline(1 << 20)) and not line.endswith(ends):
                size += len(line)
            skipped.append((number, size + len(line)))
            line = newline
        yield line


def is_translations(value: Any) -> bool:
    """True for ``{language: {"title": text, "summary": text}}``."""
    return isinstance(value, dict) and all(
        isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in value.values())


def check_export_types(paper: Paper) -> None:
    """ValueError naming the first field of an exported paper that has the wrong type."""
    for name in _EXPORT_TEXT:
        value = getattr(paper, name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name!r} is a {type(value).__name__}, not text")
    version = paper.arxiv_version
    if version is not None and (type(version) is not int or not 0 <= version < 100_000):
        raise ValueError(f"'arxiv_version' is {version!r:.40}, not a version number")
    if not is_translations(paper.translations):
        raise ValueError("'translations' is not {language: {\"title\": ..., \"summary\": ...}}")


def sniff(head: str) -> bool:
    return head.lstrip().startswith("{")


def is_own_export(obj: dict[str, Any]) -> bool:
    return "id" in obj and isinstance(obj.get("sources"), list) and "translations" in obj


def _authors(value: Any) -> list[Author]:
    if isinstance(value, str):
        sep = ";" if ";" in value else (" and " if " and " in value else ",")
        names = [n.strip() for n in value.replace(", and ", ", ").split(sep)]
    elif isinstance(value, list):
        names = [
            (v.get("name") if isinstance(v, dict) else str(v)) for v in value
        ]
    else:
        names = []
    return [Author(latex_to_text(n) or n) for n in names if n]


def _links(value: Any) -> list[Link]:
    items: list[Link] = []
    if isinstance(value, dict):
        value = [{"kind": k, "url": v} for k, v in value.items()]
    if isinstance(value, str):
        value = [value]
    for v in value or []:
        if isinstance(v, str):
            items.append(Link(v, "other"))
        elif isinstance(v, dict) and isinstance(v.get("url"), str):
            items.append(Link(v["url"], str(v.get("kind") or v.get("type") or "other")))
    return items


def generic_record(obj: dict[str, Any]) -> Paper:
    """A plain JSON object with at least ``title`` or ``abstract``."""
    title = clip(clean_space(str(obj["title"]))) if obj.get("title") else None
    abstract = obj.get("abstract") or obj.get("summary")
    abstract = clip(clean_space(str(abstract))) if abstract else None
    if not title and not abstract:
        raise ValueError("has neither 'title' nor 'abstract'")
    record_id = str(obj["id"]) if obj.get("id") is not None else ""
    arxiv_id, version = parse_arxiv_id(str(obj.get("arxiv_id") or ""))
    if not arxiv_id and record_id:
        arxiv_id, version = parse_arxiv_id(record_id)
    cats = obj.get("categories")
    categories = split_categories(" ".join(map(str, cats)) if isinstance(cats, list) else cats)
    date = obj.get("date") if obj.get("date") is not None else obj.get("year")
    links = _links(obj.get("links"))
    if isinstance(obj.get("url"), str):
        links.append(Link(obj["url"], "other"))
    return Paper(
        title=title,
        abstract=abstract,
        authors=_authors(obj.get("authors")),
        date=parse_date(str(date)) if date is not None else None,
        categories=categories,
        arxiv_id=arxiv_id,
        arxiv_version=version,
        doi=normalize_doi(str(obj.get("doi") or "")),
        links=links,
        source="jsonl",
        source_id=record_id,
        extra={k: v for k, v in obj.items() if k not in KNOWN_KEYS},
    )


def record_to_paper(obj: dict[str, Any]) -> Paper:
    """Recognise one JSON object's shape and map it to a Paper (ValueError if unusable)."""
    if is_own_export(obj):
        paper = paper_from_export(obj)
        check_export_types(paper)
        if not paper.title and not paper.abstract:
            raise ValueError("has neither 'title' nor 'abstract'")
        paper.title, paper.abstract = clip(paper.title), clip(paper.abstract)
        return paper
    if is_snapshot_record(obj):
        return snapshot_record(obj)
    return generic_record(obj)


def parse(inp: Input) -> Iterator[Item]:
    """Items of a JSON-lines input, streamed line by line; one Problem per bad line."""
    with inp.open_binary() as fh:
        yield from _parse_lines(fh, inp.origin)


def _parse_lines(fh: IO[bytes], origin: str) -> Iterator[Item]:
    skipped: list[tuple[int, int]] = []
    for lineno, raw in enumerate(bounded_lines(fh, skipped), 1):
        if skipped or len(raw) > MAX_LINE_BYTES:
            size = skipped.pop()[1] if skipped else len(raw)
            yield Problem(f"{origin}:{lineno}", f"line of {size} bytes is too long "
                          f"(limit {MAX_LINE_BYTES}); skipped")
            continue
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield Problem(f"{origin}:{lineno}", f"not valid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield Problem(f"{origin}:{lineno}",
                          f"expected a JSON object, got {type(obj).__name__}")
            continue
        if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and (why := unstorable_json(obj)):
            yield Problem(f"{origin}:{lineno}", f"cannot be stored: {why}; skipped")
            continue
        try:
            yield record_to_paper(obj)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            yield Problem(f"{origin}:{lineno}", f"unusable record: {exc}")


FORMATS = [
    FileFormat(
        name="json lines",
        description="one JSON object per line: paperradar's export, the arXiv metadata "
        "snapshot, or objects with at least 'title' or 'abstract'",
        sniff=sniff,
        parse=parse,
        priority=20,
    )
]
