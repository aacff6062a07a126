"""Batch work on Ray (``--engine ray``): the same stored results as the local
engine, idempotent after a kill, clear errors for a bad address or no Ray.

The Ray tests share one local Ray instance (``ray.init(num_cpus=2)``) per module;
the killed job is a separate driver process that joins it by address."""

from __future__ import annotations

import os
import pickle
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import orjson
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, need
from paperradar.batch.enrich_worker import EnrichActor, enrich_batch
from paperradar.cli import cli
from paperradar.enrich import Enrichment, run_enrichers
from paperradar.enrich.registry import select
from paperradar.errors import PaperradarError
from paperradar.pipeline import ingest
from paperradar.plugins import hookimpl, plugin_manager
from paperradar.store import open_store

ENRICHERS = ["links", "name", "results", "tldr", "translate", "t-store-count"]


class StoreCountEnricher:
    """Reads the store while enriching: must run on the driver, never on a worker."""

    name = "t-store-count"
    version = "1"
    requires = ()
    description = "test enricher that needs the store"

    def prepare(self, ctx):
        return None

    def enrich(self, papers, ctx):
        total = ctx.store.count()
        return [Enrichment({"of": total, "words": len((p.abstract or "").split())}) for p in papers]


class FailOnWord:
    """Fails on papers whose abstract has a word; the others still go in."""

    name = "t-fail"
    version = "1"
    requires = ()
    description = "test enricher that fails on some papers"

    def __init__(self, word):
        self.word = word

    def prepare(self, ctx):
        return None

    def enrich(self, papers, ctx):
        for p in papers:
            if self.word in (p.abstract or ""):
                raise ValueError("cannot read this one")
        return [Enrichment({"ok": True}) for _ in papers]


class Fatal:
    name = "t-fatal"
    version = "1"
    requires = ()
    description = "test enricher with a fatal (configuration) error"

    def prepare(self, ctx):
        return None

    def enrich(self, papers, ctx):
        raise PaperradarError("the model file is corrupt")


@pytest.fixture(scope="module")
def store_count_plugin():
    class Plugin:
        @hookimpl
        def register_enrichers(self, register):
            register(StoreCountEnricher())

    plugin = Plugin()
    plugin_manager().register(plugin)
    yield
    plugin_manager().unregister(plugin)


def _build_store(path, days: int):
    files = sorted(need(FIXTURES / "hf-daily").glob("*.json"))[:days]
    store = open_store(str(path))
    ingest(store, [str(f) for f in files])
    store.close()
    return path


def _copy(src, dst):
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def _enrichment_rows(path):
    with sqlite3.connect(path) as db:
        rows = sorted(db.execute("SELECT pk, enricher, version, content_hash, data FROM enrichments"))
        keys = sorted(db.execute("SELECT enricher, key, pk FROM enrichment_keys"))
    return rows, keys


@pytest.fixture(scope="module")
def papers_db(tmp_path_factory):
    """252 real papers (18 days of Hugging Face Daily Papers), not enriched."""
    return _build_store(tmp_path_factory.mktemp("ray") / "papers.db", days=18)


@pytest.fixture(scope="module")
def enriched_locally(papers_db, store_count_plugin, tmp_path_factory):
    """The local engine's results on a copy of ``papers_db``: (db path, summary)."""
    path = _copy(papers_db, tmp_path_factory.mktemp("local") / "local.db")
    store = open_store(str(path))
    summary = run_enrichers(store, ENRICHERS)
    store.close()
    return path, summary


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    yield ray
    ray.shutdown()


