"""What trending asks the PostgreSQL store: the same listing days, likes and
latest day as ``sqlite_trending``, in PostgreSQL's SQL. Mixed into
``PostgresStore``.

SQLite's ``date(listed_at, '+4 hours')`` reads an ISO time (UTC when it has no
offset) and gives NULL for anything else; here the time is taken apart with a
regular expression and rebuilt by arithmetic, so a malformed value gives NULL
too instead of failing the query (a cast would), and out-of-range days roll
over as SQLite's do (June 31 is July 1).
"""

from __future__ import annotations

from typing import Any

from .base import ARXIV_NEW_SOURCE, HF_SOURCE, LISTED_AT_SHIFT_HOURS, LISTING_SOURCES

#: year, month, day, [hour, minute, [seconds]], [Z | sign, hours, minutes]
_ISO_TIME = (r"^([1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
             r"(?:[T ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9](?:\.[0-9]+)?))?)?"
             r"(Z|([+-])([01][0-9]):([0-5][0-9]))?$")
_SHIFTED_UTC_DAY = (
    "to_char(make_date(m[1]::int, m[2]::int, 1) + (m[3]::int - 1)"
    f" + make_interval(hours => coalesce(m[4], '0')::int + {LISTED_AT_SHIFT_HOURS},"
    " mins => coalesce(m[5], '0')::int, secs => coalesce(m[6], '0')::float8)"
    " - CASE WHEN m[8] IS NULL THEN interval '0'"
    " ELSE (CASE m[8] WHEN '-' THEN -1 ELSE 1 END) * make_interval(hours => m[9]::int, mins => m[10]::int) END,"
    " 'YYYY-MM-DD')")
#: (pk, day) of every listing row; the day is NULL when the row names none.
LISTING_DAYS = (
    f"SELECT pk, (CASE source WHEN '{HF_SOURCE}' THEN coalesce(substr(submitted, 1, 10), {_SHIFTED_UTC_DAY})"
    f" WHEN '{ARXIV_NEW_SOURCE}' THEN substr(announced, 1, 10) END) COLLATE \"C\" AS day FROM ("
    "SELECT pk, source, fields->>'submitted_on_daily_at' AS submitted, fields->>'announced' AS announced,"
    f" CASE WHEN source = '{HF_SOURCE}' AND fields->>'submitted_on_daily_at' IS NULL"
    f" THEN regexp_match(fields->>'listed_at', '{_ISO_TIME}') END AS m"
    " FROM paper_sources WHERE source = ANY(%s)) rows")


class PgTrendingQueries:
    conn: Any

    def listed_between(self, first: str, last: str) -> dict[int, str]:
        """{pk: first listing day} of papers a listing source showed between the ISO
        days ``first`` and ``last`` (inclusive), and of undated papers first seen then."""
        found = dict(self.conn.execute(
            f"SELECT pk, min(day) FROM ({LISTING_DAYS}) d WHERE day BETWEEN %s AND %s GROUP BY pk",
            (list(LISTING_SOURCES), first, last)).fetchall())
        for pk, day in self.conn.execute(
                "SELECT s.pk, substr(min(s.first_seen), 1, 10) FROM papers p JOIN paper_sources s ON s.pk = p.pk"
                " WHERE p.date IS NULL GROUP BY s.pk HAVING substr(min(s.first_seen), 1, 10) BETWEEN %s AND %s",
                (first, last)):
            found.setdefault(pk, day)
        return found

    def like_counts(self, pks: list[int]) -> dict[int, int]:
        """{pk: number of readers who liked it} (rating +1); papers no one liked left out."""
        return dict(self.conn.execute(
            "SELECT pk, count(*) FROM reader_papers WHERE rating = 1 AND pk = ANY(%s) GROUP BY pk",
            (list(pks),)).fetchall())

    def latest_day(self, until: str) -> str | None:
        """The latest ISO day, not after ``until``, on which a listing showed a paper
        or a paper is dated (full dates only)."""
        listed = self.conn.execute(f"SELECT max(day) FROM ({LISTING_DAYS}) d WHERE day <= %s",
                                   (list(LISTING_SOURCES), until)).fetchone()[0]
        dated = self.conn.execute("SELECT max(date) FROM papers WHERE length(date) = 10 AND date <= %s",
                                  (until,)).fetchone()[0]
        return max(filter(None, (listed, dated)), default=None)
