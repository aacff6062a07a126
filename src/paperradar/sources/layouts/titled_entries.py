"""The engine behind listings of 'title / [authors] / abstract' entries.

A listing is read as groups of short lines, each closed by an abstract (a
paragraph of prose): the group's last line is the authors when it reads as a
list of names, the line before is the title, and anything in front of the
title is left to the layout (a query line, or page text). Links right after
an abstract belong to that entry. Lines the layout recognises itself (dates,
page chrome) pass through as ``Marker`` events in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Union

from ...models import Author, Link, Paper
from .names import parse_author_names
from .text import CappedText, Line, is_prose, link_in_line, make_paper, strip_abstract_marker

_TITLE_PREFIX = re.compile(r"(?i)^title\s*[:：]\s*")
#: Short lines kept in front of an abstract; older ones become ``Stray``.
MAX_GROUP_LINES = 32


@dataclass
class TitledEntry:
    """One entry: title line, optional authors, abstract, trailing links."""

    title_line: Line
    before_title: list[Line]
    author_line: Line | None
    authors: list[str]
    abstract_line: Line
    abstract_text: CappedText
    links: list[Link] = field(default_factory=list)
    first: bool = False

    @property
    def title(self) -> str:
        return _TITLE_PREFIX.sub("", self.title_line.text, count=1)

    @property
    def abstract(self) -> str:
        return self.abstract_text.text()


@dataclass
class Marker:
    """A line the layout recognised (a date, page chrome) and what it means."""

    line: Line
    value: Any


@dataclass
class Stray:
    """A short line far in front of any abstract (more than MAX_GROUP_LINES before)."""

    line: Line


@dataclass
class Untitled:
    """An abstract with no title line before it."""

    line: Line


@dataclass
class Leftover:
    """Short lines after the last abstract, never closed by one."""

    lines: list[Line]


Event = Union[TitledEntry, Marker, Stray, Untitled, Leftover]


def read_titled_entries(
    lines: Iterable[Line],
    recognise: Callable[[Line], Any] = lambda line: None,
    single_author_lines: bool = True,
) -> Iterator[Event]:
    """Events for a listing of titled entries, in the order of the text.

    ``recognise(line)`` returns a value (not None) for lines the layout
    handles itself; they become ``Marker`` events and are kept out of entries.
    """
    group: list[Line] = []
    group_links: list[Link] = []
    open_entry: TitledEntry | None = None  # the last entry, still taking links/prose
    last_was_prose = False
    seen_entry = False
    for line in lines:
        value = recognise(line)
        if value is not None:
            if open_entry is not None and not group:
                yield open_entry
                open_entry = None
            yield Marker(line, value)
            continue
        link = link_in_line(line.text)
        if link is not None:
            (open_entry.links if open_entry is not None and not group else group_links).append(link)
            last_was_prose = False
            continue
        if is_prose(line.text):
            text = strip_abstract_marker(line.text)
            if group:
                if open_entry is not None:
                    yield open_entry
                open_entry = _entry_from_group(group, line, text, single_author_lines, not seen_entry)
                open_entry.links.extend(group_links)
                group, group_links, seen_entry = [], [], True
            elif open_entry is not None and last_was_prose:
                open_entry.abstract_text.add(text)
            else:
                if open_entry is not None:
                    yield open_entry
                    open_entry = None
                yield Untitled(line)
            last_was_prose = True
            continue
        if open_entry is not None:
            yield open_entry
            open_entry = None
        group.append(line)
        if len(group) > MAX_GROUP_LINES:
            yield Stray(group.pop(0))
        last_was_prose = False
    if open_entry is not None:
        yield open_entry
    if group:
        yield Leftover(group)


def _entry_from_group(group: list[Line], abstract_line: Line, abstract: str,
                      single_author_lines: bool, first: bool) -> TitledEntry:
    authors = None
    if len(group) >= 2:
        # In the first group a comma-less line after a title may be that title
        # after a query line, so only a list of several names counts there.
        allow_single = single_author_lines and (not first or len(group) >= 3)
        authors = parse_author_names(group[-1].text, allow_single=allow_single)
    author_line = group[-1] if authors is not None else None
    rest = group[:-1] if author_line is not None else group
    abstract_text = CappedText()
    abstract_text.add(abstract)
    return TitledEntry(
        title_line=rest[-1],
        before_title=rest[:-1],
        author_line=author_line,
        authors=authors or [],
        abstract_line=abstract_line,
        abstract_text=abstract_text,
        first=first,
    )


def entry_paper(layout: str, entry: TitledEntry, **fields: Any) -> Paper:
    """The Paper of one title / [authors] / abstract entry of a pasted layout."""
    return make_paper(
        layout,
        title=entry.title,
        abstract=entry.abstract,
        authors=[Author(name) for name in entry.authors],
        links=list(entry.links),
        **fields,
    )
