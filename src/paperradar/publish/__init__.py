"""Publishing: digests (Markdown, text, HTML, email), RSS and Atom feeds, and email delivery.

Rendering only: rankings come from ``paperradar.rank``. Entry points:
``build_digest`` (digest), ``render_markdown``/``render_text`` (render_md), ``render_html``
(render_html), ``render_rss``/``render_atom`` (render_feed), ``send_due`` and ``publish_day``
(subscribers), and ``render_digest`` here for callers that want one call.
"""

from __future__ import annotations

FORMATS = ("md", "text", "html", "rss", "atom")


def render_digest(store, period, fmt: str = "md", **options) -> str:
    """Build the digest of ``period`` (options as ``build_digest``) and render it as ``fmt``."""
    from ..errors import InputError
    from .digest import build_digest
    from .render_feed import render_atom, render_rss
    from .render_html import render_html
    from .render_md import render_markdown, render_text

    renderers = {"md": render_markdown, "text": render_text, "html": render_html, "rss": render_rss,
                 "atom": render_atom}
    if fmt not in renderers:
        raise InputError("--format", f"format is one of {', '.join(FORMATS)}, not {fmt!r}")
    return renderers[fmt](build_digest(store, period, **options))
