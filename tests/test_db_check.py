"""`paperradar db check` finds what it promises to find: planted duplicates, orphan rows,
index rows of a deleted paper, a paper sent twice, claimed-but-unfinished issues, an
index that skipped papers after a crash. On both backends (the ``store`` fixture)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from datetime import date

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, need
from smtp_inbox import Inbox

from paperradar.cli import cli
from paperradar.index import SearchEngine
from paperradar.index import engine as engine_module
from paperradar.index.check import index_problems
from paperradar.index.embed import DEFAULT_EMBEDDER
from paperradar.models import Paper
from paperradar.pipeline import ingest
from paperradar.publish.send_claims import claimer, unfinished_sends

DIM = 384


class HashEmbedder:
    """Deterministic vectors from the text's hash, under the default model's name: the
    check sees the indexes the real engine writes, without loading the model."""

    name, dim = DEFAULT_EMBEDDER, DIM

    def embed(self, texts):
        rows = [np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16)).standard_normal(DIM)
                for t in texts]
        out = np.asarray(rows, dtype=np.float32).reshape(-1, DIM)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_query(self, text):
        return self.embed([text])[0]


def synced_engine(store) -> SearchEngine:
    engine = SearchEngine(store)
    engine._embedder = HashEmbedder()
    engine.sync()
    return engine


def sql(store, query: str, params=()):
    """Raw SQL on either backend (``?`` placeholders)."""
    if hasattr(store, "conn"):
        return store.conn.execute(query.replace("?", "%s"), params)
    return store.db.execute(query, params)


def db_of(store) -> str:
    """What --db takes for this store."""
    return store.dsn if hasattr(store, "dsn") else str(store.path)


def check(store) -> tuple[int, str]:
    out = CliRunner().invoke(cli, ["--db", db_of(store), "db", "check"])
    return out.exit_code, out.output


@pytest.fixture
def radar(store):
    ingest(store, [str(need(FIXTURES / "hf-daily" / f"2026-06-{d}.json")) for d in (18, 19)])
    return store


def test_a_store_in_step_with_its_indexes_is_consistent(radar):
    engine = synced_engine(radar)
    code, output = check(radar)
    assert code == 0 and f"store is consistent ({radar.count():,} papers)" in output, output
    out = CliRunner().invoke(cli, ["--db", db_of(radar), "db", "check", "--json"])
    report = orjson.loads(out.output.splitlines()[-1])
    assert out.exit_code == 0 and report["problems"] == [] and report["papers"] == radar.count()
    engine.close()


def test_a_planted_duplicate_paper_is_found(radar):
    pk = min(radar.pks_matching(radar_query()))
    sql(radar, "INSERT INTO papers (pk, id, title, date, data, content_hash, added_at, updated_at, rev)"
               " SELECT pk + 100000, id || '-copy', title, date, data, content_hash, added_at, updated_at, rev"
               " FROM papers WHERE pk = ?", (pk,))
    sql(radar, "INSERT INTO paper_sources SELECT pk + 100000, source, source_id, first_seen, last_seen, fields"
               " FROM paper_sources WHERE pk = ?", (pk,))
    assert radar.integrity_problems() == ["1 papers whose arXiv id is not keyed to them",
                                          "1 duplicate papers (one arXiv id stored as several papers)"]
    code, output = check(radar)
    assert code == 1 and "problem: 1 duplicate papers (one arXiv id" in output


def test_planted_orphan_rows_are_found(radar):
    pk = min(radar.pks_matching(radar_query()))
    ana = radar.reader("ana")
    radar.rate(ana.id, pk, 1)
    radar.save_enrichments("links", "1", [(pk, "h", {"code": []}, ["code"])])
    sql(radar, "UPDATE enrichments SET pk = 999999 WHERE pk = ?", (pk,))
    sql(radar, "UPDATE reader_papers SET pk = 999998 WHERE pk = ?", (pk,))
    sub = radar.subscribe(ana.id, "ana@example.org", {})
    radar.claim_issue(sub.id, "day:2026-06-19")
    radar.mark_sent(sub.id, "day:2026-06-19", [pk], "<m@radar>")
    sql(radar, "DELETE FROM readers WHERE id = ?", (ana.id,))
    problems = radar.integrity_problems()
    for orphan in ("1 enrichment rows of no paper", "1 library rows of no paper", "1 library rows of no reader",
                   "1 subscriptions of no reader"):
        assert orphan in problems, problems
    code, output = check(radar)
    assert code == 1 and "problem: 1 enrichment rows of no paper" in output


def test_index_rows_of_a_deleted_paper_are_found(radar):
    engine = synced_engine(radar)
    assert index_problems(radar) == []
    pk = max(radar.pks_matching(radar_query()))
    for table in ("paper_keys", "paper_categories", "paper_sources", "papers"):
        sql(radar, f"DELETE FROM {table} WHERE pk = ?", (pk,))
    if not hasattr(radar, "conn"):
        sql(radar, "DELETE FROM paper_keys_recent WHERE pk = ?", (pk,))
    assert radar.integrity_problems() == []
    problems = index_problems(radar)
    assert any("keyword index" in p and f"holds 1 papers that are not in the store (pk {pk})" in p
               for p in problems), problems
    assert any("vector index" in p and f"live rows for 1 papers that are not in the store (pk {pk})" in p
               for p in problems), problems
    code, output = check(radar)
    assert code == 1 and "not in the store" in output
    engine.close()


def test_a_paper_sent_twice_to_one_subscription_is_found(radar):
    pk = min(radar.pks_matching(radar_query()))
    sub = radar.subscribe(radar.reader("ana").id, "ana@example.org", {})
    radar.claim_issue(sub.id, "day:2026-06-18")
    radar.mark_sent(sub.id, "day:2026-06-18", [pk], "<a@radar>")
    # The primary key forbids it; a damaged index or a copy made without constraints does not.
    if hasattr(radar, "conn"):
        sql(radar, "ALTER TABLE sent_papers DROP CONSTRAINT sent_papers_pkey")
    else:
        radar.db.executescript("ALTER TABLE sent_papers RENAME TO sent_papers_old;"
                               " CREATE TABLE sent_papers (subscription_id, pk, issue);"
                               " INSERT INTO sent_papers SELECT * FROM sent_papers_old; DROP TABLE sent_papers_old;")
    sql(radar, "INSERT INTO sent_papers VALUES (?, ?, ?)", (sub.id, pk, "day:2026-06-18"))
    assert radar.integrity_problems() == ["1 papers sent twice to one subscription"]
    code, output = check(radar)
    assert code == 1 and "problem: 1 papers sent twice to one subscription" in output


def dead_claimer() -> str:
    """A claim naming a process of this host that has ended."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)
    return claimer().replace(f"pid {os.getpid()} ", f"pid {proc.stdout.strip()} ")


