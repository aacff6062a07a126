"""arXiv's Atom: query API answers, the new-submissions feed, and both online sources.

* ``arxiv:QUERY`` asks the query API (``export.arxiv.org/api/query``) for the
  newest papers matching an arXiv search query (``cat:cs.LG AND ti:diffusion``),
  100 a page, 200 at most by default; ``arxiv:id:1706.03762,2106.08254`` asks
  for papers by id.
* ``arxiv-new:cs.LG`` (``cs.LG+cs.CL`` for several) reads today's announcement
  from ``rss.arxiv.org``; an empty day is explained (see ``arxiv_feeds``).

A saved API answer or feed is read as a file format. The API reports a bad
query as an error entry (``arxiv.org/api/errors#...``), also with HTTP 400:
that becomes a Problem (files) or a SourceError (online), never a paper.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, NamedTuple
from xml.etree.ElementTree import Element

import httpx

from ..errors import InputError, SourceError
from ..models import Author, Link, Paper
from ..normalize import latex_to_text, normalize_category, normalize_doi, parse_arxiv_id, parse_date
from . import arxiv_feeds
from .arxiv_feeds import (
    arxiv_links, broken_xml_page, feed_items, parse_feed, sniff_atom, sniff_rss,
)
from .base import FileFormat, Input, Item, Notice, OnlineSource, Problem
from .http import broken_page_error, get_whole_page
from .xmlstream import (
    Found, all_text, child, child_text, children, local_name, root_name, stream_elements,
)

log = logging.getLogger(__name__)

SOURCE = "arxiv-api"
API_URL = "https://export.arxiv.org/api/query"
FEED_URL = "https://rss.arxiv.org/atom/{categories}"
PAGE_SIZE = 100
#: How many papers ``arxiv:QUERY`` fetches unless told otherwise.
DEFAULT_LIMIT = 200
#: Times an empty page in the middle of the results is asked for before paging stops.
EMPTY_PAGE_ATTEMPTS = 3

_API_KNOWN = {"id", "title", "updated", "link", "summary", "category", "published", "comment",
              "primary_category", "journal_ref", "author", "doi"}


@dataclass(frozen=True)
class ApiError:
    """An error entry of the query API: the query was refused."""

    message: str
    line: int


@dataclass(frozen=True)
class _Summary:
    """Comes last from ``_api_answer``: totalResults and the entries read."""

    total: int | None
    entries: int


def sniff_api(head: str) -> bool:
    return root_name(head) == "feed" and (
        "arxiv.org/api" in head or ("opensearch" in head and "arxiv.org/schemas/atom" in head))


def api_entry_to_paper(elem: Element) -> Paper:
    """One ``<entry>`` of a query API answer -> Paper. ValueError if unusable."""
    raw_id = child_text(elem, "id")
    arxiv_id, version = parse_arxiv_id(raw_id)
    title = child_text(elem, "title")
    if not arxiv_id or not title:
        raise ValueError(f"API entry {raw_id or '(no id)'} has no "
                         f"{'arXiv id' if not arxiv_id else 'title'}; skipped")
    authors = []
    for author in children(elem, "author"):
        name = all_text(child(author, "name"))
        if name:
            affiliations = [a for e in children(author, "affiliation") if (a := all_text(e))]
            authors.append(Author(latex_to_text(name) or name, affiliations))
    primary = child(elem, "primary_category")
    terms = ([primary.get("term")] if primary is not None else []) + [
        e.get("term") for e in children(elem, "category")]
    categories: list[str] = []
    other_classes: list[str] = []
    for term in filter(None, terms):
        cat = normalize_category(term)
        target, value = (categories, cat) if cat else (other_classes, term.strip())
        if value not in target:
            target.append(value)
    links = [_api_link(e) for e in children(elem, "link") if e.get("href")] or arxiv_links(
        arxiv_id, version)
    source_fields: dict[str, Any] = {"other_classes": other_classes} if other_classes else {}
    return Paper(
        title=title, abstract=child_text(elem, "summary"), authors=authors,
        date=parse_date(child_text(elem, "published")),
        updated=parse_date(child_text(elem, "updated")), categories=categories,
        arxiv_id=arxiv_id, arxiv_version=version, doi=normalize_doi(child_text(elem, "doi")),
        links=links, comments=child_text(elem, "comment"),
        journal_ref=child_text(elem, "journal_ref"), source=SOURCE, source_id=arxiv_id,
        source_fields=source_fields,
        extra={local_name(e.tag): all_text(e) for e in elem if local_name(e.tag) not in _API_KNOWN},
    )


def _api_link(elem: Element) -> Link:
    href, title = elem.get("href", ""), elem.get("title")
    if title in ("pdf", "doi"):
        return Link(href, title)
    return Link(href, "abstract" if elem.get("rel") == "alternate" else "other")


def _api_answer(inp: Input) -> Iterator[Item | ApiError | _Summary]:
    total, entries = None, 0
    for found in stream_elements(inp, {"entry", "totalResults"}):
        if not isinstance(found, Found):
            yield found
        elif local_name(found.element.tag) == "totalResults":
            text = all_text(found.element) or ""
            total = int(text) if text.isdecimal() else None  # '1³'.isdigit(), yet int() refuses it
        elif "/api/errors" in (child_text(found.element, "id") or ""):
            yield ApiError(child_text(found.element, "summary") or "unknown error", found.line)
        else:
            entries += 1
            try:
                yield api_entry_to_paper(found.element)
            except ValueError as exc:
                yield Problem(f"{inp.origin}:{found.line}", str(exc))
    yield _Summary(total, entries)


def parse_api(inp: Input) -> Iterator[Item]:
    """A saved query API answer -> items; an error entry becomes a Problem."""
    for item in _api_answer(inp):
        if isinstance(item, ApiError):
            yield Problem(f"{inp.origin}:{item.line}",
                          f"the arXiv API refused the query: {item.message}")
        elif isinstance(item, _Summary):
            if item.total == 0:
                yield Notice("this arXiv API answer found no papers (totalResults 0)", inp.origin)
        else:
            yield item


def fetch_query(arg: str, http, resume_state: Any = None, *,
                limit: int = DEFAULT_LIMIT) -> Iterator[Item]:
    """``arxiv:QUERY``: the newest ``limit`` papers matching QUERY, or ``arxiv:id:ID,ID``."""
    query = arg.strip()
    where = f"arxiv:{arg}"
    if query.lower().startswith("id:"):
        ids = [i.strip() for i in query[3:].split(",") if i.strip()]
        bad = [i for i in ids if parse_arxiv_id(i)[0] is None]
        if not ids or bad:
            raise InputError(where, f"not arXiv ids: {', '.join(bad) or '(none given)'}; "
                                    "write arxiv:id:1706.03762,2106.08254v2")
        for start in range(0, len(ids), PAGE_SIZE):
            chunk = ids[start:start + PAGE_SIZE]
            params = {"id_list": ",".join(chunk), "start": 0, "max_results": len(chunk)}
            yield from _api_page(http, params, where).items_or_raise(where)
        return
    if not query:
        raise InputError(where, "no query given; write arxiv:cat:cs.LG or "
                                "arxiv:ti:diffusion AND cat:cs.CV")
    start, yielded, expected, restarted, empty_tries = 0, 0, None, False, 0
    while start < limit:
        params = {"search_query": query, "start": start,
                  "max_results": min(PAGE_SIZE, limit - start),
                  "sortBy": "submittedDate", "sortOrder": "descending"}
        page = _api_page(http, params, where)
        entries, total = page.entries, page.total
        if start and entries and total != expected and not restarted:
            # the results moved under the offsets (arXiv's daily update): what was
            # at ``start`` may now be before it; page again rather than skip any
            yield Notice(f"the arXiv API's results changed while paging ({expected} -> "
                         f"{total}); paging again from the start so that none is missed",
                         where)
            start, yielded, expected, restarted = 0, 0, None, True
            continue
        if entries or expected is None:  # an empty page's count is not to be trusted
            expected = total
        log.info("%s: %d entries from %d of %s", where, entries, start, expected)
        for item in page.items_or_raise(where):
            if isinstance(item, Paper):
                if yielded >= limit:
                    continue
                yielded += 1
            yield item
        if entries == 0:
            if start == 0:
                yield Notice(f"the arXiv API found no papers for {query!r}", where)
            elif expected is not None and start < expected:
                empty_tries += 1
                if empty_tries < EMPTY_PAGE_ATTEMPTS:  # it does this at times; the next try is often whole
                    log.warning("%s: an empty page at %d of %d results; asking again (%d of %d)",
                                where, start, expected, empty_tries + 1, EMPTY_PAGE_ATTEMPTS)
                    continue
                yield Notice(f"the arXiv API returned an empty page at {start} of {expected} "
                             f"results, {EMPTY_PAGE_ATTEMPTS} times; stopping here (run again later)",
                             where)
            return
        empty_tries = 0
        start += entries
        if expected is not None and start >= expected:
            return


class _ApiPage(NamedTuple):
    """One API answer read: its items, entries, totalResults, and why it is not whole."""

    items: list[Item]
    entries: int
    total: int | None
    broken: str | None
    url: str

    def items_or_raise(self, where: str) -> Iterator[Item]:
        """The page's items; after those of a page that stayed broken, SourceError."""
        yield from self.items
        if self.broken is not None:
            raise broken_page_error(where, self.url, self.broken)


