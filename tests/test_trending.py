"""Trending on real Hugging Face Daily Papers days: ranking, reasons, weeks and empty days."""

from __future__ import annotations

import json
from datetime import date, datetime

import orjson
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, need
from web_helpers import location_of, module_backends, module_store

from paperradar.cli_publish import trending_command
from paperradar.errors import InputError
from paperradar.models import Link, Paper
from paperradar.pipeline import ingest
from paperradar.rank.trending import (
    EASTERN,
    Period,
    Signals,
    explain_empty,
    latest_day,
    rank_trending,
    trending_score,
)
from paperradar.rank.trending_queries import listing_day
from paperradar.store import open_store

WEEK_23 = ["2024-06-03", "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07"]


def day_file(day: str):
    return need(FIXTURES / "hf-daily" / f"{day}.json")


def listed(day: str) -> dict[str, int]:
    """arXiv id -> upvotes of the papers Hugging Face listed that day (from the raw file)."""
    return {it["paper"]["id"]: it["paper"]["upvotes"] for it in json.loads(day_file(day).read_text())}


@pytest.fixture(scope="module", params=module_backends(__name__))
def week_store(request, tmp_path_factory):
    """Hugging Face's days of 2024-W23 and the Monday after, on each backend."""
    with module_store(request, tmp_path_factory.mktemp("trend")) as store:
        ingest(store, [str(day_file(d)) for d in WEEK_23 + ["2024-06-10"]])
        yield store


def test_a_real_day_ranks_its_listed_papers_by_upvotes(week_store):
    result = rank_trending(week_store, Period.day(date(2024, 6, 4)))
    expected = listed("2024-06-04")
    assert {e.paper.arxiv_id for e in result.entries} == set(expected)
    top = result.entries[0]
    assert top.paper.arxiv_id == max(expected, key=expected.get) == "2406.01574"  # MMLU-Pro, 23 upvotes
    assert top.reasons == ["23 upvotes on Hugging Face"]
    # 2024 listings carry no code links and one source each: the order is the upvotes' order.
    votes = [e.signals.upvotes for e in result.entries]
    assert votes == sorted(votes, reverse=True) and votes == sorted(expected.values(), reverse=True)
    assert result.empty_reason is None


def test_a_week_gathers_its_days_and_prefers_late_papers_on_equal_votes(week_store):
    week = Period.week("2024-W23")
    assert (week.start, week.end, week.label) == (date(2024, 6, 3), date(2024, 6, 9), "2024-W23")
    result = rank_trending(week_store, week)
    expected = {pid for d in WEEK_23 for pid in listed(d)}
    assert {e.paper.arxiv_id for e in result.entries} == expected
    assert all("2024-06-03" <= e.appeared <= "2024-06-07" for e in result.entries)
    assert all(any(r.startswith("appeared ") for r in e.reasons) for e in result.entries)
    by_id = {e.paper.arxiv_id: e for e in result.entries}
    # Mamba-2 (27 upvotes, Monday) and Parrot (23, Thursday): recency narrows the gap.
    mamba, parrot = by_id["2405.21060"], by_id["2406.02539"]
    assert mamba.signals.upvotes > parrot.signals.upvotes
    assert mamba.score / parrot.score < mamba.signals.upvotes / parrot.signals.upvotes
    assert result.entries[0].score >= result.entries[-1].score
    with pytest.raises(InputError, match="ISO week"):
        Period.week("2024-W54")


def python_listing_days(store, first: str, last: str) -> dict[int, str]:
    """What ``store.listed_between`` should answer, from ``listing_day`` in Python."""
    found: dict[int, str] = {}
    for paper in store.papers():
        days = [d for seen in paper.sources if (d := listing_day(seen)) and first <= d <= last]
        if days:
            found[store.pk_of(paper.id)] = min(days)
    return found


def test_listing_days_in_sql_are_the_python_definition(week_store):
    """The store's SQL (SQLite's or PostgreSQL's) finds the days ``listing_day`` names."""
    for first, last in [("2024-06-04", "2024-06-04"), ("2024-06-03", "2024-06-09"), ("2024-06-08", "2024-06-08"),
                        ("2024-05-01", "2024-07-01")]:
        assert week_store.listed_between(first, last) == python_listing_days(week_store, first, last)
    # Many of these listings carry no submitted_on_daily_at: their day comes from the item time.
    seen = [s for p in week_store.papers() for s in p.sources]
    assert sum(s.fields.get("submitted_on_daily_at") is None for s in seen) >= 10
    assert latest_day(week_store, date(2024, 6, 30)) == date(2024, 6, 10)
    assert latest_day(week_store, date(2024, 6, 9)) == date(2024, 6, 7)
    assert latest_day(week_store, date(2023, 1, 1)) is None


