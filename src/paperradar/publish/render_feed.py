"""RSS 2.0 and Atom feeds of a digest: per topic (a saved query or a category) or per reader.

Each item has a stable id (``urn:paperradar:paper:<id>``, the same in every feed
and every run, so feed readers never show a paper twice), a link (the abstract
page, else the first link), a date (the day the paper appeared), and the
entry as escaped HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

from .digest import Digest, EntryView
from .env import markup_env, xml_safe
from .latex import to_plain
from .render_html import render_entry_html

DEFAULT_SITE = "https://arxiv.org/"
MAX_AUTHOR_CHARS = 200


@dataclass
class FeedItem:
    title: str
    link: str
    guid: str
    when: datetime
    html: str
    summary: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    @property
    def date_822(self) -> str:
        return format_datetime(self.when, usegmt=True)

    @property
    def date_3339(self) -> str:
        return self.when.isoformat().replace("+00:00", "Z")


@dataclass
class FeedView:
    id: str
    title: str
    description: str
    site_url: str
    feed_url: str | None
    language: str
    updated: datetime
    items: list[FeedItem]

    @property
    def updated_822(self) -> str:
        return format_datetime(self.updated, usegmt=True)

    @property
    def updated_3339(self) -> str:
        return self.updated.isoformat().replace("+00:00", "Z")


def paper_urn(paper_id: str | None, pk: int) -> str:
    return f"urn:paperradar:paper:{quote(paper_id or str(pk), safe='.-_~')}"


def _author(name: str) -> str:
    """A name for an Atom ``<author>``: one line, clipped (feedparser's author regex takes
    seconds per kilobyte, so a 50,000-character name would stall a reader for minutes)."""
    return " ".join(xml_safe(name).split())[:MAX_AUTHOR_CHARS]


def _day_of(entry: EntryView, fallback: datetime) -> datetime:
    for text in (entry.day, entry.paper.date):
        try:
            day = datetime.fromisoformat((text or "")[:10])
        except ValueError:
            continue
        return day.replace(tzinfo=UTC)
    return fallback


def feed_view(digest: Digest, site_url: str | None = None, feed_url: str | None = None) -> FeedView:
    """The digest's entries and "also worth a look" papers as feed items, best first."""
    site = site_url or DEFAULT_SITE
    items = []
    for entry in digest.entries + digest.also:
        title = to_plain(entry.title) + (f" / {to_plain(entry.alt_title)}" if entry.alt_title else "")
        if entry.tag:
            title = f"[{entry.tag}] {title}"
        summary = next((text for _, text in entry.summaries), "")
        items.append(FeedItem(
            title=" ".join(xml_safe(title).split()),  # one line: readers show it as a headline
            link=entry.link("abstract") or (entry.links[0][2] if entry.links else site),
            guid=paper_urn(entry.paper.id, entry.pk), when=_day_of(entry, digest.generated),
            html=str(render_entry_html(entry, digest.language)), summary=xml_safe(to_plain(summary)),
            authors=[_author(a) for a in entry.authors if a != "et al."][:10],
            categories=list(entry.paper.categories)))
    key = quote(f"{digest.topic or digest.reader or 'trending'}", safe="")
    return FeedView(
        id=f"urn:paperradar:feed:{key}", title=xml_safe(digest.title),
        description=xml_safe(digest.labels["ranked_foryou" if digest.ranking == "for you" else "ranked_trending"]),
        site_url=site, feed_url=feed_url, language="zh" if digest.language == "zh" else "en",
        updated=digest.generated.astimezone(UTC).replace(microsecond=0), items=items)


def render_rss(digest: Digest, site_url: str | None = None, feed_url: str | None = None) -> str:
    """The digest as an RSS 2.0 document."""
    return markup_env().get_template("feed.rss.xml").render(f=feed_view(digest, site_url, feed_url))


def render_atom(digest: Digest, site_url: str | None = None, feed_url: str | None = None) -> str:
    """The digest as an Atom 1.0 document."""
    return markup_env().get_template("feed.atom.xml").render(f=feed_view(digest, site_url, feed_url))