def test_claimed_but_unfinished_issues_are_reported_and_settled(radar):
    subs = [radar.subscribe(radar.reader(name).id, f"{name}@example.org", {}) for name in ("ana", "bo", "cy", "di")]
    pks = sorted(radar.pks_matching(radar_query()))[:2]
    issue = "day:2026-06-19"
    assert radar.claim_issue(subs[0].id, issue, dead_claimer())  # its sender was killed before DATA
    assert radar.claim_issue(subs[1].id, issue, claimer())  # this process is sending it
    assert radar.claim_issue(subs[2].id, issue, claimer())  # handed over, then the sender died
    assert radar.mark_delivering(subs[2].id, issue, pks, "<d@radar>", claimer())
    assert radar.claim_issue(subs[3].id, issue)  # an older paperradar's claim: names no process
    assert radar.integrity_problems() == []
    problems, notes = unfinished_sends(radar)
    assert len(problems) == 3 and len(notes) == 1, (problems, notes)
    assert "which died before the SMTP server had it: `paperradar send --date 2026-06-19` sends it" in problems[0]
    assert "bo@example.org" in notes[0] and "is being sent by pid" in notes[0]
    assert "is in doubt" in problems[1] and "<d@radar>" in problems[1] and f"settle {subs[2].id} {issue}" in problems[1]
    assert "older paperradar" in problems[2]
    assert radar.sent_pks(subs[2].id) == set(pks)  # in doubt: its papers are never offered again
    code, output = check(radar)
    assert code == 1 and output.count("problem: ") == 3

    db = db_of(radar)
    settle = CliRunner().invoke(cli, ["--db", db, "db", "settle", str(subs[2].id), issue, "--delivered"])
    assert settle.exit_code == 0 and "recorded as sent" in settle.output
    assert radar.issue_status(subs[2].id, issue) == "sent" and radar.sent_pks(subs[2].id) == set(pks)
    settle = CliRunner().invoke(cli, ["--db", db, "db", "settle", str(subs[3].id), issue, "--not-delivered"])
    assert settle.exit_code == 0 and radar.issue_status(subs[3].id, issue) is None
    again = CliRunner().invoke(cli, ["--db", db, "db", "settle", str(subs[3].id), issue, "--delivered"])
    assert again.exit_code == 1 and "no unfinished issue" in again.output
    radar.release_issue(subs[1].id, issue, claimer())
    assert [c.subscription_id for c in radar.unfinished_issues()] == [subs[0].id]