def test_a_listing_day_from_the_item_time_alone(store):
    """Hugging Face items without ``submitted_on_daily_at``: the UTC day four hours
    after ``listed_at``, the same in SQL on each backend as in Python."""
    times = {"1": "2024-06-03T21:00:00.000Z", "2": "2024-06-03T19:59:59.999Z", "3": "2024-06-03T21:00:00-05:00",
             "4": "2024-06-03T17:30:00+01:00", "5": "2024-06-03T21:00:00", "6": "2024-06-03 23:15:00Z",
             "7": "not a time", "8": "2024-13-01T00:00:00Z", "9": "2024-06-02T10:00:00Z"}
    papers = [Paper(title=f"Item time case {k}", source="hf-daily", source_id=f"2406.9000{k}", arxiv_id=f"2406.9000{k}",
                    date="2024-05-31", source_fields={"listed_at": at, "upvotes": 1}) for k, at in times.items()]
    papers[-1].source_fields["submitted_on_daily_at"] = "2024-06-05T00:00:00.000Z"  # wins over the item time
    store.ingest_batch(papers)
    listed = store.listed_between("2024-06-01", "2024-06-30")
    found = {p.arxiv_id: listed[pk] for pk, p in zip(sorted(listed), store.papers_by_pk(sorted(listed)))}
    assert found == {"2406.90001": "2024-06-04", "2406.90002": "2024-06-03", "2406.90003": "2024-06-04",
                     "2406.90004": "2024-06-03", "2406.90005": "2024-06-04", "2406.90006": "2024-06-04",
                     "2406.90009": "2024-06-05"}
    assert store.listed_between("2024-06-01", "2024-06-30") == python_listing_days(store, "2024-06-01", "2024-06-30")
    assert latest_day(store, date(2024, 6, 30)) == date(2024, 6, 5)
    assert latest_day(store, date(2024, 6, 4)) == date(2024, 6, 4)


def test_both_backends_rank_the_real_days_alike(tmp_path, pg_url, monkeypatch):
    """The same hf-daily days on SQLite and PostgreSQL: the same ranks, days, scores and reasons."""
    from paperradar.store.sqlite import SQLiteStore

    monkeypatch.setenv("PAPERRADAR_DATA_DIR", str(tmp_path / "pg-artifacts"))
    days = [str(day_file(d)) for d in WEEK_23 + ["2024-06-10"]]
    lite, pg = SQLiteStore(tmp_path / "radar.db"), open_store(pg_url)
    try:
        for store in (lite, pg):
            ingest(store, days)
            store.rate(store.reader("ana").id, store.pk_of("2406.02539"), 1)

        def ranks(store, period):
            return [(e.paper.id, e.appeared, e.score, e.reasons) for e in rank_trending(store, period).entries]

        for period in (Period.day(date(2024, 6, 4)), Period.day(date(2024, 6, 10)), Period.week("2024-W23"),
                       Period.day(date(2024, 6, 8))):
            assert ranks(pg, period) == ranks(lite, period), period.label
        reasons = {pid: why for pid, _, _, why in ranks(pg, Period.week("2024-W23"))}
        assert "liked by 1 reader" in reasons[pg.get("2406.02539").id]  # the like counted (on both)
        assert latest_day(pg, date(2024, 6, 30)) == latest_day(lite, date(2024, 6, 30)) == date(2024, 6, 10)
    finally:
        lite.close()
        pg.close()


def test_weekend_day_is_explained_and_points_to_monday(week_store):
    result = rank_trending(week_store, Period.day(date(2024, 6, 8)))
    assert result.entries == []
    assert "Saturday" in result.empty_reason and "no weekend pages" in result.empty_reason
    assert "--date 2024-06-10" in result.empty_reason


def test_empty_days_say_not_out_yet_holiday_or_how_to_fetch():
    day = Period.day(date(2026, 11, 24))  # a Tuesday: announced Monday 20:00 ET
    before = datetime(2026, 11, 23, 15, 30, tzinfo=EASTERN)
    assert "not out yet" in explain_empty(day, before) and "in 4 h 30 min" in explain_empty(day, before)
    today_late = datetime(2026, 11, 24, 21, 0, tzinfo=EASTERN)
    assert "paperradar ingest hf:2026-11-24" in explain_empty(day, today_late)
    assert "today" in explain_empty(day, today_late)
    later = datetime(2026, 12, 1, 9, 0, tzinfo=EASTERN)
    assert explain_empty(day, later) == "nothing stored for 2026-11-24; fetch it with: paperradar ingest hf:2026-11-24"
    assert "Christmas" in explain_empty(Period.day(date(2025, 12, 25)), later)
    assert "future" in explain_empty(Period.day(date(2027, 1, 5)), later)
    assert "hf:2026-11-23..2026-11-27" in explain_empty(Period.week("2026-W48"), later)
    assert "not started" in explain_empty(Period.week("2027-W02"), later)


