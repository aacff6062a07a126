"""What the pages and the API show, computed once and shared by both: the
day's trending papers, search, for-you, the library, leaderboards.

Rankings come from paperradar.rank (imported when first used); the results are
kept in the app's memo while the store is unchanged (and for a short while when
it changes under a running ingest), so requests do not recompute them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..errors import InputError, PaperradarError
from ..store import PaperQuery
from ..store.base import Reader
from .features import feature
from .present import PaperCard, card, upvotes_of

log = logging.getLogger(__name__)

MAX_LIMIT = 200
#: How often the app looks for new vectors (from `paperradar index`) to search.
RECHECK_SECONDS = 300


def clamp_limit(limit: int | None, default: int = 30) -> int:
    return max(1, min(int(limit or default), MAX_LIMIT))


def revision(parts: Any) -> int:
    return parts.store.revision()


# -- today / trending ----------------------------------------------------------------------

@dataclass
class TodayView:
    label: str
    is_week: bool
    start: str
    end: str
    entries: list[PaperCard]
    total: int
    note: str | None = None
    prev: str | None = None  # query string of the previous day or week
    next: str | None = None
    week: str | None = None  # the week of a day, for the week view link
    day: str | None = None  # the first day of a week, for the day view link
    missing: str = ""  # trending is not installed: a plain listing by date instead
    html: str | None = None  # the rendered content, kept with the cached view


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def latest_day(parts: Any) -> date | None:
    def compute():
        found = feature("latest_day")
        if found.available:
            return found.fn(parts.store)
        newest = next(iter(parts.store.papers(PaperQuery(limit=1))), None)
        try:
            return date.fromisoformat((newest.date or "")[:10]) if newest else None
        except ValueError:
            return None
    return parts.memo.get(("latest_day",), revision(parts), compute)


def today_view(parts: Any, day: str | None = None, week: str | None = None,
               limit: int | None = None, offset: int = 0) -> TodayView:
    """The trending papers of a day (default: the latest with papers) or an ISO week."""
    from ..rank import trending as tr  # noqa: F401  (raises ImportError when absent)

    if week:
        period = tr.Period.week(week)
    else:
        the_day = tr.parse_day(day, "date") if day else latest_day(parts)
        if the_day is None:
            return TodayView("", False, "", "", [], 0, "nothing is stored yet: ingest papers first "
                             "(paperradar ingest hf:today, or paperradar run)")
        period = tr.Period.day(the_day)
    result = parts.memo.get(("trending", period.label), revision(parts),
                            lambda: tr.rank_trending(parts.store, period))
    limit = clamp_limit(limit, parts.settings.page_size)
    shown = result.entries[offset:offset + limit]
    entries = [card(e.paper, e.reasons, e.score) for e in shown]
    step = timedelta(days=7 if period.is_week else 1)
    if period.is_week:
        nav = {"prev": f"week={_iso_week(period.start - step)}", "next": f"week={_iso_week(period.start + step)}",
               "day": period.end.isoformat() if period.end <= date.today() else None}
    else:
        nav = {"prev": f"date={period.start - step}", "next": f"date={period.start + step}",
               "week": _iso_week(period.start)}
    return TodayView(period.label, period.is_week, period.start.isoformat(), period.end.isoformat(),
                     entries, len(result.entries), result.empty_reason, nav["prev"], nav["next"],
                     nav.get("week"), nav.get("day"))


def today_fallback(parts: Any, day: str | None, limit: int | None, offset: int, missing: str) -> TodayView:
    """Without the trending module: the day's papers by upvotes."""
    the_day = day or (str(latest_day(parts)) if latest_day(parts) else None)
    if not the_day:
        return TodayView("", False, "", "", [], 0, "nothing is stored yet", missing=missing)
    papers = list(parts.store.papers(PaperQuery(since=the_day, until=the_day)))
    papers.sort(key=lambda p: -(upvotes_of(p) or 0))
    limit = clamp_limit(limit, parts.settings.page_size)
    entries = [card(p) for p in papers[offset:offset + limit]]
    d = date.fromisoformat(the_day[:10])
    return TodayView(the_day, False, the_day, the_day, entries, len(papers),
                     None if papers else f"no papers dated {the_day} are stored",
                     f"date={d - timedelta(days=1)}", f"date={d + timedelta(days=1)}", missing=missing)


def today(parts: Any, day: str | None = None, week: str | None = None,
          limit: int | None = None, offset: int = 0) -> TodayView:
    """The Today page's content (the same for every reader: cached as a whole)."""
    return parts.memo.get(("today", day, week, limit, offset), revision(parts),
                          lambda: _today(parts, day, week, limit, offset))


def today_cached(parts: Any, day: str | None = None, week: str | None = None) -> TodayView | None:
    """The Today view when the cache has it (no computing), else None."""
    return parts.memo.peek(("today", day, week, None, 0), revision(parts))


def _today(parts: Any, day: str | None, week: str | None, limit: int | None, offset: int) -> TodayView:
    found = feature("trending")
    if not found.available:
        if week:
            raise InputError("week", found.missing)
        if day:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise InputError("date", f"{day!r} is not a date; write it like 2024-06-04") from None
        return today_fallback(parts, day, limit, offset, found.missing)
    return today_view(parts, day, week, limit, offset)


