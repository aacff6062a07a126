"""Pasted paper listings: digest posts, keyword listings, trending pages, abstract dumps.

This is the fallback file format, tried after every other one: it accepts any
text, recognises which pasted layout it is in from the lines themselves (see
``layouts``) and raises ``UnknownLayout`` listing what paperradar reads when
none fits.
"""

from __future__ import annotations

import logging
from typing import Iterator

from ..errors import InputError, UnknownLayout
from .base import FileFormat, Input, Item, Notice
from .layouts import describe_layouts, detect_layout
from .layouts.text import TextLines, decode_mixed

log = logging.getLogger(__name__)

DESCRIPTION = ("text pasted from digest posts, keyword listings, trending-paper pages or "
               "abstract dumps; the layout is recognised from the text")


def parse_pasted(inp: Input) -> Iterator[Item]:
    """Items from a pasted text: a Notice naming its layout, then its papers.

    Raises UnknownLayout when the text is in none of the pasted layouts, and
    InputError when it is empty or over the whole-text size limit.
    """
    text, note = inp.text()
    if note:
        yield Notice(f"{note}; lines that are valid UTF-8 were kept as UTF-8", inp.origin)
        with inp.open_binary() as fh:
            text = decode_mixed(fh.read())
    lines = TextLines(text, inp.origin)
    junk_problems = lines.junk_problems()
    yield from junk_problems
    if lines.first() is None:
        if junk_problems:
            raise UnknownLayout(inp.origin, "only binary data, no text; " + _understood())
        raise InputError(inp.origin, "empty text: no papers in it")
    detection = detect_layout(lines)
    if detection.layout is None:
        raise UnknownLayout(inp.origin, f"no pasted layout fits: {detection.reason}; "
                            + _understood())
    layout = detection.layout
    log.debug("%s: pasted layout %s", inp.origin, layout.name)
    yield Notice(f"pasted layout: {layout.name}",
                 inp.origin)
    yield from layout.parse(lines, inp.origin)


def _understood() -> str:
    """What paperradar reads: the pasted layouts, then the other file formats."""
    message = "pasted layouts understood: " + describe_layouts()
    try:
        from . import understood_layouts

        others = understood_layouts()
    except Exception as exc:  # a sibling format module may not import yet
        log.debug("cannot list the other file formats: %s", exc)
        return message
    return f"{message}. File formats understood: {others}"


FORMATS = [
    FileFormat(
        name="pasted listing",
        description=DESCRIPTION,
        sniff=lambda head: True,
        parse=parse_pasted,
        priority=100,
    )
]