# -- quick: no Ray instance -------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bad_address_is_a_clear_error_fast(tmp_path):
    pytest.importorskip("ray")
    db = tmp_path / "x.db"
    runner = CliRunner()
    started = time.monotonic()
    port = _closed_port()
    result = runner.invoke(cli, ["--db", str(db), "enrich", "--engine", "ray", "--address", f"127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert f"cannot reach a Ray cluster at 127.0.0.1:{port}" in result.output
    assert "ray start --head" in result.output
    result = runner.invoke(cli, ["--db", str(db), "index", "--engine", "ray", "--address", "not-an-address"])
    assert result.exit_code == 1 and "not a Ray address: 'not-an-address'" in result.output
    result = runner.invoke(cli, ["--db", str(db), "enrich", "--engine", "ray", "--address", "http://head:8265"])
    assert result.exit_code == 1 and "not a Ray address" in result.output
    assert time.monotonic() - started < 20  # Ray alone waits minutes, then exits the process
    result = runner.invoke(cli, ["--db", str(db), "enrich", "--address", "127.0.0.1:6379"])
    assert result.exit_code == 2 and "--address needs --engine ray" in result.output


def test_env_address_is_used_and_ignored_by_the_local_engine(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    db = _build_store(tmp_path / "x.db", days=1)
    monkeypatch.setenv("PAPERRADAR_RAY_ADDRESS", f"127.0.0.1:{_closed_port()}")
    result = CliRunner().invoke(cli, ["--db", str(db), "enrich", "--only", "name"])
    assert result.exit_code == 0 and "name: 13 papers" in result.output
    result = CliRunner().invoke(cli, ["--db", str(db), "enrich", "--engine", "ray", "--only", "links"])
    assert result.exit_code == 1 and "cannot reach a Ray cluster" in result.output


def test_without_ray_the_engine_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    db = tmp_path / "x.db"
    for command in (["enrich", "--engine", "ray"], ["index", "--engine", "ray"]):
        result = CliRunner().invoke(cli, ["--db", str(db), *command])
        assert result.exit_code == 1
        assert "pip install 'paperradar[ray]'" in result.output


def test_worker_batch_isolates_failures_hands_back_store_users_and_chains(papers_db, store_count_plugin):
    """The actor's code, without Ray: what a worker sends back for one batch."""
    store = open_store(str(papers_db))
    todo = store.enrichment_todo("name", "no such version")[:40]
    pks, hashes = [pk for pk, _ in todo], [chash for _, chash in todo]
    papers = store.papers_by_pk(pks)
    store.close()
    word = next(w for w in (papers[3].abstract or "").split() if len(w) > 6)
    failing = sum(1 for p in papers if word in (p.abstract or ""))
    chain = select(["name", "results"])
    enrichers = [("t-fail", FailOnWord(word)), *chain.items(), ("t-store-count", StoreCountEnricher()),
                 ("links", select(["links"])["links"])]
    all_five = (1 << 5) - 1
    out = enrich_batch(enrichers, pks, hashes, papers, [all_five] * len(pks), {})
    assert 1 <= failing < len(pks)
    assert len(out.failures["t-fail"]) == failing and len(out.rows["t-fail"]) == len(pks) - failing
    assert len(out.rows["name"]) == len(out.rows["results"]) == len(pks)
    # results read this batch's name output from memory, as the local runner reads the stored one
    assert all(p.enrichments["name"] == data for p, (_, _, data, _) in zip(papers, out.rows["name"]))
    # the store user, and every enricher after it, go back to the driver
    assert out.bounced == {"t-store-count": pks, "links": pks}
    assert "t-store-count" not in out.rows and out.error is None
    fatal = enrich_batch([("t-fatal", Fatal())], pks[:2], hashes[:2], papers[:2], [1, 1], {})
    with pytest.raises(PaperradarError, match="corrupt"):
        raise pickle.loads(fatal.error)


def test_actor_round_trip_without_ray(papers_db):
    store = open_store(str(papers_db))
    todo = store.enrichment_todo("links", "1")[:5]
    papers = store.papers_by_pk([pk for pk, _ in todo])
    store.close()
    actor = EnrichActor([("links", pickle.dumps(select(["links"])["links"]))], {})
    batch = {"pk": np.array([pk for pk, _ in todo]), "content_hash": np.array([h for _, h in todo], dtype=object),
             "paper": np.array([pickle.dumps(p) for p in papers], dtype=object), "mask": np.array([1] * 5)}
    out = pickle.loads(actor(batch)["outcome"][0])
    assert [row[0] for row in out.rows["links"]] == [pk for pk, _ in todo]


# -- on a local Ray --------------------------------------------------------------


@pytest.mark.slow
def test_enrich_on_ray_stores_what_the_local_engine_stores(local_ray, papers_db, enriched_locally, tmp_path):
    local_db, local_summary = enriched_locally
    ray_db = _copy(papers_db, tmp_path / "ray.db")
    args = ["--db", str(ray_db), "enrich", "--engine", "ray", "--json"]
    for name in ENRICHERS:
        args += ["--only", name]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows, keys = _enrichment_rows(ray_db)
    local_rows, local_keys = _enrichment_rows(local_db)
    assert len(rows) == 252 * (len(ENRICHERS) - 1)  # translate is skipped: no backend configured
    assert rows == local_rows
    assert keys == local_keys and keys
    assert orjson.loads(result.stdout)["enrichers"] == [r.as_dict() for r in local_summary.reports]
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert [r["done"] for r in orjson.loads(again.stdout)["enrichers"]] == [0] * len(ENRICHERS)
    assert _enrichment_rows(ray_db) == (rows, keys)


@pytest.mark.slow
def test_embedding_on_ray_matches_local_vectors(local_ray, tmp_path):
    from paperradar.index.engine import SearchEngine

    ray_db = _build_store(tmp_path / "ray.db", days=5)  # 59 papers
    local_db = _copy(ray_db, tmp_path / "local.db")
    local = open_store(str(local_db))
    engine = SearchEngine(local)
    assert engine.embed_missing() == 59
    result = CliRunner().invoke(cli, ["--db", str(ray_db), "index", "--engine", "ray", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout) == {"keyword_indexed": 59, "embedded": 59, "vectors_added": 59}

    def vectors(path):
        with sqlite3.connect(path) as db:
            return {(h, m): np.frombuffer(v, np.float32)
                    for h, m, v in db.execute("SELECT content_hash, model, vector FROM embeddings")}

    ours, theirs = vectors(ray_db), vectors(local_db)
    assert set(ours) == set(theirs) and len(ours) == 59 * 2  # title-and-abstract, and title
    for key, vec in ours.items():
        assert np.allclose(vec, theirs[key], atol=1e-5), key
    searched = SearchEngine(open_store(str(ray_db))).search("video generation diffusion", mode="semantic", limit=3)
    assert len(searched) == 3
    again = CliRunner().invoke(cli, ["--db", str(ray_db), "index", "--engine", "ray", "--json"])
    assert orjson.loads(again.stdout) == {"keyword_indexed": 0, "embedded": 0, "vectors_added": 0}
    gpu_only = CliRunner().invoke(cli, ["--db", str(ray_db), "index", "--engine", "ray",
                                       "--embedder", "all-MiniLM-L6-v2/torch-fp16"])
    assert gpu_only.exit_code == 1 and "needs a CUDA GPU and the Ray cluster has none" in gpu_only.output


@pytest.mark.slow
def test_killed_ray_job_reruns_without_duplicates_or_gaps(local_ray, papers_db, enriched_locally, tmp_path):
    db = _copy(papers_db, tmp_path / "killed.db")
    only = ["links", "name", "results", "tldr"]
    pks = list(range(1, 121))  # 120 of the papers, 4 per batch: 30 batches
    total = len(pks) * len(only)
    address = local_ray.get_runtime_context().gcs_address
    script = textwrap.dedent(f"""
        from paperradar.batch import run_enrichers_ray
        from paperradar.store import open_store
        run_enrichers_ray(open_store({str(db)!r}), {only!r}, pks={pks!r}, batch=4, address={address!r})
    """)
    driver = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    saved = 0
    deadline = time.monotonic() + 120
    with sqlite3.connect(db, timeout=30) as watch:
        while saved == 0 and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            saved = watch.execute("SELECT count(*) FROM enrichments").fetchone()[0]
    os.kill(driver.pid, signal.SIGKILL)
    output = driver.communicate()[0].decode(errors="replace")
    assert driver.returncode == -signal.SIGKILL, output
    with sqlite3.connect(db) as watch:
        saved = watch.execute("SELECT count(*) FROM enrichments").fetchone()[0]
    assert 0 < saved < total  # killed in the middle of the job

    from paperradar.batch import run_enrichers_ray

    store = open_store(str(db))
    summary = run_enrichers_ray(store, only, pks=pks)
    assert sum(r.done for r in summary.reports) == total - saved  # only what was missing
    assert store.integrity_problems() == []
    store.close()
    with sqlite3.connect(db) as check:
        per_pair = check.execute("SELECT count(*), count(DISTINCT pk || '/' || enricher) FROM enrichments").fetchone()
    assert per_pair == (total, total)  # one row per (paper, enricher): none twice, none missing
    rows, keys = _enrichment_rows(db)
    local_rows, local_keys = _enrichment_rows(enriched_locally[0])
    assert rows == [r for r in local_rows if r[1] in only and r[0] in pks]
    assert keys == [k for k in local_keys if k[0] in only and k[2] in pks]
