"""Digest previews: the day's digest as paperradar.publish renders it (HTML,
shown in a sandboxed frame with its own policy, and Markdown)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import PaperradarError
from ..store.base import Reader
from .features import module_attr
from .services import latest_day, revision

#: The preview document is paperradar's own escaped HTML with inline styles (as
#: email needs); it is shown in a sandboxed frame that may run nothing.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
               "frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox")


@dataclass
class DigestPreview:
    label: str = ""
    markdown: str = ""
    html: str = ""
    entries: int = 0
    note: str | None = None
    missing: str = ""


def preview(parts: Any, reader: Reader | None, language: str = "en") -> DigestPreview:
    build = module_attr("paperradar.publish.digest", "build_digest")
    render_md = module_attr("paperradar.publish.render_md", "render_markdown")
    render_html = module_attr("paperradar.publish.render_html", "render_html")
    period_cls = module_attr("paperradar.rank.trending", "Period")
    if not (build and render_md and render_html and period_cls):
        return DigestPreview(missing="digests are not available in this install yet")
    day = latest_day(parts)
    if day is None:
        return DigestPreview(note="nothing is stored yet")
    period = period_cls.day(day)
    name = reader.name if reader else None

    def compute() -> DigestPreview:
        try:
            digest = build(parts.store, period, language=language, reader=name)
        except PaperradarError as exc:
            return DigestPreview(period.label, note=str(exc))
        note = "; ".join(getattr(digest, "notes", []) or []) or getattr(digest, "empty_reason", None)
        return DigestPreview(period.label, render_md(digest), render_html(digest), len(digest), note)

    return parts.memo.get(("digest", period.label, language, name), revision(parts), compute)
