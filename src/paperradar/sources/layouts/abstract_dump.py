"""Abstract dumps: bare abstracts, each introduced by 'Abstract:', no titles.

The marker may start a line ('Abstract:Visual grounding ...', 'Abstract: We'),
stand alone on a line with the text below it, or follow the end of the
previous abstract on the same line ('... methods.Abstract:Advances in').
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..base import Item, Problem
from .text import CappedText, Line, make_paper, where

NAME = "abstract-dump"
DESCRIPTION = "bare abstracts, each introduced by 'Abstract:', without titles"

_MARKER = re.compile(r"(?i)abstract[ \t]*[:：]")
#: Characters after which a mid-line 'Abstract:' starts a new abstract.
_ENDS_PREVIOUS = set(".!?。)]}\"'”’")


def _marker_starts(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each 'Abstract:' marker in a line that begins an abstract."""
    for m in _MARKER.finditer(text):
        before = m.start() - 1
        while before >= 0 and text[before].isspace():  # each space is looked at once
            before -= 1
        if before < 0 or text[before] in _ENDS_PREVIOUS:
            yield m.start(), m.end()


def _segments(lines: Iterable[Line]) -> Iterator[tuple[Line, CappedText, bool]]:
    """(line of the marker, its text, introduced by a marker) for each abstract."""
    current: tuple[Line, CappedText, bool] | None = None
    for line in lines:
        text = "Abstract:" if line.text.lower() == "abstract" else line.text
        pos = 0
        for start, end in _marker_starts(text):
            if current is not None:
                current[1].add(text[pos:start])
                yield current
            elif text[:start].strip():
                yield line, _capped(text[:start]), False
            current = (line, CappedText(), True)
            pos = end
        if current is None:
            yield line, _capped(text), False
        else:
            current[1].add(text[pos:])
    if current is not None:
        yield current


def _capped(text: str) -> CappedText:
    capped = CappedText()
    capped.add(text)
    return capped


def parse_abstract_dump(lines: Iterable[Line], origin: str) -> Iterator[Item]:
    """Title-less papers, one per 'Abstract:' section."""
    for line, text, marked in _segments(lines):
        abstract = text.text().strip()
        if not marked:
            yield Problem(where(origin, line), "text before the first 'Abstract:'; skipped")
        elif not abstract:
            yield Problem(where(origin, line), "'Abstract:' with no text after it; skipped")
        else:
            yield make_paper(NAME, abstract=abstract)
