"""Copying a SQLite store into PostgreSQL without loss, and proving it.

Every table is copied in its own transaction (COPY straight in when the
target table is empty; otherwise through a staging table, upserting, so the
target ends equal to the source), then both sides are read back: row counts
and an order-independent checksum of the rows must agree. A re-run skips the
tables that already agree, so an interrupted migration simply resumes; it
refuses to overwrite a table that was changed in PostgreSQL after it was
migrated (each table's checksum is remembered in ``store_meta``).

Text and JSON go across byte for byte (PostgreSQL's ``json`` keeps its text),
except the NUL character, which PostgreSQL cannot hold (see postgres_codec);
both sides are checksummed in that form. Vectors come back from pgvector as
the same float32 bytes.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from ..errors import StoreError
from .postgres_codec import binary_copy_chunks, pg_json, pg_text, register_vector_loader, vector_to_pg
from .postgres_schema import EMBEDDING_LOCK, WRITER_LOCK

log = logging.getLogger(__name__)

T, J, V = "text", "json", "vector"  # column kinds (and "int")


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, kind)
    keys: tuple[str, ...]
    source_sql: str | None = None  # when the SQLite side is not just the table

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]


def _spec(name: str, columns: str, keys: int = 1, source_sql: str | None = None) -> TableSpec:
    cols = tuple(tuple(c.split(":")) for c in columns.split())
    return TableSpec(name, cols, tuple(c for c, _ in cols[:keys]), source_sql)


TABLES = [
    _spec("papers", "pk:int id:text title:text date:text data:json content_hash:text added_at:text"
          " updated_at:text rev:int"),
    _spec("paper_keys", "kind:text value:text pk:int", 2,
          "SELECT kind, value, pk FROM paper_keys UNION ALL SELECT kind, value, pk FROM paper_keys_recent"),
    _spec("paper_sources", "pk:int source:text source_id:text first_seen:text last_seen:text fields:json", 3),
    _spec("paper_categories", "category:text pk:int", 2),
    _spec("checkpoints", "key:text state:json updated_at:text"),
    _spec("embeddings", "content_hash:text model:text vector:vector seq:int", 2),
    _spec("enrichments", "pk:int enricher:text version:text content_hash:text data:json updated_at:text", 2),
    _spec("enrichment_keys", "enricher:text key:text pk:int", 3),
    _spec("backend_cache", "task:text input_hash:text backend:text output:json created_at:text", 3),
    _spec("readers", "id:int name:text email:text interests:text created_at:text"),
    _spec("reader_papers", "reader_id:int pk:int rating:int saved:int updated_at:text", 2),
    _spec("reader_tags", "reader_id:int tag:text pk:int", 3),
    _spec("subscriptions", "id:int reader_id:int email:text topics:json schedule:text language:text"
          " token:text active:int created_at:text"),
    _spec("sent_issues", "subscription_id:int issue:text status:text message_id:text updated_at:text", 2),
    _spec("sent_papers", "subscription_id:int pk:int issue:text", 2),
    _spec("accounts", "reader_id:int password_hash:text created_at:text updated_at:text"),
    _spec("api_tokens", "id:int reader_id:int token_hash:text label:text created_at:text last_used_at:text"),
]


@dataclass
class TableReport:
    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str
    action: str  # copied | merged | skipped (already equal)
    seconds: float

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


@dataclass
class MigrationReport:
    source: str
    target: str
    tables: list[TableReport] = field(default_factory=list)
    seconds: float = 0.0
    ann_indexes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    def as_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "ok": self.ok, "seconds": round(self.seconds, 2),
                "ann_indexes": self.ann_indexes,
                "tables": [{**asdict(t), "ok": t.ok, "seconds": round(t.seconds, 2)} for t in self.tables]}


class Checksum:
    """Row count and an order-independent digest (sum of row hashes)."""

    def __init__(self):
        self.rows, self.total = 0, 0

    def add(self, row: Iterable[Any]) -> None:
        values = [v.hex() if isinstance(v, bytes) else v for v in row]
        self.rows += 1
        self.total += int.from_bytes(hashlib.blake2b(orjson.dumps(values), digest_size=16).digest(), "big")

    @property
    def hexdigest(self) -> str:
        return f"{self.total % (1 << 128):032x}"


def _source_value(value: Any, kind: str) -> Any:
    """A SQLite value in the form it takes in PostgreSQL."""
    if value is None:
        return None
    if kind == J:
        text = value.decode() if isinstance(value, bytes) else str(value)
        return pg_json(orjson.loads(text)) if "\\u0000" in text else text
    if kind == T:
        return pg_text(value.decode() if isinstance(value, bytes) else str(value))
    if kind == V:
        return bytes(value)
    return value


def _source_rows(sqlite_db, spec: TableSpec) -> Iterator[tuple]:
    sql = spec.source_sql or f"SELECT {', '.join(spec.names)} FROM {spec.name}"
    kinds = [k for _, k in spec.columns]
    for row in sqlite_db.execute(sql):
        yield tuple(_source_value(v, k) for v, k in zip(row, kinds))


def _target_rows(dsn: str, vector_oid: int | None, spec: TableSpec) -> Iterator[tuple]:
    from .postgres import connect

    select = []
    for column, kind in spec.columns:
        if kind == J:
            select.append(f"{column}::text")
        elif kind == V:
            select.append("vector, " + ("embedding" if vector_oid else "NULL::bytea"))
        else:
            select.append(column)
    conn = connect(dsn)
    try:
        if vector_oid:
            register_vector_loader(conn, vector_oid)
        with conn.transaction(), conn.cursor(name="rows", binary=True) as cur:
            cur.itersize = 5000
            cur.execute(f"SELECT {', '.join(select)} FROM {spec.name}")
            for row in cur:
                if any(kind == V for _, kind in spec.columns):  # (raw bytes, pgvector) -> bytes
                    at = [k for _, k in spec.columns].index(V)
                    row = row[:at] + (row[at] if row[at] is not None else row[at + 1],) + row[at + 2:]
                yield tuple(row)
    finally:
        conn.close()


def _checksum(rows: Iterable[tuple]) -> Checksum:
    check = Checksum()
    for row in rows:
        check.add(row)
    return check


def _embedding_fields(rows: Iterable[tuple], with_vectors: bool) -> Iterator[tuple]:
    """Embedding rows in binary COPY form: the vector as pgvector when it can be."""
    for chash, model, blob, seq in rows:
        pgvec = vector_to_pg(blob) if with_vectors else None
        fields = (chash.encode(), model.encode(), None if pgvec else blob, struct.pack("!q", seq))
        yield fields + (pgvec,) if with_vectors else fields


def _copy_into(store, table: str, spec: TableSpec, rows: Iterable[tuple]) -> None:
    if spec.name == "embeddings":
        with_vectors = bool(store.vector_oid)
        columns = "content_hash, model, vector, seq" + (", embedding" if with_vectors else "")
        with store.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as cp:
            for chunk in binary_copy_chunks(_embedding_fields(rows, with_vectors)):
                cp.write(chunk)
    else:
        store._copy(table, ", ".join(spec.names), rows)


def _merge(store, spec: TableSpec, rows: Iterable[tuple]) -> None:
    """Make the target table equal to ``rows``: stage, upsert, drop what the source lacks."""
    stage = f"_migrate_{spec.name}"
    store.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {spec.name}) ON COMMIT DELETE ROWS")
    _copy_into(store, stage, spec, rows)
    columns = [c for c in store.conn.execute(f"SELECT * FROM {stage} LIMIT 0").description]
    names = [c.name for c in columns if c.name != "tsv"]
    others = [n for n in names if n not in spec.keys]
    action = ("DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in others)) if others else "DO NOTHING"
    match = " AND ".join(f"s.{k} = t.{k}" for k in spec.keys)
    store.conn.execute(f"DELETE FROM {spec.name} t WHERE NOT EXISTS (SELECT 1 FROM {stage} s WHERE {match})")
    store.conn.execute(f"INSERT INTO {spec.name} ({', '.join(names)}) SELECT {', '.join(names)} FROM {stage}"
                       f" ON CONFLICT ({', '.join(spec.keys)}) {action}")


def _guard(store, source: str, force: bool) -> dict[str, str]:
    """Refuse a target that holds another store's data; returns its store_meta."""
    meta = dict(store.conn.execute("SELECT key, value FROM store_meta").fetchall())
    used = store.count() or store.conn.execute("SELECT count(*) FROM readers").fetchone()[0]
    if meta.get("migrated_from") not in (None, source) and not force:
        raise StoreError(f"{store.url} was migrated from {meta['migrated_from']}, not {source}; "
                         "migrate into an empty database (or use --force to overwrite it)")
    if used and "migrated_from" not in meta and not force:
        raise StoreError(f"{store.url} already holds papers or readers; migrate into an empty database")
    return meta