def test_own_signals_likes_code_and_sources_rank_and_explain(store):
    def paper(n: int, upvotes: int, **kw) -> Paper:
        return Paper(title=f"Paper number {n} on trending", abstract="An abstract.", date="2026-03-03",
                     source="hf-daily", source_id=f"2603.0000{n}", arxiv_id=f"2603.0000{n}",
                     source_fields={"upvotes": upvotes, "submitted_on_daily_at": "2026-03-04T00:00:00Z"}, **kw)

    store.ingest_batch([paper(1, 5), paper(2, 3), paper(3, 3, links=[Link("https://github.com/a/b", "code")])])
    store.ingest_batch([Paper(title="Paper number 3 on trending", arxiv_id="2603.00003", source="arxiv-new",
                              source_id="2603.00003", source_fields={"announced": "2026-03-04"})])
    liked = store.pk_of("2603.00002")
    for name in ("ana", "bo"):
        store.rate(store.reader(name).id, liked, 1)
    store.rate(store.reader("cy").id, store.pk_of("2603.00001"), -1)  # a dislike is not a like
    entries = rank_trending(store, Period.day(date(2026, 3, 4))).entries
    assert [e.paper.arxiv_id for e in entries] == ["2603.00002", "2603.00001", "2603.00003"]
    assert entries[0].reasons == ["3 upvotes on Hugging Face", "liked by 2 readers"]
    assert entries[2].reasons == ["3 upvotes on Hugging Face", "code released",
                                  "listed by 2 sources (arxiv-new, hf-daily)"]
    assert entries[2].score == pytest.approx(4 * 1.3)
    assert latest_day(store, date(2026, 3, 10)) == date(2026, 3, 4)


def test_score_is_pure_and_votes_dominate():
    assert trending_score(Signals(upvotes=10)) == 11
    assert trending_score(Signals(upvotes=10, has_code=True)) > trending_score(Signals(upvotes=10))
    assert trending_score(Signals(upvotes=40)) > trending_score(Signals(upvotes=30, has_code=True))
    assert trending_score(Signals(upvotes=None, likes=1)) > trending_score(Signals(upvotes=2))
    assert trending_score(Signals(upvotes=9, freshness=0.0)) < trending_score(Signals(upvotes=9, freshness=1.0))


def test_undated_pasted_papers_belong_to_the_day_they_were_seen(store):
    store.clock = lambda: "2026-05-05T08:00:00+00:00"
    store.ingest_batch([Paper(title="A pasted paper without a date", source="paste", source_id="")])
    assert [e.paper.title for e in rank_trending(store, Period.day(date(2026, 5, 5))).entries] == \
        ["A pasted paper without a date"]
    assert rank_trending(store, Period.day(date(2026, 5, 6))).entries == []


def test_trending_command_table_json_and_empty(week_store):
    run = CliRunner().invoke
    obj = {"db": location_of(week_store)}
    out = run(trending_command, ["--date", "2024-06-04", "--limit", "2", "--json"], obj=obj)
    rows = [orjson.loads(line) for line in out.output.splitlines()]
    assert out.exit_code == 0 and [r["rank"] for r in rows] == [1, 2]
    assert rows[0]["paper"]["arxiv_id"] == "2406.01574" and rows[0]["upvotes"] == 23
    assert rows[0]["why"] == ["23 upvotes on Hugging Face"]
    table = run(trending_command, ["--week", "2024-W23"], obj=obj)
    assert table.exit_code == 0 and "Trending 2024-W23" in table.output
    empty = run(trending_command, ["--date", "2024-06-09"], obj=obj)
    assert empty.exit_code == 0 and "Sunday" in empty.output
    bad = run(trending_command, ["--date", "June 4"], obj=obj)
    assert bad.exit_code == 1 and "not a date" in bad.output
    both = run(trending_command, ["--date", "2024-06-04", "--week", "2024-W23"], obj=obj)
    assert both.exit_code == 1 and "not both" in both.output
    latest = run(trending_command, ["--limit", "1", "--json"], obj=obj)  # default: latest day stored
    assert orjson.loads(latest.output.splitlines()[0])["appeared"] == "2024-06-10"
