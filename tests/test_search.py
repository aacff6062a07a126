"""Search over a real store: the indexes follow the store, filters, explanations,
cross-lingual queries and the JSON contract. Real tantivy, real embedding model."""

import re
import orjson
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, SEEDS, need
from paperradar.cli import cli
from paperradar.index import SearchEngine
from paperradar.pipeline import ingest
from paperradar.store import PaperQuery


@pytest.fixture
def seeded_store(store):
    ingest(store, [str(p) for p in sorted(need(SEEDS).glob("*.txt"))])
    return store


def titles(results):
    return [h.paper.display_title() for h in results]


def test_keyword_index_follows_the_store_incrementally(seeded_store):
    engine = SearchEngine(seeded_store)
    assert engine.sync_keyword() == 171
    assert engine.sync_keyword() == 0  # nothing changed
    ingest(seeded_store, [str(need(FIXTURES / "hf-daily" / "2026-06-18.json"))])
    assert engine.sync_keyword() == 19
    hits = engine.search("RNG-Bench reconstructive non-Markov games", mode="keyword", limit=3)
    assert hits.hits[0].paper.arxiv_id == "2606.19338"
    # A changed paper is re-indexed: a new source for it brings upvotes and a code link.
    engine.close()


def test_keyword_hits_explain_matched_terms_and_respect_filters(seeded_store):
    engine = SearchEngine(seeded_store)
    engine.sync_keyword()
    results = engine.search("knowledge distillation", mode="keyword", limit=5)
    top = results.hits[0]
    assert "distill" in top.paper.title.lower()
    assert "title: knowledge, distillation" in top.retrievers["keyword"].detail
    cv = engine.search("pre-trained models", mode="keyword", limit=50,
                       filters=PaperQuery(category="cs.CV"))
    assert cv.hits and all("cs.CV" in h.paper.categories for h in cv.hits)
    engine.close()


def test_query_syntax_is_plain_text_by_default(seeded_store):
    engine = SearchEngine(seeded_store)
    engine.sync_keyword()
    for query in ['"unbalanced', "title:(", "AND OR NOT", "-*", "(((", "a NEAR/3 b", "\\", ""]:
        engine.search(query, mode="keyword")  # never raises
    from paperradar.errors import InputError

    with pytest.raises(InputError):
        engine.search('title:"unclosed', mode="keyword", operators=True)
    engine.close()


def test_chinese_query_is_read_in_english(seeded_store):
    engine = SearchEngine(seeded_store)
    engine.sync_keyword()
    zh = engine.search("知识蒸馏", mode="keyword", limit=5)
    en = engine.search("knowledge distillation", mode="keyword", limit=5)
    assert zh.read_as == "knowledge distillation" and zh.language == "zh"
    assert [h.pk for h in zh] == [h.pk for h in en]
    engine.close()


def test_search_json_contract_keyword_mode(tmp_path):
    db = tmp_path / "r.db"
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(db), "ingest", *map(str, sorted(need(SEEDS).glob("*.txt")))],
                  catch_exceptions=False)
    out = runner.invoke(cli, ["--db", str(db), "search", "super-resolution", "--mode", "keyword",
                              "--limit", "4", "--json"], catch_exceptions=False)
    rows = [orjson.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 4
    for row in rows:
        assert {"id", "title", "abstract", "authors", "affiliations", "date", "categories",
                "sources", "links", "translations", "score", "retrievers"} <= row.keys()
        assert row["retrievers"]["keyword"]["rank"] >= 1
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def embedded(store):
    ingest(store, [str(p) for p in sorted(need(SEEDS).glob("*.txt"))])
    engine = SearchEngine(store)
    report = engine.sync()
    assert report.keyword == 171 and report.embedded == 171 and report.vectors == 171
    return engine


@pytest.fixture(scope="module")
def embedded_engine(tmp_path_factory):
    """One embedded store shared by the read-only tests of this module."""
    from paperradar.store import open_store

    store = open_store(tmp_path_factory.mktemp("search") / "radar.db")
    engine = embedded(store)
    yield engine
    engine.close()
    store.close()


def test_hybrid_hits_say_which_retrievers_found_them(embedded_engine):
    results = embedded_engine.search("image super-resolution", limit=10)
    assert len(results) == 10
    top = results.hits[0]
    assert "resolution" in top.paper.display_title().lower()
    assert set(top.retrievers) == {"keyword", "semantic"}
    assert re.fullmatch(r"(title )?similarity 0\.\d{3}", top.retrievers["semantic"].detail)
    assert any(len(h.retrievers) == 1 for h in embedded_engine.search("rules", limit=40))
    semantic = embedded_engine.search("learning from noisy labels", mode="semantic", limit=5)
    assert all(set(h.retrievers) == {"semantic"} for h in semantic)
    assert [h.score for h in semantic] == sorted((h.score for h in semantic), reverse=True)


def test_filters_apply_to_every_mode(embedded_engine):
    for mode in ("keyword", "semantic", "hybrid"):
        hits = embedded_engine.search("representation learning", mode=mode, limit=20,
                                      filters=PaperQuery(category="cs.LG"))
        assert hits.hits, mode
        assert all("cs.LG" in h.paper.categories for h in hits), mode
        dated = embedded_engine.search("pre-training", mode=mode, limit=20,
                                       filters=PaperQuery(since="2026-01-01"))
        assert dated.hits and all(h.paper.date >= "2026-01-01" for h in dated), mode


def test_chinese_query_hybrid_finds_the_english_papers(embedded_engine):
    zh = embedded_engine.search("图像超分辨率", limit=5)
    en = embedded_engine.search("image super-resolution", limit=5)
    assert zh.read_as and "super-resolution" in zh.read_as
    assert all("super-resolution" in h.paper.title.lower() for h in zh.hits[:2])
    assert [h.pk for h in zh] == [h.pk for h in en]


def test_vectors_are_reused_and_redone_only_on_change(store):
    embedded_engine = embedded(store)
    seeded_store = store
    assert embedded_engine.embed_missing() == 0  # nothing embedded twice
    paper = next(p for p in seeded_store.papers() if p.title and "BEiT" in p.title)
    from paperradar.models import Paper

    seeded_store.ingest_batch([Paper(title=paper.title, abstract=paper.abstract + " Longer now.",
                                     source="jsonl")])
    assert embedded_engine.embed_missing() == 1  # the changed text only
    assert embedded_engine.sync_vectors() == 1
    # Another model (here the same network without int8 matrix products)
    # is a different vector space: everything is embedded again for it, lazily.
    other = SearchEngine(seeded_store, embedder="all-MiniLM-L6-v2/onnx-int8w")
    assert len(seeded_store.texts_to_embed(other.embedder.name)) == 171
    assert other.embed_missing(limit=5) == 5
    assert embedded_engine.embed_missing() == 0
    other.close()
    embedded_engine.close()


def test_related_papers(embedded_engine):
    paper = next(p for p in embedded_engine.store.papers()
                 if p.title and p.title.startswith("BEiT"))
    related = embedded_engine.related(paper.id, limit=5)
    assert len(related) == 5 and paper.id not in {h.paper.id for h in related}
    assert any("image" in (h.paper.title or "").lower() or "vision" in (h.paper.title or "").lower()
               for h in related)


def test_eval_search_command_reports_every_mode(tmp_path):
    from conftest import SHARED

    qrels = need(SHARED / "eval" / "dev-qrels.json")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "r.db"), "eval", "search", str(qrels),
              *map(str, sorted(SEEDS.glob("*.txt"))), "--json"], catch_exceptions=False)
    data = orjson.loads(result.stdout)
    scores = {mode: v["ndcg@10"] for mode, v in data["results"].items()}
    assert set(scores) == {"keyword", "semantic", "hybrid"}
    assert scores["hybrid"] > max(scores["keyword"], scores["semantic"])
    per_query = data["results"]["hybrid"]["queries"]
    assert per_query["图像超分辨率"]["ndcg@10"] >= \
        per_query["image super-resolution and restoration"]["ndcg@10"] - 0.1


