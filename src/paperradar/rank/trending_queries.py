"""What trending asks the store: which papers a listing showed on which day, readers'
likes, the latest day with papers.

A store may answer these itself (methods ``listed_between``, ``like_counts``,
``latest_listing_day``: the lead can move the SQL below into the backends);
otherwise the SQLite store is asked with the SQL here, and any other store
through the Store protocol alone (slower; undated papers are then left out).

A listing day is the day a listing source showed a paper, not its arXiv
submission date (which may fall on a weekend): Hugging Face's
``submitted_on_daily_at``, else its item time ``listed_at`` (from 20:00 UTC on
the next day's page); arXiv's new-submissions feed's announcement day.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..models import SourceSeen
from ..store import PaperQuery, Store

HF_SOURCE = "hf-daily"
LISTING_SOURCES = (HF_SOURCE, "arxiv-new")
#: How far before a period the protocol fallback looks for papers listed in it.
LOOKBACK_DAYS = 60


def listing_day(seen: SourceSeen) -> str | None:
    """The ISO day a listing source showed a paper, or None."""
    fields: dict[str, Any] = seen.fields or {}
    if seen.source == HF_SOURCE:
        submitted = fields.get("submitted_on_daily_at")
        if isinstance(submitted, str) and len(submitted) >= 10:
            return submitted[:10]
        try:
            at = datetime.fromisoformat(str(fields.get("listed_at")))  # 3.11 reads "Z"
        except ValueError:
            return None
        return (at.astimezone(UTC) + timedelta(hours=4)).date().isoformat()
    if seen.source == "arxiv-new":
        announced = fields.get("announced")
        return announced[:10] if isinstance(announced, str) and len(announced) >= 10 else None
    return None


def listing_day_sql(column: str = "fields") -> str:
    """``listing_day`` in SQLite SQL, over a paper_sources row."""
    return (f"CASE source WHEN '{HF_SOURCE}' THEN"
            f" coalesce(substr(json_extract({column}, '$.submitted_on_daily_at'), 1, 10),"
            f" date(json_extract({column}, '$.listed_at'), '+4 hours'))"
            f" WHEN 'arxiv-new' THEN substr(json_extract({column}, '$.announced'), 1, 10) END")


def _sqlite(store: Store) -> sqlite3.Connection | None:
    db = getattr(store, "db", None)
    return db if isinstance(db, sqlite3.Connection) else None


def listed_between(store: Store, start: date, end: date) -> dict[int, str]:
    """{pk: first listing day} of papers a listing source showed between start and end
    (inclusive), and of undated papers (a pasted post) first seen then."""
    if callable(getattr(store, "listed_between", None)):
        return store.listed_between(start, end)
    db, first, last = _sqlite(store), start.isoformat(), end.isoformat()
    if db is None:
        return _listed_between_by_protocol(store, start, end)
    marks = ",".join("?" * len(LISTING_SOURCES))
    found = dict(db.execute(
        f"SELECT pk, min(day) FROM (SELECT pk, {listing_day_sql()} AS day FROM paper_sources"
        f" WHERE source IN ({marks})) WHERE day BETWEEN ? AND ? GROUP BY pk", (*LISTING_SOURCES, first, last)))
    for pk, day in db.execute(
            "SELECT s.pk, substr(min(s.first_seen), 1, 10) AS day FROM papers p JOIN paper_sources s"
            " ON s.pk = p.pk WHERE p.date IS NULL GROUP BY s.pk HAVING day BETWEEN ? AND ?", (first, last)):
        found.setdefault(pk, day)
    return found


def _listed_between_by_protocol(store: Store, start: date, end: date) -> dict[int, str]:
    first, last = start.isoformat(), end.isoformat()
    since = (start - timedelta(days=LOOKBACK_DAYS)).isoformat()
    found: dict[int, str] = {}
    for source in LISTING_SOURCES:
        pks = sorted(store.pks_matching(PaperQuery(source=source, since=since, until=last)))
        for pk, paper in zip(pks, store.papers_by_pk(pks)):
            days = [d for s in paper.sources if (d := listing_day(s)) and first <= d <= last]
            if days:
                found[pk] = min(days + ([found[pk]] if pk in found else []))
    return found


def like_counts(store: Store, pks: list[int]) -> dict[int, int]:
    """{pk: number of readers who liked it} (rating +1)."""
    if callable(getattr(store, "like_counts", None)):
        return store.like_counts(pks)
    db = _sqlite(store)
    if db is None:  # every reader's library: fine for the readers of one radar
        wanted, out = set(pks), {}
        for reader in store.readers():
            for entry in store.library(reader.id):
                if entry.rating > 0 and entry.pk in wanted:
                    out[entry.pk] = out.get(entry.pk, 0) + 1
        return out
    out = {}
    for at in range(0, len(pks), 500):
        chunk = pks[at:at + 500]
        out.update(db.execute(f"SELECT pk, count(*) FROM reader_papers WHERE rating = 1 AND pk IN"
                              f" ({','.join('?' * len(chunk))}) GROUP BY pk", chunk))
    return out


def latest_day(store: Store, today: date | None = None) -> date | None:
    """The latest day (not after today) with papers dated or listed on it."""
    today = today or datetime.now(UTC).date()
    if callable(getattr(store, "latest_listing_day", None)):
        listed = store.latest_listing_day(today)
    elif (db := _sqlite(store)) is not None:
        marks = ",".join("?" * len(LISTING_SOURCES))
        listed = db.execute(f"SELECT max(day) FROM (SELECT {listing_day_sql()} AS day FROM paper_sources"
                            f" WHERE source IN ({marks})) WHERE day <= ?",
                            (*LISTING_SOURCES, today.isoformat())).fetchone()[0]
    else:
        recent = _listed_between_by_protocol(store, today - timedelta(days=LOOKBACK_DAYS), today)
        listed = max(recent.values(), default=None)
    if (db := _sqlite(store)) is not None:
        dated = db.execute("SELECT max(date) FROM papers WHERE length(date) = 10 AND date <= ?",
                           (today.isoformat(),)).fetchone()[0]
    else:
        newest = next(iter(store.papers(PaperQuery(until=today.isoformat(), limit=1))), None)
        dated = newest.date if newest and newest.date and len(newest.date) == 10 else None
    best = max(filter(None, (dated, listed)), default=None)
    return date.fromisoformat(best) if best else None
