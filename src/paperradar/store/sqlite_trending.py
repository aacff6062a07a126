"""What trending asks the SQLite store: which papers a listing showed on which
day, readers' likes, the latest day with papers. Mixed into ``SQLiteStore``.

A listing day is the day a listing source showed a paper, not its arXiv
submission date (which may fall on a weekend): Hugging Face's
``submitted_on_daily_at``, else its item time ``listed_at`` plus four hours,
as a UTC day (the page for a day fills from 20:00 UTC the day before);
arXiv's new-submissions feed's ``announced`` day. A paper with no date
(pasted) belongs to the day paperradar first saw it. ``postgres_trending``
computes the same days in PostgreSQL.
"""

from __future__ import annotations

from typing import Any, Iterator

from .base import ARXIV_NEW_SOURCE, HF_SOURCE, LISTED_AT_SHIFT_HOURS, LISTING_SOURCES

_CHUNK = 500


def listing_day_sql(column: str = "fields") -> str:
    """The listing day of a paper_sources row, in SQLite SQL (NULL for other sources)."""
    return (f"CASE source WHEN '{HF_SOURCE}' THEN"
            f" coalesce(substr(json_extract({column}, '$.submitted_on_daily_at'), 1, 10),"
            f" date(json_extract({column}, '$.listed_at'), '+{LISTED_AT_SHIFT_HOURS} hours'))"
            f" WHEN '{ARXIV_NEW_SOURCE}' THEN substr(json_extract({column}, '$.announced'), 1, 10) END")


def _chunks(items: list, n: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class TrendingQueries:
    db: Any

    def listed_between(self, first: str, last: str) -> dict[int, str]:
        """{pk: first listing day} of papers a listing source showed between the ISO
        days ``first`` and ``last`` (inclusive), and of undated papers first seen then."""
        marks = ",".join("?" * len(LISTING_SOURCES))
        found = dict(self.db.execute(
            f"SELECT pk, min(day) FROM (SELECT pk, {listing_day_sql()} AS day FROM paper_sources"
            f" WHERE source IN ({marks})) WHERE day BETWEEN ? AND ? GROUP BY pk",
            (*LISTING_SOURCES, first, last)))
        for pk, day in self.db.execute(
                "SELECT s.pk, substr(min(s.first_seen), 1, 10) AS day FROM papers p JOIN paper_sources s"
                " ON s.pk = p.pk WHERE p.date IS NULL GROUP BY s.pk HAVING day BETWEEN ? AND ?", (first, last)):
            found.setdefault(pk, day)
        return found

    def like_counts(self, pks: list[int]) -> dict[int, int]:
        """{pk: number of readers who liked it} (rating +1); papers no one liked left out."""
        out: dict[int, int] = {}
        for chunk in _chunks(list(pks)):
            out.update(self.db.execute(f"SELECT pk, count(*) FROM reader_papers WHERE rating = 1 AND pk IN"
                                       f" ({','.join('?' * len(chunk))}) GROUP BY pk", chunk))
        return out

    def latest_day(self, until: str) -> str | None:
        """The latest ISO day, not after ``until``, on which a listing showed a paper
        or a paper is dated (full dates only)."""
        marks = ",".join("?" * len(LISTING_SOURCES))
        listed = self.db.execute(f"SELECT max(day) FROM (SELECT {listing_day_sql()} AS day FROM paper_sources"
                                 f" WHERE source IN ({marks})) WHERE day <= ?", (*LISTING_SOURCES, until)).fetchone()[0]
        dated = self.db.execute("SELECT max(date) FROM papers WHERE length(date) = 10 AND date <= ?",
                                (until,)).fetchone()[0]
        return max(filter(None, (listed, dated)), default=None)
