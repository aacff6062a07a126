"""Readers, their library, subscriptions, the sent log, web accounts and API
tokens in the store (on each backend)."""

from __future__ import annotations

import pytest

from paperradar.errors import InputError, NotFound
from paperradar.models import Paper
from paperradar.store import open_store
from paperradar.store.base import Account, ApiToken


@pytest.fixture
def two_papers(store):
    store.ingest_batch([Paper(title="Masked image modeling", abstract="BEiT.", source="t", source_id="1"),
                        Paper(title="Knowledge distillation", abstract="Students.", source="t", source_id="2")])
    return [store.pk_of(p.id) for p in store.papers()]


def test_readers_are_created_once_and_found_by_name(store):
    ana = store.reader("ana")
    assert store.reader("ana") == ana and store.reader(" ana ").id == ana.id
    with pytest.raises(NotFound):
        store.reader("bo", create=False)
    with pytest.raises(InputError):
        store.reader("  ")
    store.set_interests(ana.id, "diffusion models for video")
    assert store.reader("ana").interests == "diffusion models for video"


def test_library_keeps_ratings_saves_and_tags_per_reader(store, two_papers):
    a, b = two_papers
    ana, bo = store.reader("ana"), store.reader("bo")
    store.rate(ana.id, a, 1)
    store.save_paper(ana.id, a)
    store.tag_paper(ana.id, a, "vision")
    store.tag_paper(ana.id, b, "to-read")
    store.rate(ana.id, a, -1)  # changing one's mind keeps the save
    store.rate(bo.id, b, 1)
    lib = {e.pk: e for e in store.library(ana.id)}
    assert (lib[a].rating, lib[a].saved, lib[a].tags) == (-1, True, ["vision"])
    assert (lib[b].rating, lib[b].saved, lib[b].tags) == (0, False, ["to-read"])
    assert [(e.pk, e.rating) for e in store.library(bo.id)] == [(b, 1)]
    store.tag_paper(ana.id, a, "vision", on=False)
    assert {e.pk: e.tags for e in store.library(ana.id)}[a] == []
    with pytest.raises(InputError):
        store.rate(ana.id, a, 5)


def test_subscriptions_validate_update_and_unsubscribe(store):
    ana = store.reader("ana")
    sub = store.subscribe(ana.id, "ana@example.org", {"categories": ["cs.CV"]}, "daily", "zh")
    again = store.subscribe(ana.id, "ana@example.org", {"queries": ["diffusion"]}, "weekly", "en")
    assert again.id == sub.id and again.token == sub.token and again.schedule == "weekly"
    assert again.topics == {"queries": ["diffusion"]}
    for bad in ("not-an-address", "a@b.org\r\nBcc: x@y.org", "a@b.org, c@d.org"):
        with pytest.raises(InputError):
            store.subscribe(ana.id, bad, {})
    with pytest.raises(InputError):
        store.subscribe(ana.id, "ana@example.org", {}, schedule="hourly")
    assert store.unsubscribe("wrong-token") is None
    assert store.unsubscribe(sub.token).active is False
    assert store.subscriptions() == []
    store.subscribe(ana.id, "ana@example.org", {}, "daily")  # subscribing again re-activates
    assert [s.id for s in store.subscriptions()] == [sub.id]


def test_readers_and_subscriptions_by_id_and_token(store):
    ana = store.reader("ana")
    assert store.reader_by_id(ana.id) == ana and store.reader_by_id(ana.id + 99) is None
    sub = store.subscribe(ana.id, "ana@example.org", {"tags": ["vision"]}, "weekly", "both")
    assert store.subscription_by_token(sub.token) == sub
    assert store.subscription_by_token("not-a-token") is None and store.subscription_by_token("") is None
    store.unsubscribe(sub.token)
    assert store.subscription_by_token(sub.token).active is False  # still found: the page says it is done


def test_accounts_keep_one_hash_per_reader(store):
    ana, bo = store.reader("ana"), store.reader("bo")
    assert store.account("ana") is None and store.account_names() == []
    store.save_account(ana.id, "$argon2id$first")
    store.save_account(ana.id, "$argon2id$second")  # a new password replaces the hash
    store.save_account(bo.id, "$argon2id$bo")
    assert store.account(" ana ") == Account(ana.id, "ana", "$argon2id$second")
    assert store.account_of_reader(bo.id).name == "bo" and store.account_of_reader(bo.id + 99) is None
    assert store.account_names() == ["ana", "bo"]
    store.reader("cy")  # a reader without an account
    assert store.account("cy") is None and store.account_names() == ["ana", "bo"]


