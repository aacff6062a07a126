"""For-you recommendations on real HF Daily papers in a real store, with the
bundled embedding model: likes, dislikes, tags, cold start, reasons, novelty,
and the commands. Three days (51 papers) are embedded once for the module."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, need
from web_helpers import module_backends, module_store_location

from paperradar.cli_foryou import for_you_command
from paperradar.cli_library import interests_command
from paperradar.index import SearchEngine
from paperradar.pipeline import ingest
from paperradar.rank.foryou import NoReaderSignal, recommend, related_papers
from paperradar.rank.foryou_model import (
    Gaussian,
    ReaderModel,
    TrainingSet,
    fit_logistic,
)
from paperradar.store import PaperQuery, open_store

DAYS = ("2025-06-10", "2025-06-11", "2025-06-12")
# Hand-sorted by reading the titles and abstracts of these days.
VISION_LIKED = ["2506.07977", "2506.07986", "2506.07848", "2506.08010", "2506.07803"]  # 2025-06-10
VISION_UNSEEN = ["2506.08009", "2506.07177", "2506.07932", "2506.09113", "2506.09350", "2506.09984"]
LANGUAGE_UNSEEN = ["2506.06751", "2506.07927", "2506.05167", "2506.07047", "2506.05928", "2506.05700",
                   "2506.08889", "2506.08001"]
LANGUAGE_LIKED = ["2506.07712", "2506.07240", "2506.07527"]  # long-CoT reasoning in LLMs, 2025-06-10
VIDEO_UNSEEN = ["2506.08009", "2506.07177", "2506.09113", "2506.09350"]


@pytest.fixture(scope="module", params=module_backends(__name__))
def radar(request, tmp_path_factory):
    with module_store_location(request, tmp_path_factory, "foryou") as path:
        yield from _radar(path)


def _radar(path):
    store = open_store(path)
    ingest(store, [str(need(FIXTURES / "hf-daily" / f"{day}.json")) for day in DAYS])
    engine = SearchEngine(store)
    engine.embed_missing()
    yield store, path
    engine.close()
    store.close()


def pks(store, ids):
    return [store.pk_of(i) for i in ids]


def auc(recs, good, bad) -> float:
    score = {r.paper.arxiv_id: r.score for r in recs}
    pairs = [(score[g] > score[b]) for g in good for b in bad]
    return sum(pairs) / len(pairs)


def test_liking_vision_papers_ranks_unseen_vision_papers_above_language_ones(radar):
    store, _ = radar
    ana = store.reader("ana")
    for pk in pks(store, VISION_LIKED):
        store.rate(ana.id, pk, 1)
    recs = recommend(store, "ana", papers=pks(store, VISION_UNSEEN + LANGUAGE_UNSEEN), limit=50)
    assert len(recs) == 14
    assert auc(recs, VISION_UNSEEN, LANGUAGE_UNSEEN) >= 0.9
    assert all(r.paper.arxiv_id in VISION_UNSEEN for r in recs[:3])
    assert recs[0].relevance > 0.8 and recs[-1].relevance < recs[0].relevance
    # Reasons name library papers (real titles of liked papers) and shared terms.
    liked_titles = {p.title for p in store.papers_by_pk(pks(store, VISION_LIKED))}
    top = recs[0]
    assert top.close_to and {m.title for m in top.close_to} <= liked_titles
    assert top.reasons[0].startswith("close to “") and top.reasons[0].endswith("you liked")
    assert all(m.how == "liked" and m.similarity >= 0.35 for m in top.close_to)
    assert any(r.terms and r.reasons[1].startswith("shares terms with your library: ") for r in recs[:4])
    assert any("video" in " ".join(r.terms) for r in recs[:4])


def test_candidates_default_to_the_latest_week_without_library_papers(radar):
    store, _ = radar
    bo = store.reader("bo")
    for pk in pks(store, VISION_LIKED):
        store.save_paper(bo.id, pk)
    recs = recommend(store, bo, limit=100)
    ids = {r.paper.arxiv_id for r in recs}
    assert not ids & set(VISION_LIKED)
    latest = store.pks_matching(PaperQuery(since="2025-06-05", until="2025-06-11"))
    assert {r.pk for r in recs} == latest - set(pks(store, VISION_LIKED))
    assert all(r.reasons for r in recs) and "you saved" in recs[0].reasons[0]
    # Papers passed as Paper objects (as digests do) work the same.
    papers = store.papers_by_pk(pks(store, VISION_UNSEEN[:2] + LANGUAGE_UNSEEN[:2]))
    assert {r.paper.arxiv_id for r in recommend(store, bo, papers=papers)} == \
        set(VISION_UNSEEN[:2] + LANGUAGE_UNSEEN[:2])


def test_dislikes_push_similar_papers_down(radar):
    store, _ = radar
    cy = store.reader("cy")
    for pk in pks(store, VISION_LIKED):
        store.rate(cy.id, pk, 1)
    candidates = pks(store, ["2506.08009", "2506.07177", "2506.07932", "2506.08002", "2506.09040",
                             "2506.09984", "2506.09995"])
    before = {r.paper.arxiv_id: r for r in recommend(store, cy, papers=candidates)}
    for pk in pks(store, ["2506.09113", "2506.09350"]):  # two video-generation papers
        store.rate(cy.id, pk, -1)
    after = {r.paper.arxiv_id: r for r in recommend(store, cy, papers=candidates)}
    for video in ("2506.08009", "2506.07177"):
        assert after[video].relevance < before[video].relevance
        assert list(after).index(video) >= list(before).index(video)
    assert next(iter(after)) not in ("2506.08009", "2506.07177")


def test_cold_start_from_an_interest_statement_in_english_or_chinese(radar):
    store, _ = radar
    candidates = pks(store, VISION_UNSEEN + LANGUAGE_UNSEEN)
    for name, text in (("dee", "video generation with diffusion models"), ("eli", "视频生成 扩散模型")):
        reader = store.reader(name)
        store.set_interests(reader.id, text)
        recs = recommend(store, name, papers=candidates, limit=4)
        assert sum(r.paper.arxiv_id in VIDEO_UNSEEN for r in recs) >= 3, [r.paper.title for r in recs]
        assert any(r.startswith("matches your interests (“") for r in recs[0].reasons)
    with pytest.raises(NoReaderSignal, match="paperradar like ID"):
        recommend(store, "nobody", papers=candidates)


def test_per_tag_recommendations_follow_the_tag(radar):
    store, _ = radar
    fay = store.reader("fay")
    for pk in pks(store, VISION_LIKED[:3]):
        store.tag_paper(fay.id, pk, "vision")
    for pk in pks(store, LANGUAGE_LIKED):
        store.tag_paper(fay.id, pk, "reasoning")
    candidates = pks(store, VISION_UNSEEN + LANGUAGE_UNSEEN)
    vision = recommend(store, fay, papers=candidates, tag="vision", limit=14)
    reasoning = recommend(store, fay, papers=candidates, tag="reasoning", limit=14)
    assert auc(vision, VISION_UNSEEN, LANGUAGE_UNSEEN) >= 0.85
    assert auc(reasoning, LANGUAGE_UNSEEN, VISION_UNSEEN) >= 0.85
    assert "you tagged 'vision'" in vision[0].reasons[0]
    with pytest.raises(NoReaderSignal, match="no papers tagged 'robots'"):
        recommend(store, fay, papers=candidates, tag="robots")


def test_novelty_is_distance_from_the_library_and_can_lead(radar):
    store, _ = radar
    gus = store.reader("gus")
    for pk in pks(store, VISION_LIKED):
        store.rate(gus.id, pk, 1)
    candidates = pks(store, VISION_UNSEEN + LANGUAGE_UNSEEN)
    recs = {r.paper.arxiv_id: r for r in recommend(store, gus, papers=candidates, limit=50)}
    vision = np.mean([recs[i].novelty for i in VISION_UNSEEN])
    language = np.mean([recs[i].novelty for i in LANGUAGE_UNSEEN])
    assert language > vision
    by_novelty = recommend(store, gus, papers=candidates, limit=50, sort="novelty")
    assert [r.novelty for r in by_novelty] == sorted((r.novelty for r in by_novelty), reverse=True)
    explore = recommend(store, gus, papers=candidates, limit=3, novelty_weight=1.0)
    assert all(r.paper.arxiv_id in LANGUAGE_UNSEEN for r in explore)


def test_model_parts_on_their_own():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 16))
    y = (x[:, 0] > 0.5).astype(float)
    w, b = fit_logistic(x, y, np.full(200, 1 / 200), l2=1e-3)
    assert w[0] > 5 * np.abs(w[1:]).max() and ((x @ w + b > 0) == (y > 0)).mean() > 0.95
    # The shrunk Gaussian agrees with the dense formula.
    lib = rng.normal(size=(6, 16))
    g = Gaussian(lib, spread=0.5)
    alpha = 20 / 26
    cov = (1 - alpha) * np.cov(lib.T) + alpha * 0.5 * np.eye(16)
    r = x[:3] - lib.mean(axis=0)
    assert np.allclose(g.distance2(x[:3]), np.einsum("ij,jk,ik->i", r, np.linalg.inv(cov), r))
    with pytest.raises(ValueError):
        ReaderModel(TrainingSet(np.zeros((0, 16)), np.zeros((0, 16)), x))


def test_related_papers_reuse_search_and_skip_dislikes(radar):
    store, _ = radar
    hal = store.reader("hal")
    plain = related_papers(store, "2506.09113", limit=3)
    assert plain and plain[0].paper.arxiv_id in VIDEO_UNSEEN
    store.rate(hal.id, plain[0].pk, -1)
    skipping = related_papers(store, "2506.09113", limit=3, reader="hal")
    assert plain[0].pk not in {h.pk for h in skipping} and len(skipping) == 3


def test_for_you_and_interests_commands(radar):
    _, path = radar
    runner = CliRunner()
    obj = {"db": str(path)}
    result = runner.invoke(interests_command, ["video generation with diffusion models", "--reader", "ivy"],
                           obj=obj)
    assert result.exit_code == 0, result.output
    shown = runner.invoke(interests_command, ["--reader", "ivy"], obj=obj)
    assert shown.output.strip() == "video generation with diffusion models"
    result = runner.invoke(for_you_command, ["--reader", "ivy", "--week", "2025-W24", "--limit", "3", "--json"],
                           obj=obj)
    assert result.exit_code == 0, result.output
    rows = [orjson.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3 and all("2025-06-09" <= r["date"] <= "2025-06-15" for r in rows)
    assert {"score", "relevance", "novelty", "reasons", "close_to", "terms"} <= set(rows[0])
    table = runner.invoke(for_you_command, ["--reader", "ivy", "--date", "2025-06-09"], obj=obj)
    assert table.exit_code == 0 and "for ivy: 2025-06-09 to 2025-06-09" in table.output
    assert all(r.startswith("matches your interests") for r in rows[0]["reasons"][-1:])
    empty = runner.invoke(for_you_command, ["--reader", "nobody-yet"], obj=obj)
    assert empty.exit_code == 1 and "interests TEXT" in empty.output
    bad = runner.invoke(for_you_command, ["--reader", "ivy", "--week", "June"], obj=obj)
    assert bad.exit_code == 1 and "not an ISO week" in bad.output
