"""The store interface every backend implements, and its small results.

Callers (pipeline, CLI, later search/rank/web) see only this; no SQL leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from ..models import Paper


@dataclass
class BatchResult:
    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PaperQuery:
    """Filters for listing papers; all optional. Dates are ISO text, inclusive."""

    since: str | None = None
    until: str | None = None
    category: str | None = None
    source: str | None = None
    author: str | None = None  # case-insensitive substring of an author's name
    has_code: bool | None = None
    limit: int | None = None
    offset: int = 0

    @property
    def filters_anything(self) -> bool:
        return any(v is not None for v in (self.since, self.until, self.category, self.source,
                                            self.author, self.has_code))


@dataclass
class Reader:
    id: int
    name: str
    email: str | None = None
    interests: str = ""


@dataclass
class LibraryEntry:
    """A paper in a reader's library: rating (+1 like, -1 dislike, 0), saved, tags."""

    pk: int
    rating: int = 0
    saved: bool = False
    tags: list[str] = field(default_factory=list)
    updated_at: str = ""


@dataclass
class Subscription:
    id: int
    reader_id: int
    email: str
    topics: dict[str, Any]  # {"queries": [...], "categories": [...], "tags": [...]}
    schedule: str  # daily | weekly
    language: str  # en | zh | both
    token: str  # the unsubscribe link's secret
    active: bool = True


class Store(Protocol):
    url: str

    def ingest_batch(
        self, records: list[Paper], checkpoint: tuple[str, Any] | None = None
    ) -> BatchResult:
        """Dedupe and store records in one transaction, with an optional checkpoint."""

    def get(self, key: str) -> Paper:
        """A paper by id, old id, arXiv id (any version), DOI. Raises NotFound."""

    def papers(self, query: PaperQuery = PaperQuery()) -> Iterator[Paper]:
        """Papers newest first, with their sources."""

    def count(self) -> int: ...

    def pks_matching(self, query: PaperQuery) -> set[int]:
        """Internal keys of the papers a query's filters select (limit ignored)."""

    # -- for the search indexes (index/) ---------------------------------------

    def revision(self) -> int:
        """Grows whenever any paper changes; indexes remember the one they saw."""

    def changed_since(self, rev: int) -> Iterator[list[tuple[int, int, Paper]]]:
        """Chunks of (pk, rev, paper) changed after ``rev``, oldest first."""

    def papers_by_pk(self, pks: list[int]) -> list[Paper]: ...

    def pk_of(self, key: str) -> int:
        """The internal key of a paper by id, arXiv id or DOI. Raises NotFound."""

    def texts_to_embed(self, model: str, limit: int | None = None,
                       field: str = "text") -> list[tuple[str, str]]:
        """(content_hash, text) of papers with no vector for ``model`` yet
        (``field``: "text" = title and abstract, or "title")."""

    def save_embeddings(self, model: str, rows: list[tuple[str, bytes]]) -> None: ...

    def embeddings(
        self, model: str, since_rev: int = 0, since_seq: int = 0
    ) -> Iterator[tuple[int, str, int, bytes]]:
        """(pk, content_hash, seq, vector bytes) of papers with a vector for ``model``
        changed after ``since_rev`` or embedded after ``since_seq``."""

    def artifact_dir(self, name: str) -> Path:
        """A directory beside the store for derived data (indexes)."""

    def checkpoint(self, key: str) -> Any:
        """The saved resume state for a source, or None."""

    def clear_checkpoint(self, key: str) -> None: ...

    def integrity_problems(self) -> list[str]:
        """Empty when the store is consistent (no duplicates, no orphans)."""

    def close(self) -> None: ...
