"""`paperradar migrate --to postgresql://…`: a real SQLite store copied into a
real PostgreSQL (the session's throwaway cluster), verified per table."""

from __future__ import annotations

import sqlite3
import struct

import orjson
import pytest
from click.testing import CliRunner

from conftest import SEEDS, need
from paperradar.cli import cli
from paperradar.cli_db import migrate_command
from paperradar.codec import paper_to_dict
from paperradar.errors import StoreError
from paperradar.models import Paper
from paperradar.pipeline import ingest
from paperradar.store import open_store
from paperradar.store.migrate import TABLES, migrate_sqlite_to_postgres

cli.add_command(migrate_command)  # until cli.py registers it


def vector(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


@pytest.fixture
def sqlite_store(tmp_path):
    """A SQLite store with something in every table."""
    path = tmp_path / "radar.db"
    store = open_store(path)
    ingest(store, [str(p) for p in sorted(need(SEEDS).glob("*.txt"))[:2]])
    store.ingest_batch([Paper(title="A title with a NUL\x00 inside", abstract="Odd bytes.", source="t",
                              source_id="nul", extra={"k\x00": "v\x00", "order": 1, "a": [3.25, None]})],
                       checkpoint=("file:x", {"records": 7}))
    pks = sorted(store.pk_of(p.id) for p in store.papers())
    hashes = [h for h, _ in store.texts_to_embed("m")]
    store.save_embeddings("m", [(h, vector(*(float(i % 7 + j) for j in range(4)))) for i, h in enumerate(hashes)])
    store.save_embeddings("odd", [(hashes[0], vector(float("nan"), 1.0)), (hashes[1], b"\x01\x02\x03")])
    store.save_enrichments("links", "1", [(pks[0], "h", {"code": ["https://github.com/a/b"]}, ["code"])])
    store.cache_put("translate", "abc", "fake", {"zh": "你好"})
    ana = store.reader("ana")
    store.rate(ana.id, pks[0], 1)
    store.save_paper(ana.id, pks[1])
    store.tag_paper(ana.id, pks[1], "vision")
    sub = store.subscribe(ana.id, "ana@example.org", {"queries": ["diffusion"]}, "weekly", "zh")
    store.claim_issue(sub.id, "2026-11-23")
    store.mark_sent(sub.id, "2026-11-23", pks[:3], "<m@radar>")
    store.save_account(ana.id, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA")
    store.add_api_token(ana.id, "ab" * 32, "laptop")
    store.add_api_token(ana.id, "cd" * 32)
    store.reader_id_for_token_hash("ab" * 32)  # its last use
    store.close()
    return path


def snapshot(store) -> dict:
    papers = [paper_to_dict(p) for p in store.papers()]
    reader = store.reader("ana", create=False)
    return {
        "papers": papers,
        "revision": store.revision(),
        "embeddings": {m: sorted(store.embeddings(m)) for m in ("m", "odd")},
        "library": store.library(reader.id),
        "subscriptions": store.subscriptions(active_only=False),
        "sent": store.sent_pks(store.subscriptions()[0].id),
        "cache": store.cache_get("translate", "abc", "fake"),
        "checkpoint": store.checkpoint("file:x"),
        "keys": store.enrichment_keys("links"),
        "accounts": [store.account(name) for name in store.account_names()],
        "api_tokens": store.api_tokens(reader.id),
    }


def test_every_table_is_copied_and_verified(sqlite_store, pg_url):
    report = migrate_sqlite_to_postgres(sqlite_store, pg_url)
    assert report.ok and [t.table for t in report.tables] == [s.name for s in TABLES]
    by_table = {t.table: t for t in report.tables}
    for name in ("papers", "paper_sources", "embeddings", "enrichments", "readers", "sent_papers", "accounts",
                 "api_tokens"):
        assert by_table[name].source_rows > 0 and by_table[name].action == "copied", name
    count = sqlite3.connect(sqlite_store).execute("SELECT count(*) FROM papers").fetchone()[0]
    assert by_table["papers"].target_rows == count
    assert report.ann_indexes == ["m"]  # the 2-d "odd" model has NaN: kept as bytes, no index

    src, dst = open_store(sqlite_store), open_store(pg_url)
    expected, got = snapshot(src), snapshot(dst)
    nul = next(p for p in expected["papers"] if p["title"] and "NUL" in p["title"])
    nul_pg = next(p for p in got["papers"] if p["title"] and "NUL" in p["title"])
    assert nul_pg["title"] == nul["title"].replace("\x00", "\ufffd")  # PostgreSQL cannot hold NUL
    assert nul_pg["extra"] == {"k\ufffd": "v\ufffd", "order": 1, "a": [3.25, None]}
    expected["papers"].remove(nul)
    got["papers"].remove(nul_pg)
    assert got == expected  # papers, vectors (byte for byte), readers, the sent log, accounts and tokens
    assert got["api_tokens"][0].last_used_at and dst.reader_id_for_token_hash("ab" * 32) == got["accounts"][0].reader_id

    # The migrated store goes on: new papers, revisions and readers continue the numbering.
    rev = dst.revision()
    added = dst.ingest_batch([Paper(title="After the migration", source="t", source_id="new")]).added
    assert dst.revision() > rev
    assert dst.pk_of(added[0]) == max(src.pk_of(p.id) for p in src.papers()) + 1
    assert dst.reader("bo").id == max(r.id for r in src.readers()) + 1
    dst.add_api_token(dst.reader("bo").id, "ef" * 32)  # token ids go on after the copied ones
    assert len(dst.api_tokens(dst.reader("ana").id)) == 2 and dst.revoke_api_tokens(dst.reader("bo").id) == 1
    assert dst.integrity_problems() == []
    src.close()
    dst.close()


def test_rerun_skips_what_agrees_and_brings_the_rest_level(sqlite_store, pg_url):
    first = migrate_sqlite_to_postgres(sqlite_store, pg_url)
    again = migrate_sqlite_to_postgres(sqlite_store, pg_url)
    assert again.ok and {t.action for t in again.tables} == {"skipped"}
    assert [(t.target_rows, t.target_checksum) for t in again.tables] == \
           [(t.target_rows, t.target_checksum) for t in first.tables]
    # The SQLite store moves on (a tag removed, a paper added); migrating again follows it.
    src = open_store(sqlite_store)
    ana = src.reader("ana")
    entry = next(e for e in src.library(ana.id) if e.tags)
    src.tag_paper(ana.id, entry.pk, "vision", on=False)
    src.ingest_batch([Paper(title="A later paper", source="t", source_id="later")])
    src.save_account(ana.id, "$argon2id$a-new-password")
    src.close()
    third = migrate_sqlite_to_postgres(sqlite_store, pg_url)
    actions = {t.table: t.action for t in third.tables}
    assert third.ok and actions["reader_tags"] == "merged" and actions["papers"] == "merged"
    assert actions["readers"] == "skipped" and actions["accounts"] == "merged" and actions["api_tokens"] == "skipped"
    dst = open_store(pg_url)
    assert {e.pk: e.tags for e in dst.library(ana.id)}[entry.pk] == []
    assert "A later paper" in {p.title for p in dst.papers()}
    assert dst.account("ana").password_hash == "$argon2id$a-new-password"
    dst.close()


def test_a_database_with_other_papers_is_refused(sqlite_store, pg_url):
    other = open_store(pg_url)
    other.ingest_batch([Paper(title="Someone else's paper", source="t")])
    other.close()
    with pytest.raises(StoreError, match="already holds papers"):
        migrate_sqlite_to_postgres(sqlite_store, pg_url)


def test_a_migrated_store_changed_since_is_not_overwritten(sqlite_store, pg_url):
    migrate_sqlite_to_postgres(sqlite_store, pg_url)
    dst = open_store(pg_url)
    dst.rate(dst.reader("ana").id, dst.pk_of(next(dst.papers()).id), -1)  # a reader changed their mind
    with pytest.raises(StoreError, match="reader_papers .* has changed since it was migrated"):
        migrate_sqlite_to_postgres(sqlite_store, pg_url)
    dst.ingest_batch([Paper(title="Written in PostgreSQL after the move", source="t")])
    with pytest.raises(StoreError, match="papers .* has changed since it was migrated"):
        migrate_sqlite_to_postgres(sqlite_store, pg_url)
    assert migrate_sqlite_to_postgres(sqlite_store, pg_url, force=True).ok
    assert "Written in PostgreSQL after the move" not in {p.title for p in dst.papers()}  # forced: a mirror
    dst.close()


def test_an_interrupted_migration_resumes(sqlite_store, pg_url, monkeypatch):
    from paperradar.store import migrate

    real = migrate._copy_into

    def dies_on_embeddings(store, table, spec, rows):
        if spec.name == "embeddings":
            raise KeyboardInterrupt
        real(store, table, spec, rows)

    monkeypatch.setattr(migrate, "_copy_into", dies_on_embeddings)
    with pytest.raises(KeyboardInterrupt):
        migrate_sqlite_to_postgres(sqlite_store, pg_url)
    monkeypatch.setattr(migrate, "_copy_into", real)
    resumed = migrate_sqlite_to_postgres(sqlite_store, pg_url)
    actions = {t.table: t.action for t in resumed.tables}
    assert resumed.ok and actions["papers"] == "skipped" and actions["embeddings"] == "copied"


def test_migrate_command(sqlite_store, pg_url):
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(sqlite_store), "migrate", "--to", pg_url, "--json"])
    assert out.exit_code == 0, out.output
    data = orjson.loads(out.stdout)
    assert data["ok"] and {t["table"] for t in data["tables"]} >= {"papers", "embeddings", "sent_issues", "accounts",
                                                                    "api_tokens"}
    text = runner.invoke(cli, ["--db", str(sqlite_store), "migrate", "--to", pg_url])
    assert text.exit_code == 0 and "verified" in text.output and "skipped" in text.output
    bad = runner.invoke(cli, ["--db", str(sqlite_store), "migrate", "--to", "mysql://x"])
    assert bad.exit_code == 1 and "not a PostgreSQL URL" in bad.output
    missing = runner.invoke(cli, ["--db", str(sqlite_store.with_name("nope.db")), "migrate", "--to", pg_url])
    assert missing.exit_code == 1 and "no SQLite store" in missing.output
