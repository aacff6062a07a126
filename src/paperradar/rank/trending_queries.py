"""What trending asks the store: which papers a listing showed on which day, readers'
likes, the latest day with papers. Every backend answers these itself (the SQL
is in store/sqlite_trending.py and store/postgres_trending.py); this module
turns days into the store's ISO text and back.

A listing day is the day a listing source showed a paper, not its arXiv
submission date (which may fall on a weekend): Hugging Face's
``submitted_on_daily_at``, else its item time ``listed_at`` (from 20:00 UTC on
the next day's page); arXiv's new-submissions feed's announcement day.
``listing_day`` says the same in Python, for one source row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..models import SourceSeen
from ..store import Store
from ..store.base import (
    ARXIV_NEW_SOURCE,
    HF_SOURCE,
    LISTED_AT_SHIFT_HOURS,
    LISTING_SOURCES,
)

__all__ = ["HF_SOURCE", "LISTING_SOURCES", "latest_day", "like_counts", "listed_between", "listing_day"]


def listing_day(seen: SourceSeen) -> str | None:
    """The ISO day a listing source showed a paper, or None (what the stores compute in SQL)."""
    fields: dict[str, Any] = seen.fields or {}
    if seen.source == HF_SOURCE:
        submitted = fields.get("submitted_on_daily_at")
        if isinstance(submitted, str) and len(submitted) >= 10:
            return submitted[:10]
        try:
            at = datetime.fromisoformat(str(fields.get("listed_at")))  # 3.11 reads "Z"
        except ValueError:
            return None
        at = at if at.tzinfo else at.replace(tzinfo=UTC)  # no offset: UTC, as SQLite reads it
        return (at.astimezone(UTC) + timedelta(hours=LISTED_AT_SHIFT_HOURS)).date().isoformat()
    if seen.source == ARXIV_NEW_SOURCE:
        announced = fields.get("announced")
        return announced[:10] if isinstance(announced, str) and len(announced) >= 10 else None
    return None


def listed_between(store: Store, start: date, end: date) -> dict[int, str]:
    """{pk: first listing day} of papers a listing source showed between start and end
    (inclusive), and of undated papers (a pasted post) first seen then."""
    return store.listed_between(start.isoformat(), end.isoformat())


def like_counts(store: Store, pks: list[int]) -> dict[int, int]:
    """{pk: number of readers who liked it} (rating +1)."""
    return store.like_counts(list(pks)) if pks else {}


def latest_day(store: Store, today: date | None = None) -> date | None:
    """The latest day (not after today) with papers dated or listed on it."""
    today = today or datetime.now(UTC).date()
    best = store.latest_day(today.isoformat())
    return date.fromisoformat(best) if best else None
