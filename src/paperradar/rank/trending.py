"""Trending papers of a day or an ISO week, and why a day has none.

A paper belongs to the days a listing showed it (Hugging Face Daily Papers'
page, arXiv's new-submissions announcement: see ``trending_queries``); a paper
no listing showed belongs to its date, and an undated one (pasted) to the day
paperradar first saw it. Its score is pure arithmetic over signals
(``trending_score``):

    votes = HF upvotes + LIKE_VOTES x readers' likes + 1
    score = votes x (1 + code bonus + bonus per extra source) x recency

so human votes dominate and paperradar's own signals (code released, listed
by several sources or digests, appearing late in the period) break ties and
rank the papers no one voted on. Every entry says why it ranks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from ..enrich.base import has_code
from ..errors import InputError
from ..models import Paper
from ..sources.arxiv_feeds import ANNOUNCE_HOUR, EASTERN, SCHEDULE_URL
from ..store import PaperQuery, Store
from .trending_queries import (
    HF_SOURCE,
    LISTING_SOURCES,
    latest_day,
    like_counts,
    listed_between,
)

__all__ = ["Period", "Signals", "Trending", "TrendingEntry", "Weights", "explain_empty", "latest_day",
           "parse_day", "rank_trending", "trending_score"]
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
#: Days arXiv never announces (its schedule lists the others each year).
HOLIDAYS = {(12, 25): "Christmas Day", (1, 1): "New Year's Day"}


@dataclass(frozen=True)
class Weights:
    like_votes: float = 3.0  # one reader's like counts as this many upvotes
    code: float = 0.2  # x1.2 for a paper with code
    per_source: float = 0.1  # +10% per source beyond the first
    recency: float = 0.25  # the earliest day of a week keeps 75-79% of its score


WEIGHTS = Weights()


@dataclass(frozen=True)
class Period:
    """A day or an ISO week (Monday to Sunday), inclusive."""

    start: date
    end: date
    label: str

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day, day.isoformat())

    @classmethod
    def week(cls, text: str) -> Period:
        m = _WEEK.match(text.strip())
        try:
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1) if m else None
        except ValueError:
            monday = None
        if monday is None:
            raise InputError("--week", f"{text!r} is not an ISO week; write it like 2024-W23")
        year, week, _ = monday.isocalendar()
        return cls(monday, monday + timedelta(days=6), f"{year}-W{week:02d}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_week(self) -> bool:
        return self.days > 1


def parse_day(text: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(option, f"{text!r} is not a date; write it like 2024-06-04") from None


@dataclass(frozen=True)
class Signals:
    upvotes: int | None = None  # None: no Hugging Face listing
    likes: int = 0
    sources: tuple[str, ...] = ()
    has_code: bool = False
    freshness: float = 1.0  # 1: appeared on the period's last day; 0: on its first of many


def trending_score(s: Signals, w: Weights = WEIGHTS) -> float:
    """The trending score of one paper's signals (pure)."""
    votes = max(s.upvotes or 0, 0) + w.like_votes * s.likes + 1
    boost = 1 + w.code * s.has_code + w.per_source * max(0, len(s.sources) - 1)
    return votes * boost * (1 - w.recency * (1 - s.freshness))


def reasons_of(s: Signals, appeared: str | None = None) -> list[str]:
    """Why a paper ranks where it does, in words."""
    out = []
    if s.upvotes is not None:
        out.append(f"{s.upvotes} upvote{'s' * (s.upvotes != 1)} on Hugging Face")
    if s.likes:
        out.append(f"liked by {s.likes} reader{'s' * (s.likes != 1)}")
    if s.has_code:
        out.append("code released")
    if len(s.sources) > 1:
        out.append(f"listed by {len(s.sources)} sources ({', '.join(s.sources)})")
    if appeared:
        out.append(f"appeared {appeared}")
    return out or ["new in this period"]


@dataclass
class TrendingEntry:
    pk: int
    paper: Paper
    score: float
    signals: Signals
    appeared: str  # the first day of the period the paper appeared on
    reasons: list[str] = field(default_factory=list)


@dataclass
class Trending:
    period: Period
    entries: list[TrendingEntry]
    empty_reason: str | None = None  # why there are no entries


# -- ranking ----------------------------------------------------------------------------

