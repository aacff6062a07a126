"""Reading a line of author names, in the ways pasted listings write them."""

from __future__ import annotations

import re

from ...normalize import latex_to_text
from .text import is_cjk_text

_AUTHORS_PREFIX = re.compile(r"(?i)^(?:authors?\s*[:：]\s*|by\s+)")
# The lookbehinds start a match only where a run of spaces starts: linear on any line.
_ET_AL = re.compile(r"(?i)(?<![\s,])[\s,]*(?:et\s+al\.?|etc\.?)\s*$")
_AUTHOR_SEPARATOR = re.compile(r"(?<!\s)\s+(?:and|&)\s+|[,，、]")
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’.\-]*$")
_FOOTNOTE_TAIL = re.compile(r"(?<![\d*†‡§¶#])[\d*†‡§¶#]+$")
_NOT_IN_NAMES = set(":;!?[]()<>=|/@$%+“”")
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das",
              "du", "la", "le", "bin", "al", "el", "ten", "ter", "zu", "y", "e", "d'"}


def parse_author_names(text: str, allow_single: bool = True) -> list[str] | None:
    """Author names from a line of them, or None when the line is not one.

    'H Bao, L Dong' and 'First Last, First Last' keep their order;
    'Last, First, Last, First' (every part one word) becomes 'First Last'.
    A single name without commas counts only with ``allow_single``.
    """
    text = _ET_AL.sub("", _AUTHORS_PREFIX.sub("", text, count=1), count=1)
    if not text or len(text) > 20_000 or "://" in text or _NOT_IN_NAMES.intersection(text):
        return None
    if is_cjk_text(text):
        return None
    if "\\" in text or "{" in text:
        text = latex_to_text(text) or ""
    parts = [p.strip() for p in _AUTHOR_SEPARATOR.split(text)]
    names_words = []
    for part in parts:
        words = [_FOOTNOTE_TAIL.sub("", w) for w in part.split()]
        words = [w for w in words if w]
        if not words:  # empty, or only footnote marks ('Smith1,2')
            continue
        if len(words) > 5 or not all(_is_name_word(w) for w in words):
            return None
        if all(w.lower() in _PARTICLES for w in words):
            return None
        names_words.append(words)
    if not names_words:
        return None
    if len(names_words) == 1 and (not allow_single or len(names_words[0]) < 2):
        return None
    single = sum(1 for words in names_words if len(words) == 1)
    if len(names_words) % 2 == 0 and single >= 0.75 * len(names_words):
        pairs = zip(names_words[0::2], names_words[1::2])
        return [" ".join(first + last) for last, first in pairs]
    return [" ".join(words) for words in names_words]


def _is_name_word(word: str) -> bool:
    if len(word) > 30 or not _NAME_WORD.match(word):
        return False
    return word[0].isupper() or word.lower() in _PARTICLES
