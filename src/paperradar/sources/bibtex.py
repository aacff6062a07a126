"""BibTeX: a small brace-aware parser and the mapping of entries to papers.

Handles ``@string`` macros, ``#`` concatenation, ``@comment``/``@preamble``,
braced, quoted, numeric and macro values (month macros predefined). A broken
entry is a Problem naming the line where it starts; parsing resumes at the
next ``@``. paperradar's own export (``bibtex_writer``) reads back without loss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from ..models import Author, Link, Paper
from ..normalize import (
    clean_space, link_kind, normalize_category, normalize_doi, parse_arxiv_id, parse_date,
)
from .base import MAX_FIELD_CHARS, FileFormat, Input, Item, Notice, Problem, clip
from .bibtex_writer import (  # noqa: F401  (format_bibtex: the export, next to its reader)
    MONTHS, affiliation_list, category_codes, format_bibtex, person_name, plain, read_own_fields,
    split_top_level,
)

SOURCE = "bibtex"
MONTH_MACROS = {m[:3]: m.capitalize() for m in MONTHS}

_SNIFF = re.compile(r"\A(?:\s+|%[^\n]*)*+@\s*[A-Za-z]+\s*[{(]")  # *+: no backtracking blowup
_ENTRY_START = re.compile(r"@[ \t]*([A-Za-z]+)[ \t\r\n]*([{(])")
_NEXT_ENTRY = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z]+[ \t\r\n]*[{(]")
_STRUCTURE = re.compile(r'\\[\\{}"]|[{}"]|\n[ \t]*@[ \t]*[A-Za-z]+[ \t\r\n]*[{(]')
_KEY = re.compile(r"[^\s,{}()=\"#%]+")
_NAME = re.compile(r"[A-Za-z_][\w\-:.+/]*")
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s*")
_STRAY_FIELD = re.compile(r"^[ \t]*[A-Za-z][\w-]*[ \t]*=[ \t]*[{\"\d]", re.M)


@dataclass
class BibEntry:
    """One parsed entry. ``fields`` maps lowercased names to raw (LaTeX) values."""

    type: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)  # lowercased -> as written


@dataclass(frozen=True)
class BibError:
    line: int
    message: str


class _Broken(Exception):
    def __init__(self, message: str, pos: int):
        super().__init__(message)
        self.message, self.pos = message, pos


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.macros = dict(MONTH_MACROS)
        self._line_pos, self._line = 0, 1

    def line_at(self, pos: int) -> int:
        """1-based line of ``pos``, counted from the position asked before (either way)."""
        if pos < self._line_pos:
            self._line -= self.text.count("\n", pos, self._line_pos)
        else:
            self._line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def skip_space(self, pos: int) -> int:
        return _SPACE.match(self.text, pos).end()

    def expect(self, pos: int, what: str) -> None:
        if pos >= len(self.text):
            raise _Broken(f"the file ends inside the entry (expected {what})", pos)

    def delimited(self, pos: int, opener: str) -> tuple[str, int]:
        """The text inside ``{...}`` or ``"..."`` starting at ``pos``; and the end."""
        depth, start = 0, pos + 1
        for m in _STRUCTURE.finditer(self.text, start):
            token = m.group()
            if token[0] == "\\":
                continue
            if token == "{":
                depth += 1
            elif token == "}":
                if depth == 0:
                    if opener == "{":
                        return self.text[start:m.start()], m.end()
                    raise _Broken("unbalanced braces: a '}' closes more than was opened", m.start())
                depth -= 1
            elif token == '"':
                if opener == '"' and depth == 0:
                    return self.text[start:m.start()], m.end()
            else:  # a new entry starts inside the value
                raise _Broken(f"unbalanced braces or quotes: the value opened on line "
                              f"{self.line_at(pos)} is not closed before the next entry", pos)
        raise _Broken(f"unbalanced braces or quotes: the value opened on line "
                      f"{self.line_at(pos)} is never closed", pos)

    def value(self, pos: int) -> tuple[str, int]:
        """A field value with ``#`` concatenation and macros expanded."""
        parts = []
        while True:
            pos = self.skip_space(pos)
            self.expect(pos, "a value")
            ch = self.text[pos]
            if ch in '{"':
                part, pos = self.delimited(pos, ch)
            elif m := _NUMBER.match(self.text, pos):
                part, pos = m.group(), m.end()
            elif m := _NAME.match(self.text, pos):
                part, pos = self.macros.get(m.group().lower(), m.group()), m.end()
            else:
                raise _Broken(f"expected a value, found {ch!r}", pos)
            parts.append(part)
            pos = self.skip_space(pos)
            if not self.text.startswith("#", pos):
                return "".join(parts), pos
            pos += 1

    def assignments(self, pos: int, closer: str) -> tuple[list[tuple[str, str]], int]:
        """``name = value, ...`` up to ``closer``; returns the pairs and the end."""
        pairs = []
        while True:
            pos = self.skip_space(pos)
            self.expect(pos, f"a field or {closer!r}")
            if self.text[pos] == closer:
                return pairs, pos + 1
            m = _NAME.match(self.text, pos)
            if not m:
                raise _Broken(f"expected a field name, found {self.text[pos]!r}", pos)
            pos = self.skip_space(m.end())
            if not self.text.startswith("=", pos):
                raise _Broken(f"expected '=' after field {m.group()!r}", pos)
            value, pos = self.value(pos + 1)
            pairs.append((m.group(), value))
            self.expect(pos, f"',' or {closer!r}")
            if self.text[pos] == ",":
                pos += 1
            elif self.text[pos] != closer:
                raise _Broken(f"expected ',' or {closer!r} after field {m.group()!r}, "
                              f"found {self.text[pos]!r}", pos)

    def entry(self, typ: str, at: int, pos: int, closer: str) -> tuple[BibEntry, int]:
        pos = self.skip_space(pos)
        m = _KEY.match(self.text, pos)
        after = self.skip_space(m.end()) if m else pos
        if not m or self.text.startswith("=", after):
            raise _Broken("the entry has no key (write @type{key, field = {...}, ...})", pos)
        entry = BibEntry(typ, m.group(), self.line_at(at))
        self.expect(after, "',' after the key")
        if self.text[after] == closer:
            return entry, after + 1
        if self.text[after] != ",":
            raise _Broken(f"expected ',' after the key {m.group()!r}", after)
        pairs, end = self.assignments(after + 1, closer)
        for name, value in pairs:
            entry.fields[name.lower()] = value
            entry.spelled[name.lower()] = name
        return entry, end


