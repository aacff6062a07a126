"""Papers as the pages and the API show them: plain values, links checked.

Nothing here marks text safe: templates escape every field. Links are kept
only when they are http(s) URLs, so a ``javascript:`` or ``data:`` link in an
imported record never becomes clickable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ..codec import paper_to_dict
from ..enrich.base import has_code, predicted_categories
from ..models import Paper

MAX_URL_CHARS = 2048
#: Spaces, control characters, quotes and brackets never appear in a URL worth a link.
_UNSAFE_CHARS = re.compile(r'[\x00-\x20\x7f"<>\\`]')


def safe_url(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL without control characters, else None."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS or _UNSAFE_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def paper_path(paper_id: str) -> str:
    """The page of a paper (ids may hold slashes: old arXiv ids, DOIs)."""
    return "/paper/" + quote(paper_id or "", safe="/:@.-_~")


def upvotes_of(paper: Paper) -> int | None:
    votes = [s.fields.get("upvotes") for s in paper.sources]
    votes = [v for v in votes if isinstance(v, int) and not isinstance(v, bool)]
    return max(votes) if votes else None


@dataclass
class LinkView:
    url: str
    kind: str
    label: str
    found: bool = False  # found by an enricher rather than given by a source


@dataclass
class PaperCard:
    """What a list row shows."""

    id: str
    url: str
    title: str
    authors: list[str]
    date: str
    categories: list[str]
    predicted: list[tuple[str, float]]
    tldr: str
    tldr_method: str
    upvotes: int | None
    has_code: bool
    code_url: str | None
    reasons: list[str] = field(default_factory=list)
    score: float | None = None


def _tldr(paper: Paper) -> tuple[str, str]:
    found = paper.enrichments.get("tldr") or {}
    if isinstance(found.get("text"), str) and found["text"].strip():
        return found["text"], str(found.get("method") or "")
    for seen in paper.sources:
        summary = seen.fields.get("ai_summary")
        if isinstance(summary, str) and summary.strip():
            return summary, f"{seen.source} AI summary"
    return "", ""


def links_of(paper: Paper) -> list[LinkView]:
    """Given links, then found ones, http(s) only, each URL once."""
    out: dict[str, LinkView] = {}
    for link in paper.links:
        if (url := safe_url(link.url)) and url not in out:
            out[url] = LinkView(url, link.kind, _label(link.kind, url))
    found = (paper.enrichments.get("links") or {}).get("links") or []
    for link in found:
        if isinstance(link, dict) and (url := safe_url(link.get("url"))) and url not in out:
            kind = str(link.get("kind") or "other")
            out[url] = LinkView(url, kind, _label(kind, url), found=True)
    for seen in paper.sources:
        for key, kind in (("github_repo", "code"), ("project_page", "project")):
            if (url := safe_url(seen.fields.get(key))) and url not in out:
                out[url] = LinkView(url, kind, _label(kind, url))
    if paper.arxiv_id:
        for kind, url in (("abstract", f"https://arxiv.org/abs/{paper.arxiv_id}"),
                          ("pdf", f"https://arxiv.org/pdf/{paper.arxiv_id}")):
            if not any(v.kind == kind for v in out.values()) and safe_url(url):
                out[url] = LinkView(url, kind, _label(kind, url))
    return list(out.values())


def _label(kind: str, url: str) -> str:
    host = urlsplit(url).hostname or ""
    return {"abstract": "abstract", "pdf": "PDF", "code": f"code ({host})", "project": "project page",
            "doi": "DOI"}.get(kind, host)


def card(paper: Paper, reasons: list[str] | None = None, score: float | None = None) -> PaperCard:
    tldr, method = _tldr(paper)
    code = next((v.url for v in links_of(paper) if v.kind == "code"), None)
    return PaperCard(
        id=paper.id or "", url=paper_path(paper.id or ""), title=paper.display_title(),
        authors=paper.author_names, date=paper.date or "", categories=list(paper.categories),
        predicted=[(str(p.get("category")), float(p.get("confidence") or 0))
                   for p in predicted_categories(paper)[:2] if p.get("category")],
        tldr=tldr, tldr_method=method, upvotes=upvotes_of(paper),
        has_code=has_code(paper) or code is not None, code_url=code,
        reasons=list(reasons or []), score=score)


def translations_of(paper: Paper) -> list[tuple[str, dict, str]]:
    """(language, {"title", "summary"}, where from) from sources, then machine translations."""
    out = [(lang, t, "source") for lang, t in paper.translations.items() if isinstance(t, dict)]
    machine = paper.enrichments.get("translate") or {}
    backend = str(machine.get("backend") or "machine")
    for lang, t in machine.items():
        if isinstance(t, dict) and lang not in paper.translations:
            out.append((lang, t, f"machine translation ({backend})"))
    return out


def claims_of(paper: Paper) -> list[dict]:
    claims = (paper.enrichments.get("results") or {}).get("claims") or []
    return [c for c in claims if isinstance(c, dict)]


def api_paper(paper: Paper, brief: bool = False) -> dict[str, Any]:
    """The API's JSON form of a paper: the CLI's ``--json`` form, plus display fields."""
    data = paper_to_dict(paper)
    view = card(paper)
    data["url"] = view.url
    data["upvotes"] = view.upvotes
    data["has_code"] = view.has_code
    data["tldr"] = view.tldr or None
    data["predicted_categories"] = [{"category": c, "confidence": p} for c, p in view.predicted]
    if brief:
        for key in ("extra", "enrichments", "author_details", "paper_affiliations", "comments",
                    "journal_ref"):
            data.pop(key, None)
    return data