def _api_page(http, params: dict, where: str) -> _ApiPage:
    """One API request, asked again while broken; SourceError at once if refused (4xx)."""
    def read(response: httpx.Response) -> tuple[_ApiPage, str | None]:
        items: list[Item] = []
        summary, unreadable = _Summary(None, 0), None
        try:
            for item in _api_answer(Input.from_bytes(response.content, str(response.url))):
                if isinstance(item, ApiError):
                    raise SourceError(f"{where}: the arXiv API refused the query: {item.message}")
                if isinstance(item, _Summary):
                    summary = item
                else:
                    items.append(item)
        except InputError as exc:
            unreadable = exc.message
        if response.status_code != 200:
            raise SourceError(f"{where}: the arXiv API answered HTTP {response.status_code} "
                              f"({response.url})")
        broken = broken_xml_page(response.content, items, unreadable, ("feed",),
                                 "arXiv API answer") or (
            "has no totalResults" if summary.total is None else None)
        return _ApiPage(items, summary.entries, summary.total, broken, str(response.url)), broken

    return get_whole_page(http, API_URL, params, read)[0]


def fetch_new(arg: str, http, resume_state: Any = None, *,
              now: datetime | None = None) -> Iterator[Item]:
    """``arxiv-new:cs.LG+cs.CL``: the latest announcement of these categories."""
    where = f"arxiv-new:{arg}"
    parts = [p.strip() for p in arg.split("+") if p.strip()]
    categories = [normalize_category(p) for p in parts]  # 'cs', 'cs.LG', or 'LG' for cs.LG
    if not parts or None in categories:
        raise InputError(where, "name arXiv categories joined with '+', "
                                "e.g. arxiv-new:cs.LG or arxiv-new:cs.CL+cs.LG")
    url = FEED_URL.format(categories="+".join(categories))

    def read(response: httpx.Response) -> tuple[list[Item], str | None]:
        if response.status_code != 200:
            raise SourceError(f"{where}: rss.arxiv.org answered HTTP {response.status_code} "
                              f"({url})")
        items, unreadable = [], None
        try:
            items = list(feed_items(Input.from_bytes(response.content, url)))
        except InputError as exc:
            unreadable = exc.message
        # an HTML error page must not pass for an empty day
        return items, broken_xml_page(response.content, items, unreadable, ("feed", "rss"),
                                      "arXiv feed")

    items, broken, _ = get_whole_page(http, url, None, read)
    count = 0
    for item in items:
        count += isinstance(item, Paper)
        yield item
    if broken:
        raise broken_page_error(where, url, broken)
    if not count:
        yield Notice(arxiv_feeds.empty_day_reason(now or arxiv_feeds.eastern_now()), where)


FORMATS = [
    FileFormat("arxiv-new", "arXiv new-submissions Atom feed (rss.arxiv.org/atom/...)",
               sniff_atom, parse_feed, priority=20),
    FileFormat("arxiv-new-rss", "arXiv new-submissions RSS 2.0 feed (rss.arxiv.org/rss/...)",
               sniff_rss, parse_feed, priority=20),
    FileFormat("arxiv-api", "arXiv query API answer (export.arxiv.org/api/query Atom)",
               sniff_api, parse_api, priority=21),
]

SOURCES = [
    OnlineSource("arxiv", "arXiv query API: the newest papers matching a search query "
                          f"({DEFAULT_LIMIT} at most), or papers by id",
                 "arxiv:cat:cs.LG AND ti:diffusion", fetch_query),
    OnlineSource("arxiv-new", "the latest announcement of new arXiv papers in categories",
                 "arxiv-new:cs.LG", fetch_new),
]
