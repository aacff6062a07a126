"""The jinja2 environments the renderers share: HTML/XML (autoescaped) and text (Markdown, plain)."""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from .latex import md_escape, to_html, to_markdown, to_plain

# Characters XML 1.0 forbids (C0 controls but tab/newline/return, U+FFFE/U+FFFF, lone surrogates).
_WIDE = re.compile("[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Text without the control characters XML (and sane HTML) cannot carry."""
    return _NOT_XML.sub("", text)


def wrap(text: str, width: int = 76, indent: str = "", first: str | None = None) -> str:
    """Plain text folded at ``width`` (URLs and long words are never broken); ``first``
    starts the first line instead of ``indent`` (a list item's "- ")."""
    out = []
    for n, par in enumerate(p for p in text.split("\n") if p.strip()):
        wide = bool(_WIDE.search(par))  # CJK: two columns a character, no spaces to break at
        out.append(textwrap.fill(par, width // 2 if wide else width, break_long_words=wide,
                                 initial_indent=indent if first is None or n else first,
                                 subsequent_indent=indent, break_on_hyphens=False))
    return "\n".join(out)


def _common(env: Environment) -> Environment:
    env.filters.update(plain=lambda t: xml_safe(to_plain(t)), wrap=wrap)
    return env


@lru_cache(maxsize=1)
def markup_env() -> Environment:
    """HTML, RSS and Atom: every value is escaped unless it is Markup (``tex`` makes safe Markup)."""
    env = Environment(loader=PackageLoader("paperradar.publish", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["tex"] = lambda t: to_html(xml_safe(t or ""))
    return _common(env)


@lru_cache(maxsize=1)
def text_env() -> Environment:
    """Markdown and plain text: values go out as written; ``md`` escapes Markdown syntax."""
    env = Environment(loader=PackageLoader("paperradar.publish", "templates"), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters.update(md=lambda t: to_markdown(xml_safe(t or "")), md_escape=lambda t: md_escape(str(t)))
    return _common(env)
