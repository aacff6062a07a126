"""The layouts of pasted texts, and how one is recognised from the text itself.

Detection looks at what the lines are, never at a file name:

* abstract-dump    the text opens with 'Abstract:';
* digest           entry heads like '1、[CV] Title' head most abstract paragraphs;
* trending-page    title / abstract pairs among date lines or page chrome;
* keyword-listing  a query line, or author lines, before the abstracts;
* trending-page    (again) plain title / abstract pairs with nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator, NamedTuple

from ..base import Item
from . import abstract_dump, digest, keyword_listing, trending_page
from .names import parse_author_names
from .text import Line, is_prose, starts_with_abstract_marker


@dataclass(frozen=True)
class Layout:
    """A pasted layout: its name, a one-line description and its parser."""

    name: str
    description: str
    parse: Callable[[Iterable[Line], str], Iterator[Item]]


ABSTRACT_DUMP = Layout(abstract_dump.NAME, abstract_dump.DESCRIPTION,
                       abstract_dump.parse_abstract_dump)
DIGEST = Layout(digest.NAME, digest.DESCRIPTION, digest.parse_digest)
KEYWORD_LISTING = Layout(keyword_listing.NAME, keyword_listing.DESCRIPTION,
                         keyword_listing.parse_keyword_listing)
TRENDING_PAGE = Layout(trending_page.NAME, trending_page.DESCRIPTION,
                       trending_page.parse_trending_page)

LAYOUTS = (ABSTRACT_DUMP, DIGEST, KEYWORD_LISTING, TRENDING_PAGE)


class Detection(NamedTuple):
    """The layout recognised, or None and the reason none fits."""

    layout: Layout | None
    reason: str = ""


@dataclass
class _Signals:
    """What the lines of a text are, counted in one pass."""

    prose_runs: int = 0
    titled_runs: int = 0
    author_runs: int = 0
    digest_heads: int = 0
    page_markers: int = 0
    lines_before_first_prose: int = -1


def _signals(lines: Iterable[Line]) -> _Signals:
    found = _Signals()
    today = date.today()
    previous: Line | None = None
    previous_prose = False
    for index, line in enumerate(lines):
        prose = is_prose(line.text)
        if prose and not previous_prose:
            found.prose_runs += 1
            if previous is not None:
                found.titled_runs += 1
                if parse_author_names(previous.text, allow_single=False) is not None:
                    found.author_runs += 1
            if found.lines_before_first_prose < 0:
                found.lines_before_first_prose = index
        elif not prose:
            if digest.read_head(line.text) is not None:
                found.digest_heads += 1
            elif trending_page.is_page_marker(line.text, today):
                found.page_markers += 1
        previous, previous_prose = line, prose
    return found


def detect_layout(lines: Iterable[Line]) -> Detection:
    """The pasted layout of a text's non-blank lines (iterated more than once)."""
    first = next(iter(lines), None)
    if first is None:
        return Detection(None, "no text in it")
    if starts_with_abstract_marker(first.text):
        return Detection(ABSTRACT_DUMP)
    found = _signals(lines)
    if found.digest_heads and found.digest_heads * 2 >= found.prose_runs:
        return Detection(DIGEST)
    if not found.prose_runs:
        return Detection(None, "no abstract in it (a paragraph of 300+ characters or several "
                               "sentences), no 'Abstract:' marker and no '[CV] Title' entry line")
    if not found.titled_runs:
        return Detection(None, "paragraphs without titles: put 'Abstract:' before each abstract, "
                               "or its title on the line above it")
    if found.page_markers:
        return Detection(TRENDING_PAGE)
    if found.author_runs * 3 >= found.prose_runs or found.lines_before_first_prose >= 2:
        return Detection(KEYWORD_LISTING)
    return Detection(TRENDING_PAGE)


def describe_layouts() -> str:
    """'name (description); ...' for every pasted layout."""
    return "; ".join(f"{layout.name} ({layout.description})" for layout in LAYOUTS)