def _remember(store, key: str, value: str) -> None:
    store.conn.execute("INSERT INTO store_meta VALUES (%s, %s) ON CONFLICT (key)"
                       " DO UPDATE SET value = excluded.value", (key, value))


def _restart_sequences(store) -> None:
    store.conn.execute("SELECT setval('papers_rev_seq', greatest((SELECT max(rev) FROM papers), 1),"
                       " (SELECT max(rev) IS NOT NULL FROM papers))")
    for table in ("readers", "subscriptions", "api_tokens"):
        store.conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), greatest((SELECT max(id) FROM {table}), 1),"
            f" (SELECT max(id) IS NOT NULL FROM {table}))")


def migrate_sqlite_to_postgres(source: str | Path, target_url: str, force: bool = False,
                               build_ann: bool = True,
                               progress: Callable[[TableReport], None] | None = None) -> MigrationReport:
    """Copy the SQLite store at ``source`` into the PostgreSQL store at
    ``target_url`` (created and migrated if needed) and verify every table."""
    from .postgres import PostgresStore
    from .sqlite import SQLiteStore

    source_path = Path(source)
    if not source_path.exists():
        raise StoreError(f"no SQLite store at {source_path}")
    started = time.perf_counter()
    src = SQLiteStore(source_path)
    dst = PostgresStore(target_url)
    label = str(source_path.resolve())
    report = MigrationReport(label, dst.url)
    try:
        meta = _guard(dst, label, force)
        _remember(dst, "migrated_from", label)
        src.db.execute("BEGIN")  # one read snapshot of the source for the whole copy
        for spec in TABLES:
            t0 = time.perf_counter()
            source_check = _checksum(_source_rows(src.db, spec))
            target_check = _checksum(_target_rows(dst.dsn, dst.vector_oid, spec))
            before = f"{target_check.rows}:{target_check.hexdigest}"
            if meta.get(f"migrated:{spec.name}", before) != before and not force:
                raise StoreError(f"{spec.name} in {dst.url} has changed since it was migrated; migrating "
                                 "again would overwrite those changes (use --force to do it anyway)")
            action = "skipped"
            if (source_check.rows, source_check.hexdigest) != (target_check.rows, target_check.hexdigest):
                rows = _source_rows(src.db, spec)
                with dst.conn.transaction():
                    dst.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", WRITER_LOCK)
                    dst.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", EMBEDDING_LOCK)
                    if target_check.rows == 0:
                        action = "copied"
                        _copy_into(dst, spec.name, spec, rows)
                    else:
                        action = "merged"
                        _merge(dst, spec, rows)
                target_check = _checksum(_target_rows(dst.dsn, dst.vector_oid, spec))
            _remember(dst, f"migrated:{spec.name}", f"{target_check.rows}:{target_check.hexdigest}")
            table = TableReport(spec.name, source_check.rows, target_check.rows, source_check.hexdigest,
                                target_check.hexdigest, action, time.perf_counter() - t0)
            log.info("%s: %s %d rows (%s)", spec.name, action, table.target_rows, "ok" if table.ok else "MISMATCH")
            report.tables.append(table)
            if progress:
                progress(table)
        src.db.execute("COMMIT")
        _restart_sequences(dst)
        if build_ann and dst.vector_oid:
            report.ann_indexes = dst.build_ann_indexes()
    finally:
        src.close()
        dst.close()
    report.seconds = time.perf_counter() - started
    return report
