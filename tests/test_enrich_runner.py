"""The enrichment framework: registration, only-what-changed, failures, keys, the command."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner

from conftest import SEEDS, need
from paperradar.cli import cli
from paperradar.codec import paper_to_dict
from paperradar.enrich import Enrichment, run_enrichers
from paperradar.errors import InputError
from paperradar.models import Link, Paper
from paperradar.pipeline import ingest
from paperradar.plugins import hookimpl, plugin_manager
from paperradar.store import PaperQuery


class CountingEnricher:
    """Marks every paper with the length of its abstract; fails on a chosen word."""

    name = "t-count"
    requires = ()
    description = "test enricher"

    def __init__(self, version="1", fail_on=None, skip=None):
        self.version = version
        self.fail_on = fail_on
        self.skip = skip
        self.seen: list[str] = []

    def prepare(self, ctx):
        return self.skip

    def enrich(self, papers, ctx):
        out = []
        for p in papers:
            if self.fail_on and self.fail_on in (p.abstract or ""):
                raise ValueError("cannot read this one")
            self.seen.append(p.id)
            words = len((p.abstract or "").split())
            out.append(Enrichment({"words": words}, ["long"] if words > 150 else []) if words else None)
        return out


@pytest.fixture
def register():
    pm = plugin_manager()
    added = []

    def add(*enrichers):
        class Plugin:
            @hookimpl
            def register_enrichers(self, register):
                for e in enrichers:
                    register(e)
        plugin = Plugin()
        pm.register(plugin)
        added.append(plugin)

    yield add
    for plugin in added:
        pm.unregister(plugin)


@pytest.fixture
def seeded(store):
    ingest(store, [str(need(SEEDS / "001_316854c0f982fd8b.txt"))])
    return store


def test_runs_each_paper_once_then_only_what_changed(seeded, register):
    enricher = CountingEnricher()
    register(enricher)
    n = seeded.count()
    first = run_enrichers(seeded, ["t-count"])
    assert first.reports[0].done == n and len(enricher.seen) == n
    again = run_enrichers(seeded, ["t-count"])
    assert again.reports[0].up_to_date and len(enricher.seen) == n

    paper = next(iter(seeded.papers(PaperQuery(limit=1))))
    seeded.ingest_batch([Paper(title=paper.title, arxiv_id=paper.arxiv_id, doi=paper.doi,
                               abstract=(paper.abstract or "") + " We release all the code.",
                               source="test")])
    third = run_enrichers(seeded, ["t-count"])
    assert third.reports[0].done == 1 and enricher.seen[-1] == paper.id

    enricher.version = "2"  # a new version redoes everything
    assert run_enrichers(seeded, ["t-count"]).reports[0].done == n
    assert run_enrichers(seeded, ["t-count"], redo=True).reports[0].done == n


def test_output_is_attached_to_papers_and_their_json(seeded, register):
    register(CountingEnricher())
    run_enrichers(seeded, ["t-count"])
    paper = next(p for p in seeded.papers() if p.abstract)
    words = len(paper.abstract.split())
    assert seeded.get(paper.id).enrichments["t-count"] == {"words": words}
    assert paper_to_dict(seeded.get(paper.id))["enrichments"]["t-count"]["words"] == words
    long_ones = seeded.pks_with_key("t-count", "long")
    assert long_ones and all(len(p.abstract.split()) > 150 for p in seeded.papers_by_pk(long_ones))


def test_a_paper_that_breaks_an_enricher_is_reported_and_retried_the_rest_go_in(seeded, register):
    papers = [p for p in seeded.papers() if p.abstract]
    bad = papers[0]
    word = max(bad.abstract.split(), key=len)
    assert sum(word in (p.abstract or "") for p in papers) < len(papers)
    enricher = CountingEnricher(fail_on=word)
    register(enricher)
    report = run_enrichers(seeded, ["t-count"]).reports[0]
    assert report.failures and any(bad.id in f and "cannot read this one" in f for f in report.failures)
    assert report.done == seeded.count() - len(report.failures)
    enricher.fail_on = None
    retry = run_enrichers(seeded, ["t-count"]).reports[0]
    assert retry.done == len(report.failures)
    assert seeded.integrity_problems() == []


def test_skip_reason_and_unknown_names(seeded, register):
    register(CountingEnricher(skip="not configured: set X"))
    report = run_enrichers(seeded, ["t-count"]).reports[0]
    assert report.skipped == "not configured: set X" and report.done == 0
    with pytest.raises(InputError, match="unknown enricher nope; known: .*t-count"):
        run_enrichers(seeded, ["nope"])


def test_found_code_links_feed_the_has_code_filter_of_list_and_search(store):
    pytest.importorskip("tantivy")
    from paperradar.index import SearchEngine

    store.ingest_batch([
        Paper(title="Sparse mixture of experts routing", abstract="Code: https://github.com/a/b.",
              source="test", source_id="1"),
        Paper(title="Dense mixture of experts routing", abstract="No code is released.",
              source="test", source_id="2"),
        Paper(title="Mixture of experts with given code", abstract="Routing.", source="test", source_id="3",
              links=[Link("https://github.com/c/d", "code")]),
    ])
    engine = SearchEngine(store)
    engine.sync_keyword()
    before = {p.title for p in store.papers(PaperQuery(has_code=True))}
    assert before == {"Mixture of experts with given code"}
    rev = store.revision()  # the built-in links enricher finds the GitHub link
    run_enrichers(store, ["links"])
    assert store.revision() > rev  # the keys changed: indexes must catch up
    after = {p.title for p in store.papers(PaperQuery(has_code=True))}
    assert after == {"Mixture of experts with given code", "Sparse mixture of experts routing"}
    engine.sync_keyword()
    hits = engine.search("mixture of experts", mode="keyword", filters=PaperQuery(has_code=True)).hits
    assert {h.paper.title for h in hits} == after
    engine.close()


def test_enrich_command_json_and_rerun(db_path, register):
    register(CountingEnricher())
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db_path), "ingest", str(need(SEEDS / "000_9a8ae47f4d0e921a.txt"))]
                         ).exit_code == 0
    first = runner.invoke(cli, ["--db", str(db_path), "enrich", "--only", "t-count", "--json"])
    assert first.exit_code == 0, first.output
    report = orjson.loads(first.output)["enrichers"][0]
    assert report["enricher"] == "t-count" and report["done"] > 0
    second = runner.invoke(cli, ["--db", str(db_path), "enrich", "--only", "t-count"])
    assert "t-count: up to date" in second.output
    listed = runner.invoke(cli, ["enrich", "--list"])
    assert "t-count" in listed.output
    bad = runner.invoke(cli, ["--db", str(db_path), "enrich", "--only", "nope"])
    assert bad.exit_code == 1 and "unknown enricher nope" in bad.output
