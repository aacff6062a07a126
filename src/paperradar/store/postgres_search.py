"""The PostgreSQL store's vectors and its own search: embeddings as pgvector
values, HNSW indexes per model (built after bulk loads), nearest-neighbour
search, and full text over the weighted ``tsvector``. Mixed into
``PostgresStore``.

The product's search stays ``index/`` (tantivy BM25 and the faiss index
beside the store); these are the database's own engines, measured against
them in benchmarks/bench_postgres.py.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any, Iterator, NamedTuple

from ..errors import StoreError
from .base import PaperQuery
from .postgres_codec import binary_copy, pg_text, register_vector_loader, vector_literal, vector_to_pg
from .postgres_schema import EMBEDDING_LOCK

log = logging.getLogger(__name__)

HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
#: Search breadth of the HNSW graph (pgvector's default is 40).
HNSW_EF_SEARCH = 100
#: pgvector 0.6 returns at most ef_search rows from an index scan.
MAX_EF_SEARCH = 1000


class ScoredPk(NamedTuple):
    pk: int
    score: float


def ann_index_name(model: str) -> str:
    return "embeddings_hnsw_" + hashlib.sha1(model.encode()).hexdigest()[:12]


class PgSearch:
    conn: Any
    dsn: str
    vector_oid: int | None

    def _init_vectors(self) -> None:
        row = self.conn.execute("SELECT oid FROM pg_type WHERE typname = 'vector'").fetchone()
        has_column = self.conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'embeddings'"
            " AND column_name = 'embedding'").fetchone()
        self.vector_oid = row[0] if row and has_column else None
        if self.vector_oid:
            register_vector_loader(self.conn, self.vector_oid)
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _stage_embeddings (content_hash text,"
                              " vector bytea, embedding vector) ON COMMIT DELETE ROWS")
        else:
            log.warning("%s has no pgvector: vectors are kept as bytes, and vector_search is off",
                        getattr(self, "url", "the store"))
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _stage_embeddings (content_hash text,"
                              " vector bytea) ON COMMIT DELETE ROWS")

    # -- storing and reading vectors ---------------------------------------------

    def save_embeddings(self, model: str, rows: list[tuple[str, bytes]]) -> None:
        model = pg_text(model)
        latest = dict(rows)  # a text given twice: the last vector wins, as in SQLite
        staged = []
        for chash, blob in latest.items():
            pgvec = vector_to_pg(blob) if self.vector_oid else None
            fields = (chash.encode(), None if pgvec else bytes(blob))
            staged.append(fields + (pgvec,) if self.vector_oid else fields)
        with self.conn.transaction():
            # Sequence numbers commit in order, so an index's watermark never skips a batch.
            self.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", EMBEDDING_LOCK)
            seq = self.conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM embeddings WHERE model = %s",
                                    (model,)).fetchone()[0]
            with self.conn.cursor() as cur, cur.copy("COPY _stage_embeddings FROM STDIN (FORMAT BINARY)") as cp:
                cp.write(binary_copy(staged))
            columns = "vector, embedding" if self.vector_oid else "vector"
            self.conn.execute(
                f"INSERT INTO embeddings (content_hash, model, seq, {columns})"
                f" SELECT content_hash, %s, %s, {columns} FROM _stage_embeddings"
                " ON CONFLICT (content_hash, model) DO UPDATE SET seq = excluded.seq, "
                + ", ".join(f"{c} = excluded.{c}" for c in columns.split(", ")), (model, seq))

    def embeddings(
        self, model: str, since_rev: int = 0, since_seq: int = 0
    ) -> Iterator[tuple[int, str, int, bytes]]:
        """(pk, content_hash, seq, vector bytes) of papers with a vector for ``model``
        that changed after ``since_rev`` or were embedded after ``since_seq``.

        Streams from one snapshot, on a connection of its own."""
        from .postgres import connect

        vector = "e.embedding" if self.vector_oid else "NULL::bytea"
        conn = connect(self.dsn)
        try:
            if self.vector_oid:
                register_vector_loader(conn, self.vector_oid)
            with conn.transaction(), conn.cursor(name="embeddings", binary=True) as cur:
                cur.itersize = 2000
                cur.execute(
                    f"SELECT p.pk, p.content_hash, e.seq, e.vector, {vector} FROM papers p JOIN embeddings e"
                    " ON e.content_hash = p.content_hash AND e.model = %s"
                    " WHERE p.rev > %s OR e.seq > %s ORDER BY p.pk",
                    (pg_text(model), since_rev, since_seq))
                for pk, chash, seq, raw, pgvec in cur:
                    yield pk, chash, seq, raw if raw is not None else pgvec
        finally:
            conn.close()

    def vector_models(self) -> list[tuple[str, int]]:
        """(model, dimensions) of the stored pgvector values."""
        if not self.vector_oid:
            return []
        return [tuple(r) for r in self.conn.execute(
            "SELECT model, max(vector_dims(embedding)) FROM embeddings"
            " WHERE embedding IS NOT NULL GROUP BY model ORDER BY model")]

    def build_ann_indexes(self, maintenance_work_mem: str = "1GB") -> list[str]:
        """Create the HNSW index of each model that has none (after a bulk load:
        building once is far faster than growing it row by row). Returns the
        models indexed now."""
        built = []
        for model, dim in self.vector_models():
            name = ann_index_name(model)
            if self.conn.execute("SELECT 1 FROM pg_class WHERE relname = %s", (name,)).fetchone():
                continue
            with self.conn.transaction():
                self.conn.execute(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'")
                self.conn.execute(
                    f"CREATE INDEX {name} ON embeddings USING hnsw ((embedding::vector({int(dim)}))"
                    f" vector_ip_ops) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
                    f" WHERE model = {_literal(model)}")
            built.append(model)
        return built

    # -- the database's own search -------------------------------------------------

    def vector_search(self, model: str, query, limit: int = 20, allowed: set[int] | None = None,
                      exact: bool = False, ef_search: int = HNSW_EF_SEARCH) -> list[ScoredPk]:
        """The ``limit`` papers whose ``model`` vector has the highest inner
        product with ``query`` (cosine for normalised vectors), optionally
        only among ``allowed`` keys. Uses the model's HNSW index when there
        is one; scans exactly when the index leaves too few allowed hits."""
        if not self.vector_oid:
            raise StoreError(f"{getattr(self, 'url', 'this database')} has no pgvector: "
                             "a superuser can run CREATE EXTENSION vector there")
        query = list(query)
        if limit <= 0 or not query:
            return []
        dim, vec = len(query), vector_literal(query)
        pks = sorted(allowed) if allowed is not None else None
        if pks is not None and not pks:
            return []
        indexed = self.conn.execute("SELECT 1 FROM pg_class WHERE relname = %s",
                                    (ann_index_name(model),)).fetchone()
        if indexed and not exact:
            share = 1.0
            if pks is not None:
                estimate = self.conn.execute(  # the planner's row count: count(*) is a scan
                    "SELECT reltuples FROM pg_class WHERE relname = 'papers'").fetchone()[0]
                share = len(pks) / max(1.0, estimate, len(pks))
            k = int(min(MAX_EF_SEARCH, max(limit * 2, limit / max(share, 1e-6) * 2)))
            with self.conn.transaction():
                self.conn.execute(f"SET LOCAL hnsw.ef_search = {min(MAX_EF_SEARCH, max(int(ef_search), k))}")
                rows = self.conn.execute(
                    f"SELECT p.pk, -d FROM (SELECT content_hash, embedding::vector({dim}) <#> %s::vector({dim})"
                    f" AS d FROM embeddings WHERE model = {_literal(model)}"
                    f" ORDER BY embedding::vector({dim}) <#> %s::vector({dim}) LIMIT %s) e"
                    " JOIN papers p ON p.content_hash = e.content_hash"
                    + (" WHERE p.pk = ANY(%s)" if pks is not None else "")
                    + " ORDER BY d, p.pk LIMIT %s",
                    [vec, vec, k] + ([pks] if pks is not None else []) + [limit]).fetchall()
            if len(rows) == limit:
                return [ScoredPk(pk, float(s)) for pk, s in rows]
        rows = self.conn.execute(
            "SELECT p.pk, -(e.embedding <#> %s::vector) AS s FROM papers p JOIN embeddings e"
            " ON e.content_hash = p.content_hash AND e.model = %s WHERE e.embedding IS NOT NULL"
            + (" AND p.pk = ANY(%s)" if pks is not None else "")
            + " ORDER BY (e.embedding <#> %s::vector) + 0, p.pk LIMIT %s",
            [vec, pg_text(model)] + ([pks] if pks is not None else []) + [vec, limit]).fetchall()
        return [ScoredPk(pk, float(s)) for pk, s in rows]

    def keyword_search(self, text: str, limit: int = 20,
                       filters: PaperQuery = PaperQuery()) -> list[ScoredPk]:
        """Papers matching any word of ``text`` in the weighted full text
        (title A, abstract B, authors C), best ``ts_rank`` first. PostgreSQL's
        ranking, not BM25: kept for comparison with the tantivy index."""
        words = re.findall(r"\w+", text.lower())
        if not words or limit <= 0:
            return []
        where, params = self._where(filters)
        tsquery = " | ".join(f"'{w}'" for w in dict.fromkeys(words))
        rows = self.conn.execute(
            "SELECT p.pk, ts_rank(p.tsv, q) AS score FROM papers p, to_tsquery('english', %s) q"
            " WHERE p.tsv @@ q" + "".join(f" AND {w}" for w in where)
            + " ORDER BY score DESC, p.pk LIMIT %s", [tsquery, *params, limit]).fetchall()
        return [ScoredPk(pk, float(score)) for pk, score in rows]


def _literal(text: str) -> str:
    """A SQL string literal (for partial-index predicates, which must be constants)."""
    return "'" + pg_text(text).replace("'", "''") + "'"
