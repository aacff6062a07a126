"""The translate enricher: skipped with a reason when not configured, source
translations kept and never re-requested, Chinese papers translated to
English, per-(text, language, backend) caching, failures retried."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from conftest import SEEDS, need
from test_enrich_backend import SECRET, FakeLLM, no_llm_env, no_sleep  # noqa: F401  (fixture)

from paperradar.enrich import EnrichContext, run_enrichers
from paperradar.enrich.backend import OpenAICompatibleBackend
from paperradar.enrich.translate import (
    TranslateEnricher,
    configured_languages,
    targets_for,
    text_language,
)
from paperradar.models import Paper
from paperradar.pipeline import ingest


def seed(prefix: str) -> str:
    return str(need(next(SEEDS.glob(f"{prefix}_*.txt"), SEEDS / f"{prefix}_missing.txt")))


def prompt_text(request: dict) -> str:
    return request["body"]["messages"][-1]["content"]


def fake_translation(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    target = prompt.split(" into ")[1].split(".")[0]
    text = prompt.split("\n\n", 1)[1]
    return f"Translation: [{target}] {text[:40]}"


@pytest.fixture
def fake_llm():
    server = FakeLLM()
    server.answer = fake_translation
    yield server
    server.close()


@pytest.fixture
def digest_and_listing(store):
    """The bilingual digest (9 papers carrying Chinese titles, 5 with summaries)
    and the English keyword listing (6 papers)."""
    ingest(store, [seed("001"), seed("002")])
    return store


@pytest.fixture
def chinese_only(tmp_path):
    """A paper whose title and abstract are Chinese only (the digest's own Chinese text for BEiT)."""
    digest = Path(seed("001")).read_text(encoding="utf-8")
    line = next(ln for ln in digest.splitlines() if ln.startswith("BEIT:图像"))
    title, abstract = line.split("。", 1)
    path = tmp_path / "zh.jsonl"
    path.write_text(json.dumps({"id": "zh-1", "title": title, "abstract": abstract}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return str(path)


def settings(fake, languages="zh", **more):
    return fake.settings(languages=languages, llm_api_key=SECRET, **more)


def translations(store) -> dict[str, dict]:
    return {store.papers_by_pk([pk])[0].id: data for pk, data in store.enrichment_rows("translate")}


@pytest.mark.parametrize("given, wanted, unwanted", [
    ({}, ["PAPERRADAR_LLM_URL", "PAPERRADAR_LANGUAGES"], []),
    ({"llm_url": "http://127.0.0.1:9/v1", "llm_model": "m"}, ["PAPERRADAR_LANGUAGES"], ["PAPERRADAR_LLM_URL"]),
    ({"languages": "zh"}, ["PAPERRADAR_LLM_URL"], ["PAPERRADAR_LANGUAGES"]),
])
def test_not_configured_is_skipped_with_what_to_set(digest_and_listing, given, wanted, unwanted):
    (report,) = run_enrichers(digest_and_listing, ["translate"], settings=given).reports
    assert report.skipped.startswith("translation is not configured: set ")
    assert all(w in report.skipped for w in wanted) and not any(u in report.skipped for u in unwanted)
    assert not translations(digest_and_listing)


def test_bad_language_list_is_the_skip_reason(digest_and_listing, fake_llm):
    (report,) = run_enrichers(digest_and_listing, ["translate"], settings=settings(fake_llm, "zh;en!")).reports
    assert "PAPERRADAR_LANGUAGES" in report.skipped and "not a language code" in report.skipped
    assert configured_languages({"languages": "zh, JA zh_TW"}) == ["zh", "ja", "zh-tw"]


def test_source_translations_kept_and_english_papers_translated(digest_and_listing, fake_llm):
    store = digest_and_listing
    before = {p.id: p.translations for p in store.papers()}
    summary = run_enrichers(store, ["translate"], settings=settings(fake_llm))
    (report,) = summary.reports
    assert report.skipped is None and not report.failures and report.done == 15 and report.found == 6
    assert len(fake_llm.requests) == 12  # the 6 listing papers: title + abstract each; the digest's 9: none
    assert all("from English into Simplified Chinese" in prompt_text(r) for r in fake_llm.requests)
    assert all(r["headers"]["Authorization"] == f"Bearer {SECRET}" for r in fake_llm.requests)
    digest_titles = {p.title for p in store.papers() if p.translations}
    assert not any(t and t in prompt_text(r) for r in fake_llm.requests for t in digest_titles)
    name = f"openai-compatible:fake-model@{fake_llm.url.split('/')[2]}"
    found = translations(store)
    for paper in store.papers():
        assert paper.translations == before[paper.id]  # never overwritten
        data = found[paper.id]
        if paper.translations:
            assert data == {}
            continue
        assert set(data) == {"zh", "backend", "summary_of"} and data["backend"] == name
        assert data["summary_of"] == "abstract"
        assert data["zh"]["title"] == f"[Simplified Chinese] {paper.title[:40]}".strip()
        assert data["zh"]["summary"] == f"[Simplified Chinese] {paper.abstract[:40]}".strip()


def test_another_language_is_requested_for_the_digest_too(digest_and_listing, fake_llm):
    run_enrichers(digest_and_listing, ["translate"], settings=settings(fake_llm, "zh,ja"))
    targets = [prompt_text(r).split(" into ")[1].split(".")[0] for r in fake_llm.requests]
    assert targets.count("Japanese") == 12 + 9 + 5  # listing: title + abstract; digest: 9 titles, 5 abstracts
    assert targets.count("Simplified Chinese") == 12
    beit = next(d for pid, d in translations(digest_and_listing).items() if "BEiT" in (d.get("ja") or {}).get(
        "title", ""))
    assert set(beit) == {"ja", "backend", "summary_of"}  # no zh: the digest carries it


def test_chinese_paper_gets_english(store, fake_llm, chinese_only):
    ingest(store, [chinese_only])
    (paper,) = list(store.papers())
    assert text_language(paper) == "zh" and targets_for(paper, ["zh"]) == ["en"]
    run_enrichers(store, ["translate"], settings=settings(fake_llm))
    assert len(fake_llm.requests) == 2
    assert all("from Simplified Chinese into English" in prompt_text(r) for r in fake_llm.requests)
    data = translations(store)[paper.id]
    assert set(data) == {"en", "backend", "summary_of"} and data["en"]["title"].startswith("[English] BEIT")


def test_cache_hits_and_invalidation(digest_and_listing, fake_llm, caplog):
    caplog.set_level(logging.DEBUG)
    store = digest_and_listing
    run_enrichers(store, ["translate"], settings=settings(fake_llm))
    assert len(fake_llm.requests) == 12
    assert run_enrichers(store, ["translate"], settings=settings(fake_llm)).reports[0].up_to_date
    run_enrichers(store, ["translate"], settings=settings(fake_llm), redo=True)
    assert len(fake_llm.requests) == 12  # every text from the cache
    run_enrichers(store, ["translate"], settings=settings(fake_llm, llm_model="other-model"))
    assert len(fake_llm.requests) == 24  # another backend: new version, asked again
    assert all(r["body"]["model"] == "other-model" for r in fake_llm.requests[12:])
    assert SECRET not in caplog.text


def test_changed_text_is_translated_again(store, fake_llm):
    enricher = TranslateEnricher()
    ctx = EnrichContext(store=store, settings=settings(fake_llm))
    assert enricher.prepare(ctx) is None
    paper = Paper(id="p1", title="Rule-driven News Captioning", abstract="We caption news images with rules.")
    first = enricher.enrich([paper], ctx)[0].data
    assert enricher.enrich([paper], ctx)[0].data == first and len(fake_llm.requests) == 2
    paper.abstract = "We caption news images with learned rules."
    enricher.enrich([paper], ctx)
    assert len(fake_llm.requests) == 3  # only the changed abstract; the title came from the cache


def test_failures_are_retried_on_the_next_run(digest_and_listing, fake_llm, caplog):
    caplog.set_level(logging.DEBUG)
    store = digest_and_listing
    fake_llm.statuses = [500] * 1000
    fake_llm.error_body = {"error": {"message": f"overloaded, key {SECRET}"}}
    quick = settings(fake_llm, llm_backend=OpenAICompatibleBackend(fake_llm.url, "fake-model", api_key=SECRET,
                                                                  sleep=no_sleep))
    summary = run_enrichers(store, ["translate"], settings=quick)
    (report,) = summary.reports
    assert len(report.failures) == 6 and all("HTTP 500" in f for f in report.failures)
    assert len(fake_llm.requests) == 6  # 3 failures (request + retry) open the breaker
    assert any("retried on the next run" in n for n in summary.notices)
    assert all(d == {} for d in translations(store).values())  # only the digest's 9 (nothing to do) stored
    assert SECRET not in caplog.text and not any(SECRET in f for f in report.failures + summary.notices)
    fake_llm.statuses = []
    again = run_enrichers(store, ["translate"], settings=settings(fake_llm))
    assert again.reports[0].done == 6 and again.reports[0].found == 6 and not again.reports[0].failures


def test_summary_can_be_the_tldr(digest_and_listing, fake_llm):
    store = digest_and_listing
    run_enrichers(store, ["tldr", "translate"], settings=settings(fake_llm, translate_summary="tldr"))
    tldrs = {p.id: p.enrichments["tldr"]["text"] for p in store.papers() if p.enrichments.get("tldr")}
    summaries = [r for r in fake_llm.requests if "one-sentence summary" in prompt_text(r)]
    assert len(summaries) == 6
    assert all(prompt_text(r).split("\n\n", 1)[1] in tldrs.values() for r in summaries)
    assert {d["summary_of"] for d in translations(store).values() if d} == {"tldr"}
