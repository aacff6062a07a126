"""RSS 2.0 and Atom feeds per topic and per reader: valid for feedparser, stable ids,
links, dates, and escaped HTML descriptions."""

from __future__ import annotations

from datetime import date

import feedparser
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, need

from paperradar.cli_publish import digest_command
from paperradar.models import Author, Link, Paper
from paperradar.pipeline import ingest
from paperradar.publish.digest import build_digest
from paperradar.publish.render_feed import render_atom, render_rss
from paperradar.rank.trending import Period
from paperradar.store.sqlite import SQLiteStore

DAY = Period.day(date(2026, 6, 19))


@pytest.fixture(scope="module")
def day_store(tmp_path_factory):
    store = SQLiteStore(tmp_path_factory.mktemp("feeds") / "radar.db")
    ingest(store, [str(need(FIXTURES / "hf-daily" / "2026-06-19.json"))])
    yield store
    store.close()


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_feeds_of_a_real_day_parse_cleanly_with_ids_links_dates_and_html(day_store, render):
    digest = build_digest(day_store, DAY, limit=5, also=3)
    feed = feedparser.parse(render(digest, site_url="https://radar.example.org",
                                   feed_url="https://radar.example.org/feeds/trending.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("rss20" if render is render_rss else "atom10")
    assert feed.feed.title == "paperradar · Trending papers 2026-06-19"
    assert len(feed.entries) == 8
    first = feed.entries[0]
    assert first.title.startswith("Moebius: 0.2B") and first.link == "https://arxiv.org/abs/2606.19195"
    assert first.id == "urn:paperradar:paper:2606.19195"
    stamp = first.get("published_parsed") or first.get("updated_parsed")
    assert tuple(stamp[:3]) == (2026, 6, 19)
    html = first.content[0].value if "content" in first else first.description
    assert '<a href="https://github.com/hustvl/Moebius">' in html and "<b>TL;DR:</b>" in html
    assert len({e.id for e in feed.entries}) == 8 and all(e.link.startswith("https://") for e in feed.entries)


def test_feed_escapes_hostile_titles_and_survives_control_characters(store):
    store.ingest_batch([Paper(
        title="<script>alert(1)</script> $\\alpha$ & \x07bell\x0b", abstract="a < b ]]> c \x00",
        authors=[Author("A <a@x>")], date="2026-03-02", source="t", source_id="1",
        links=[Link("https://example.org/p?a=1&b=2", "abstract")])])
    digest = build_digest(store, Period.day(date(2026, 3, 2)))
    for text in (render_rss(digest), render_atom(digest)):
        assert "<script>" not in text and "\x07" not in text and "\x00" not in text
        feed = feedparser.parse(text)
        assert not feed.bozo, feed.get("bozo_exception")
        entry = feed.entries[0]
        assert entry.title == "<script>alert(1)</script> α & bell"
        assert entry.link == "https://example.org/p?a=1&b=2"
        assert entry.id.startswith("urn:paperradar:paper:")


def test_topic_and_reader_feeds_from_the_command_line(day_store):
    run = CliRunner().invoke
    obj = {"db": str(day_store.path)}
    topic = run(digest_command, ["--date", "2026-06-19", "--format", "atom", "--query", "image inpainting"], obj=obj)
    feed = feedparser.parse(topic.output)
    assert not feed.bozo and [e.link for e in feed.entries] == ["https://arxiv.org/abs/2606.19195"]
    assert feed.feed.title.endswith('· "image inpainting"')
    day_store.reader("ana")
    mine = run(digest_command, ["--date", "2026-06-19", "--format", "rss", "--reader", "ana", "--limit", "3",
                                "--also", "0"], obj=obj)
    feed = feedparser.parse(mine.stdout)
    assert not feed.bozo and len(feed.entries) == 3 and feed.feed.title.endswith("for ana")
    again = feedparser.parse(run(digest_command, ["--date", "2026-06-19", "--format", "rss", "--reader", "ana",
                                                  "--limit", "3", "--also", "0"], obj=obj).stdout)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]  # stable: readers never see repeats
    empty = feedparser.parse(run(digest_command, ["--date", "2026-06-20", "--format", "rss"], obj=obj).output)
    assert not empty.bozo and empty.entries == [] and "Trending papers 2026-06-20" in empty.feed.title


def test_render_digest_is_one_call_for_any_format(day_store):
    from paperradar.errors import InputError
    from paperradar.publish import render_digest

    feed = feedparser.parse(render_digest(day_store, DAY, "atom", limit=2, also=0))
    assert not feed.bozo and len(feed.entries) == 2
    assert render_digest(day_store, DAY, "md", limit=1).startswith("# paperradar")
    with pytest.raises(InputError):
        render_digest(day_store, DAY, "pdf")
