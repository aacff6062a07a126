"""The tldr enricher: sentence splitting and trimming on real abstracts, the
extractive TL;DR through the store and the runner, the source's own TL;DR,
and the generative path against a fake OpenAI-compatible server."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, SEEDS, need
from test_enrich_backend import SECRET, FakeLLM, no_llm_env, no_sleep  # noqa: F401  (fixture)

from paperradar.enrich import EnrichContext, run_enrichers
from paperradar.enrich.backend import OpenAICompatibleBackend
from paperradar.enrich.sentences import split_sentences
from paperradar.enrich.tldr import ENRICHERS, TldrEnricher, clean_reply
from paperradar.enrich.tldr_extractive import LIMIT, extract, trim
from paperradar.models import Paper
from paperradar.pipeline import ingest


def seed(prefix: str) -> str:
    return str(need(next(SEEDS.glob(f"{prefix}_*.txt"), SEEDS / f"{prefix}_missing.txt")))


def digest_abstracts() -> list[str]:
    text = Path(seed("001")).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith(("We ", "Accurate "))]



@pytest.fixture(scope="module")
def beit() -> str:
    return digest_abstracts()[0]


@pytest.fixture
def fake_llm():
    server = FakeLLM()
    yield server
    server.close()


@pytest.fixture
def seeded(store):
    """18 real papers: bare abstracts without titles, the bilingual digest
    (4 entries without abstract), and the keyword listing."""
    ingest(store, [seed("000"), seed("001"), seed("002")])
    return store


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def taken_from(tldr: str, abstract: str) -> bool:
    """Every word of the TL;DR occurs in the abstract, in the same order."""
    source = iter(words(abstract))
    return all(any(w == s for s in source) for w in words(tldr.rstrip("…")))


# --- sentences --------------------------------------------------------------------------------------------

def test_split_keeps_citations_abbreviations_and_decimals_together(beit):
    sentences = split_sentences(beit)
    assert len(sentences) == 10
    assert sentences[1].startswith("Following BERT (Devlin et al., 2019) developed")
    assert "i.e, image patches (such as 16× 16 pixels), and visual tokens (i.e., discrete tokens)." in sentences[2]
    assert "83.2% top-1 accuracy" in sentences[8] and sentences[8].endswith("with the same setup.")
    assert " ".join(sentences) == " ".join(beit.split())


@pytest.mark.parametrize("text, expected", [
    ("By D. J. Sutherland and A. Gretton. It works.", ["By D. J. Sutherland and A. Gretton.", "It works."]),
    ("We bound it by $O(n. \\log n)$ steps. Then we stop.", ["We bound it by $O(n. \\log n)$ steps.",
                                                           "Then we stop."]),
    ("It costs $5 on a U.S. server. Fine.", ["It costs $5 on a U.S. server.", "Fine."]),
    ("This paper presents AlphaOne at test time. alpha1 first introduces the alpha moment.",
     ["This paper presents AlphaOne at test time.", "alpha1 first introduces the alpha moment."]),
    ("Results improve (see Fig. 3 and Sec. 4.2). We release code.",
     ["Results improve (see Fig. 3 and Sec. 4.2).", "We release code."]),
    ("Scraped text lost a space.We show this.", ["Scraped text lost a space.", "We show this."]),
    ("本文提出一种自监督视觉表示模型BEIT。受BERT启发！好吗？", ["本文提出一种自监督视觉表示模型BEIT。", "受BERT启发！", "好吗？"]),
    ("", []),
])
def test_split_edge_cases(text, expected):
    assert split_sentences(text) == expected


# --- trimming ---------------------------------------------------------------------------------------------

def test_trim_cuts_a_long_real_sentence_at_a_clause():
    sentence = split_sentences(digest_abstracts()[2])[-1]  # SSL-HSIC: 260+ characters
    assert len(sentence) > LIMIT
    text, cut = trim(sentence)
    assert cut and text.endswith("…") and len(text) <= LIMIT
    assert sentence.startswith(text[:-1].rstrip())
    assert text[-2] != " " and sentence[len(text) - 1] in " ,"  # ends at a word and clause boundary


def test_trim_drops_asides_before_cutting():
    sentence = ("For example, base-size BEIT achieves 83.2% top-1 accuracy on ImageNet-1K, significantly "
                "outperforming from-scratch DeiT training (81.8%; Touvron et al., 2020) with the same setup "
                "and the same number of epochs [12, 13].")
    text, cut = trim(sentence)
    assert not cut and "Touvron" not in text and "[12" not in text and len(text) <= LIMIT
    assert text.startswith("Base-size BEIT achieves 83.2%")  # "For example, " goes too


def test_trim_leaves_short_sentences_alone():
    assert trim("We propose DEEPCTRL.") == ("We propose DEEPCTRL.", False)


# --- extractive TL;DR -------------------------------------------------------------------------------------

def test_extract_picks_a_contribution_sentence(beit):
    from paperradar.index.embed import default_embedder

    embed = default_embedder().embed
    found = extract(beit, embed)
    assert found.text.startswith("Following BERT") and "we propose a masked image modeling task" in found.text
    assert extract(beit, embed) == found  # deterministic
    assert extract(beit, None).index in range(10)  # TF-IDF scoring works without a model
    assert extract("", embed) is None and extract(None, embed) is None


def test_tldr_through_the_runner_on_real_papers(seeded, monkeypatch):
    monkeypatch.setenv("PAPERRADAR_TLDR", "extractive")  # sentences scored by the embedding model
    summary = run_enrichers(seeded, ["tldr"])
    (report,) = summary.reports
    assert report.skipped is None and not report.failures
    assert report.done == 18 and report.found == 14  # the 4 digest entries without abstract get none
    by_id = {p.id: p for p in seeded.papers()}
    titleless = 0
    for pk, data in seeded.enrichment_rows("tldr"):
        paper = seeded.papers_by_pk([pk])[0]
        if not paper.abstract:
            assert data == {}
            continue
        titleless += not paper.title
        assert data["method"] == "extractive"
        text = data["text"]
        assert 20 <= len(text) <= LIMIT and "\n" not in text
        assert len(split_sentences(text.rstrip("…"))) == 1
        assert taken_from(text, paper.abstract), (text, paper.abstract)
        assert by_id[paper.id].abstract == paper.abstract
    assert titleless == 3
    again = run_enrichers(seeded, ["tldr"])
    assert again.reports[0].up_to_date
    first = dict(seeded.enrichment_rows("tldr"))
    run_enrichers(seeded, ["tldr"], redo=True)
    assert dict(seeded.enrichment_rows("tldr")) == first  # deterministic


def test_without_the_embedding_model_tfidf_chooses(store, monkeypatch):
    from paperradar.index import embed
    from paperradar.index.embed import EmbeddingModelMissing

    def missing():
        raise EmbeddingModelMissing("missing onnxruntime")

    monkeypatch.setattr(embed, "default_embedder", missing)
    monkeypatch.setenv("PAPERRADAR_TLDR", "extractive")  # asks for the model, which is missing
    ingest(store, [seed("000")])
    summary = run_enrichers(store, ["tldr"])
    rows = [data for _, data in store.enrichment_rows("tldr")]
    assert len(rows) == 3 and all(d["method"] == "extractive-tfidf" and len(d["text"]) <= LIMIT for d in rows)
    assert any("TF-IDF" in n and "paperradar[embed]" in n for n in summary.notices)
    assert ENRICHERS[0].version.endswith(":tfidf")


def test_source_tldr_is_kept(store):
    day = need(FIXTURES / "hf-daily" / "2025-06-20.json")
    ingest(store, [str(day)])
    run_enrichers(store, ["tldr"])
    rows = [data for _, data in store.enrichment_rows("tldr")]
    given = {" ".join((item.get("paper") or item)["ai_summary"].split())
             for item in json.loads(day.read_text(encoding="utf-8"))}
    assert len(rows) == 2 and all(d["method"] == "source" and d["source"] == "hf-daily" for d in rows)
    assert {d["text"] for d in rows} == given


# --- generative backend -----------------------------------------------------------------------------------

def llm_settings(fake, **more):
    return fake.settings(tldr_backend=True, llm_api_key=SECRET, **more)


def test_backend_tldr_cached_and_shaped(seeded, fake_llm):
    fake_llm.answer = lambda body: "TL;DR: \"" + body["messages"][-1]["content"].split("Abstract: ")[1][:50] + '"'
    summary = run_enrichers(seeded, ["tldr"], settings=llm_settings(fake_llm))
    assert summary.reports[0].found == 14 and not summary.notices
    assert len(fake_llm.requests) == 14
    request = fake_llm.requests[0]
    assert request["body"]["model"] == "fake-model" and request["body"]["temperature"] == 0
    assert [m["role"] for m in request["body"]["messages"]] == ["system", "user"]
    assert request["headers"]["Authorization"] == f"Bearer {SECRET}"
    name = f"openai-compatible:fake-model@{fake_llm.url.split('/')[2]}"
    for _, data in seeded.enrichment_rows("tldr"):
        if data:
            assert data["method"] == name and not data["text"].startswith(("TL;DR", '"'))
    assert ENRICHERS[0].version.endswith(name)
    run_enrichers(seeded, ["tldr"], settings=llm_settings(fake_llm), redo=True)
    assert len(fake_llm.requests) == 14  # all from the cache
    run_enrichers(seeded, ["tldr"], settings=llm_settings(fake_llm, llm_model="other-model"))
    assert len(fake_llm.requests) == 28  # a new model: asked again, and stored anew (new version)


def test_changed_abstract_asks_again(store, fake_llm, beit):
    enricher = TldrEnricher()
    ctx = EnrichContext(store=store, settings=llm_settings(fake_llm))
    assert enricher.prepare(ctx) is None
    paper = Paper(title="BEiT", abstract=beit, id="p1")
    enricher.enrich([paper], ctx)
    enricher.enrich([paper], ctx)
    assert len(fake_llm.requests) == 1
    paper.abstract = beit.replace("83.2%", "83.3%")
    enricher.enrich([paper], ctx)
    assert len(fake_llm.requests) == 2


def test_backend_failure_falls_back_to_extractive(store, fake_llm, caplog):
    caplog.set_level(logging.DEBUG)
    ingest(store, [seed("002")])  # 6 papers
    fake_llm.statuses = [500] * 100
    fake_llm.error_body = {"error": {"message": f"boom {SECRET}"}}
    quick = llm_settings(fake_llm, llm_backend=OpenAICompatibleBackend(fake_llm.url, "fake-model", api_key=SECRET,
                                                                      sleep=no_sleep))
    summary = run_enrichers(store, ["tldr"], settings=quick)
    rows = [data for _, data in store.enrichment_rows("tldr") if data]
    assert len(rows) == 6 and all(d["method"] == "extractive-tfidf" for d in rows)
    assert len(fake_llm.requests) == 6  # 3 papers x (request + retry), then the breaker stops asking
    (notice,) = [n for n in summary.notices if n.startswith("tldr:")]
    assert "6 papers got an extractive TL;DR" in notice and "HTTP 500" in notice and fake_llm.url in notice
    assert SECRET not in notice and SECRET not in caplog.text


def test_asked_for_but_not_configured(store, monkeypatch):
    ingest(store, [seed("000")])  # 3 abstracts
    monkeypatch.setenv("PAPERRADAR_TLDR", "llm")
    summary = run_enrichers(store, ["tldr"])
    assert any("PAPERRADAR_LLM_URL" in n for n in summary.notices)
    assert {d.get("method") for _, d in store.enrichment_rows("tldr") if d} == {"extractive-tfidf"}
    summary = run_enrichers(store, ["tldr"], settings={"llm_url": "http://localhost:11434/v1"}, redo=True)
    assert any("PAPERRADAR_LLM_MODEL" in n for n in summary.notices)


def test_clean_reply():
    assert clean_reply('TL;DR: "BEiT pre-trains ViTs by masked image modeling."\n\nMore.') == \
        "BEiT pre-trains ViTs by masked image modeling."
    assert clean_reply("x " * 400).endswith("…")


def test_tfidf_mode_and_unknown_mode(store, monkeypatch):
    ingest(store, [seed("000")])
    run_enrichers(store, ["tldr"])
    assert {d["method"] for _, d in store.enrichment_rows("tldr")} == {"extractive-tfidf"}  # the default
    monkeypatch.setenv("PAPERRADAR_TLDR", "extractive")
    run_enrichers(store, ["tldr"])
    assert {d["method"] for _, d in store.enrichment_rows("tldr")} == {"extractive"}  # new version: redone
    monkeypatch.setenv("PAPERRADAR_TLDR", "abstractive")
    summary = run_enrichers(store, ["tldr"])
    assert any("'abstractive' is not one of extractive, tfidf, llm; using tfidf" in n for n in summary.notices)
    assert {d["method"] for _, d in store.enrichment_rows("tldr")} == {"extractive-tfidf"}  # new version: redone
