import json
from datetime import date, datetime

import httpx
import pytest
from conftest import FIXTURES, need

from paperradar.errors import InputError
from paperradar.models import Link, Paper
from paperradar.sources.base import Checkpoint, Input, Notice, Problem
from paperradar.sources.hf_daily import (
    FORMATS, days_of, empty_day_reason, fetch, hf_item_to_paper, parse, sniff,
)
from paperradar.sources.http import Http

HF = FIXTURES / "hf-daily"


def papers(items):
    return [i for i in items if isinstance(i, Paper)]


def problems(items):
    return [i for i in items if isinstance(i, Problem)]


def fixed_now(day: str):
    return lambda: datetime.fromisoformat(day + "T12:00:00+00:00")


# ------------------------------------------------------------------ files

def test_all_recorded_days_parse_without_problems():
    files = sorted(need(HF).glob("*.json"))
    assert len(files) == 513
    total = 0
    for path in files:
        inp = Input.from_path(path)
        assert sniff(inp.head_text()), path
        items = list(parse(inp))
        assert problems(items) == [], path
        expected = len(json.loads(path.read_text(encoding="utf-8")))
        got = papers(items)
        assert len(got) == expected
        assert all(p.title and p.arxiv_id and p.authors and p.date for p in got), path
        total += len(got)
    assert total == 8666


def test_rich_recent_item_fields():
    first = papers(parse(Input.from_path(need(HF / "2026-06-18.json"))))[0]
    assert first.source == "hf-daily"
    assert first.arxiv_id == first.source_id == "2606.19338"
    assert first.title.startswith("Beyond the Current Observation: Evaluating Multimodal")
    assert first.abstract.startswith("Deploying multimodal foundation models")
    assert first.authors[0].name == "Shengyuan Ding" and len(first.authors) == 7
    assert first.date == "2026-06-17"  # paper-level publishedAt (arXiv), not the listing
    f = first.source_fields
    assert f["listed_at"] == "2026-06-16T20:00:00.000Z"
    assert f["upvotes"] == 34
    assert f["num_comments"] == 4
    assert f["submitted_by"] == "ChrisDing1105"
    assert f["github_repo"] == "https://github.com/InternLM/RNGBench"
    assert f["github_stars"] == 1
    assert f["project_page"] == "https://internlm.github.io/RNGBench/"
    assert f["organization"] == "internlm"
    assert "RNG-Bench" in f["ai_keywords"] and len(f["ai_keywords"]) == 10
    assert f["ai_summary"].startswith("A new benchmark suite called RNG-Bench")
    assert f["submitted_on_daily_at"] == "2026-06-18T00:00:00.000Z"
    assert first.links == [
        Link("https://arxiv.org/abs/2606.19338", "abstract"),
        Link("https://arxiv.org/pdf/2606.19338", "pdf"),
        Link("https://github.com/InternLM/RNGBench", "code"),
        Link("https://internlm.github.io/RNGBench/", "project"),
        Link("https://huggingface.co/papers/2606.19338", "other"),
    ]
    assert first.extra["paper.ai_summary_model"] == "Qwen/Qwen2.5-Coder-32B-Instruct"
    assert first.extra["thumbnail"].endswith("2606.19338.png")


def test_old_item_fields():
    first = papers(parse(Input.from_path(need(HF / "2024-05-27.json"))))[0]
    assert first.arxiv_id == "2405.15738"
    # wrapped at 80 columns in the answer; whitespace collapsed here
    assert first.title == "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    assert "\n" not in first.abstract
    assert first.date == "2024-05-24"
    assert first.source_fields == {
        "upvotes": 32, "num_comments": 3, "listed_at": "2024-05-27T03:50:58.348Z",
    }
    assert [a.name for a in first.authors][:3] == ["Chunjiang Ge", "Sijie Cheng", "Ziming Wang"]
    assert [l.kind for l in first.links] == ["abstract", "pdf", "other"]


