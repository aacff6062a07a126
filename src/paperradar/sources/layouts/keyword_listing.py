"""Keyword listings: a query line, then title / authors / abstract entries.

Authors come as 'Last, First, Last, First' or 'First Last, First Last'; an
entry may lack its author line. A short line in front of a title starts a
new query (a listing may hold the results of several keywords).
"""

from __future__ import annotations

from typing import Iterable, Iterator

from ..base import Item, Problem
from .names import parse_author_names
from .text import Line, where
from .titled_entries import Leftover, Stray, TitledEntry, Untitled, entry_paper, read_titled_entries

NAME = "keyword-listing"
DESCRIPTION = ("a query line, then entries of title / authors ('Last, First, ...') / abstract, "
               "one line each")


def parse_keyword_listing(lines: Iterable[Line], origin: str) -> Iterator[Item]:
    """Papers of a keyword listing; each keeps its query in source_fields."""
    query: str | None = None
    for event in read_titled_entries(lines):
        if isinstance(event, TitledEntry):
            query, problems = _query_from(event, query, origin)
            yield from problems
            yield _paper(event, query)
        elif isinstance(event, Stray):
            yield Problem(where(origin, event.line), _stray_line_message(event.line))
        elif isinstance(event, Untitled):
            yield Problem(where(origin, event.line), "an abstract with no title line before it; "
                          "skipped (put the title on the line above it)")
        elif isinstance(event, Leftover):
            for line in event.lines:
                yield Problem(where(origin, line), "a line after the last abstract that belongs "
                              "to no entry; skipped")


def _query_from(entry: TitledEntry, query: str | None,
                origin: str) -> tuple[str | None, list[Problem]]:
    """The query in force for an entry: the short line in front of its title, if any."""
    before = entry.before_title
    if not before:
        return query, []
    problems = []
    for line in before[:-1]:
        problems.append(Problem(where(origin, line), _stray_line_message(line)))
    last = before[-1]
    if not entry.first and parse_author_names(last.text, allow_single=False) is not None:
        problems.append(Problem(where(origin, last), _stray_line_message(last)))
        return query, problems
    return last.text, problems


def _stray_line_message(line: Line) -> str:
    if parse_author_names(line.text, allow_single=False) is not None:
        return ("an author line with no abstract after it (an entry without an abstract?); "
                "skipped")
    return "a line that is neither a query, a title, authors nor an abstract; skipped"


def _paper(entry: TitledEntry, query: str | None):
    paper = entry_paper(NAME, entry)
    if query is not None:
        paper.source_fields["query"] = query
    return paper
