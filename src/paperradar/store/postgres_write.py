"""The PostgreSQL store's write path: one transaction per batch under the
writer lock, the plan written by COPY (new rows straight into their tables,
changes through staging tables merged with UPDATE and INSERT ... ON
CONFLICT), and resume checkpoints in the same transaction. Mixed into
``PostgresStore``."""

from __future__ import annotations

from typing import Any, Iterable

from ..codec import core_to_row
from ..models import Paper
from .base import BatchResult
from .dedupe import Plan, content_hash, plan_batch, plan_to_counts
from .postgres_codec import pg_json, pg_text
from .postgres_schema import WRITER_LOCK

STAGING = """
CREATE TEMP TABLE IF NOT EXISTS _stage_papers (pk bigint, id text, title text, date text,
    data json, content_hash text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS _stage_keys (kind text, value text, pk bigint) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS _stage_sources (pk bigint, source text, source_id text,
    first_seen text, last_seen text, fields json) ON COMMIT DELETE ROWS;
"""


class PgBatchWriter:
    conn: Any
    clock: Any

    def _copy(self, table: str, columns: str, rows: Iterable[tuple]) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    # -- writing ---------------------------------------------------------------

    def ingest_batch(
        self, records: list[Paper], checkpoint: tuple[str, Any] | None = None
    ) -> BatchResult:
        now = self.clock()
        with self.conn.transaction():
            self._lock(WRITER_LOCK)
            plan = plan_batch(records, self, now)
            self._write(plan, now)
            if checkpoint is not None:
                self._save_checkpoint(checkpoint[0], checkpoint[1], now)
        counts = plan_to_counts(plan)
        return BatchResult(counts["added"], counts["merged"], counts["unchanged"])

    def _write(self, plan: Plan, now: str) -> None:
        changed = [p for p in plan.papers.values() if p.changed]
        sources = [s for s in plan.sources.values() if s.changed]
        touched = sorted({s.pk for s in sources} - {p.pk for p in changed})
        rev = None
        if changed or touched:
            rev = self.conn.execute("SELECT nextval('papers_rev_seq')").fetchone()[0]
        new_rows, changed_rows = [], []
        for p in changed:
            row = (p.pk, pg_text(p.id), pg_text(p.core.title), pg_text(p.core.date),
                   pg_json(core_to_row(p.core)), content_hash(p.core))
            (new_rows if p.is_new else changed_rows).append(row)
        self._copy("papers", "pk, id, title, date, data, content_hash, added_at, updated_at, rev",
                   (row + (now, now, rev) for row in new_rows))
        if changed_rows:
            self._copy("_stage_papers", "pk, id, title, date, data, content_hash", changed_rows)
            self.conn.execute(
                "UPDATE papers p SET id = s.id, title = s.title, date = s.date, data = s.data,"
                " content_hash = s.content_hash, updated_at = %s, rev = %s"
                " FROM _stage_papers s WHERE p.pk = s.pk", (now, rev))
            self.conn.execute("DELETE FROM paper_categories WHERE pk = ANY(%s)",
                              ([r[0] for r in changed_rows],))
        if touched:  # source rows change what a paper shows (sources, upvotes)
            self.conn.execute("UPDATE papers SET rev = %s WHERE pk = ANY(%s)", (rev, touched))
        self._copy("paper_categories", "category, pk", dict.fromkeys(
            (pg_text(c), p.pk) for p in changed for c in p.core.categories))
        # Keys of new papers were all looked up under the lock: none is taken.
        # Others (id aliases, keys of merged papers) may be: merge, keep the first.
        direct, staged = {}, {}
        for p in plan.papers.values():
            for kind, value in p.new_keys:
                target = direct if p.is_new and kind != "id" else staged
                target.setdefault((kind, pg_text(value)), p.pk)
            if p.old_id:
                staged.setdefault(("id", pg_text(p.old_id)), p.pk)
        self._copy("paper_keys", "kind, value, pk", ((k, v, pk) for (k, v), pk in direct.items()))
        if staged:
            self._copy("_stage_keys", "kind, value, pk", ((k, v, pk) for (k, v), pk in staged.items()))
            self.conn.execute("INSERT INTO paper_keys SELECT kind, value, pk FROM _stage_keys"
                              " ON CONFLICT DO NOTHING")
        rows = [(s.pk, pg_text(s.seen.source), pg_text(s.seen.source_id), s.seen.first_seen,
                 s.seen.last_seen, pg_json(s.seen.fields)) for s in sources]
        columns = "pk, source, source_id, first_seen, last_seen, fields"
        self._copy("paper_sources", columns, (r for r, s in zip(rows, sources) if s.is_new))
        replaced = [r for r, s in zip(rows, sources) if not s.is_new]
        if replaced:
            self._copy("_stage_sources", columns, replaced)
            self.conn.execute(
                f"INSERT INTO paper_sources ({columns}) SELECT {columns} FROM _stage_sources"
                " ON CONFLICT (pk, source, source_id) DO UPDATE SET first_seen = excluded.first_seen,"
                " last_seen = excluded.last_seen, fields = excluded.fields")

    def _save_checkpoint(self, key: str, state: Any, now: str) -> None:
        self.conn.execute(
            "INSERT INTO checkpoints VALUES (%s, %s, %s) ON CONFLICT (key) DO UPDATE"
            " SET state = excluded.state, updated_at = excluded.updated_at",
            (pg_text(key), pg_json(state), now))

    def checkpoint(self, key: str) -> Any:
        row = self.conn.execute("SELECT state FROM checkpoints WHERE key = %s",
                                (pg_text(key),)).fetchone()
        return row[0] if row else None

    def clear_checkpoint(self, key: str) -> None:
        self.conn.execute("DELETE FROM checkpoints WHERE key = %s", (pg_text(key),))

