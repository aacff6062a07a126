"""A reader's library: likes, dislikes, saves and tags by paper id; importing a
bibliography (BibTeX, or a Zotero export as BibTeX or CSV) and exporting it.

Importing reads the file with paperradar's own sources, stores its papers
(the store's dedupe matches those already there by arXiv id, DOI or title),
and marks each one saved in the reader's library. Re-importing the same file
changes nothing. Zotero's CSV columns that the generic CSV reader keeps as
extras (``Abstract Note``, ``Publication Year``, ``Extra`` with an arXiv id,
``Manual Tags``) are read here; Zotero's manual tags become the reader's tags.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from ..errors import InputError
from ..models import Paper
from ..normalize import clean_space, parse_arxiv_id, parse_date
from ..sources import Notice, Problem, expand
from ..sources.base import clip
from ..store import Store
from ..store.base import LibraryEntry, Reader

DEFAULT_READER = "me"
READER_ENV = "PAPERRADAR_READER"


def reader_name(name: str | None = None) -> str:
    """The reader meant: ``name``, else ``$PAPERRADAR_READER``, else "me"."""
    return (name or os.environ.get(READER_ENV) or DEFAULT_READER).strip() or DEFAULT_READER


def reader_of(store: Store, name: str | None = None) -> Reader:
    """The reader (created on first use) called ``name`` or the default one."""
    return store.reader(reader_name(name))


def like(store: Store, reader: Reader, key: str) -> int:
    """Like a paper (by id, arXiv id or DOI); returns its internal key."""
    pk = store.pk_of(key)
    store.rate(reader.id, pk, 1)
    return pk


def dislike(store: Store, reader: Reader, key: str) -> int:
    pk = store.pk_of(key)
    store.rate(reader.id, pk, -1)
    return pk


def unrate(store: Store, reader: Reader, key: str) -> int:
    """Forget a like or dislike (saves and tags stay)."""
    pk = store.pk_of(key)
    store.rate(reader.id, pk, 0)
    return pk


def save(store: Store, reader: Reader, key: str, saved: bool = True) -> int:
    pk = store.pk_of(key)
    store.save_paper(reader.id, pk, saved)
    return pk


def tag(store: Store, reader: Reader, key: str, name: str, on: bool = True) -> int:
    pk = store.pk_of(key)
    store.tag_paper(reader.id, pk, name, on)
    return pk


@dataclass
class LibraryItem:
    entry: LibraryEntry
    paper: Paper


def library_items(store: Store, reader: Reader, tag: str | None = None,
                  saved_only: bool = False) -> list[LibraryItem]:
    """The reader's library with its papers, oldest change first; per tag if asked."""
    entries = [e for e in store.library(reader.id)
               if (tag is None or tag in e.tags) and (not saved_only or e.saved)]
    papers = {e.pk: p for e, p in zip(entries, store.papers_by_pk([e.pk for e in entries]))}
    return [LibraryItem(e, papers[e.pk]) for e in entries if e.pk in papers]


def export_library(store: Store, reader: Reader, out: IO[str], fmt: str = "bibtex",
                   tag: str | None = None) -> int:
    """Write the reader's library (or one tag of it) with paperradar's exporters."""
    from ..exporters import EXPORTERS

    if fmt not in EXPORTERS:
        raise InputError("--format", f"export as one of {', '.join(EXPORTERS)}, not {fmt!r}")
    return EXPORTERS[fmt]((item.paper for item in library_items(store, reader, tag)), out)


# -- importing -------------------------------------------------------------------------------

@dataclass
class ImportSummary:
    """What an import did: papers read, newly saved, already saved, tags added."""

    read: int = 0
    saved: int = 0
    already: int = 0
    tagged: int = 0
    added_to_store: int = 0
    ids: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"read": self.read, "saved": self.saved, "already_saved": self.already,
                "tagged": self.tagged, "added_to_store": self.added_to_store,
                "problems": [{"where": p.where, "reason": p.message} for p in self.problems],
                "notices": self.notices}


_ZOTERO_TAG_SPLIT = re.compile(r"\s*;\s*")


def zotero_fields(paper: Paper) -> list[str]:
    """Fill a paper read from a Zotero CSV export from the columns the CSV reader
    kept as extras; returns its manual tags."""
    extra = paper.extra
    if not paper.abstract and (note := clean_space(extra.get("Abstract Note"))):
        paper.abstract = clip(note)
        extra.pop("Abstract Note")
    if not paper.date and (year := parse_date(extra.get("Publication Year", ""))):
        paper.date = year
    if not paper.arxiv_id and "arxiv" in (extra.get("Extra") or "").lower():
        paper.arxiv_id, paper.arxiv_version = parse_arxiv_id(extra["Extra"])
    return [t for t in _ZOTERO_TAG_SPLIT.split(extra.get("Manual Tags") or "") if t.strip()]


def _records(path: str, summary: ImportSummary) -> Iterator[Paper]:
    for ref in expand(path):
        if ref.online:
            raise InputError(path, "import a library from a file (BibTeX, or a Zotero BibTeX or CSV export)")
        for item in ref.items():
            if isinstance(item, Paper):
                yield item
            elif isinstance(item, Problem):
                summary.problems.append(item)
            elif isinstance(item, Notice):
                summary.notices.append(str(item))


def import_library(store: Store, reader: Reader, path: str, tag: str | None = None,
                   keywords_as_tags: bool = False) -> ImportSummary:
    """Store the papers of a bibliography file and save them in the reader's library.

    ``tag`` tags every imported paper; Zotero CSV manual tags (and, when
    ``keywords_as_tags``, BibTeX ``keywords``) become tags too. One bad entry
    is reported as a problem and skipped. Safe to re-run.
    """
    summary = ImportSummary()
    before = {e.pk: e for e in store.library(reader.id)}
    for paper in _records(path, summary):
        tags = zotero_fields(paper)
        if keywords_as_tags:
            tags += [k for k in paper.source_fields.get("keywords") or [] if isinstance(k, str)]
        if tag:
            tags.append(tag)
        # One record per batch: the batch's one id is this record's paper.
        result = store.ingest_batch([paper])
        pid = (result.added + result.merged + result.unchanged)[0]
        summary.added_to_store += len(result.added)
        summary.read += 1
        summary.ids.append(pid)
        pk = store.pk_of(pid)
        entry = before.get(pk)
        if entry is not None and entry.saved:
            summary.already += 1
        else:
            store.save_paper(reader.id, pk)
            before[pk] = LibraryEntry(pk, entry.rating if entry else 0, True,
                                      list(entry.tags) if entry else [])
            summary.saved += 1
        for name in dict.fromkeys(t.strip() for t in tags if t.strip()):
            if name not in before[pk].tags:
                store.tag_paper(reader.id, pk, name)
                before[pk].tags.append(name)
                summary.tagged += 1
    if not summary.read and summary.problems:
        first = summary.problems[0]
        raise InputError(first.where, f"no papers could be read: {first.message}")
    return summary