def test_paper_level_date_wins_over_listing_date():
    item = {
        "publishedAt": "2025-03-05T10:00:00.000Z",
        "title": "T",
        "paper": {"id": "2502.00001", "publishedAt": "2025-02-01T00:00:00.000Z",
                  "title": "A paper", "summary": "S", "authors": [], "upvotes": 1,
                  "submittedOnDailyBy": {"name": "someone"},
                  "ai_summary": "paper level", "organization": {"name": "org-p"}},
        "organization": {"name": "org-i"},
        "ai_keywords": ["item level"],
    }
    paper = hf_item_to_paper(item)
    assert paper.date == "2025-02-01"
    assert paper.source_fields["listed_at"] == "2025-03-05T10:00:00.000Z"
    assert paper.source_fields["submitted_by"] == "someone"
    assert paper.source_fields["ai_summary"] == "paper level"
    assert paper.source_fields["ai_keywords"] == ["item level"]
    assert paper.source_fields["organization"] == "org-p"


def test_sniff():
    assert sniff('[\n {\n  "paper": {"id": "1"}, "title": "x"}]')
    assert sniff('[{"title": {"paper": 1}, "paper": {}}, {')  # cut after the first item
    assert sniff('[{"paper": {"id": "2606.19338", "title": "cut off')  # first item cut off
    assert not sniff('[{"title": {"paper": 1}}]')  # "paper" only nested
    assert not sniff('{"paper": {}}')
    assert not sniff("[]")
    assert not sniff("@article{x, title={paper}}")
    assert FORMATS[0].name == "hf-daily"


def test_malformed_items_become_problems_and_the_rest_import():
    good = json.loads((need(HF / "2024-05-27.json")).read_text(encoding="utf-8"))[:2]
    data = [good[0], {"title": "no paper"}, 42, {"paper": {"title": "no id"}}, good[1]]
    items = list(parse(Input.from_bytes(json.dumps(data, indent=1).encode(), "day.json")))
    assert len(papers(items)) == 2
    msgs = [p.message for p in problems(items)]
    assert msgs == ['item has no "paper" object', "item is a JSON int, not an object",
                    'item\'s paper has no "id"']
    assert problems(items)[0].where.startswith("day.json:")


def test_bad_json_keeps_items_before_the_break():
    good = json.loads((need(HF / "2024-05-27.json")).read_text(encoding="utf-8"))[:3]
    text = json.dumps(good, indent=1)
    cut = text[: text.index('"paper"', text.index('"paper"', text.index('"paper"') + 1) + 1) + 40]
    items = list(parse(Input.from_bytes(cut.encode(), "cut.json")))
    assert len(papers(items)) == 2
    (problem,) = problems(items)
    assert "bad JSON in item 3" in problem.message
    assert problem.where.startswith("cut.json:")


def test_not_an_array_is_an_input_error():
    with pytest.raises(InputError):
        list(parse(Input.from_bytes(b'{"paper": 1}', "x.json")))


def test_empty_file_answer_gives_notice():
    items = list(parse(Input.from_bytes(b"[]", "empty.json")))
    assert len(items) == 1 and isinstance(items[0], Notice)


# ----------------------------------------------------------------- online

def serve(routes, calls):
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        assert request.url.host == "huggingface.co"
        assert request.url.path == "/api/daily_papers"
        reply = routes[request.url.params["date"]]
        if callable(reply):
            return reply(request)
        return httpx.Response(200, content=reply, headers={"Content-Type": "application/json"})

    return Http(transport=httpx.MockTransport(handler), sleep=lambda s: None)


def fixture_bytes(day):
    return (need(HF / f"{day}.json")).read_bytes()


def test_online_one_day():
    calls = []
    http = serve({"2026-06-18": fixture_bytes("2026-06-18")}, calls)
    items = list(fetch("2026-06-18", http, None, now=fixed_now("2026-06-25")))
    expected = len(json.loads(fixture_bytes("2026-06-18")))
    assert len(papers(items)) == expected
    assert len(calls) == 1
    assert calls[0].url.params["date"] == "2026-06-18"
    assert items[-1] == Checkpoint("hf:2026-06-18", "2026-06-18")
    assert papers(items)[0].source_fields["upvotes"] == 34


