"""Digest posts: entries headed '1、[CV] Title' (or '1. [cs.CV] Title', '[CL] Title').

Under its head line an entry may hold, in any order: the authors
('H Bao, L Dong'), a bracketed affiliation line ('[DeepMind & UCL]'), a
Chinese (or other CJK) title and summary, the English abstract, links and
image placeholders ('image.png', 'f01.png.jpg'), which are dropped. A short
line ending in a colon ('Other papers worth a look:') is a section heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ...models import Author, Link
from ...normalize import normalize_category
from ..base import Item, Notice, Problem
from .names import parse_author_names
from .text import (Line, cjk_language, is_cjk_text, link_in_line, make_paper,
                   strip_abstract_marker, where)

NAME = "digest"
DESCRIPTION = ("a digest post of entries headed '1、[CV] Title' with authors, [affiliations], "
               "an optional Chinese title and summary, the abstract and links")

_HEAD = re.compile(r"^(?:[#(（]?(\d{1,4})\s*[、.．)）:：]\s*)?((?:\[[^\[\]]{1,40}\]\s*)+)")
_TAG_SPLIT = re.compile(r"[,\s/|;]+")
_ARCHIVES = {"hep-th", "hep-ph", "hep-ex", "hep-lat", "gr-qc", "quant-ph", "math-ph",
             "nucl-th", "nucl-ex", "astro-ph", "cond-mat", "nlin", "physics"}
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg")
_PLACEHOLDER_CHARS = re.compile(r"^[\w\-]+$")
_BRACKET_PLACEHOLDERS = {"[图片]", "[图]", "[image]", "[img]", "[photo]", "[picture]", "[figure]",
                         "[视频]", "[video]", "[gif]"}
_AFFILIATION_SPLIT = re.compile(r"\s*(?:&|;|\|| and )\s*")
_FIELD_LABELS = {"abstract", "authors", "author", "title", "code", "paper", "pdf", "link", "links",
                 "affiliations", "summary", "摘要", "作者", "链接", "论文", "代码", "机构"}
_MAX_TITLE_CHARS = 1000
#: Lines of one entry read at most (a real entry has a dozen).
MAX_ENTRY_LINES = 400
#: A CJK title without a '。' is this short at most; longer is a summary.
_MAX_CJK_TITLE_CHARS = 100


@dataclass
class DigestHead:
    number: int | None
    categories: list[str]
    other_tags: list[str]
    title: str


@dataclass
class _Entry:
    line: Line
    head: DigestHead
    section: str | None
    body: list[Line] = field(default_factory=list)


def read_head(text: str) -> DigestHead | None:
    """The head of a digest entry ('1、[CV] Title'), or None for any other line."""
    if "[" not in text[:16]:
        return None
    m = _HEAD.match(text)
    if not m:
        return None
    categories: list[str] = []
    other: list[str] = []
    for tag in re.findall(r"\[([^\[\]]*)\]", m.group(2)):
        found = [_category(part) for part in _TAG_SPLIT.split(tag.strip()) if part]
        if found and all(found):
            categories.extend(c for c in found if c not in categories)
        else:
            other.append(tag.strip())
    title = text[m.end():].strip()
    if not categories or not title:
        return None
    number = int(m.group(1)) if m.group(1) else None
    return DigestHead(number, categories, other, title)


def _category(tag: str) -> str | None:
    category = normalize_category(tag)
    if category and ("." in category or category in _ARCHIVES):
        return category
    return None


def is_image_placeholder(text: str) -> bool:
    """True for 'image.png', 'image.pngimage.png', 'f01.png.jpgf02.png.jpg', '[图片]' lines."""
    low = text.lower()
    if low in _BRACKET_PLACEHOLDERS:
        return True
    if len(low) > 500 or not low.endswith(_IMAGE_EXTENSIONS):
        return False
    for ext in _IMAGE_EXTENSIONS:
        low = low.replace(ext, "")
    return not low or bool(_PLACEHOLDER_CHARS.match(low))


def is_field_label(text: str) -> bool:
    """True for a line that only labels what follows ('Authors:', 'Abstract', '摘要：')."""
    return len(text) <= 20 and text.rstrip(":：").strip().lower() in _FIELD_LABELS


def is_section_heading(text: str) -> bool:
    """True for a short line ending in a colon ('Also worth a look:'), not a field label."""
    return len(text) <= 60 and text.endswith((":", "：")) and "://" not in text


def parse_digest(lines: Iterable[Line], origin: str) -> Iterator[Item]:
    """Papers of a digest post, in the order listed."""
    section: str | None = None
    entry: _Entry | None = None
    preamble = 0
    for line in lines:
        head = read_head(line.text)
        if head is not None:
            if entry is not None:
                yield from _entry_items(entry, origin)
            entry = _Entry(line, head, section)
        elif is_field_label(line.text) or is_image_placeholder(line.text):
            continue
        elif is_section_heading(line.text):
            if entry is not None:
                yield from _entry_items(entry, origin)
                entry = None
            section = line.text.rstrip(":：").strip()
        elif entry is not None:
            if len(entry.body) < MAX_ENTRY_LINES:
                entry.body.append(line)
            elif len(entry.body) == MAX_ENTRY_LINES:
                entry.body.append(line)  # one over: marks the entry as cut
                yield Problem(where(origin, line), f"an entry of more than {MAX_ENTRY_LINES} "
                              "lines; the rest of it is skipped")
        elif section is None:
            preamble += 1
        else:
            yield Problem(where(origin, line), "text between a section heading and the first "
                          "entry under it; skipped")
    if entry is not None:
        yield from _entry_items(entry, origin)
    if preamble:
        yield Notice(f"ignored {preamble} line(s) before the first entry (a header)", origin)


def _entry_items(entry: _Entry, origin: str) -> Iterator[Item]:
    head = entry.head
    if len(head.title) > _MAX_TITLE_CHARS:
        yield Problem(where(origin, entry.line), f"the title of this entry is {len(head.title)} "
                      "characters long; an entry head holds '[CV] Title' only; skipped")
        return
    body = read_body(entry.body)
    paper = make_paper(
        NAME,
        title=head.title,
        abstract=" ".join(body.english) or None,
        authors=[Author(name) for name in body.authors],
        affiliations=body.affiliations,
        categories=list(head.categories),
        links=body.links,
    )
    if body.cjk:
        paper.translations[cjk_language(body.cjk[0])] = _translation(body.cjk)
    if head.number is not None:
        paper.source_fields["number"] = head.number
    if head.other_tags:
        paper.source_fields["tags"] = head.other_tags
    if entry.section:
        paper.source_fields["section"] = entry.section
    yield paper


@dataclass
class DigestBody:
    authors: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    cjk: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def read_body(lines: list[Line]) -> DigestBody:
    """Sort an entry's lines into authors, affiliations, CJK text, abstract and links.

    The authors are the first line that reads as names, before any abstract text.
    """
    body = DigestBody()
    found_authors = False
    for line in lines:
        text = line.text
        link = link_in_line(text)
        if link is not None:
            body.links.append(link)
        elif text.startswith("[") and text.endswith("]") and len(text) <= 500:
            body.affiliations.extend(_affiliations(text[1:-1]))
        elif is_cjk_text(text):
            body.cjk.append(text)
        elif not found_authors and not body.english and (names := parse_author_names(text)):
            body.authors, found_authors = names, True
        else:
            body.english.append(strip_abstract_marker(text))
    return body


def _affiliations(text: str) -> list[str]:
    return [part for part in (p.strip() for p in _AFFILIATION_SPLIT.split(text)) if part]


def _translation(cjk_lines: list[str]) -> dict[str, str]:
    """{'title': ..., 'summary': ...} from CJK lines: the title ends at the first '。'."""
    first, rest = cjk_lines[0], "".join(cjk_lines[1:])
    title, sep, summary = first.partition("。")
    if not sep:
        if len(first) > _MAX_CJK_TITLE_CHARS:
            title, summary = "", first
        else:
            summary = ""
    summary = (summary.strip() + rest).strip()
    out = {}
    if title.strip():
        out["title"] = " ".join(title.split())
    if summary:
        out["summary"] = " ".join(summary.split())
    return out
