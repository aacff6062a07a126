"""JSON lines: paperradar's own export, the arXiv metadata snapshot, and plain
JSON lines from elsewhere, recognised line by line. Streamed, never loaded
whole, so the ~4 GB snapshot imports in flat memory."""

from __future__ import annotations

from typing import Any, Iterator

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
        if not paper.title and not paper.abstract:
            raise ValueError("has neither 'title' nor 'abstract'")
        return paper
    if is_snapshot_record(obj):
        return snapshot_record(obj)
    return generic_record(obj)


def parse(inp: Input) -> Iterator[Item]:
    for lineno, raw in inp.lines():
        if len(raw) > MAX_LINE_BYTES:
            yield Problem(f"{inp.origin}:{lineno}", f"line of {len(raw)} bytes is too long "
                          f"(limit {MAX_LINE_BYTES}); skipped")
            continue
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield Problem(f"{inp.origin}:{lineno}", f"not valid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield Problem(f"{inp.origin}:{lineno}",
                          f"expected a JSON object, got {type(obj).__name__}")
            continue
        try:
            yield record_to_paper(obj)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            yield Problem(f"{inp.origin}:{lineno}", f"unusable record: {exc}")


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