def parse_bibtex_entries(text: str) -> Iterator[BibEntry | BibError]:
    """Entries of a BibTeX text; a broken entry is a BibError and parsing resumes."""
    scan = _Scanner(text)
    pos, last_key = 0, None
    while (at := text.find("@", pos)) >= 0:
        if last_key and (stray := _STRAY_FIELD.search(text, pos, at)):
            yield BibError(scan.line_at(stray.start()), f"a field after the end of entry "
                           f"{last_key} (an extra '}}'?) was ignored")
        m = _ENTRY_START.match(text, at)
        pos, last_key = at + 1, None
        if not m:
            continue
        typ, closer = m.group(1).lower(), "}" if m.group(2) == "{" else ")"
        try:
            if typ in ("comment", "preamble"):
                pos = scan.delimited(m.end() - 1, "{")[1] if closer == "}" else \
                    text.find(")", m.end()) + 1 or len(text)
            elif typ == "string":
                pairs, pos = scan.assignments(m.end(), closer)
                scan.macros.update((name.lower(), value) for name, value in pairs)
            else:
                entry, pos = scan.entry(typ, at, m.end(), closer)
                last_key = entry.key
                yield entry
        except _Broken as exc:
            line, near = scan.line_at(at), scan.line_at(max(exc.pos, at))
            where = f" (line {near})" if near != line and "line" not in exc.message else ""
            yield BibError(line, f"broken @{m.group(1)} entry: {exc.message}{where}; skipped")
            nxt = _NEXT_ENTRY.search(text, m.end())
            pos = nxt.start() + 1 if nxt else len(text)
            scan.line_at(at)


# ------------------------------------------------------------- entry -> Paper

_MAPPED = {"title", "author", "abstract", "year", "month", "date", "doi", "url", "eprint",
           "archiveprefix", "eprinttype", "primaryclass", "keywords", "journal", "booktitle",
           "note", "affiliation"}
_BRACKETED_CATEGORY = re.compile(r"\[([a-z\-]+\.[A-Za-z\-]+)\]")


