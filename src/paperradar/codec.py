"""Papers to and from plain dicts: the JSON contract of ``--json`` output,
paperradar's JSON-lines export, and the store's stored form."""

from __future__ import annotations

from typing import Any

from .models import Author, Link, Paper, SourceSeen


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    """The public JSON form of a paper (``list --json``, ``export``)."""
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": paper.author_names,
        "affiliations": paper.all_affiliations(),
        "date": paper.date,
        "categories": list(paper.categories),
        "sources": [source_to_dict(s) for s in paper.sources],
        "links": [{"url": link.url, "kind": link.kind} for link in paper.links],
        "translations": paper.translations,
        "author_details": [
            {"name": a.name, "affiliations": a.affiliations} for a in paper.authors
        ],
        "paper_affiliations": list(paper.affiliations),
        "updated": paper.updated,
        "arxiv_id": paper.arxiv_id,
        "arxiv_version": paper.arxiv_version,
        "doi": paper.doi,
        "comments": paper.comments,
        "journal_ref": paper.journal_ref,
        "extra": paper.extra,
        # derived (paperradar enrich); ignored on import
        "enrichments": paper.enrichments,
    }


def source_to_dict(seen: SourceSeen) -> dict[str, Any]:
    return {
        "source": seen.source,
        "source_id": seen.source_id,
        "first_seen": seen.first_seen,
        "last_seen": seen.last_seen,
        "fields": seen.fields,
    }


def source_from_dict(d: dict[str, Any]) -> SourceSeen:
    return SourceSeen(
        source=str(d.get("source") or ""),
        source_id=str(d.get("source_id") or ""),
        first_seen=str(d.get("first_seen") or ""),
        last_seen=str(d.get("last_seen") or ""),
        fields=dict(d.get("fields") or {}),
    )


def authors_from_export(d: dict[str, Any]) -> list[Author]:
    details = d.get("author_details")
    if isinstance(details, list) and all(isinstance(x, dict) for x in details):
        return [
            Author(str(x.get("name") or ""), [str(a) for a in x.get("affiliations") or []])
            for x in details
            if x.get("name")
        ]
    return [Author(str(n)) for n in d.get("authors") or [] if n]


def paper_from_export(d: dict[str, Any]) -> Paper:
    """Inverse of ``paper_to_dict``: reads paperradar's own export without loss."""
    paper_affs = d.get("paper_affiliations")
    if paper_affs is None:
        paper_affs = d.get("affiliations") or []
    return Paper(
        id=d.get("id"),
        title=d.get("title"),
        abstract=d.get("abstract"),
        authors=authors_from_export(d),
        affiliations=[str(a) for a in paper_affs],
        date=d.get("date"),
        updated=d.get("updated"),
        categories=[str(c) for c in d.get("categories") or []],
        arxiv_id=d.get("arxiv_id"),
        arxiv_version=d.get("arxiv_version"),
        doi=d.get("doi"),
        links=[Link(str(x["url"]), str(x.get("kind") or "other")) for x in d.get("links") or []],
        comments=d.get("comments"),
        journal_ref=d.get("journal_ref"),
        translations={k: dict(v) for k, v in (d.get("translations") or {}).items()},
        extra=dict(d.get("extra") or {}),
        sources=[source_from_dict(s) for s in d.get("sources") or []],
    )


# The stored form: the merged core of a paper, compact, no provenance.

def core_to_row(paper: Paper) -> dict[str, Any]:
    return {
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": [[a.name, a.affiliations] if a.affiliations else [a.name] for a in paper.authors],
        "affiliations": paper.affiliations,
        "date": paper.date,
        "updated": paper.updated,
        "categories": paper.categories,
        "arxiv_id": paper.arxiv_id,
        "arxiv_version": paper.arxiv_version,
        "doi": paper.doi,
        "links": [[link.url, link.kind] for link in paper.links],
        "comments": paper.comments,
        "journal_ref": paper.journal_ref,
        "translations": paper.translations,
        "extra": paper.extra,
    }


def core_from_row(d: dict[str, Any], paper_id: str | None = None) -> Paper:
    return Paper(
        id=paper_id,
        title=d.get("title"),
        abstract=d.get("abstract"),
        authors=[Author(a[0], list(a[1]) if len(a) > 1 else []) for a in d.get("authors") or []],
        affiliations=list(d.get("affiliations") or []),
        date=d.get("date"),
        updated=d.get("updated"),
        categories=list(d.get("categories") or []),
        arxiv_id=d.get("arxiv_id"),
        arxiv_version=d.get("arxiv_version"),
        doi=d.get("doi"),
        links=[Link(u, k) for u, k in d.get("links") or []],
        comments=d.get("comments"),
        journal_ref=d.get("journal_ref"),
        translations=d.get("translations") or {},
        extra=d.get("extra") or {},
    )
