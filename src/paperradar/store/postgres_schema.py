"""Named, re-runnable schema migrations for the PostgreSQL store.

They mirror the SQLite migrations (same names for the same tables) so the
two backends hold the same data; ``m1xx`` migrations are PostgreSQL's own:
the store's identity, full text (a weighted ``tsvector`` and a GIN index) and
pgvector. Each runs once, in order, and is recorded by name in
``_migrations``; the pending ones run in one transaction holding an advisory
lock, so two processes opening a new database do not race. A migration that
cannot run yet (pgvector missing, or no right to create it) is skipped with a
warning and tried again on the next open. Never edit a released migration:
add a new one.

Text columns use the "C" collation: comparisons and ordering are by code
point, as in SQLite, whatever the database's own locale.
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable

from ..normalize import utc_now

log = logging.getLogger(__name__)

#: Advisory lock ids (class, object): one class for paperradar, one object per purpose.
LOCK_CLASS = 0x70726472  # "prdr"
WRITER_LOCK = (LOCK_CLASS, 1)  # paper writes and revision numbers
EMBEDDING_LOCK = (LOCK_CLASS, 2)  # embedding sequence numbers
MIGRATION_LOCK = (LOCK_CLASS, 3)

T = 'text COLLATE "C"'
MIGRATIONS: list[tuple[str, Callable]] = []


class Unavailable(Exception):
    """A migration that cannot run in this database yet (retried on the next open)."""


def migration(fn: Callable) -> Callable:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_papers(cur) -> None:
    cur.execute(f"""
        CREATE TABLE papers (
            pk bigint PRIMARY KEY,
            id {T} NOT NULL UNIQUE,
            title {T},
            date {T},
            data json NOT NULL,
            content_hash {T} NOT NULL,
            added_at {T} NOT NULL,
            updated_at {T} NOT NULL
        )""")
    cur.execute("CREATE INDEX papers_by_date ON papers(date)")
    cur.execute(f"""
        CREATE TABLE paper_keys (
            kind {T} NOT NULL,
            value {T} NOT NULL,
            pk bigint NOT NULL,
            PRIMARY KEY (kind, value)
        )""")
    cur.execute("CREATE INDEX paper_keys_by_pk ON paper_keys(pk)")
    cur.execute(f"""
        CREATE TABLE paper_sources (
            pk bigint NOT NULL,
            source {T} NOT NULL,
            source_id {T} NOT NULL,
            first_seen {T} NOT NULL,
            last_seen {T} NOT NULL,
            fields json NOT NULL,
            PRIMARY KEY (pk, source, source_id)
        )""")
    cur.execute("CREATE INDEX paper_sources_by_source ON paper_sources(source, pk)")


@migration
def m002_paper_categories(cur) -> None:
    cur.execute(f"""
        CREATE TABLE paper_categories (
            category {T} NOT NULL,
            pk bigint NOT NULL,
            PRIMARY KEY (category, pk)
        )""")
    cur.execute("CREATE INDEX paper_categories_by_pk ON paper_categories(pk)")


@migration
def m003_checkpoints(cur) -> None:
    cur.execute(f"CREATE TABLE checkpoints (key {T} PRIMARY KEY, state json, updated_at {T} NOT NULL)")


@migration
def m005_revisions_and_embeddings(cur) -> None:
    # rev: the batch that last changed a paper, from a sequence taken under
    # the writer lock, so revisions commit in the order they are numbered.
    cur.execute("ALTER TABLE papers ADD COLUMN rev bigint NOT NULL DEFAULT 0")
    cur.execute("UPDATE papers SET rev = 1")
    cur.execute("CREATE SEQUENCE papers_rev_seq")
    cur.execute("CREATE INDEX papers_by_rev ON papers(rev, pk)")
    cur.execute("CREATE INDEX papers_by_content_hash ON papers(content_hash)")
    # One vector per (text, model). ``vector`` holds the float32 bytes only
    # when pgvector cannot hold them (no extension; NaN); see m103.
    cur.execute(f"""
        CREATE TABLE embeddings (
            content_hash {T} NOT NULL,
            model {T} NOT NULL,
            vector bytea,
            seq bigint NOT NULL,
            PRIMARY KEY (content_hash, model)
        )""")
    cur.execute("CREATE INDEX embeddings_by_seq ON embeddings(model, seq)")


@migration
def m006_enrichments(cur) -> None:
    cur.execute(f"""
        CREATE TABLE enrichments (
            pk bigint NOT NULL,
            enricher {T} NOT NULL,
            version {T} NOT NULL,
            content_hash {T} NOT NULL,
            data json NOT NULL,
            updated_at {T} NOT NULL,
            PRIMARY KEY (pk, enricher)
        )""")
    cur.execute("CREATE INDEX enrichments_by_enricher ON enrichments(enricher, pk)")
    cur.execute(f"""
        CREATE TABLE enrichment_keys (
            enricher {T} NOT NULL,
            key {T} NOT NULL,
            pk bigint NOT NULL,
            PRIMARY KEY (enricher, key, pk)
        )""")
    cur.execute("CREATE INDEX enrichment_keys_by_pk ON enrichment_keys(pk)")
    cur.execute(f"""
        CREATE TABLE backend_cache (
            task {T} NOT NULL,
            input_hash {T} NOT NULL,
            backend {T} NOT NULL,
            output json NOT NULL,
            created_at {T} NOT NULL,
            PRIMARY KEY (task, input_hash, backend)
        )""")


@migration
def m007_readers(cur) -> None:
    cur.execute(f"""
        CREATE TABLE readers (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name {T} NOT NULL UNIQUE,
            email {T},
            interests {T} NOT NULL DEFAULT '',
            created_at {T} NOT NULL
        )""")
    cur.execute(f"""
        CREATE TABLE reader_papers (
            reader_id bigint NOT NULL,
            pk bigint NOT NULL,
            rating integer NOT NULL DEFAULT 0,
            saved integer NOT NULL DEFAULT 0,
            updated_at {T} NOT NULL,
            PRIMARY KEY (reader_id, pk)
        )""")
    cur.execute(f"""
        CREATE TABLE reader_tags (
            reader_id bigint NOT NULL,
            tag {T} NOT NULL,
            pk bigint NOT NULL,
            PRIMARY KEY (reader_id, tag, pk)
        )""")
    cur.execute(f"""
        CREATE TABLE subscriptions (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            reader_id bigint NOT NULL,
            email {T} NOT NULL,
            topics json NOT NULL,
            schedule {T} NOT NULL,
            language {T} NOT NULL,
            token {T} NOT NULL UNIQUE,
            active integer NOT NULL DEFAULT 1,
            created_at {T} NOT NULL,
            UNIQUE (reader_id, email)
        )""")
    cur.execute(f"""
        CREATE TABLE sent_issues (
            subscription_id bigint NOT NULL,
            issue {T} NOT NULL,
            status {T} NOT NULL,
            message_id {T},
            updated_at {T} NOT NULL,
            PRIMARY KEY (subscription_id, issue)
        )""")
    cur.execute(f"""
        CREATE TABLE sent_papers (
            subscription_id bigint NOT NULL,
            pk bigint NOT NULL,
            issue {T} NOT NULL,
            PRIMARY KEY (subscription_id, pk)
        )""")


@migration
def m008_accounts(cur) -> None:
    # Web accounts and API tokens, as in SQLite (where the web app made them
    # before this migration). Like the other tables here, no foreign keys.
    cur.execute(f"""
        CREATE TABLE accounts (
            reader_id bigint PRIMARY KEY,
            password_hash {T} NOT NULL,
            created_at {T} NOT NULL,
            updated_at {T} NOT NULL
        )""")
    cur.execute(f"""
        CREATE TABLE api_tokens (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            reader_id bigint NOT NULL,
            token_hash {T} NOT NULL UNIQUE,
            label {T} NOT NULL DEFAULT '',
            created_at {T} NOT NULL,
            last_used_at {T}
        )""")
    cur.execute("CREATE INDEX api_tokens_by_reader ON api_tokens(reader_id)")


@migration
def m101_store_meta(cur) -> None:
    # The store's identity: names its local artifact directory (search
    # indexes), and records where a migrated store came from.
    cur.execute(f"CREATE TABLE store_meta (key {T} PRIMARY KEY, value {T} NOT NULL)")
    cur.execute("INSERT INTO store_meta VALUES ('store_id', %s)", (uuid.uuid4().hex,))


@migration
def m102_full_text(cur) -> None:
    # Weighted full text, maintained on every write: title A, abstract B, authors C.
    cur.execute("""
        ALTER TABLE papers ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
            setweight(to_tsvector('english'::regconfig, coalesce(data->>'abstract', '')), 'B') ||
            setweight(to_tsvector('english'::regconfig,
                                  jsonb_path_query_array(data::jsonb, '$.authors[*][0]')::text), 'C')
        ) STORED""")
    cur.execute("CREATE INDEX papers_full_text ON papers USING gin (tsv)")


@migration
def m103_pgvector(cur) -> None:
    # Vectors as pgvector values (any dimension; the ANN indexes are per
    # model, partial and on a cast to that model's dimension).
    cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    if cur.fetchone() is None:
        raise Unavailable("the pgvector extension is not installed on this server")
    cur.execute("SAVEPOINT ext")
    try:
        cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except Exception as exc:  # insufficient privilege, most likely
        cur.execute("ROLLBACK TO SAVEPOINT ext")
        raise Unavailable(f"cannot create the pgvector extension: {exc}; "
                          "a superuser can run CREATE EXTENSION vector in this database") from exc
    cur.execute("ALTER TABLE embeddings ADD COLUMN embedding vector")


@migration
def m104_listing_order(cur) -> None:
    # Listings are ordered "date IS NULL, date DESC, pk DESC" (undated papers last): an index in
    # that order lets the newest papers of a filter be read from the top (a million papers were
    # otherwise scanned and sorted for each page: about 1 s).
    cur.execute("CREATE INDEX papers_by_listing ON papers ((date IS NULL), date DESC, pk DESC)")


def apply_migrations(conn) -> list[str]:
    """Apply the migrations not yet applied; return their names."""
    applied = []
    with conn.transaction():
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
            cur.execute("CREATE TABLE IF NOT EXISTS _migrations "
                        f"(name {T} PRIMARY KEY, applied_at {T} NOT NULL)")
            cur.execute("SELECT name FROM _migrations")
            done = {r[0] for r in cur.fetchall()}
            for name, fn in MIGRATIONS:
                if name in done:
                    continue
                cur.execute(f"SAVEPOINT {name}")
                try:
                    fn(cur)
                except Unavailable as exc:
                    cur.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    log.warning("%s skipped: %s", name, exc)
                    continue
                cur.execute("INSERT INTO _migrations VALUES (%s, %s)", (name, utc_now()))
                applied.append(name)
    return applied
