"""arXiv's daily new-submissions feed, and arXiv record helpers the XML readers share.

The feed (``rss.arxiv.org/atom/cs.LG``, or its RSS 2.0 variant at
``rss.arxiv.org/rss/cs.LG``) lists one announcement: each entry has an
``arxiv:announce_type`` (new, cross, replace, replace-cross), a ``dc:creator``
author string and a summary starting ``arXiv:ID Announce Type: new Abstract:``
(the prefix is cut off the abstract). For new and cross-listed papers the
announcement date is the paper's date; a replacement carries no first-version
date, so its date is the year-month of its identifier.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Iterator
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo

from ..models import Author, Link, Paper
from ..normalize import (
    clean_space, latex_to_text, normalize_category, normalize_doi, parse_arxiv_id, parse_date,
)
from .base import Input, Item, Notice, Problem
from .xmlstream import Found, XmlBreak, all_text, local_name, root_name, stream_elements

SOURCE = "arxiv-new"
EASTERN = ZoneInfo("America/New_York")
#: arXiv announces Sunday to Thursday (Monday is 0) at 20:00 Eastern time.
ANNOUNCE_WEEKDAYS = (6, 0, 1, 2, 3)
ANNOUNCE_HOUR = 20
SCHEDULE_URL = "https://info.arxiv.org/help/availability.html"

_ANNOUNCE_PREFIX = re.compile(r"^\s*arXiv:\s*\S+\s+Announce Type:\s*([\w-]+)\s*(?:Abstract:\s*)?",
                              re.IGNORECASE)
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_NOT_NAMES = {"et al", "et al.", "others", ""}
_LEGEND_START = re.compile(r"^\(\s*\d+\s*\)")
_NUMBERS = re.compile(r"\d+(?:\s*(?:,|and|&)\s*\d+)*")


# ---- helpers shared with arxiv_atom and oai -------------------------------------------

def arxiv_links(arxiv_id: str, version: int | None) -> list[Link]:
    """The abstract page and the PDF of an arXiv paper."""
    suffix = f"v{version}" if version else ""
    return [Link(f"https://arxiv.org/abs/{arxiv_id}", "abstract"),
            Link(f"https://arxiv.org/pdf/{arxiv_id}{suffix}", "pdf")]


def id_month(arxiv_id: str | None) -> str | None:
    """'2508.13426' -> '2025-08', 'hep-th/9901001' -> '1999-01': the month the id was given."""
    m = re.search(r"(?:^|/)(\d{2})(\d{2})[.\d]", arxiv_id or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    yy = int(m.group(1))
    return f"{1900 + yy if yy >= 91 else 2000 + yy}-{m.group(2)}"


def split_authors(names: str | None) -> list[Author]:
    """An arXiv author string -> Authors: 'A. One (MIT), B. Two and C. Three'.

    Splits on top-level commas and ' and ', keeps '(...)' groups as
    affiliations (with the numbered '(1) MIT, (2) ETH' legend arXiv uses),
    joins 'Jr.' to the name before it and turns LaTeX accents to Unicode.
    """
    text = clean_space(names)
    if not text:
        return []
    people: list[tuple[str, list[str]]] = []
    legend: dict[str, str] = {}
    for part in _top_level_split(text):
        name, groups = _strip_groups(part)
        name = re.sub(r"^and\s+", "", name.strip())
        affiliations = []
        for group in groups:
            if _LEGEND_START.match(group):
                pairs = re.split(r"\(\s*(\d+)\s*\)", group)[1:]
                legend.update((n, a.strip(" ,;")) for n, a in zip(pairs[::2], pairs[1::2]))
            elif group:
                affiliations.append(group)
        if name.lower() in _SUFFIXES and people:
            people[-1] = (f"{people[-1][0]} {name}", people[-1][1] + affiliations)
        elif name.lower() not in _NOT_NAMES:
            people.append((name, affiliations))
    authors = []
    for name, groups in people:
        affiliations: list[str] = []
        for group in groups:
            numbers = re.findall(r"\d+", group) if _NUMBERS.fullmatch(group) else []
            if numbers and all(n in legend for n in numbers):
                affiliations += [legend[n] for n in numbers]
            elif not numbers:
                affiliations.append(latex_to_text(group) or group)
        authors.append(Author(clean_space(latex_to_text(name)) or name, affiliations))
    return authors


def _top_level_split(text: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth = max(0, depth - 1)
        elif depth == 0 and char == ",":
            parts.append(text[start:i])
            start = i + 1
        elif depth == 0 and text.startswith(" and ", i):
            parts.append(text[start:i])
            start, i = i + 5, i + 4
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _strip_groups(part: str) -> tuple[str, list[str]]:
    """'B. Two (1, 2) (ETH)' -> ('B. Two', ['1, 2', 'ETH']): top-level (...) only."""
    name, groups, depth, start = [], [], 0, 0
    for i, char in enumerate(part):
        if char == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(clean_space(part[start:i]) or "")
        elif depth == 0:
            name.append(char)
    return " ".join("".join(name).split()), groups


def broken_xml_page(content: bytes, items: list, unreadable: str | None,
                    roots: tuple[str, ...], what: str) -> str | None:
    """Why an XML page fetched with HTTP 200 is not whole, or None: it was unreadable,
    is not the document asked for (an HTML error page), or broke off part-way."""
    if unreadable:
        return f"was unreadable ({unreadable})"
    if root_name(content[:4096].decode("utf-8", "replace")) not in roots:
        return f"is no {what} (an error page?)"
    return "broke off" if any(isinstance(i, XmlBreak) for i in items) else None


# ---- the new-submissions feed ---------------------------------------------------------

def sniff_atom(head: str) -> bool:
    return root_name(head) == "feed" and ("announce_type" in head or "rss.arxiv.org" in head)


def sniff_rss(head: str) -> bool:
    return root_name(head) == "rss" and any(
        mark in head for mark in ("announce_type", "Announce Type", "rss.arxiv.org"))


def feed_items(inp: Input) -> Iterator[Item]:
    """Papers, Problems and Notices of a feed file, without the empty-feed notice."""
    for found in stream_elements(inp, {"entry", "item"}):
        if not isinstance(found, Found):
            yield found
            continue
        try:
            yield feed_entry_to_paper(found.element)
        except ValueError as exc:
            yield Problem(f"{inp.origin}:{found.line}", str(exc))


def parse_feed(inp: Input) -> Iterator[Item]:
    """A saved new-submissions feed (Atom or RSS 2.0) -> items."""
    count = 0
    for item in feed_items(inp):
        count += isinstance(item, Paper)
        yield item
    if not count:
        yield Notice("this arXiv new-submissions feed lists no papers (an empty day: "
                     "weekend, holiday, or before the 20:00 ET announcement)", inp.origin)


_FEED_KNOWN = {"id", "guid", "title", "link", "summary", "description", "category", "published",
               "pubDate", "updated", "announce_type", "rights", "creator", "DOI", "doi",
               "journal_reference", "journal_ref", "comment", "comments"}


def feed_entry_to_paper(elem: Element) -> Paper:
    """One Atom ``<entry>`` or RSS ``<item>`` of the feed -> Paper. ValueError if unusable."""
    fields: dict[str, list[Element]] = {}
    for sub in elem:
        fields.setdefault(local_name(sub.tag), []).append(sub)

    def text(*names: str) -> str | None:
        return next((t for n in names for e in fields.get(n, []) if (t := all_text(e))), None)

    link = next((e.get("href") or all_text(e) for e in fields.get("link", [])
                 if e.get("rel", "alternate") == "alternate"), None)
    raw_id = text("id", "guid") or link
    arxiv_id, version = parse_arxiv_id(raw_id)
    title = text("title")
    if not arxiv_id or not title:
        raise ValueError(f"feed entry {raw_id or '(no id)'} has no "
                         f"{'arXiv id' if not arxiv_id else 'title'}; skipped")
    summary = text("summary", "description") or ""
    m = _ANNOUNCE_PREFIX.match(summary)
    abstract = summary[m.end():] if m else summary
    announce_type = text("announce_type") or (m.group(1).lower() if m else None)
    announced = parse_date(text("published", "pubDate"))
    categories: list[str] = []
    for e in fields.get("category", []):
        cat = normalize_category(e.get("term") or all_text(e))
        if cat and cat not in categories:
            categories.append(cat)
    doi = normalize_doi(text("DOI", "doi"))
    authors = [a for e in fields.get("creator", []) for a in split_authors(all_text(e))]
    links = arxiv_links(arxiv_id, version)
    if link:
        links[0] = Link(link, "abstract")
    if doi:
        links.append(Link(f"https://doi.org/{doi}", "doi"))
    source_fields = {"announce_type": announce_type, "announced": announced}
    if text("rights"):
        source_fields["license"] = text("rights")
    replaced = (announce_type or "").startswith("replace") or (version or 1) > 1
    return Paper(
        title=title, abstract=abstract or None, authors=authors,
        date=id_month(arxiv_id) if replaced else announced, updated=announced,
        categories=categories, arxiv_id=arxiv_id, arxiv_version=version, doi=doi, links=links,
        comments=text("comments", "comment"), journal_ref=text("journal_reference", "journal_ref"),
        source=SOURCE, source_id=arxiv_id, source_fields=source_fields,
        extra={k: all_text(v[0]) for k, v in fields.items() if k not in _FEED_KNOWN},
    )


# ---- why a day is empty ---------------------------------------------------------------

def eastern_now() -> datetime:
    """The current time in New York, where arXiv's schedule is kept (tests replace this)."""
    return datetime.now(EASTERN)


