"""The shared store: PostgreSQL (full text and pgvector) behind the same
interface as the SQLite file.

The only module (with its helpers and migrations) that knows SQL for
PostgreSQL. Dedupe and merging are the backend-neutral ``plan_batch``; this
module answers its questions and writes the plan. Every batch is one
transaction holding the writer lock (an advisory lock), so several processes
may ingest at once: they take turns per batch, and overlapping records never
become two papers. Rows go in by COPY (postgres_write): new papers
straight into their tables, changes through staging tables that are then
merged. Helpers: postgres_schema (migrations), postgres_codec (values),
postgres_enrich, postgres_readers, postgres_search (pgvector, full text).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import orjson

from ..codec import core_from_row
from ..errors import StoreError
from ..models import Paper, SourceSeen
from ..normalize import utc_now
from .base import PaperQuery
from .category_filter import category_condition, is_common, size_sql
from .dedupe import Key, paper_text
from .postgres_accounts import PgAccountTables
from .postgres_codec import pg_text
from .postgres_enrich import PgEnrichmentTables
from .postgres_readers import PgReaderTables
from .postgres_schema import apply_migrations
from .postgres_search import PgSearch
from .postgres_trending import PgTrendingQueries
from .postgres_write import STAGING, PgBatchWriter
from .reading import PaperReading
from .sqlite import ORPHAN_CHECKS, SENT_TWICE_SQL, orphan_sql

log = logging.getLogger(__name__)

_CHUNK = 500


def _chunks(items: list, n: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def masked_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str):
    """A psycopg connection in autocommit mode whose jsonb reads use orjson."""
    try:
        import psycopg
        from psycopg.types.json import set_json_loads
    except ImportError as exc:
        raise StoreError("the PostgreSQL backend needs its driver: "
                         "pip install 'paperradar[postgres]'") from exc
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to {masked_url(url)}: {str(exc).strip()}") from exc
    set_json_loads(orjson.loads, conn)
    return conn


class PostgresStore(PaperReading, PgBatchWriter, PgEnrichmentTables, PgReaderTables, PgAccountTables,
                    PgTrendingQueries, PgSearch):
    """paperradar's store in a PostgreSQL database."""

    def __init__(self, url: str, clock: Callable[[], str] = utc_now,
                 data_dir: str | os.PathLike | None = None):
        self.dsn = url
        self.url = masked_url(url)
        self.clock = clock
        self._data_dir = Path(data_dir) if data_dir else None
        self.conn = connect(url)
        try:
            apply_migrations(self.conn)
            self.conn.execute(STAGING)
            self.store_id = self.conn.execute(
                "SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]
        except Exception as exc:
            self.conn.close()
            raise StoreError(f"cannot open the store at {self.url}: {exc}") from exc
        self._init_vectors()

    def _lock(self, lock: tuple[int, int]) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", lock)

    # -- the planner's backend -------------------------------------------------

    def find_keys(self, keys: list[Key]) -> dict[Key, int]:
        by_kind: dict[str, dict[str, str]] = {}  # kind -> {stored form: asked form}
        for kind, value in keys:
            by_kind.setdefault(kind, {})[pg_text(value)] = value
        found: dict[Key, int] = {}
        for kind, values in by_kind.items():
            for value, pk in self.conn.execute(
                    "SELECT value, pk FROM paper_keys WHERE kind = %s AND value = ANY(%s)",
                    (kind, list(values))):
                found[(kind, values[value])] = pk
        return found

    def load_cores(self, pks: Iterable[int]) -> dict[int, tuple[str, Paper]]:
        return {pk: (pid, core_from_row(data, pid)) for pk, pid, data in self.conn.execute(
            "SELECT pk, id, data FROM papers WHERE pk = ANY(%s)", (list(pks),))}

    def load_source_rows(self, pks: Iterable[int]) -> dict[tuple[int, str, str], SourceSeen]:
        return {(pk, source, sid): SourceSeen(source, sid, first, last, fields)
                for pk, source, sid, first, last, fields in self.conn.execute(
                    "SELECT pk, source, source_id, first_seen, last_seen, fields"
                    " FROM paper_sources WHERE pk = ANY(%s)", (list(pks),))}

    def ids_taken(self, ids: Iterable[str]) -> set[str]:
        ids = [pg_text(i) for i in ids]
        return {r[0] for r in self.conn.execute(
            "SELECT id FROM papers WHERE id = ANY(%s)"
            " UNION SELECT value FROM paper_keys WHERE kind = 'id' AND value = ANY(%s)", (ids, ids))}

    def next_pk(self) -> int:
        return self.conn.execute("SELECT coalesce(max(pk), 0) + 1 FROM papers").fetchone()[0]

    # -- reading ---------------------------------------------------------------

    def _pk_of_id(self, paper_id: str) -> int | None:
        row = self.conn.execute("SELECT pk FROM papers WHERE id = %s", (pg_text(paper_id),)).fetchone()
        return row[0] if row else None

    def _where(self, query: PaperQuery, walk: bool = False) -> tuple[list[str], list]:
        where, params = [], []
        if query.since:
            where.append("p.date >= %s")
            params.append(pg_text(query.since))
        if query.until:
            where.append("p.date <= %s")
            params.append(pg_text(query.until) + "\uffff")
        if query.category:
            where.append(category_condition("%s", walk, array=True))
            params += [pg_text(query.category)] * 2
        if query.source:
            where.append("p.pk IN (SELECT pk FROM paper_sources WHERE source = %s)")
            params.append(pg_text(query.source))
        if query.author:  # lower() of the "C" collation: ASCII only, as SQLite's
            where.append("EXISTS (SELECT 1 FROM json_array_elements(p.data->'authors') a"
                         " WHERE strpos(lower((a->>0) COLLATE \"C\"), %s) > 0)")
            params.append(pg_text(query.author.lower()))
        if query.has_code is not None:
            where.append(("" if query.has_code else "NOT ")
                         + "(EXISTS (SELECT 1 FROM json_array_elements(p.data->'links') l"
                         " WHERE l->>1 = 'code') OR EXISTS (SELECT 1 FROM enrichment_keys k"
                         " WHERE k.enricher = 'links' AND k.key = 'code' AND k.pk = p.pk))")
        return where, params

    def pks_matching(self, query: PaperQuery) -> set[int]:
        where, params = self._where(query)
        sql = "SELECT p.pk FROM papers p" + (" WHERE " + " AND ".join(where) if where else "")
        return {r[0] for r in self.conn.execute(sql, params)}

    def papers(self, query: PaperQuery = PaperQuery()) -> Iterator[Paper]:
        walk = bool(query.category) and query.limit is not None and is_common(
            self.conn.execute(size_sql("%s"), [pg_text(query.category)] * 2).fetchone())
        where, params = self._where(query, walk)
        sql = "SELECT p.pk FROM papers p"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY p.date IS NULL, p.date DESC, p.pk DESC"
        if query.limit is not None or query.offset:
            sql += " LIMIT %s OFFSET %s"
            params += [query.limit, query.offset]
        pks = [r[0] for r in self.conn.execute(sql, params)]
        for chunk in _chunks(pks):
            yield from self._with_sources(chunk)

    def revision(self) -> int:
        """The latest batch revision: grows whenever any paper changes."""
        return self.conn.execute("SELECT coalesce(max(rev), 0) FROM papers").fetchone()[0]

    def changed_since(self, rev: int, chunk: int = _CHUNK) -> Iterator[list[tuple[int, int, Paper]]]:
        """Chunks of (pk, rev, paper with sources) changed after ``rev``, oldest first."""
        last = (rev, 1 << 62)
        while True:
            rows = self.conn.execute(
                "SELECT pk, rev FROM papers WHERE (rev, pk) > (%s, %s) ORDER BY rev, pk LIMIT %s",
                (*last, chunk)).fetchall()
            if not rows:
                return
            papers = self._with_sources([pk for pk, _ in rows])
            yield [(pk, r, paper) for (pk, r), paper in zip(rows, papers)]
            last = (rows[-1][1], rows[-1][0])

    def papers_by_pk(self, pks: list[int]) -> list[Paper]:
        """Papers (with sources) for these keys, in the same order; unknown keys skipped."""
        known = {r[0] for r in self.conn.execute("SELECT pk FROM papers WHERE pk = ANY(%s)", (list(pks),))}
        wanted = [pk for pk in pks if pk in known]
        return self._with_sources(wanted) if wanted else []

    def texts_to_embed(self, model: str, limit: int | None = None,
                       field: str = "text") -> list[tuple[str, str]]:
        """(content_hash, text) of papers that have no vector for ``model`` yet."""
        sql = ("SELECT DISTINCT p.content_hash, p.data->>'title', p.data->>'abstract' FROM papers p"
               " WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.content_hash = p.content_hash"
               " AND e.model = %s)")
        if field == "title":
            sql += " AND coalesce(p.title, '') != ''"
        sql += " LIMIT %s"
        rows = self.conn.execute(sql, (pg_text(model), limit or None))
        return [(chash, title if field == "title" else paper_text(title, abstract))
                for chash, title, abstract in rows]

    def artifact_dir(self, name: str) -> Path:
        """A local directory for derived data (search indexes): ``data_dir`` or
        $PAPERRADAR_DATA_DIR, else one named after the database under the
        user's data directory."""
        root = self._data_dir or (Path(os.environ["PAPERRADAR_DATA_DIR"])
                                  if os.environ.get("PAPERRADAR_DATA_DIR") else None)
        if root is None:
            from platformdirs import user_data_path

            parts = urlsplit(self.dsn)
            label = "-".join(str(x) for x in (parts.hostname or "local", parts.port or 5432,
                                               parts.path.strip("/") or "postgres"))
            root = user_data_path("paperradar", appauthor=False) / "postgres" / f"{label}-{self.store_id[:8]}"
        root.mkdir(parents=True, exist_ok=True)
        marker = root / "store-id"
        if not marker.exists():
            marker.write_text(self.store_id)
        elif marker.read_text().strip() != self.store_id:
            raise StoreError(f"{root} holds the indexes of another database; "
                             "point PAPERRADAR_DATA_DIR elsewhere or delete that directory")
        path = root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM papers").fetchone()[0]

    def integrity_problems(self) -> list[str]:
        """What is inconsistent in the store (empty when nothing is): duplicate
        papers, rows that belong to nothing (ORPHAN_CHECKS), keys."""
        checks = {
            "keys pointing at no paper": orphan_sql("paper_keys", "pk", "papers", "pk"),
            **{label: orphan_sql(*spec) for label, *spec in ORPHAN_CHECKS},
            "papers whose arXiv id is not keyed to them":
                "SELECT count(*) FROM papers p WHERE p.data->>'arxiv_id' IS NOT NULL AND NOT EXISTS"
                " (SELECT 1 FROM paper_keys k WHERE k.kind = 'arxiv' AND k.value = p.data->>'arxiv_id'"
                " AND k.pk = p.pk)",
            "duplicate papers (one arXiv id stored as several papers)":
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM papers"
                " WHERE data->>'arxiv_id' IS NOT NULL GROUP BY data->>'arxiv_id' HAVING count(*) > 1) d",
            "duplicate papers (one DOI stored as several papers with at most one arXiv id)":
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM papers"
                " WHERE data->>'doi' IS NOT NULL GROUP BY lower(data->>'doi')"
                " HAVING count(*) > 1 AND count(DISTINCT data->>'arxiv_id') <= 1) d",
            "papers sent twice to one subscription": SENT_TWICE_SQL,
        }
        problems = []
        for label, sql in checks.items():
            n = self.conn.execute(sql).fetchone()[0]
            if n:
                problems.append(f"{n} {label}")
        return problems

    def close(self) -> None:
        self.conn.close()
