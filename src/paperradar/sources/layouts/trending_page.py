"""Trending-papers pages copied from the browser: title / abstract pairs.

Page chrome ('Subscribe', 'Upvote', '·') is skipped; a date line ('Mar 11',
'Mar 11, 2024', '11 March') dates the papers below it, the year inferred as
the most recent such day not after today; upvote counts and 'Submitted by'
lines go to the paper whose abstract comes next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Iterable, Iterator

from ..base import Item, Notice, Problem
from .text import Line, where
from .titled_entries import (Leftover, Marker, Stray, TitledEntry, Untitled, entry_paper,
                             read_titled_entries)

NAME = "trending-page"
DESCRIPTION = ("title / abstract pairs, optionally under date lines ('Mar 11') amid page "
               "chrome (a trending-papers page copied from the browser)")

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)([a-z]*)\.?"
_DATE_LINE = re.compile(
    r"(?i)^(?:(?:published|submitted|updated)(?:\s+on)?\s+)?(?:"
    rf"{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH})"
    r"(?:,?\s+(\d{4}))?$"
)
_ISO_DATE_LINE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTH_NUMBERS = {**{m: n for n, m in enumerate(_MONTHS, 1)},
                  **{m: n for n, m in enumerate(_FULL_MONTHS, 1)}, "sept": 9}
_HAS_DIGIT = re.compile(r"\d")

#: Page text of trending/daily-papers pages (compared in lower case).
_CHROME = {
    "new", "subscribe", "get trending papers in your email inbox!", "get trending papers",
    "byak and the research community", "by ak and the research community", "daily papers",
    "trending papers", "trending", "papers", "upvote", "upvoted", "sign up", "log in", "login",
    "search", "load more", "previous", "next", "·", "•", "|", "-", "—", "hugging face",
    "models", "datasets", "spaces", "posts", "docs", "pricing", "collections", "view all",
    "see all", "today", "this week", "this month", "all time", "submit", "submit paper",
    "submitted by", "comments", "share", "copied", "star", "stars", "github", "arxiv", "pdf",
}
#: Chrome words that say nothing about a page being a trending page.
_GENERIC_CHROME = {"new", "-", "|", "·", "•", "—", "next", "previous", "search", "share",
                   "pdf", "github", "arxiv", "star", "stars", "today"}
_COUNT_LINE = re.compile(r"(?i)^(?:[▲△⬆↑👍]\s*)?(\d{1,7})(?:\s+(upvotes?|likes?|votes?))?$")
_OTHER_CHROME = re.compile(r"(?i)^\d{1,7}\s+(?:comments?|authors?|replies|stars?|forks?)$")
_SUBMITTED_BY = re.compile(r"(?i)^submitted\s+by\s+(\S.{0,60})$")


@dataclass(frozen=True)
class ListedDate:
    raw: str
    iso: str | None  # None: looks like a date but is not one (Feb 30)


def recognise_date(text: str, today: date) -> ListedDate | None:
    """A date line ('Mar 11', '11 March 2024', '2024-03-11'), or None."""
    if len(text) > 40 or not _HAS_DIGIT.search(text):
        return None
    m = _DATE_LINE.match(text)
    if m:
        month = _month_number((m[1] or m[5]) + (m[2] or m[6] or ""))
        if month is None:
            return None
        day = int(m[3] or m[4])
        if m[7]:
            return ListedDate(text, _safe_date(int(m[7]), month, day))
        return ListedDate(text, _latest_before(month, day, today))
    m = _ISO_DATE_LINE.match(text)
    if m:
        return ListedDate(text, _safe_date(int(m[1]), int(m[2]), int(m[3])))
    return None


@lru_cache(maxsize=512)
def _latest_before(month: int, day: int, today: date) -> str | None:
    """The most recent month/day not after today, ISO; None for a day no year has."""
    for back in range(0, 9):  # 8 years back reaches a 29 February
        iso = _safe_date(today.year - back, month, day)
        if iso is not None and iso <= today.isoformat():
            return iso
    return None


def _month_number(word: str) -> int | None:
    return _MONTH_NUMBERS.get(word.lower())


def _safe_date(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


class _PageText:
    """Recognises the page's own lines; 'Submitted by' may put the name on the next line."""

    def __init__(self, today: date):
        self.today = today
        self.expect_submitter = False

    def __call__(self, line: Line):
        text = line.text
        if self.expect_submitter:
            self.expect_submitter = False
            if len(text) <= 40 and " " not in text:
                return ("submitter", text)
        low = text.lower()
        if low == "submitted by":
            self.expect_submitter = True
            return ("chrome", text)
        listed = recognise_date(text, self.today)
        if listed is not None:
            return ("date", listed)
        if len(text) > 80:
            return None
        m = _COUNT_LINE.match(text)
        if m:
            return ("upvotes", int(m[1]))
        m = _SUBMITTED_BY.match(text)
        if m:
            return ("submitter", m[1].strip())
        if low in _CHROME or _OTHER_CHROME.match(text):
            return ("chrome", text)
        return None


def is_page_marker(text: str, today: date) -> bool:
    """True for a date line or page text of a trending page (not for bare numbers)."""
    if len(text) > 80:
        return False
    low = text.lower()
    if low in _CHROME:
        return low not in _GENERIC_CHROME
    if low.startswith("submitted"):
        return _SUBMITTED_BY.match(text) is not None
    return recognise_date(text, today) is not None


def parse_trending_page(lines: Iterable[Line], origin: str,
                        today: date | None = None) -> Iterator[Item]:
    """Papers of a trending page, dated by the date line above them."""
    page_text = _PageText(today or date.today())
    listed: ListedDate | None = None
    pending: dict = {}
    preamble = 0
    papers = 0
    for event in read_titled_entries(lines, page_text, single_author_lines=False):
        if isinstance(event, Marker):
            kind, value = event.value
            if kind == "date":
                listed = value
                if value.iso is None:
                    yield Problem(where(origin, event.line), f"{value.raw!r} is not a date; "
                                  "the papers below it are left undated")
            elif kind in ("upvotes", "submitter"):
                pending[kind] = value
        elif isinstance(event, (TitledEntry, Stray)):
            strays = event.before_title if isinstance(event, TitledEntry) else [event.line]
            if papers == 0:
                preamble += len(strays)
            else:
                for line in strays:
                    yield Problem(where(origin, line), "a line with no abstract after it "
                                  "(a paper without an abstract, or unknown page text); skipped")
            if isinstance(event, Stray):
                continue
            yield _paper(event, listed, pending)
            pending = {}
            papers += 1
        elif isinstance(event, Untitled):
            yield Problem(where(origin, event.line), "an abstract with no title line before it; "
                          "skipped (put the title on the line above it)")
        elif isinstance(event, Leftover):
            if papers:
                yield Notice(f"ignored {len(event.lines)} line(s) of page text after the last "
                             f"paper (from line {event.lines[0].number})", origin)
            else:
                preamble += len(event.lines)
    if preamble:
        yield Notice(f"ignored {preamble} line(s) of page text before the first paper", origin)


def _paper(entry: TitledEntry, listed: ListedDate | None, pending: dict):
    paper = entry_paper(NAME, entry, date=listed.iso if listed else None)
    if listed is not None:
        paper.source_fields["listed"] = listed.raw
    paper.source_fields.update(pending)
    return paper
