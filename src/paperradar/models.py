"""The records that flow through paperradar. Plain dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Author:
    name: str
    affiliations: list[str] = field(default_factory=list)


@dataclass
class Link:
    """A link about a paper. ``kind`` is one of LINK_KINDS."""

    url: str
    kind: str = "other"


LINK_KINDS = ("abstract", "pdf", "code", "project", "doi", "other")


@dataclass
class SourceSeen:
    """One source that listed a paper, and when paperradar saw it there."""

    source: str
    source_id: str = ""
    first_seen: str = ""
    last_seen: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Paper:
    """A paper as one source describes it, or as the store has merged it.

    ``date`` is the first publication date (arXiv v1, ISO ``YYYY-MM-DD``).
    ``translations`` maps a language code to ``{"title": ..., "summary": ...}``.
    ``source_fields`` are the source's own fields (upvotes, submitter, stars...).
    ``extra`` keeps keys paperradar does not know, so nothing is dropped.
    """

    title: str | None = None
    abstract: str | None = None
    authors: list[Author] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    date: str | None = None
    updated: str | None = None
    categories: list[str] = field(default_factory=list)
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    doi: str | None = None
    links: list[Link] = field(default_factory=list)
    comments: str | None = None
    journal_ref: str | None = None
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = ""
    source_id: str = ""
    source_fields: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # Set by the store on merged papers; set by sources only when the input
    # already carries provenance (paperradar's own export).
    id: str | None = None
    sources: list[SourceSeen] = field(default_factory=list)
    # Set by the store: what each enricher found, ``{enricher: data}`` (see
    # paperradar.enrich). Derived data: never exported, never merged.
    enrichments: dict[str, Any] = field(default_factory=dict)

    def display_title(self, words: int = 12) -> str:
        """The title, or for a title-less record the start of its abstract."""
        if self.title:
            return self.title
        text = (self.abstract or "").split()
        if not text:
            return "(untitled)"
        head = " ".join(text[:words]) + (" …" if len(text) > words else "")
        name = (self.enrichments.get("name") or {}).get("name")  # the method's name, when found
        return f"{name}: {head}" if name else head

    @property
    def author_names(self) -> list[str]:
        return [a.name for a in self.authors]

    def all_affiliations(self) -> list[str]:
        seen: dict[str, None] = {a: None for a in self.affiliations}
        for author in self.authors:
            for aff in author.affiliations:
                seen.setdefault(aff, None)
        return list(seen)
