"""The PostgreSQL store's enrichment tables: per-paper enricher outputs,
their lookup keys, and the cache of backend outputs. Mixed into
``PostgresStore``; the same behaviour as ``sqlite_enrich``."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from .postgres_codec import pg_json, pg_text
from .postgres_schema import WRITER_LOCK


class PgEnrichmentTables:
    conn: Any
    clock: Any

    def enrichment_todo(self, enricher: str, version: str, limit: int | None = None,
                        pks: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """(pk, content_hash) of papers with no ``enricher`` output for their
        current text and this ``version``, oldest first (or among ``pks``)."""
        sql = ("SELECT p.pk, p.content_hash FROM papers p LEFT JOIN enrichments e"
               " ON e.pk = p.pk AND e.enricher = %s"
               " WHERE (e.pk IS NULL OR e.content_hash != p.content_hash OR e.version != %s)")
        params: list = [pg_text(enricher), pg_text(version)]
        if pks is not None:
            sql += " AND p.pk = ANY(%s)"
            params.append(sorted(set(pks)))
        sql += " ORDER BY p.pk LIMIT %s"
        params.append(limit or None)
        return [tuple(r) for r in self.conn.execute(sql, params)]

    def save_enrichments(self, enricher: str, version: str,
                         rows: list[tuple[int, str, dict, list[str]]]) -> None:
        """Store (pk, content_hash, data, keys) rows of one enricher in one transaction,
        replacing its earlier output and keys for those papers."""
        now = self.clock()
        enricher = pg_text(enricher)
        with self.conn.transaction():
            # Revisions are numbered under the writer lock (see ingest_batch).
            self.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", WRITER_LOCK)
            live = {r[0] for r in self.conn.execute(
                "SELECT pk FROM papers WHERE pk = ANY(%s)", ([r[0] for r in rows],))}
            rows = list({r[0]: r for r in rows if r[0] in live}.values())
            old: dict[int, set[str]] = {}
            for pk, key in self.conn.execute(
                    "SELECT pk, key FROM enrichment_keys WHERE enricher = %s AND pk = ANY(%s)",
                    (enricher, [r[0] for r in rows])):
                old.setdefault(pk, set()).add(key)
            # Keys feed the search filters (has-code, predicted category): a
            # paper whose keys changed gets a new revision so indexes catch up.
            moved = [pk for pk, _, _, keys in rows if {pg_text(k) for k in keys} != old.get(pk, set())]
            if moved:
                rev = self.conn.execute("SELECT nextval('papers_rev_seq')").fetchone()[0]
                self.conn.execute("UPDATE papers SET rev = %s WHERE pk = ANY(%s)", (rev, moved))
            with self.conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO enrichments VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (pk, enricher)"
                    " DO UPDATE SET version = excluded.version, content_hash = excluded.content_hash,"
                    " data = excluded.data, updated_at = excluded.updated_at",
                    [(pk, enricher, pg_text(version), chash, pg_json(data), now) for pk, chash, data, _ in rows])
                self.conn.execute("DELETE FROM enrichment_keys WHERE enricher = %s AND pk = ANY(%s)",
                                  (enricher, [r[0] for r in rows]))
                cur.executemany(
                    "INSERT INTO enrichment_keys VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    [(enricher, pg_text(key), pk) for pk, _, _, keys in rows for key in keys])

    def enrichments_of(self, pks: list[int]) -> dict[int, dict[str, Any]]:
        """{pk: {enricher: data}} for these papers (current or not)."""
        out: dict[int, dict[str, Any]] = {}
        for pk, enricher, data in self.conn.execute(
                "SELECT pk, enricher, data FROM enrichments WHERE pk = ANY(%s) ORDER BY pk, enricher",
                (list(pks),)):
            out.setdefault(pk, {})[enricher] = data
        return out

    def enrichment_rows(self, enricher: str) -> Iterator[tuple[int, dict]]:
        """(pk, data) of every paper ``enricher`` has output for."""
        yield from self.conn.execute(
            "SELECT pk, data FROM enrichments WHERE enricher = %s ORDER BY pk", (pg_text(enricher),))

    def pks_with_key(self, enricher: str, key: str) -> list[int]:
        """Papers whose ``enricher`` output published ``key``."""
        return [r[0] for r in self.conn.execute(
            "SELECT pk FROM enrichment_keys WHERE enricher = %s AND key = %s ORDER BY pk",
            (pg_text(enricher), pg_text(key)))]

    def enrichment_keys(self, enricher: str, prefix: str = "") -> list[tuple[str, int]]:
        """(key, number of papers) published by ``enricher``, keys starting with ``prefix``."""
        prefix = pg_text(prefix)
        return [tuple(r) for r in self.conn.execute(
            "SELECT key, count(*) FROM enrichment_keys WHERE enricher = %s AND key >= %s AND key < %s"
            " GROUP BY key ORDER BY count(*) DESC, key", (pg_text(enricher), prefix, prefix + "\uffff"))]

    def cache_get(self, task: str, input_hash: str, backend: str) -> Any:
        """A cached backend output, or None."""
        row = self.conn.execute(
            "SELECT output FROM backend_cache WHERE task = %s AND input_hash = %s AND backend = %s",
            (pg_text(task), pg_text(input_hash), pg_text(backend))).fetchone()
        return row[0] if row else None

    def cache_put(self, task: str, input_hash: str, backend: str, output: Any) -> None:
        self.conn.execute(
            "INSERT INTO backend_cache VALUES (%s, %s, %s, %s, %s) ON CONFLICT (task, input_hash, backend)"
            " DO UPDATE SET output = excluded.output, created_at = excluded.created_at",
            (pg_text(task), pg_text(input_hash), pg_text(backend), pg_json(output), self.clock()))