def next_announcement(now: datetime) -> datetime:
    """The first announcement time (Sunday-Thursday 20:00 ET) after ``now``."""
    now = now.astimezone(EASTERN) if now.tzinfo else now.replace(tzinfo=EASTERN)
    base = now.replace(hour=ANNOUNCE_HOUR, minute=0, second=0, microsecond=0)
    for days in range(8):
        when = base + timedelta(days=days)
        if when > now and when.weekday() in ANNOUNCE_WEEKDAYS:
            return when
    raise AssertionError("arXiv announces every week")


def empty_day_reason(now: datetime) -> str:
    """Why the new-submissions feed is empty at ``now`` (an aware or New York time)."""
    now = now.astimezone(EASTERN) if now.tzinfo else now.replace(tzinfo=EASTERN)
    upcoming = next_announcement(now)
    # aware datetimes sharing a tzinfo subtract as wall time; UTC counts the DST hour
    wait = upcoming.astimezone(timezone.utc) - now.astimezone(timezone.utc)
    hours, rest = divmod(int(wait.total_seconds()) // 60, 60)
    day = {0: "today", 1: "tomorrow"}.get((upcoming.date() - now.date()).days, f"{upcoming:%A}")
    clock = (f"it is {now:%A %H:%M} ET; the next listing is announced {day} "
             f"at 20:00 ET, in {hours} h {rest:02d} min")
    weekday, evening = now.weekday(), now.hour >= ANNOUNCE_HOUR
    if (weekday == 4 and evening) or weekday == 5 or (weekday == 6 and not evening):
        return ("no new papers: weekend: arXiv does not announce on Fridays and Saturdays "
                f"({clock})")
    if weekday <= 4 and not evening:
        return f"no new papers yet: the next listing is not yet announced ({clock})"
    return ("no new papers although arXiv announced at 20:00 ET today: possibly a holiday "
            f"(arXiv's schedule lists them: {SCHEDULE_URL}), or nothing new in this "
            f"category ({clock})")
