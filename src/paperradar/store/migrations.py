"""Named, re-runnable schema migrations for the SQLite store.

Each migration runs once, in order, inside a transaction, and is recorded by
name in ``_migrations``. Never edit a released migration: add a new one.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from ..normalize import utc_now

MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = []


def migration(fn: Callable[[sqlite3.Connection], None]):
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_papers(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE papers (
            pk INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT,
            date TEXT,
            data BLOB NOT NULL,
            content_hash TEXT NOT NULL,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX papers_by_date ON papers(date)")
    db.execute(
        """
        CREATE TABLE paper_keys (
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            pk INTEGER NOT NULL REFERENCES papers(pk),
            PRIMARY KEY (kind, value)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX paper_keys_by_pk ON paper_keys(pk)")
    db.execute(
        """
        CREATE TABLE paper_sources (
            pk INTEGER NOT NULL REFERENCES papers(pk),
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            fields BLOB NOT NULL,
            PRIMARY KEY (pk, source, source_id)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX paper_sources_by_source ON paper_sources(source, pk)")


@migration
def m002_paper_categories(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE paper_categories (
            category TEXT NOT NULL,
            pk INTEGER NOT NULL REFERENCES papers(pk),
            PRIMARY KEY (category, pk)
        ) WITHOUT ROWID
        """
    )


@migration
def m003_checkpoints(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE checkpoints (
            key TEXT PRIMARY KEY,
            state BLOB,
            updated_at TEXT NOT NULL
        )
        """
    )


@migration
def m004_recent_keys(db: sqlite3.Connection) -> None:
    # New dedupe keys land here first and are folded into paper_keys in key
    # order (see SQLiteStore._fold_recent_keys): random inserts into a small
    # table that stays in cache, then one sorted pass over the big index.
    db.execute(
        """
        CREATE TABLE paper_keys_recent (
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            pk INTEGER NOT NULL,
            PRIMARY KEY (kind, value)
        ) WITHOUT ROWID
        """
    )


@migration
def m005_revisions_and_embeddings(db: sqlite3.Connection) -> None:
    # rev: the batch that last changed a paper, so indexes catch up by
    # reading only papers with rev > the revision they have.
    db.execute("ALTER TABLE papers ADD COLUMN rev INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE papers SET rev = 1")  # papers stored before: revision 1
    db.execute("CREATE INDEX papers_by_rev ON papers(rev)")
    # One vector per (text, model): re-embedding happens only when the text
    # or the model changes.
    db.execute(
        """
        CREATE TABLE embeddings (
            content_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (content_hash, model)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX embeddings_by_seq ON embeddings(model, seq)")


@migration
def m006_enrichments(db: sqlite3.Connection) -> None:
    # One row per (paper, enricher): what it found, and the content hash and
    # enricher version it was computed from, so `enrich` redoes only what changed.
    db.execute(
        """
        CREATE TABLE enrichments (
            pk INTEGER NOT NULL REFERENCES papers(pk),
            enricher TEXT NOT NULL,
            version TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            data BLOB NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (pk, enricher)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX enrichments_by_enricher ON enrichments(enricher, pk)")
    # Lookup keys an enricher publishes (a dataset name, "code"), for queries
    # across papers such as leaderboards and the has-code filter.
    db.execute(
        """
        CREATE TABLE enrichment_keys (
            enricher TEXT NOT NULL,
            key TEXT NOT NULL,
            pk INTEGER NOT NULL REFERENCES papers(pk),
            PRIMARY KEY (enricher, key, pk)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX enrichment_keys_by_pk ON enrichment_keys(pk)")
    # Outputs of slow or paid backends (translations, generated TL;DRs), per
    # (task, input hash, backend): asked once, kept.
    db.execute(
        """
        CREATE TABLE backend_cache (
            task TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            backend TEXT NOT NULL,
            output BLOB NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (task, input_hash, backend)
        ) WITHOUT ROWID
        """
    )


@migration
def m007_readers(db: sqlite3.Connection) -> None:
    # Readers and their library: ratings (+1 like, -1 dislike), saves, tags;
    # an interest statement for a cold start.
    db.execute(
        """
        CREATE TABLE readers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            email TEXT,
            interests TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE reader_papers (
            reader_id INTEGER NOT NULL REFERENCES readers(id),
            pk INTEGER NOT NULL REFERENCES papers(pk),
            rating INTEGER NOT NULL DEFAULT 0,
            saved INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (reader_id, pk)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        CREATE TABLE reader_tags (
            reader_id INTEGER NOT NULL REFERENCES readers(id),
            tag TEXT NOT NULL,
            pk INTEGER NOT NULL REFERENCES papers(pk),
            PRIMARY KEY (reader_id, tag, pk)
        ) WITHOUT ROWID
        """
    )
    # Email subscriptions: what (saved queries, categories, tags), when
    # (daily/weekly), in which language; the token makes the unsubscribe link.
    db.execute(
        """
        CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            reader_id INTEGER NOT NULL REFERENCES readers(id),
            email TEXT NOT NULL,
            topics BLOB NOT NULL,
            schedule TEXT NOT NULL,
            language TEXT NOT NULL,
            token TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            UNIQUE (reader_id, email)
        )
        """
    )
    # What was sent to whom: an issue is claimed ('sending') before the SMTP
    # call and marked 'sent' after, so a re-run never sends it twice.
    db.execute(
        """
        CREATE TABLE sent_issues (
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
            issue TEXT NOT NULL,
            status TEXT NOT NULL,
            message_id TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (subscription_id, issue)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        CREATE TABLE sent_papers (
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
            pk INTEGER NOT NULL REFERENCES papers(pk),
            issue TEXT NOT NULL,
            PRIMARY KEY (subscription_id, pk)
        ) WITHOUT ROWID
        """
    )


@migration
def m008_accounts(db: sqlite3.Connection) -> None:
    # Web accounts (a reader who can sign in: an Argon2id password hash) and
    # API tokens (only their SHA-256 is kept). IF NOT EXISTS: stores the web
    # app opened before this migration already have the tables (same shape).
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS accounts (
            reader_id INTEGER PRIMARY KEY REFERENCES readers(id),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS api_tokens (
            id INTEGER PRIMARY KEY,
            reader_id INTEGER NOT NULL REFERENCES readers(id),
            token_hash TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            last_used_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS api_tokens_by_reader ON api_tokens(reader_id)")


def apply_migrations(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet applied; return their names."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have applied it while we waited for the lock.
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                db.execute("ROLLBACK")
                continue
            fn(db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, utc_now()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