def test_api_tokens_find_their_reader_note_their_use_and_are_revoked(store):
    now = ["2026-11-23T08:00:00+00:00"]
    store.clock = lambda: now[0]
    ana, bo = store.reader("ana"), store.reader("bo")
    store.add_api_token(ana.id, "a" * 64, "laptop")
    store.add_api_token(ana.id, "b" * 64)
    store.add_api_token(bo.id, "c" * 64, "ci")
    assert [t.label for t in store.api_tokens(ana.id)] == ["laptop", ""] and store.api_tokens(ana.id + 99) == []
    assert store.reader_id_for_token_hash("a" * 64) == ana.id
    assert store.reader_id_for_token_hash("c" * 64) == bo.id
    assert store.reader_id_for_token_hash("d" * 64) is None
    with pytest.raises(Exception, match="(?i)unique"):  # a hash is one token's
        store.add_api_token(bo.id, "a" * 64)
    assert store.revoke_api_tokens(ana.id) == 2 and store.revoke_api_tokens(ana.id) == 0
    assert store.reader_id_for_token_hash("a" * 64) is None and store.reader_id_for_token_hash("c" * 64) == bo.id


def test_a_tokens_last_use_is_written_now_and_then(db_path, store):
    from paperradar.store.sqlite_accounts import LAST_USED_EVERY_S, last_used_is_stale

    assert last_used_is_stale(None, "2026-11-23T08:00:00+00:00")
    assert not last_used_is_stale("2026-11-23T08:00:00+00:00", "2026-11-23T08:05:00+00:00")
    assert last_used_is_stale("2026-11-23T08:00:00+00:00", f"2026-11-23T08:{LAST_USED_EVERY_S // 60:02d}:00+00:00")
    assert last_used_is_stale("garbage", "2026-11-23T08:00:00+00:00")
    ana = store.reader("ana")
    store.clock = lambda: "2026-11-23T07:00:00+00:00"
    store.add_api_token(ana.id, "e" * 64)
    for at in ("2026-11-23T08:00:00+00:00", "2026-11-23T08:01:00+00:00", "2026-11-23T09:00:00+00:00"):
        store.clock = lambda at=at: at
        store.reader_id_for_token_hash("e" * 64)
    assert store.api_tokens(ana.id) == [ApiToken(ana.id, "", "2026-11-23T07:00:00+00:00", "2026-11-23T09:00:00+00:00")]
    other = open_store(str(db_path))  # another client (process) sees it, and writes its own use
    other.clock = lambda: "2026-11-23T09:05:00+00:00"
    assert other.reader_id_for_token_hash("e" * 64) == ana.id
    assert other.api_tokens(ana.id)[0].last_used_at == "2026-11-23T09:00:00+00:00"  # 5 minutes later: not yet
    other.clock = lambda: "2026-11-23T09:10:00+00:00"
    other.reader_id_for_token_hash("e" * 64)
    assert store.api_tokens(ana.id)[0].last_used_at == "2026-11-23T09:10:00+00:00"
    other.close()


def test_account_tables_made_by_the_web_app_before_m008_are_kept(tmp_path):
    """Stores the web app opened before the store made its account tables (m008)
    already have them, with rows: the migration keeps both."""
    import sqlite3

    from paperradar.store.migrations import MIGRATIONS, apply_migrations

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, fn in MIGRATIONS:
        if name < "m008":
            fn(db)
            db.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
    # What the web app made at start before m008 (web_migrations), and a reader with an account and a token.
    db.execute("CREATE TABLE IF NOT EXISTS accounts (reader_id INTEGER PRIMARY KEY REFERENCES readers(id),"
               " password_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)")
    db.execute("CREATE TABLE IF NOT EXISTS api_tokens (id INTEGER PRIMARY KEY, reader_id INTEGER NOT NULL"
               " REFERENCES readers(id), token_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL DEFAULT '',"
               " created_at TEXT NOT NULL, last_used_at TEXT)")
    db.execute("CREATE INDEX IF NOT EXISTS api_tokens_by_reader ON api_tokens(reader_id)")
    db.execute("INSERT INTO readers (id, name, interests, created_at) VALUES (1, 'ana', '', 'then')")
    db.execute("INSERT INTO accounts VALUES (1, '$argon2id$old', 'then', 'then')")
    db.execute("INSERT INTO api_tokens (reader_id, token_hash, created_at) VALUES (1, 'f00d', 'then')")
    db.close()
    store = open_store(path)
    try:
        assert store.account("ana").password_hash == "$argon2id$old"
        assert store.reader_id_for_token_hash("f00d") == 1
        assert apply_migrations(store.db) == []  # m008 recorded, nothing left to do
        assert "m008_accounts" in {r[0] for r in store.db.execute("SELECT name FROM _migrations")}
    finally:
        store.close()


def test_an_issue_is_claimed_once_and_its_papers_never_sent_again(db_path, two_papers, store):
    sub = store.subscribe(store.reader("ana").id, "ana@example.org", {})
    assert store.claim_issue(sub.id, "2026-11-23")
    other = open_store(str(db_path))  # a second process racing for the same issue
    assert not other.claim_issue(sub.id, "2026-11-23")
    store.mark_sent(sub.id, "2026-11-23", two_papers, "<id@radar>")
    assert other.issue_status(sub.id, "2026-11-23") == "sent"
    assert other.sent_pks(sub.id) == set(two_papers)
    assert store.claim_issue(sub.id, "2026-11-24")
    store.release_issue(sub.id, "2026-11-24")  # the send failed before the server took it
    assert store.issue_status(sub.id, "2026-11-24") is None and store.claim_issue(sub.id, "2026-11-24")
    assert store.integrity_problems() == []
    other.close()