def _upvotes(paper: Paper) -> int | None:
    votes = [s.fields.get("upvotes") for s in paper.sources if s.source == HF_SOURCE]
    votes = [v for v in votes if isinstance(v, int) and not isinstance(v, bool)]
    return max(votes) if votes else None


def period_papers(store: Store, period: Period) -> dict[int, tuple[Paper, str]]:
    """{pk: (paper, first day it appeared in the period)}: the day a listing source showed
    it, or for papers no listing source showed, their date (undated: the day first seen)."""
    appeared = listed_between(store, period.start, period.end)
    dated = store.pks_matching(PaperQuery(since=period.start.isoformat(), until=period.end.isoformat()))
    pks = sorted(set(appeared) | dated)
    out = {}
    for pk, paper in zip(pks, store.papers_by_pk(pks)):
        if pk in appeared:
            out[pk] = (paper, appeared[pk])
        elif not any(s.source in LISTING_SOURCES for s in paper.sources):  # listed on another day
            out[pk] = (paper, (paper.date or "")[:10])
    return out


def rank_trending(store: Store, period: Period, limit: int | None = None,
                  now: datetime | None = None, weights: Weights = WEIGHTS) -> Trending:
    """The period's papers, best first; an empty period says why."""
    found = period_papers(store, period)
    likes = like_counts(store, list(found))
    entries = []
    for pk, (paper, appeared) in found.items():
        try:
            left = (period.end - date.fromisoformat(appeared)).days
        except ValueError:
            left = 0
        signals = Signals(
            upvotes=_upvotes(paper), likes=likes.get(pk, 0),
            sources=tuple(sorted({s.source for s in paper.sources})), has_code=has_code(paper),
            freshness=1.0 - left / period.days)
        entries.append(TrendingEntry(pk, paper, trending_score(signals, weights), signals, appeared,
                                     reasons_of(signals, appeared if period.is_week else None)))
    entries.sort(key=lambda e: (-e.score, -(e.signals.upvotes or 0), e.paper.display_title()))
    if limit is not None:
        entries = entries[:limit]
    return Trending(period, entries, None if entries else explain_empty(period, now))


# -- why a period is empty -----------------------------------------------------------------

def explain_empty(period: Period, now: datetime | None = None) -> str:
    """Why nothing is stored for a day or week: weekend, holiday, not out yet, or not fetched."""
    now = (now or datetime.now(UTC)).astimezone(EASTERN)
    if period.is_week:
        if period.start > now.date():
            return f"the week {period.label} has not started yet"
        last = min(period.end, now.date(), period.start + timedelta(days=4))
        return (f"nothing stored for the week {period.label} ({period.start} to {period.end}); "
                f"fetch it with: paperradar ingest hf:{period.start}..{last}")
    day = period.start
    fetch = f"fetch it with: paperradar ingest hf:{day}"
    if day.weekday() >= 5:
        monday = day + timedelta(days=7 - day.weekday())
        return (f"{day} is a {day:%A}: no listing that day. arXiv announces Sunday to Thursday at "
                f"{ANNOUNCE_HOUR}:00 ET for the weekday after, and Hugging Face Daily Papers has no "
                f"weekend pages; this weekend's papers come with Monday's listing "
                f"(paperradar trending --date {monday})")
    if (day.month, day.day) in HOLIDAYS:
        return (f"{day} is {HOLIDAYS[day.month, day.day]}: arXiv does not announce on holidays "
                f"(its schedule: {SCHEDULE_URL}); if Hugging Face listed papers, {fetch}")
    announced = datetime.combine(day - timedelta(days=1), time(ANNOUNCE_HOUR), EASTERN)
    if day > now.date() + timedelta(days=1):
        return f"{day} is in the future: its listing is not out yet"
    if now < announced:
        wait = announced.astimezone(UTC) - now.astimezone(UTC)
        hours, minutes = divmod(int(wait.total_seconds()) // 60, 60)
        return (f"the listing for {day} is not out yet: arXiv announces it at {ANNOUNCE_HOUR}:00 ET on "
                f"{announced:%A %Y-%m-%d} (in {hours} h {minutes:02d} min), and Hugging Face fills "
                f"its page during {day}")
    if day == now.date():
        return (f"nothing stored for today ({day}) yet: the listing is out and Hugging Face fills "
                f"its page during the day; {fetch} (or paperradar run)")
    return f"nothing stored for {day}; {fetch}"
