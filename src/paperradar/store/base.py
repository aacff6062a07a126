"""The store interface every backend implements, and its small results.

Callers (pipeline, CLI, later search/rank/web) see only this; no SQL leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    limit: int | None = None
    offset: int = 0


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

    def checkpoint(self, key: str) -> Any:
        """The saved resume state for a source, or None."""

    def clear_checkpoint(self, key: str) -> None: ...

    def integrity_problems(self) -> list[str]:
        """Empty when the store is consistent (no duplicates, no orphans)."""

    def close(self) -> None: ...
