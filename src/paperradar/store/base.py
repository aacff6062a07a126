"""The store interface every backend implements, and its small results.

Callers (pipeline, CLI, later search/rank/web) see only this; no SQL leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from ..models import Paper

#: Sources that list papers day by day: a paper belongs to the days they showed it
#: (see ``Store.listed_between``). Hugging Face's item time ``listed_at`` counts
#: for the UTC day LISTED_AT_SHIFT_HOURS later (its page for a day fills from 20:00 UTC).
HF_SOURCE = "hf-daily"
ARXIV_NEW_SOURCE = "arxiv-new"
LISTING_SOURCES = (HF_SOURCE, ARXIV_NEW_SOURCE)
LISTED_AT_SHIFT_HOURS = 4


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


@dataclass
class Account:
    """A reader who can sign in to the web app: their password's hash (Argon2id)."""

    reader_id: int
    name: str
    password_hash: str


@dataclass
class ApiToken:
    """An API token as the store keeps it: never the token itself."""

    reader_id: int
    label: str
    created_at: str
    last_used_at: str | None = None


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

    # -- readers (sqlite_readers / postgres_readers; the library and the sent log too) --

    def reader(self, name: str, create: bool = True) -> Reader:
        """The reader called ``name`` (created when missing, unless ``create`` is false)."""

    def reader_by_id(self, reader_id: int) -> Reader | None: ...

    def subscription_by_token(self, token: str) -> Subscription | None:
        """The subscription whose unsubscribe link carries ``token``, active or not."""

    # -- web accounts and API tokens (sqlite_accounts / postgres_accounts) ----------

    def save_account(self, reader_id: int, password_hash: str) -> None:
        """Create the reader's account, or set its password hash."""

    def account(self, name: str) -> Account | None: ...

    def account_of_reader(self, reader_id: int) -> Account | None: ...

    def account_names(self) -> list[str]: ...

    def add_api_token(self, reader_id: int, token_hash: str, label: str = "") -> None: ...

    def reader_id_for_token_hash(self, token_hash: str) -> int | None:
        """The reader of the API token with this hash (None: unknown or revoked);
        notes when the token was last used."""

    def api_tokens(self, reader_id: int) -> list[ApiToken]:
        """The reader's API tokens, oldest first."""

    def revoke_api_tokens(self, reader_id: int) -> int:
        """Delete the reader's API tokens; how many there were."""

    # -- what trending asks (sqlite_trending / postgres_trending) ---------------------

    def listed_between(self, first: str, last: str) -> dict[int, str]:
        """{pk: first listing day} of papers a listing source showed between the ISO
        days ``first`` and ``last`` (inclusive), and of undated papers first seen then."""

    def like_counts(self, pks: list[int]) -> dict[int, int]:
        """{pk: number of readers who liked it} (rating +1); papers no one liked left out."""

    def latest_day(self, until: str) -> str | None:
        """The latest ISO day, not after ``until``, on which a listing showed a paper
        or a paper is dated (full dates only)."""

    def close(self) -> None: ...
