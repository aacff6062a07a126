"""Markdown and plain-text digests (the Markdown file of the day, the email's text part)."""

from __future__ import annotations

import re

from .digest import Digest
from .env import text_env

_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    return _BLANKS.sub("\n\n", text).strip() + "\n"


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown: numbered ``## 1. [CV] Title`` entries, then "Also worth a look"."""
    return _tidy(text_env().get_template("digest.md").render(d=digest))


def render_text(digest: Digest) -> str:
    """The digest as plain text, folded for email."""
    return _tidy(text_env().get_template("digest.txt").render(d=digest))
