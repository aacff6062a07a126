"""The PostgreSQL store's own behaviour, on a real server (the session's
throwaway cluster): what the shared store tests cannot see from outside
(rows as stored, migrations, locks between processes, COPY, full text,
pgvector), and the twins of the SQLite tests that read the file itself."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

if not os.environ.get("CI"):  # in CI the PostgreSQL tests must run
    pytest.importorskip("psycopg", reason="pip install 'paperradar[postgres]'")
import psycopg  # noqa: E402

from conftest import ROOT, SEEDS, need
from paperradar.codec import paper_to_dict
from paperradar.errors import StoreError
from paperradar.models import Paper
from paperradar.pipeline import ingest
from paperradar.store import PaperQuery, open_store
from paperradar.store.postgres import PostgresStore
from test_store import ABSTRACT, arxiv_record, pasted_record


@pytest.fixture
def pg(pg_url, tmp_path):
    store = PostgresStore(pg_url, data_dir=tmp_path / "artifacts")
    yield store
    store.close()


def rows(url, sql):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_migrations_are_named_rerunnable_and_bring_pgvector(pg_url):
    open_store(pg_url).close()
    open_store(pg_url).close()
    names = [r[0] for r in rows(pg_url, "SELECT name FROM _migrations ORDER BY applied_at, name")]
    assert names == sorted(names) and len(set(names)) == len(names)
    assert {"m001_papers", "m007_readers", "m102_full_text", "m103_pgvector"} <= set(names)
    version = rows(pg_url, "SELECT extversion FROM pg_extension WHERE extname = 'vector'")[0][0]
    assert tuple(map(int, version.split("."))) >= (0, 5, 0)  # HNSW came in 0.5.0


def test_same_input_twice_changes_nothing(pg, pg_url):
    batch = [pasted_record(), arxiv_record(), Paper(abstract=ABSTRACT + " Extra.", source="x")]
    pg.ingest_batch(batch)
    sql = "SELECT id, data::text, updated_at, rev FROM papers ORDER BY pk"
    before = rows(pg_url, sql)
    again = pg.ingest_batch(batch)
    assert not again.added and not again.merged and len(again.unchanged) == 3
    assert rows(pg_url, sql) == before


def test_integrity_check_finds_orphans(pg, pg_url):
    pg.ingest_batch([arxiv_record()])
    assert pg.integrity_problems() == []
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO paper_keys VALUES ('doi', '10.1/x', 999)")
    assert any("keys pointing at no paper" in p for p in pg.integrity_problems())


def test_many_batches_then_every_title_matches(pg):
    papers = [Paper(title=f"Key test paper number {i}", abstract=f"{i} " + ABSTRACT,
                    source="jsonl", source_id=str(i)) for i in range(40)]
    for i in range(0, 40, 7):
        pg.ingest_batch(papers[i:i + 7])
    again = pg.ingest_batch([Paper(title=p.title.upper(), source="csv") for p in papers])
    assert len(again.merged) == 40 and pg.count() == 40
    assert pg.integrity_problems() == []


def test_last_seen_moves_only_on_a_new_day(pg_url):
    days = iter(["2026-11-20T08:00:00+00:00", "2026-11-20T09:00:00+00:00", "2026-11-21T08:00:00+00:00"])
    store = PostgresStore(pg_url, clock=lambda: next(days))
    store.ingest_batch([arxiv_record()])
    assert store.ingest_batch([arxiv_record()]).unchanged
    assert store.ingest_batch([arxiv_record(source_fields={"upvotes": 3})]).merged
    seen = store.get("1706.03762").sources[0]
    assert seen.first_seen.startswith("2026-11-20") and seen.last_seen.startswith("2026-11-21")
    assert seen.fields == {"upvotes": 3}
    store.close()


def test_both_backends_store_the_same_papers(pg_url, tmp_path):
    """COPY path and merges against SQLite: the same inputs, in small batches so
    later batches merge into earlier ones, give the same papers."""
    specs = [str(p) for p in sorted(need(SEEDS).glob("*.txt"))]
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_snapshot.py"), str(tmp_path / "s.jsonl"),
                    "--lines", "600"], check=True, capture_output=True)
    specs += [str(tmp_path / "s.jsonl"), str(tmp_path / "s.jsonl")]  # the second time: all unchanged
    clock = lambda: "2026-11-23T10:00:00+00:00"  # noqa: E731
    from paperradar.store.sqlite import SQLiteStore

    lite, pg = SQLiteStore(tmp_path / "r.db", clock=clock), PostgresStore(pg_url, clock=clock)
    summaries = [ingest(s, specs, batch_size=97) for s in (lite, pg)]
    assert summaries[0].as_dict() == summaries[1].as_dict() and summaries[0].added > 700
    assert [paper_to_dict(p) for p in lite.papers()] == [paper_to_dict(p) for p in pg.papers()]
    assert lite.revision() <= pg.revision() and pg.integrity_problems() == []
    for query in (PaperQuery(category="cs.CV"), PaperQuery(author="müller"), PaperQuery(has_code=True),
                  PaperQuery(since="2020-01-01", until="2023-06"), PaperQuery(source="arxiv-snapshot")):
        assert lite.pks_matching(query) == pg.pks_matching(query), query
    lite.close()
    pg.close()


WRITER = textwrap.dedent("""
    import sys
    from paperradar.models import Paper
    from paperradar.store import open_store
    store = open_store(sys.argv[1])
    order = range(300) if sys.argv[2] == "up" else range(299, -1, -1)
    papers = [Paper(title=f"Concurrent paper {i}", abstract=f"Abstract {i} " * 3, arxiv_id=f"2401.{i:05d}",
                    source=sys.argv[2], source_id=str(i)) for i in order]
    for start in range(0, 300, 20):
        store.ingest_batch(papers[start:start + 20])
    store.close()
