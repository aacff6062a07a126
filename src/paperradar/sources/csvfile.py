"""CSV (comma, tab or semicolon separated) with a header naming its columns.

Columns from other tools are mapped by a table of synonyms (case, spaces and
underscores ignored); unknown columns are kept per row in ``Paper.extra``.
One Notice reports the mapping. paperradar's own export (``csvfile_writer``)
is recognised by its columns and read back without loss.
"""

from __future__ import annotations

import ast
import codecs
import csv
import io
import json
import re
from typing import Any, Iterator

from ..codec import source_from_dict
from ..errors import InputError
from ..models import Author, Link, Paper
from ..normalize import (
    clean_space, latex_to_text, normalize_category, normalize_doi, parse_arxiv_id, parse_date,
    link_kind, split_categories,
)
from .base import MAX_LINE_BYTES, FileFormat, Input, Item, Notice, Problem, clip, decode_bytes
from .csvfile_writer import CSV_COLUMNS, write_csv  # noqa: F401  (the export, next to its reader)
from .jsonl import bounded_lines, is_translations, unstorable_json

SOURCE = "csv"
DELIMITERS = (",", "\t", ";")

#: normalised column name -> the Paper field it fills.
SYNONYMS = {
    **dict.fromkeys(["id", "paperid", "identifier", "key"], "id"),
    **dict.fromkeys(["arxivid", "arxiv", "eprint"], "arxiv_id"),
    **dict.fromkeys(["title", "papertitle"], "title"),
    **dict.fromkeys(["abstract", "summary", "abstracttext"], "abstract"),
    **dict.fromkeys(["authors", "author", "authornames", "creators"], "authors"),
    **dict.fromkeys(["affiliations", "affiliation", "affilliations", "affilations"],
                    "affiliations"),
    **dict.fromkeys(["primarycategory", "primarysubject"], "primary_category"),
    **dict.fromkeys(["categories", "category", "subjects", "subject"], "categories"),
    **dict.fromkeys(["date", "published", "publisheddate", "publicationdate", "year"], "date"),
    **dict.fromkeys(["updated", "updateddate", "lastupdated"], "updated"),
    "doi": "doi",
    **dict.fromkeys(["url", "link", "absurl", "htmlurl", "entryid"], "url"),
    **dict.fromkeys(["pdfurl", "pdf", "pdflink"], "pdf_url"),
    **dict.fromkeys(["code", "codeurl", "github", "githuburl", "repo"], "code_url"),
    "arxivversion": "arxiv_version", "links": "links", "comments": "comments",
    "comment": "comments", "journalref": "journal_ref", "translations": "translations",
    "sources": "sources", "extra": "extra",
}
_TEXT_FIELDS = {"title", "abstract"}
_SHORT_ID = re.compile(r"^(\d{2})(\d{2})\.(\d{1,4})$")
_NORMALISE = re.compile(r"[\s_\-.]+")


def column_key(name: str) -> str:
    """'Paper ID' / 'paper_id' / 'paperId' -> 'paperid'."""
    return _NORMALISE.sub("", name.strip().lstrip("\ufeff")).lower()


