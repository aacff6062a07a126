"""Markdown and plain-text digests (the Markdown file of the day, the email's text part)."""

from __future__ import annotations

import re

from .digest import Digest
from .env import text_env

_BLANKS = re.compile(r"\n{3,}")
# Control characters (but tab and newline) never reach a Markdown or text digest: an
# escape sequence would drive the reader's terminal, a bare CR would rewrite a line.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAKS = "\r\x0b\x0c\x85"


def _tidy(text: str) -> str:
    text = _CONTROLS.sub(lambda m: " " if m[0] in _BREAKS else "", text)
    return _BLANKS.sub("\n\n", text).strip() + "\n"


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown: numbered ``## 1. [CV] Title`` entries, then "Also worth a look"."""
    return _tidy(text_env().get_template("digest.md").render(d=digest))


def render_text(digest: Digest) -> str:
    """The digest as plain text, folded for email."""
    return _tidy(text_env().get_template("digest.txt").render(d=digest))