def test_online_range_one_request_per_day_and_resume():
    days = ["2026-06-15", "2026-06-16", "2026-06-17", "2026-06-18"]
    calls = []
    http = serve({d: fixture_bytes(d) for d in days}, calls)
    arg = "2026-06-15..2026-06-18"
    items = list(fetch(arg, http, None, now=fixed_now("2026-06-25")))
    assert [c.url.params["date"] for c in calls] == days
    assert len(papers(items)) == sum(len(json.loads(fixture_bytes(d))) for d in days)
    assert [c.state for c in items if isinstance(c, Checkpoint)] == days
    calls.clear()
    list(fetch(arg, http, "2026-06-16", now=fixed_now("2026-06-25")))
    assert [c.url.params["date"] for c in calls] == days[2:]


def test_online_today_and_empty_day_notices():
    calls = []
    http = serve({"2026-06-19": b"[]", "2026-06-20": b"[]", "2026-06-22": b"[]"}, calls)
    items = list(fetch("today", http, None, now=fixed_now("2026-06-22")))  # a Monday
    (notice,) = [i for i in items if isinstance(i, Notice)]
    assert "not yet listed" in notice.message and notice.where == "hf:2026-06-22"
    assert not [i for i in items if isinstance(i, Checkpoint)]  # today may still fill
    items = list(fetch("2026-06-19..2026-06-20", http, None, now=fixed_now("2026-06-22")))
    notices = [i.message for i in items if isinstance(i, Notice)]
    assert notices == ["no papers listed that day (2026-06-19)",
                       "2026-06-20 is a Saturday: Hugging Face lists few or no papers at weekends"]


def test_empty_day_reasons():
    today = date(2026, 11, 20)  # a Friday
    assert "future" in empty_day_reason(date(2026, 11, 23), today)
    assert "weekend" in empty_day_reason(date(2026, 11, 15), today)
    assert "not yet listed" in empty_day_reason(today, today)
    assert empty_day_reason(date(2026, 11, 18), today) == "no papers listed that day (2026-11-18)"


def test_retry_after_429_then_200():
    calls, sleeps = [], []
    attempts = iter([httpx.Response(429, headers={"Retry-After": "7"}),
                     httpx.Response(200, content=fixture_bytes("2024-05-27"))])
    def handler(request):
        calls.append(request)
        return next(attempts)
    http = Http(transport=httpx.MockTransport(handler), sleep=sleeps.append)
    items = list(fetch("2024-05-27", http, None, now=fixed_now("2026-01-01")))
    assert len(calls) == 2
    assert 7.0 in sleeps
    assert len(papers(items)) == 13 and not problems(items)


def test_http_error_and_non_json_answers_are_problems():
    calls = []
    http = serve({
        "2026-06-15": lambda r: httpx.Response(404, text="Not found"),
        "2026-06-16": lambda r: httpx.Response(200, text="<html>oops</html>"),
        "2026-06-17": lambda r: httpx.Response(200, json={"error": "x"}),
        "2026-06-18": fixture_bytes("2026-06-18"),
    }, calls)
    items = list(fetch("2026-06-15..2026-06-18", http, None, now=fixed_now("2026-06-25")))
    msgs = [p.message for p in problems(items)]
    assert "HTTP 404" in msgs[0] and "not JSON" in msgs[1] and "JSON array" in msgs[2]
    assert len(papers(items)) == len(json.loads(fixture_bytes("2026-06-18")))


def test_full_page_asks_for_the_next_page():
    base = json.loads(fixture_bytes("2026-06-18"))[0]
    def item(n):
        it = json.loads(json.dumps(base))
        it["paper"]["id"] = f"2606.{n:05d}"
        return it
    pages = {None: [item(n) for n in range(100)], "1": [item(n) for n in range(100, 130)]}
    calls = []
    def handler(request):
        calls.append(request)
        assert request.url.params["limit"] == "100"
        return httpx.Response(200, json=pages[request.url.params.get("p")])
    http = Http(transport=httpx.MockTransport(handler), sleep=lambda s: None)
    got = papers(fetch("2026-06-18", http, None, now=fixed_now("2026-06-25")))
    assert len(got) == 130 and len(calls) == 2


def test_bad_arguments():
    today = date(2026, 11, 20)
    assert days_of("2026-11-16..2026-11-20", today)[-1] == today
    assert days_of("2026-11-19..today", today) == [date(2026, 11, 19), today]
    for bad in ("yesterday", "2026-11-20..2026-11-16", "2026-13-01", "2000-01-01..2026-01-01"):
        with pytest.raises(InputError):
            days_of(bad, today)