def test_a_dead_senders_claim_is_sent_by_the_next_run_and_a_handed_over_one_never(radar, monkeypatch):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from paperradar.publish.mailer import SmtpSettings
    from paperradar.publish.subscribers import send_due

    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for key, value in {"PAPERRADAR_SMTP_HOST": "127.0.0.1", "PAPERRADAR_SMTP_PORT": str(port),
                           "PAPERRADAR_MAIL_FROM": "radar@example.org",
                           "PAPERRADAR_BASE_URL": "https://radar.example.org"}.items():
            monkeypatch.setenv(key, value)
        dead, doubt = (radar.subscribe(radar.reader(n).id, f"{n}@example.org", {}) for n in ("ana", "bo"))
        friday = date(2026, 6, 19)
        assert radar.claim_issue(dead.id, "day:2026-06-19", dead_claimer())
        assert radar.claim_issue(doubt.id, "day:2026-06-19", claimer())
        assert radar.mark_delivering(doubt.id, "day:2026-06-19", [], "<d@radar>", claimer())
        report = send_due(radar, friday, settings=SmtpSettings.from_env())
        assert [(o.subscription.email, o.status) for o in report.outcomes] == [
            ("ana@example.org", "sent"), ("bo@example.org", "interrupted")]
        assert [e.rcpt_tos for e in inbox.envelopes] == [["ana@example.org"]]
        claim = radar.issue_claim(dead.id, "day:2026-06-19")
        assert claim.status == "sent" and claim.holder == inbox.envelopes[0].content.decode().split(
            "Message-ID: ")[1].split("\r\n")[0]
        assert unfinished_sends(radar)[0] and "in doubt" in unfinished_sends(radar)[0][0]
        again = send_due(radar, friday, settings=SmtpSettings.from_env())
        assert [o.status for o in again.outcomes] == ["already sent", "interrupted"] and len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_a_keyword_sync_killed_after_a_periodic_commit_skips_no_paper(store, monkeypatch):
    """Regression: the periodic commit recorded the revision of the last paper indexed,
    though papers of that revision were still to come; a crash then lost them for good."""
    store.ingest_batch([Paper(title=f"Paper number {i} on crash-safe keyword indexes", abstract=f"Text {i}.")
                        for i in range(700)])  # one revision, two chunks of changed_since
    monkeypatch.setattr(engine_module, "KEYWORD_COMMIT_EVERY", 500)
    real = store.changed_since

    def dies_after_the_first_chunk(rev, *args):
        chunks = real(rev, *args)
        yield next(chunks)
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(store, "changed_since", dies_after_the_first_chunk)
    engine = SearchEngine(store)
    with pytest.raises(KeyboardInterrupt):
        engine.sync_keyword()
    engine.close()
    monkeypatch.setattr(store, "changed_since", real)
    engine = SearchEngine(store)
    engine.sync_keyword()
    assert engine.keyword.count() == 700
    assert index_problems(store) == []
    engine.close()


def test_vector_files_shorter_than_their_metadata_are_found(radar):
    engine = synced_engine(radar)
    engine.close()
    directory = radar.artifact_dir("vectors") / engine_module._safe_name(DEFAULT_EMBEDDER)
    with open(directory / "pks.i64", "r+b") as fh:  # a compaction killed half-way
        fh.truncate(8)
    problems = index_problems(radar)
    assert len(problems) == 1 and "hold fewer than the" in problems[0] and "pks.i64" in problems[0]


def radar_query():
    from paperradar.store import PaperQuery

    return PaperQuery()


def test_a_keyword_writer_killed_before_its_commit_wedges_no_later_writer(tmp_path):
    """Found by the kill campaign (ingest on PostgreSQL, 50 kills): a writer killed after
    tantivy wrote a commit's files but before it switched meta.json left them behind; the
    next writer, doing the same changes, reached the same opstamp and failed on
    'FileAlreadyExists(<segment>.<opstamp>.del)' in every later run."""
    from paperradar.index.keyword import META_FILE, KeywordDoc, KeywordIndex

    path = tmp_path / "keyword"
    docs = [KeywordDoc(pk, f"Paper {pk} on crash safety", "Kill it and run it again.") for pk in range(1, 41)]
    with KeywordIndex(path, writer_heap_bytes=20_000_000, writer_threads=1) as index:
        index.upsert(docs)
        index.commit({"rev": 1})
    before = {name: (path / name).read_bytes() for name in ("meta.json", META_FILE)}
    with KeywordIndex(path, writer_heap_bytes=20_000_000, writer_threads=1) as index:
        index.upsert(docs[:10])  # replaces ten papers: deletes, so .del files at the new opstamp
        index.commit({"rev": 2})
    for name, data in before.items():  # as if killed before meta.json was switched
        (path / name).write_bytes(data)
    with KeywordIndex(path, writer_heap_bytes=20_000_000, writer_threads=1) as index:
        assert index.meta() == {"rev": 1} and index.count() == 40
        index.upsert(docs[:10])  # the re-run does the same again
        index.commit({"rev": 2})
        assert index.count() == 40 and index.meta() == {"rev": 2}