def _date(fields: dict[str, str]) -> str | None:
    if fields.get("date") and (iso := parse_date(plain(fields["date"]))):
        return iso
    year = re.search(r"\d{4}", fields.get("year", ""))
    if not year:
        return None
    month = (plain(fields.get("month")) or "").lower().rstrip(".")
    number = next((i for i, m in enumerate(MONTHS, 1) if month and m.startswith(month[:3])), None)
    if number is None and month.isdecimal() and 1 <= int(month) <= 12:
        number = int(month)
    return f"{year.group()}-{number:02d}" if number else year.group()


def _arxiv(fields: dict[str, str]) -> tuple[str | None, int | None]:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    eprint = fields.get("eprint", "")
    if eprint and (prefix == "arxiv" or not prefix):
        found = parse_arxiv_id(eprint)
        if found[0]:
            return found
    for name in ("url", "journal", "doi", "note"):
        value = plain(fields.get(name)) or ""
        if "arxiv" in value.lower() or (name == "doi" and "10.48550" in value):
            found = parse_arxiv_id(value)
            if found[0]:
                return found
    return None, None


def _doi_in_url(url: str) -> str | None:
    return normalize_doi(url) if "doi.org/10." in url else None


def entry_to_paper(entry: BibEntry) -> Paper:
    """One BibTeX entry -> Paper. Raises ValueError when it has no title and no abstract."""
    f = {k: clip(v, 4 * MAX_FIELD_CHARS) for k, v in entry.fields.items()}  # bounded work
    title, abstract = plain(f.get("title")), plain(f.get("abstract"))
    if not title and not abstract:
        raise ValueError("no title and no abstract")
    names = [person_name(n) for n in split_top_level(clean_space(f.get("author")) or "", " and ")]
    authors = [Author(n) for n in names if n]
    arxiv_id, version = _arxiv(f)
    categories, keywords = category_codes(f.get("keywords", ""))
    primary = normalize_category(plain(f.get("primaryclass")) or "")
    if not primary and arxiv_id and (m := _BRACKETED_CATEGORY.search(f.get("journal", ""))):
        primary = m.group(1)  # journal = {arXiv:1802.02219 [stat.ML]}
    if primary:
        categories = [primary] + [c for c in categories if c != primary]
    url = (clean_space(f.get("url")) or "").replace("\\_", "_").replace("\\%", "%")
    venue = plain(f.get("journal") or f.get("booktitle"))
    fields = {"entry_type": entry.type}
    if venue:
        fields["venue"] = venue
    if keywords:
        fields["keywords"] = keywords
    paper = Paper(
        title=clip(title), abstract=clip(abstract), authors=authors,
        affiliations=affiliation_list(f.get("affiliation", "")), date=_date(f),
        categories=categories, arxiv_id=arxiv_id, arxiv_version=version,
        doi=normalize_doi(plain(f.get("doi"))) or _doi_in_url(url),
        links=[Link(url, link_kind(url))] if url else [], comments=plain(f.get("note")),
        journal_ref=plain(f.get("journal")) if venue and "arxiv" not in venue.lower() else None,
        source=SOURCE, source_id=entry.key, source_fields=fields,
    )
    own = read_own_fields(f, entry.spelled, paper)
    paper.extra = {k: v for k, v in f.items() if k not in _MAPPED and k not in own}
    return paper


def sniff(head: str) -> bool:
    """A text whose first non-comment, non-blank content is an ``@type{`` entry."""
    return bool(_SNIFF.match(head.lstrip("\ufeff")))


def parse(inp: Input) -> Iterator[Item]:
    """Papers of a BibTeX file; one Problem per broken entry."""
    text, note = inp.text()
    if note:
        yield Notice(note, inp.origin)
    for found in parse_bibtex_entries(text):
        if isinstance(found, BibError):
            yield Problem(f"{inp.origin}:{found.line}", found.message)
            continue
        try:
            yield entry_to_paper(found)
        except ValueError as exc:
            yield Problem(f"{inp.origin}:{found.line}", f"entry {found.key}: {exc}")


FORMATS = [FileFormat(name="bibtex", description="BibTeX bibliography (@article{key, ...})",
                      sniff=sniff, parse=parse, priority=30)]
