"""Merging two descriptions of one paper: the richest value of each field wins.

``merge(a, b)`` is deterministic and idempotent: ``merge(merge(a, b), b) ==
merge(a, b)``, so importing the same input twice changes nothing.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..models import Author, Link, Paper


def _richer_text(a: str | None, b: str | None) -> str | None:
    if not a:
        return b or a
    if not b:
        return a
    if len(b) != len(a):
        return b if len(b) > len(a) else a
    return min(a, b)


def _author_richness(authors: list[Author]) -> tuple[int, int, int]:
    return (
        len(authors),
        sum(len(a.affiliations) for a in authors),
        sum(len(a.name) for a in authors),
    )


def _richer_authors(a: list[Author], b: list[Author]) -> list[Author]:
    if not b:
        return a
    if not a:
        return b
    ra, rb = _author_richness(a), _author_richness(b)
    if ra != rb:
        return b if rb > ra else a
    return a if [x.name for x in a] <= [x.name for x in b] else b


def _union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for x in a:
        out.setdefault(x, None)
    for x in b:
        out.setdefault(x, None)
    return list(out)


def _union_links(a: list[Link], b: list[Link]) -> list[Link]:
    seen: dict[str, Link] = {}
    for link in [*a, *b]:
        key = link.url.rstrip("/").lower()
        if key not in seen or (seen[key].kind == "other" and link.kind != "other"):
            seen[key] = link
    return list(seen.values())


def _merge_categories(a: list[str], b: list[str]) -> list[str]:
    # The longer list is usually arXiv's own (primary first): it leads.
    first, second = (a, b) if len(a) >= len(b) else (b, a)
    return _union(first, second)


def _earliest(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return a or b
    # A more precise date for the same day/month/year beats a partial one.
    if a.startswith(b) or b.startswith(a):
        return a if len(a) >= len(b) else b
    return min(a, b)


def _latest(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return a or b
    return max(a, b)


def _merge_translations(
    a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    out = {lang: dict(fields) for lang, fields in a.items()}
    for lang, fields in b.items():
        target = out.setdefault(lang, {})
        for name, value in fields.items():
            target[name] = _richer_text(target.get(name), value) or ""
    return out


def _merge_extra(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        out.setdefault(key, value)
    return out


def merge(a: Paper, b: Paper) -> Paper:
    """One paper from two records of it. Source provenance is kept by the store."""
    return Paper(
        title=_richer_text(a.title, b.title),
        abstract=_richer_text(a.abstract, b.abstract),
        authors=_richer_authors(a.authors, b.authors),
        affiliations=_union(a.affiliations, b.affiliations),
        date=_earliest(a.date, b.date),
        updated=_latest(a.updated, b.updated),
        categories=_merge_categories(a.categories, b.categories),
        arxiv_id=a.arxiv_id or b.arxiv_id,
        arxiv_version=max(filter(None, (a.arxiv_version, b.arxiv_version)), default=None),
        doi=a.doi or b.doi,
        links=_union_links(a.links, b.links),
        comments=_richer_text(a.comments, b.comments),
        journal_ref=_richer_text(a.journal_ref, b.journal_ref),
        translations=_merge_translations(a.translations, b.translations),
        extra=_merge_extra(a.extra, b.extra),
        id=a.id or b.id,
    )


def core(paper: Paper) -> Paper:
    """The merged-paper part of a source record (no source or provenance fields)."""
    return Paper(
        title=paper.title,
        abstract=paper.abstract,
        authors=list(paper.authors),
        affiliations=list(dict.fromkeys(paper.affiliations)),
        date=paper.date,
        updated=paper.updated,
        categories=list(dict.fromkeys(paper.categories)),
        arxiv_id=paper.arxiv_id,
        arxiv_version=paper.arxiv_version,
        doi=paper.doi,
        links=_union_links(paper.links, []),
        comments=paper.comments,
        journal_ref=paper.journal_ref,
        translations={k: dict(v) for k, v in paper.translations.items()},
        extra=dict(paper.extra),
        id=paper.id,
    )