def _header_fields(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, column names) of a header line naming a title or abstract column."""
    best = None
    line = line.split("\r", 1)[0]  # a CR ends the line too (csv.Error if left in)
    for delim in DELIMITERS:
        if delim not in line:
            continue
        names = next(csv.reader([line], delimiter=delim), [])
        targets = {SYNONYMS.get(column_key(n)) for n in names}
        if len(names) >= 2 and targets & _TEXT_FIELDS and len(names) > len(best[1] if best else ()):
            best = (delim, names)
    return best


def sniff(head: str) -> bool:
    """A header line (comma, tab or semicolon separated) naming a title or abstract column."""
    stripped = head.lstrip("\ufeff \t\r\n")
    first = stripped.split("\n", 1)[0]
    return bool(first) and first[0] not in "{[<@%#" and _header_fields(first) is not None


class ColumnMap:
    """Which column fills which field, decided once from the header."""

    def __init__(self, names: list[str]):
        self.names = names
        self.target: dict[int, str] = {}
        self.extra: list[int] = []
        for i, name in enumerate(names):
            field = SYNONYMS.get(column_key(name))
            if field and field not in self.target.values():
                self.target[i] = field
            else:
                self.extra.append(i)
        self.own_export = {"id", "sources", "translations"} <= set(self.target.values())

    def notice(self) -> str:
        mapped = ", ".join(f"{self.names[i]} -> {f}" for i, f in self.target.items())
        kept = ", ".join(self.names[i] for i in self.extra) or "none"
        kind = "paperradar's CSV export" if self.own_export else "CSV"
        return f"read as {kind}; columns: {mapped}; kept as extra: {kept}"


def _list_cell(cell: str, split_on: tuple[str, ...]) -> list[Any]:
    """A JSON list, a Python-list literal, or text split on the first separator present."""
    cell = cell.strip()
    if cell.startswith("[") and cell.endswith("]"):
        try:
            value = json.loads(cell)
        except (ValueError, RecursionError):
            try:
                value = ast.literal_eval(cell) if len(cell) < 1_000_000 else None
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                value = None
        if isinstance(value, (list, tuple)) and not unstorable_json(value):
            return [v for v in value if v not in (None, "")]
    for sep in split_on:
        if sep in cell:
            return [p.strip() for p in cell.split(sep) if p.strip()]
    return [cell] if cell else []


def _authors(cell: str) -> list[Author]:
    out = []
    for item in _list_cell(cell.replace(", and ", ", "), (";", " and ", ",")):
        if isinstance(item, dict):
            name = item.get("name")
            affs = item.get("affiliations")
            affs = [str(a) for a in affs if a] if isinstance(affs, list) else []
        else:
            name, affs = item, []
        name = clean_space(latex_to_text(str(name))) if name else None
        if name and name.lower() not in ("others", "et al.", "et al"):
            out.append(Author(name, affs))
    return out


def float_mangled_arxiv_id(value: str) -> str | None:
    """'2309.109' -> '2309.10900': an id a spreadsheet stored as a number lost its zeros."""
    m = _SHORT_ID.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    width = 5 if int(m.group(1) + m.group(2)) >= 1501 else 4
    return f"{m.group(1)}{m.group(2)}.{m.group(3).ljust(width, '0')}"


def _json_cell(cell: str | None, kind: type) -> Any:
    """The JSON value of a cell if it is one of ``kind`` (and the store can write it), else None."""
    try:
        value = json.loads(cell) if cell and cell[0] in "[{" else None
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, kind) and not unstorable_json(value) else None


def _links(cell: str) -> list[Link]:
    """Links from a JSON list of {url, kind} or from URLs separated by spaces or ';'."""
    value = _json_cell(cell, list)
    if value is not None:
        return [Link(str(d["url"]), str(d.get("kind") or "other"))
                for d in value if isinstance(d, dict) and d.get("url")]
    urls = [u.strip(",") for u in cell.replace(";", " ").split() if "://" in u]
    return [Link(u, link_kind(u)) for u in urls]


def row_to_paper(cols: ColumnMap, row: list[str]) -> Paper:
    """One row -> Paper. Raises ValueError when it has no title and no abstract."""
    if any("\x00" in c for c in row):
        row = [c.replace("\x00", "") for c in row]  # NUL bytes are never text
    cell = {f: row[i].strip() for i, f in cols.target.items()}
    column = {f: cols.names[i] for i, f in cols.target.items()}
    extra: dict[str, Any] = {cols.names[i]: row[i] for i in cols.extra if row[i] != ""}
    title, abstract = clean_space(cell.get("title")), clean_space(cell.get("abstract"))
    if not title and not abstract:
        raise ValueError("no title and no abstract")
    paper = Paper(title=clip(title), abstract=clip(abstract), source=SOURCE,
                  source_id=cell.get("id") or cell.get("arxiv_id", ""),
                  authors=_authors(cell.get("authors", "")), doi=normalize_doi(cell.get("doi")))
    affiliations = (clean_space(str(a)) for a in _list_cell(cell.get("affiliations", ""), (";",)))
    paper.affiliations = list(dict.fromkeys(a for a in affiliations if a))
    listed = _list_cell(cell.get("categories", ""), ())
    cats = [c for item in listed for c in split_categories(str(item))]
    if listed and not cats:
        extra[column["categories"]] = cell["categories"]  # no category codes in it: kept
        if cell["categories"].lower().startswith("journal-ref:") and not cell.get("journal_ref"):
            cell["journal_ref"] = cell["categories"][len("journal-ref:"):]
    primary = normalize_category(cell.get("primary_category"))
    paper.categories = list(dict.fromkeys(([primary] if primary else []) + cats))
    for name in ("date", "updated"):
        if cell.get(name):
            setattr(paper, name, parse_date(cell[name]))
            if getattr(paper, name) is None:
                extra[column[name]] = cell[name]  # kept, not guessed
    paper.comments = clean_space(cell.get("comments"))
    paper.journal_ref = clean_space(cell.get("journal_ref"))
    for name, kind in (("url", None), ("pdf_url", "pdf"), ("code_url", "code")):
        if "://" in cell.get(name, ""):
            paper.links.append(Link(cell[name], kind or link_kind(cell[name])))
    paper.links += _links(cell.get("links", ""))
    _set_arxiv_id(paper, cell)
    json_cells = {name: _json_cell(cell.get(name), list if name == "sources" else dict)
                  for name in ("translations", "extra", "sources")}
    if not is_translations(json_cells["translations"]):
        json_cells["translations"] = None
    for name, value in json_cells.items():
        if cell.get(name) and value is None:
            extra[column[name]] = cell[name]  # not paperradar's JSON: kept as it is
    paper.translations = json_cells["translations"] or {}
    paper.extra = {**(json_cells["extra"] or {}), **extra}
    if cols.own_export:
        paper.id = cell.get("id") or None
        paper.sources = [source_from_dict(s) for s in json_cells["sources"] or []
                         if isinstance(s, dict) and isinstance(s.get("fields") or {}, dict)]
    return paper


def _set_arxiv_id(paper: Paper, cell: dict[str, str]) -> None:
    """The arXiv id from the id columns (repairing float-mangled ids), else from a link."""
    raw_id = cell.get("arxiv_id") or cell.get("id") or ""
    paper.arxiv_id, paper.arxiv_version = parse_arxiv_id(raw_id)
    if paper.arxiv_id is None and (fixed := float_mangled_arxiv_id(raw_id)):
        paper.arxiv_id = fixed
        paper.links = [Link(l.url[: -len(raw_id)] + fixed, l.kind)
                       if l.url.endswith("/" + raw_id) else l for l in paper.links]
    if paper.arxiv_id is None:
        found = next((parse_arxiv_id(l.url) for l in paper.links if "arxiv.org/" in l.url), None)
        paper.arxiv_id, paper.arxiv_version = found or (None, None)
    if re.fullmatch(r"[0-9]{1,5}", cell.get("arxiv_version", "")):
        paper.arxiv_version = int(cell["arxiv_version"])


def _text_stream(inp: Input) -> tuple[io.TextIOBase, str | None]:
    """The input as streamed text, in the encoding its head shows (and the note if guessed)."""
    head = inp.head()
    note = decode_bytes(head, partial=True)[1]
    encoding = note.rsplit(" ", 1)[-1] if note else "utf-8-sig"  # "...; read as cp1252"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    return io.TextIOWrapper(inp.open_binary(), encoding=encoding, errors="replace",
                            newline=""), note


def parse(inp: Input) -> Iterator[Item]:
    """Papers of a CSV file with a header; one Problem per bad row, with its line number."""
    if csv.field_size_limit() < MAX_LINE_BYTES:
        csv.field_size_limit(MAX_LINE_BYTES)  # long abstracts; still bounded
    head = inp.head_text()
    first = head.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    found = _header_fields(first)
    if found is None:
        raise InputError(inp.origin, "no header line naming a title or abstract column "
                         "(e.g. 'title,authors,abstract')")
    stream, note = _text_stream(inp)
    with stream:
        if note:
            yield Notice(note, inp.origin)
        skipped: list[tuple[int, int]] = []  # lines too long to read: (number, size)
        reader = csv.reader(bounded_lines(stream, skipped), delimiter=found[0], strict=True)
        yield from _rows(reader, inp.origin, skipped)


def _rows(reader, origin: str, skipped: list[tuple[int, int]]) -> Iterator[Item]:
    cols = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = "; a quote opened here is never closed" if "end of data" in str(exc) else ""
            yield Problem(f"{origin}:{start}", f"unreadable row ({exc}{hint}); skipped")
            row = []
        if skipped:  # the row held a line too long to read: no record
            yield from (Problem(f"{origin}:{n}", f"a line of {size} characters is over the "
                                f"field limit ({MAX_LINE_BYTES}); skipped") for n, size in skipped)
            skipped.clear()
            continue
        if not any(c.strip() for c in row):
            continue
        if cols is None:
            cols = ColumnMap(row)
            yield Notice(cols.notice(), origin)
            continue
        if len(row) != len(cols.names):
            yield Problem(f"{origin}:{start}", f"row has {len(row)} fields but the header has "
                          f"{len(cols.names)}; check quoting of commas in cells; skipped")
            continue
        try:
            yield row_to_paper(cols, row)
        except ValueError as exc:
            yield Problem(f"{origin}:{start}", f"{exc}; skipped")


FORMATS = [FileFormat(name="csv", sniff=sniff, parse=parse, priority=40,
                      description="CSV/TSV with a header naming a title or abstract column")]