""")


def test_two_processes_ingesting_the_same_papers_make_no_duplicates(pg_url):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, pg_url, way]) for way in ("up", "down")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    store = open_store(pg_url)
    assert store.count() == 300 and store.integrity_problems() == []
    assert rows(pg_url, "SELECT count(*) FROM paper_keys WHERE kind = 'arxiv'")[0][0] == 300
    assert {s.source for s in store.get("2401.00007").sources} == {"up", "down"}
    revs = [r[0] for r in rows(pg_url, "SELECT rev FROM papers")]
    assert max(revs) == store.revision() and len(set(revs)) > 1
    store.close()


def test_concurrent_claimers_get_each_issue_once(pg_url):
    store = open_store(pg_url)
    sub = store.subscribe(store.reader("ana").id, "ana@example.org", {})
    wins: list[str] = []

    def claim():
        mine = open_store(pg_url)
        wins.extend(issue for issue in (f"2026-12-{d:02d}" for d in range(1, 29)) if mine.claim_issue(sub.id, issue))
        mine.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [f"2026-12-{d:02d}" for d in range(1, 29)]
    store.close()


def test_nul_characters_are_replaced_not_refused(pg):
    result = pg.ingest_batch([Paper(title="Bad\x00title", abstract="x\x00y", source="t\x00", extra={"a\x00": 1})])
    paper = pg.get(result.added[0])
    assert paper.title == "Bad\ufffdtitle" and paper.extra == {"a\ufffd": 1}
    assert paper.sources[0].source == "t\ufffd"


def test_full_text_weights_title_over_abstract_and_takes_filters(pg):
    pg.ingest_batch([
        Paper(title="Diffusion models for video", abstract="We study generation.", date="2024-01-02",
              categories=["cs.CV"], source="t", source_id="1"),
        Paper(title="A study of generation", abstract="Diffusion models appear in the abstract only.",
              date="2023-01-02", categories=["cs.LG"], source="t", source_id="2"),
        Paper(title="Unrelated", abstract="Nothing here.", source="t", source_id="3"),
    ])
    hits = pg.keyword_search("diffusion models", limit=10)
    titles = [pg.papers_by_pk([h.pk])[0].title for h in hits]
    assert titles == ["Diffusion models for video", "A study of generation"]
    assert hits[0].score > hits[1].score
    only_lg = pg.keyword_search("diffusion", filters=PaperQuery(category="cs.LG"))
    assert [pg.papers_by_pk([h.pk])[0].title for h in only_lg] == ["A study of generation"]
    assert pg.keyword_search("the of and") == [] and pg.keyword_search("") == []


def test_pgvector_search_matches_exact_search(pg):
    rng = np.random.default_rng(7)
    papers = [Paper(title=f"Vector paper {i}", abstract=f"Text {i}.", source="t", source_id=str(i))
              for i in range(400)]
    pg.ingest_batch(papers)
    todo = pg.texts_to_embed("m")
    matrix = rng.standard_normal((len(todo), 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    pg.save_embeddings("m", [(h, v.tobytes()) for (h, _), v in zip(todo, matrix)])
    stored = {chash: blob for _, chash, _, blob in pg.embeddings("m")}
    assert stored == {h: v.tobytes() for (h, _), v in zip(todo, matrix)}  # byte for byte
    query = matrix[5] + 0.1 * matrix[9]
    exact = pg.vector_search("m", query, limit=10, exact=True)
    assert pg.build_ann_indexes() == ["m"] and pg.build_ann_indexes() == []
    approx = pg.vector_search("m", query, limit=10)
    assert len({h.pk for h in approx} & {h.pk for h in exact}) >= 9
    assert approx[0] == exact[0]
    allowed = set(sorted(pg.pks_matching(PaperQuery()))[:50])
    filtered = pg.vector_search("m", query, limit=10, allowed=allowed)
    assert len(filtered) == 10 and {h.pk for h in filtered} <= allowed
    scores = [h.score for h in filtered]
    assert scores == sorted(scores, reverse=True)


def test_artifacts_of_another_database_are_refused(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERRADAR_DATA_DIR", str(tmp_path / "idx"))
    store = open_store(pg_url)
    assert store.artifact_dir("keyword").parent == tmp_path / "idx"
    (tmp_path / "idx" / "store-id").write_text("someone-else")
    with pytest.raises(StoreError, match="another database"):
        store.artifact_dir("keyword")
    store.close()


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot connect to postgresql://u:\\*\\*\\*@127.0.0.1:1/x"):
        open_store("postgresql://u:secret@127.0.0.1:1/x?connect_timeout=2")


def test_db_start_prints_a_url_that_works_and_stop_stops_it():
    import shutil
    import tempfile

    from click.testing import CliRunner

    from paperradar.cli import cli
    from paperradar.cli_db import db_group

    cli.add_command(db_group)  # until cli.py registers it
    parent = tempfile.mkdtemp(prefix="paperradar-dbcmd-")
    os.chmod(parent, 0o755)  # the server runs as nobody when the tests run as root
    directory = os.path.join(parent, "cluster")
    runner = CliRunner()
    try:
        started = runner.invoke(cli, ["db", "start", "--dir", directory, "--dbname", "radar"])
        assert started.exit_code == 0, started.output
        url = started.output.strip()
        assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/radar")
        store = open_store(url)
        store.ingest_batch([arxiv_record()])
        assert store.get("1706.03762").title == "Attention Is All You Need"
        store.close()
        assert runner.invoke(cli, ["db", "start", "--dir", directory, "--dbname", "radar"]).output.strip() == url
        assert runner.invoke(cli, ["db", "stop", "--dir", directory]).exit_code == 0
        with pytest.raises(StoreError, match="cannot connect"):
            open_store(url + "?connect_timeout=2")
    finally:
        runner.invoke(cli, ["db", "stop", "--dir", directory])
        shutil.rmtree(parent, ignore_errors=True)