def test_titles_get_their_own_vectors_and_a_title_query_matches_them(store):
    from paperradar.models import Paper

    store.ingest_batch([
        Paper(title="Efficient Road Lane Marking Detection with Deep Learning", source="t", source_id="1",
              abstract="Autonomous vehicles must know where they are on the road. We study datasets, camera "
                       "calibration, embedded hardware and real-time constraints for driver assistance systems."),
        Paper(title="Untitled draft", source="t", source_id="2",
              abstract="Convolutional networks trained on road images, for the driving domain."),
        Paper(abstract="A paper with no title about graph neural networks.", source="t", source_id="3"),
    ])
    engine = SearchEngine(store)
    report = engine.sync()
    assert report.embedded == 3  # title-and-abstract vectors; titles come on top
    assert len(engine.title_vectors) == 2 and len(engine.vectors) == 3
    query = "road lane marking detection"
    qv = engine.embedder.embed_query(query)
    pks = [store.pk_of(p.id) for p in store.papers()]
    scores = engine.semantic_scores(qv, pks)
    lane = store.pk_of(next(p.id for p in store.papers() if p.title and p.title.startswith("Efficient")))
    text_only = float(engine.vectors_of([lane])[lane] @ qv)
    assert scores[lane][0] > text_only and scores[lane][1].startswith("title similarity")
    assert engine.search(query, mode="semantic").hits[0].pk == lane
    assert engine.sync().embedded == 0 and engine.embed_missing() == 0  # nothing embedded twice
    engine.close()


def test_a_serving_engine_picks_up_vectors_another_process_added(store, monkeypatch):
    """A web server's engine stays open for days: papers a batch job embedded and
    indexed meanwhile must reach its semantic search without a restart."""
    ingest(store, [str(need(FIXTURES / "hf-daily" / "2024-05-29.json"))])
    first_run = SearchEngine(store)
    first_run.sync()
    first_run.close()
    serving = SearchEngine(store)  # reads only, as the web app does
    before, known = len(serving.vectors), {p.id for p in store.papers()}
    batch_job = SearchEngine(store)  # stands for another process: its own engine and index objects
    ingest(store, [str(need(FIXTURES / "hf-daily" / "2024-05-27.json"))])
    batch_job.sync()
    newcomer = next(p for p in store.papers() if p.id not in known and p.title)
    assert newcomer.title not in titles(serving.search(newcomer.title, mode="semantic", limit=20))
    monkeypatch.setattr(SearchEngine, "REFRESH_CHECK_S", 0.0)
    assert len(serving.vectors) > before
    assert newcomer.title in titles(serving.search(newcomer.title, mode="semantic", limit=3))
    serving.close()
    batch_job.close()


def test_a_postgresql_store_gets_its_pgvector_index_from_the_first_sync(store):
    if not hasattr(store, "build_ann_indexes"):
        pytest.skip("pgvector indexes belong to the PostgreSQL store")
    ingest(store, [str(need(FIXTURES / "hf-daily" / "2024-05-29.json"))])
    engine = SearchEngine(store)
    engine.sync()
    assert engine.embedder.name in {m for m, _ in store.vector_models()}
    assert store.build_ann_indexes() == []  # already built, one per model (text and title)
    engine.close()
