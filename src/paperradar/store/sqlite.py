"""The embedded default store: one SQLite file in WAL mode.

The only module (with its migrations) that knows SQL for SQLite. Every batch
is one transaction, so a killed import loses nothing already committed and a
re-run completes it.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from ..codec import core_from_row, core_to_row
from ..errors import NotFound, StoreError
from ..models import Paper, SourceSeen
from ..normalize import normalize_doi, parse_arxiv_id, utc_now
from .base import BatchResult, PaperQuery
from .category_filter import category_condition, is_common, size_sql
from .dedupe import Key, Plan, content_hash, paper_text, plan_batch, plan_to_counts
from .migrations import apply_migrations
from .sqlite_accounts import AccountTables
from .sqlite_enrich import EnrichmentTables
from .sqlite_readers import ReaderTables
from .sqlite_trending import TrendingQueries

log = logging.getLogger(__name__)

_CHUNK = 500  # SQLite's default limit on bound variables is far above this
#: Page cache per connection. Random-key index inserts (dedupe keys) need
#: their upper B-tree levels in memory; 64 MiB holds them at arXiv scale.
CACHE_KIB = 64 * 1024
#: Keys buffered in paper_keys_recent before they are folded into paper_keys.
RECENT_KEYS_LIMIT = 200_000


#: Rows that must belong to something: (what, table, column, parent table, parent column).
#: Both backends count them with ``orphan_sql``.
ORPHAN_CHECKS = (
    ("source rows of no paper", "paper_sources", "pk", "papers", "pk"),
    ("category rows of no paper", "paper_categories", "pk", "papers", "pk"),
    ("enrichment rows of no paper", "enrichments", "pk", "papers", "pk"),
    ("enrichment keys of no paper", "enrichment_keys", "pk", "papers", "pk"),
    ("library rows of no paper", "reader_papers", "pk", "papers", "pk"),
    ("library rows of no reader", "reader_papers", "reader_id", "readers", "id"),
    ("tags of no paper", "reader_tags", "pk", "papers", "pk"),
    ("tags of no reader", "reader_tags", "reader_id", "readers", "id"),
    ("subscriptions of no reader", "subscriptions", "reader_id", "readers", "id"),
    ("sent issues of no subscription", "sent_issues", "subscription_id", "subscriptions", "id"),
    ("sent papers of no subscription", "sent_papers", "subscription_id", "subscriptions", "id"),
    ("sent papers of no paper", "sent_papers", "pk", "papers", "pk"),
    ("sent papers of no issue in the sent log", "sent_papers", "subscription_id, issue", "sent_issues",
     "subscription_id, issue"),
    ("papers with no source", "papers", "pk", "paper_sources", "pk"),
)
#: A (subscription, paper) pair twice in the sent log (the primary key forbids it: this
#: catches a damaged index or a copy made without constraints).
SENT_TWICE_SQL = ("SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM sent_papers"
                  " GROUP BY subscription_id, pk HAVING count(*) > 1) twice")


def orphan_sql(table: str, column: str, parent: str, parent_column: str) -> str:
    """SQL counting the rows of ``table`` whose ``column`` (or columns) match no row of ``parent``."""
    pairs = zip(column.split(", "), parent_column.split(", "))
    match = " AND ".join(f"x.{c} = y.{pc}" for c, pc in pairs)
    return f"SELECT count(*) FROM {table} x WHERE NOT EXISTS (SELECT 1 FROM {parent} y WHERE {match})"


def _chunks(items: list, n: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class SQLiteStore(EnrichmentTables, ReaderTables, AccountTables, TrendingQueries):
    """paperradar's store in one SQLite file."""

    def __init__(self, path: str | Path, clock: Callable[[], str] = utc_now):
        self.path = Path(path)
        self.url = str(self.path)
        self.clock = clock
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=60000")
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            # Checkpoint the WAL every ~40 MB rather than every 4 MB: bulk
            # imports rewrite the same index pages many times in between.
            self.db.execute("PRAGMA wal_autocheckpoint=10000")
            apply_migrations(self.db)
            self._recent_keys = self.db.execute(
                "SELECT count(*) FROM paper_keys_recent").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    # -- the planner's backend -------------------------------------------------

    def find_keys(self, keys: list[Key]) -> dict[Key, int]:
        by_kind: dict[str, list[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, []).append(value)
        found: dict[Key, int] = {}
        for kind, values in by_kind.items():
            for chunk in _chunks(values):
                marks = ",".join(f"?{i + 2}" for i in range(len(chunk)))
                for value, pk in self.db.execute(
                    f"SELECT value, pk FROM paper_keys WHERE kind = ?1 AND value IN ({marks})"
                    f" UNION ALL SELECT value, pk FROM paper_keys_recent"
                    f" WHERE kind = ?1 AND value IN ({marks})",
                    [kind, *chunk],
                ):
                    found[(kind, value)] = pk
        return found

    def load_cores(self, pks: Iterable[int]) -> dict[int, tuple[str, Paper]]:
        out: dict[int, tuple[str, Paper]] = {}
        for chunk in _chunks(list(pks)):
            marks = ",".join("?" * len(chunk))
            for pk, pid, data in self.db.execute(
                f"SELECT pk, id, data FROM papers WHERE pk IN ({marks})", chunk
            ):
                out[pk] = (pid, core_from_row(orjson.loads(data), pid))
        return out

    def load_source_rows(self, pks: Iterable[int]) -> dict[tuple[int, str, str], SourceSeen]:
        out: dict[tuple[int, str, str], SourceSeen] = {}
        for chunk in _chunks(list(pks)):
            marks = ",".join("?" * len(chunk))
            for pk, source, sid, first, last, fields in self.db.execute(
                "SELECT pk, source, source_id, first_seen, last_seen, fields"
                f" FROM paper_sources WHERE pk IN ({marks})",
                chunk,
            ):
                out[(pk, source, sid)] = SourceSeen(source, sid, first, last, orjson.loads(fields))
        return out

    def ids_taken(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        taken: set[str] = set()
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            taken.update(r[0] for r in self.db.execute(
                f"SELECT id FROM papers WHERE id IN ({marks})", chunk))
            for table in ("paper_keys", "paper_keys_recent"):
                taken.update(r[0] for r in self.db.execute(
                    f"SELECT value FROM {table} WHERE kind = 'id' AND value IN ({marks})", chunk))
        return taken

    def next_pk(self) -> int:
        return (self.db.execute("SELECT max(pk) FROM papers").fetchone()[0] or 0) + 1

    # -- writing ---------------------------------------------------------------

    def ingest_batch(
        self, records: list[Paper], checkpoint: tuple[str, Any] | None = None
    ) -> BatchResult:
        now = self.clock()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            plan = plan_batch(records, self, now)
            self._write(plan, now)
            if checkpoint is not None:
                self._save_checkpoint(checkpoint[0], checkpoint[1], now)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        counts = plan_to_counts(plan)
        return BatchResult(counts["added"], counts["merged"], counts["unchanged"])

    def _write(self, plan: Plan, now: str) -> None:
        new_rows, changed_rows, category_rows, changed_pks, aliases = [], [], [], [], []
        rev = self.revision() + 1
        for p in plan.papers.values():
            if not p.changed:
                continue
            data = orjson.dumps(core_to_row(p.core)).decode()
            if p.is_new:
                new_rows.append((p.pk, p.id, p.core.title, p.core.date, data,
                                 content_hash(p.core), now, now, rev))
            else:
                changed_rows.append((p.id, p.core.title, p.core.date, data,
                                     content_hash(p.core), now, rev, p.pk))
                changed_pks.append((p.pk,))
            category_rows.extend((c, p.pk) for c in p.core.categories)
            if p.old_id:
                aliases.append(("id", p.old_id, p.pk))
        db = self.db
        db.executemany("INSERT INTO papers VALUES (?,?,?,?,?,?,?,?,?)", new_rows)
        db.executemany(
            "UPDATE papers SET id=?, title=?, date=?, data=?, content_hash=?, updated_at=?,"
            " rev=? WHERE pk=?",
            changed_rows,
        )
        # Source rows change what a paper shows (sources, upvotes): bump those too.
        touched = {s.pk for s in plan.sources.values() if s.changed}
        touched -= {p.pk for p in plan.papers.values() if p.changed}
        db.executemany("UPDATE papers SET rev=? WHERE pk=?", [(rev, pk) for pk in touched])
        db.executemany("DELETE FROM paper_categories WHERE pk=?", changed_pks)
        db.executemany("INSERT OR IGNORE INTO paper_categories VALUES (?,?)", category_rows)
        new_keys = [(k, v, p.pk) for p in plan.papers.values() for k, v in p.new_keys] + aliases
        db.executemany("INSERT OR IGNORE INTO paper_keys_recent VALUES (?,?,?)", new_keys)
        self._recent_keys += len(new_keys)
        if self._recent_keys >= RECENT_KEYS_LIMIT:
            self._fold_recent_keys()
        db.executemany(
            "INSERT OR REPLACE INTO paper_sources VALUES (?,?,?,?,?,?)",
            [
                (s.pk, s.seen.source, s.seen.source_id, s.seen.first_seen, s.seen.last_seen,
                 orjson.dumps(s.seen.fields).decode())
                for s in plan.sources.values()
                if s.changed
            ],
        )

    def _fold_recent_keys(self) -> None:
        """Move buffered keys into paper_keys in key order (inside the caller's
        transaction): each index page is then written once per fold rather
        than once per batch."""
        self.db.execute(
            "INSERT OR IGNORE INTO paper_keys"
            " SELECT kind, value, pk FROM paper_keys_recent ORDER BY kind, value"
        )
        self.db.execute("DELETE FROM paper_keys_recent")
        self._recent_keys = 0

    def _save_checkpoint(self, key: str, state: Any, now: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO checkpoints VALUES (?,?,?)",
            (key, orjson.dumps(state).decode(), now),
        )

    def checkpoint(self, key: str) -> Any:
        row = self.db.execute("SELECT state FROM checkpoints WHERE key = ?", (key,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def clear_checkpoint(self, key: str) -> None:
        self.db.execute("DELETE FROM checkpoints WHERE key = ?", (key,))

    # -- reading ---------------------------------------------------------------

    def _resolve_pk(self, key: str) -> int | None:
        row = self.db.execute("SELECT pk FROM papers WHERE id = ?", (key,)).fetchone()
        if row:
            return row[0]
        candidates: list[Key] = [("id", key)]
        arxiv_id, _ = parse_arxiv_id(key)
        if arxiv_id:
            candidates.append(("arxiv", arxiv_id))
        doi = normalize_doi(key)
        if doi:
            candidates.append(("doi", doi))
        found = self.find_keys(candidates)
        for cand in candidates:
            if cand in found:
                return found[cand]
        return None

    def get(self, key: str) -> Paper:
        pk = self._resolve_pk(key.strip())
        if pk is None:
            raise NotFound(f"no paper {key!r} in {self.url}")
        return self._with_sources([pk])[0]

    def _with_sources(self, pks: list[int]) -> list[Paper]:
        cores = self.load_cores(pks)
        rows = self.load_source_rows(pks)
        by_pk: dict[int, list[SourceSeen]] = {}
        for (pk, _, _), seen in sorted(rows.items(), key=lambda kv: (kv[1].first_seen, kv[0])):
            by_pk.setdefault(pk, []).append(seen)
        enriched = self.enrichments_of(pks)
        out = []
        for pk in pks:
            paper = cores[pk][1]
            paper.sources = by_pk.get(pk, [])
            paper.enrichments = enriched.get(pk, {})
            out.append(paper)
        return out

    def _where(self, query: PaperQuery, walk: bool = False) -> tuple[list[str], list]:
        where, params = [], []
        if query.since:
            where.append("p.date >= ?")
            params.append(query.since)
        if query.until:
            where.append("p.date <= ?")
            params.append(query.until + "\uffff")
        if query.category:
            where.append(category_condition("?", walk))
            params += [query.category, query.category]
        if query.source:
            where.append("p.pk IN (SELECT pk FROM paper_sources WHERE source = ?)")
            params.append(query.source)
        if query.author:
            where.append("EXISTS (SELECT 1 FROM json_each(p.data, '$.authors') a"
                         " WHERE instr(lower(json_extract(a.value, '$[0]')), ?) > 0)")
            params.append(query.author.lower())
        if query.has_code is not None:
            where.append(("" if query.has_code else "NOT ")
                         + "(EXISTS (SELECT 1 FROM json_each(p.data, '$.links') l"
                         " WHERE json_extract(l.value, '$[1]') = 'code') OR EXISTS (SELECT 1 FROM"
                         " enrichment_keys k WHERE k.enricher = 'links' AND k.key = 'code' AND k.pk = p.pk))")
        return where, params

    def pks_matching(self, query: PaperQuery) -> set[int]:
        where, params = self._where(query)
        sql = "SELECT p.pk FROM papers p" + (" WHERE " + " AND ".join(where) if where else "")
        return {r[0] for r in self.db.execute(sql, params)}

    def papers(self, query: PaperQuery = PaperQuery()) -> Iterator[Paper]:
        walk = bool(query.category) and query.limit is not None and is_common(
            self.db.execute(size_sql("?"), [query.category] * 2).fetchone())
        where, params = self._where(query, walk)
        sql = "SELECT p.pk FROM papers p"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY p.date DESC, p.pk DESC"  # NULL dates last (SQLite sorts NULL lowest); uses the date index
        if query.limit is not None or query.offset:
            sql += " LIMIT ? OFFSET ?"
            params += [query.limit if query.limit is not None else -1, query.offset]
        pks = [r[0] for r in self.db.execute(sql, params)]
        for chunk in _chunks(pks):
            yield from self._with_sources(chunk)

    def revision(self) -> int:
        """The latest batch revision: grows whenever any paper changes."""
        return self.db.execute("SELECT coalesce(max(rev), 0) FROM papers").fetchone()[0]

    def changed_since(self, rev: int, chunk: int = _CHUNK) -> Iterator[list[tuple[int, int, Paper]]]:
        """Chunks of (pk, rev, paper with sources) changed after ``rev``, oldest first."""
        last = (rev, 1 << 62)  # everything after revision `rev`
        while True:
            rows = self.db.execute(
                "SELECT pk, rev FROM papers WHERE (rev, pk) > (?, ?) ORDER BY rev, pk LIMIT ?",
                (*last, chunk),
            ).fetchall()
            if not rows:
                return
            papers = self._with_sources([pk for pk, _ in rows])
            yield [(pk, r, paper) for (pk, r), paper in zip(rows, papers)]
            last = (rows[-1][1], rows[-1][0])

    def papers_by_pk(self, pks: list[int]) -> list[Paper]:
        """Papers (with sources) for these keys, in the same order; unknown keys skipped."""
        known = {r[0] for chunk in _chunks(list(pks)) for r in self.db.execute(
            f"SELECT pk FROM papers WHERE pk IN ({','.join('?' * len(chunk))})", chunk)}
        wanted = [pk for pk in pks if pk in known]
        return self._with_sources(wanted) if wanted else []

    def pk_of(self, key: str) -> int:
        pk = self._resolve_pk(key.strip())
        if pk is None:
            raise NotFound(f"no paper {key!r} in {self.url}")
        return pk

    def texts_to_embed(self, model: str, limit: int | None = None,
                       field: str = "text") -> list[tuple[str, str]]:
        """(content_hash, text) of papers that have no vector for ``model`` yet.
        ``field`` "text" is title and abstract; "title" is the title alone (papers
        without a title are left out)."""
        sql = (
            "SELECT DISTINCT p.content_hash, p.data FROM papers p WHERE NOT EXISTS"
            " (SELECT 1 FROM embeddings e WHERE e.content_hash = p.content_hash"
            " AND e.model = ?)"
        )
        if field == "title":
            sql += " AND coalesce(p.title, '') != ''"
        params: list = [model]
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        out = []
        for chash, data in self.db.execute(sql, params):
            core = orjson.loads(data)
            text = core.get("title") if field == "title" else paper_text(core.get("title"), core.get("abstract"))
            out.append((chash, text))
        return out

    def save_embeddings(self, model: str, rows: list[tuple[str, bytes]]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            seq = self.db.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM embeddings WHERE model = ?", (model,)
            ).fetchone()[0]
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)",
                [(chash, model, vector, seq) for chash, vector in rows],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def embeddings(
        self, model: str, since_rev: int = 0, since_seq: int = 0
    ) -> Iterator[tuple[int, str, int, bytes]]:
        """(pk, content_hash, seq, vector bytes) of papers with a vector for ``model``
        that changed after ``since_rev`` or were embedded after ``since_seq``."""
        yield from self.db.execute(
            "SELECT p.pk, p.content_hash, e.seq, e.vector FROM papers p JOIN embeddings e"
            " ON e.content_hash = p.content_hash AND e.model = ?"
            " WHERE p.rev > ? OR e.seq > ? ORDER BY p.pk",
            (model, since_rev, since_seq),
        )

    def artifact_dir(self, name: str) -> Path:
        """A directory beside the database for derived data (search indexes)."""
        path = self.path.with_name(f"{self.path.name}.{name}")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM papers").fetchone()[0]

    def integrity_problems(self) -> list[str]:
        """What is inconsistent in the store (empty when nothing is): SQLite's own
        check, duplicate papers, rows that belong to nothing (ORPHAN_CHECKS), keys."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        all_keys = "(SELECT * FROM paper_keys UNION ALL SELECT * FROM paper_keys_recent)"
        arxiv = "json_extract(p.data, '$.arxiv_id')"
        checks = {
            "keys pointing at no paper":
                f"SELECT count(*) FROM {all_keys} WHERE pk NOT IN (SELECT pk FROM papers)",
            "keys held twice":
                "SELECT count(*) FROM paper_keys_recent r JOIN paper_keys k"
                " ON k.kind = r.kind AND k.value = r.value",
            **{label: orphan_sql(*spec) for label, *spec in ORPHAN_CHECKS},
            "papers whose arXiv id is not keyed to them":
                f"SELECT count(*) FROM papers p WHERE {arxiv} IS NOT NULL"
                f" AND NOT EXISTS (SELECT 1 FROM {all_keys} k WHERE k.kind = 'arxiv'"
                f" AND k.value = {arxiv} AND k.pk = p.pk)",
            "duplicate papers (one arXiv id stored as several papers)":
                f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM papers p"
                f" WHERE {arxiv} IS NOT NULL GROUP BY {arxiv} HAVING n > 1)",
            "duplicate papers (one DOI stored as several papers with at most one arXiv id)":
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n, count(DISTINCT"
                " json_extract(data, '$.arxiv_id')) AS ids FROM papers WHERE json_extract(data, '$.doi')"
                " IS NOT NULL GROUP BY lower(json_extract(data, '$.doi')) HAVING n > 1 AND ids <= 1)",
            "papers sent twice to one subscription": SENT_TWICE_SQL,
        }
        for label, sql in checks.items():
            n = self.db.execute(sql).fetchone()[0]
            if n:
                problems.append(f"{n} {label}")
        return problems

    def close(self) -> None:
        self.db.close()