# -- search ----------------------------------------------------------------------------------

@dataclass
class SearchView:
    query: str
    mode: str
    hits: list[PaperCard] = field(default_factory=list)
    read_as: str | None = None
    note: str | None = None
    html: str | None = None  # the rendered results, kept with the cached view


def semantic_known(parts: Any) -> bool | None:
    """Whether semantic search is ready, when that was checked recently; else None."""
    if parts.semantic is not None and time.monotonic() - parts.semantic_checked < RECHECK_SECONDS:
        return parts.semantic
    return None


def semantic_ready(parts: Any) -> bool:
    """Whether semantic search can run here: the embedding model installed and
    vectors stored. Checked on first use and every RECHECK_SECONDS after (the
    vector index catches up with `paperradar index` then), never while another
    request is checking."""
    now = time.monotonic()
    if parts.semantic is not None and now - parts.semantic_checked < RECHECK_SECONDS:
        return parts.semantic
    if not parts.engine_lock.acquire(blocking=parts.semantic is None):
        return bool(parts.semantic)
    try:
        parts.engine.embedder  # noqa: B018  (loads the model; raises when not installed)
        parts.engine.sync_vectors()
        parts.semantic = len(parts.engine.vectors) > 0
    except PaperradarError as exc:
        log.info("semantic search off: %s", exc)
        parts.semantic = False
    finally:
        parts.semantic_checked = now
        parts.engine_lock.release()
    return parts.semantic


def search(parts: Any, q: str, mode: str | None, filters: PaperQuery, limit: int | None) -> SearchView:
    """Search results as cards; the same query asked again (as-you-type, back
    and forth) is answered from the cache while the store is unchanged."""
    q = (q or "").strip()
    if len(q) > 500:
        raise InputError("q", "a query may have at most 500 characters")
    return parts.searches.get((q, mode, filters, limit), revision(parts),
                              lambda: _search(parts, q, mode, filters, limit))


def search_cached(parts: Any, q: str, mode: str | None, filters: PaperQuery, limit: int | None) -> SearchView | None:
    """Search results when the cache has them (no searching), else None."""
    return parts.searches.peek(((q or "").strip(), mode, filters, limit), revision(parts))


def _search(parts: Any, q: str, mode: str | None, filters: PaperQuery, limit: int | None) -> SearchView:
    chosen = mode or ("hybrid" if semantic_ready(parts) else "keyword")
    view = SearchView(q, chosen)
    if not q:
        return view
    if chosen in ("hybrid", "semantic") and not semantic_ready(parts):
        if mode:
            view.note = "semantic search is not available here (no embedding model or no vectors); keyword results"
        chosen = view.mode = "keyword"
    results = parts.engine.search(q, mode=chosen, limit=clamp_limit(limit, 20), filters=filters)
    view.read_as = results.read_as
    view.hits = [card(h.paper, [f"{name}: {why.detail}" for name, why in h.retrievers.items() if why.detail],
                      h.score) for h in results.hits]
    return view


# -- for you and the library -----------------------------------------------------------------

@dataclass
class ForYouView:
    cards: list[PaperCard]
    note: str | None = None
    missing: str = ""


def library_version(parts: Any, reader: Reader) -> int:
    return parts.library_versions.get(reader.id, 0)


def library_changed(parts: Any, reader: Reader) -> None:
    """After a reader changed their library: their recommendations are recomputed."""
    parts.library_versions[reader.id] = parts.library_versions.get(reader.id, 0) + 1
    parts.memo.forget(lambda key: key[:2] == ("foryou", reader.id))


def for_you(parts: Any, reader: Reader, limit: int | None = None) -> ForYouView:
    found = feature("foryou")
    if not found.available:
        return ForYouView([], None, found.missing)
    limit = clamp_limit(limit, 20)

    def compute():
        with parts.engine_lock:  # ranking syncs the shared vector index
            return found.fn(parts.store, parts.store.reader(reader.name), limit=limit, engine=parts.engine)
    try:
        recs = parts.memo.get(("foryou", reader.id, limit),
                              (revision(parts), library_version(parts, reader)), compute)
    except PaperradarError as exc:  # no signal yet, no embedding model
        return ForYouView([], str(exc))
    return ForYouView([card(r.paper, list(r.reasons), r.score) for r in recs])


@dataclass
class LibraryRow:
    card: PaperCard
    rating: int
    saved: bool
    tags: list[str]


def library(parts: Any, reader: Reader, tag: str | None = None) -> list[LibraryRow]:
    entries = [e for e in parts.store.library(reader.id) if tag is None or tag in e.tags]
    papers = {e.pk: p for e, p in zip(entries, parts.store.papers_by_pk([e.pk for e in entries]))}
    rows = [LibraryRow(card(papers[e.pk]), e.rating, e.saved, e.tags) for e in reversed(entries)
            if e.pk in papers]
    return rows


def entry_of(parts: Any, reader: Reader | None, pk: int):
    """The reader's library entry for one paper (None when not in it, or no reader)."""
    if reader is None:
        return None
    return next((e for e in parts.store.library(reader.id) if e.pk == pk), None)
