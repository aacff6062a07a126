"""The SQLite store's enrichment tables: per-paper enricher outputs, their
lookup keys, and the cache of backend outputs. Mixed into ``SQLiteStore``."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import orjson

_CHUNK = 500


def _chunks(items: list, n: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class EnrichmentTables:
    db: Any
    clock: Any

    def enrichment_todo(self, enricher: str, version: str, limit: int | None = None,
                        pks: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """(pk, content_hash) of papers with no ``enricher`` output for their
        current text and this ``version``, oldest first (or among ``pks``)."""
        sql = ("SELECT p.pk, p.content_hash FROM papers p LEFT JOIN enrichments e"
               " ON e.pk = p.pk AND e.enricher = ?"
               " WHERE (e.pk IS NULL OR e.content_hash != p.content_hash OR e.version != ?)")
        params: list = [enricher, version]
        if pks is not None:
            wanted = sorted(set(pks))
            out: list[tuple[int, str]] = []
            for chunk in _chunks(wanted):
                out += self.db.execute(sql + f" AND p.pk IN ({','.join('?' * len(chunk))}) ORDER BY p.pk",
                                       params + chunk).fetchall()
            return out[:limit] if limit else out
        sql += " ORDER BY p.pk"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [tuple(r) for r in self.db.execute(sql, params)]

    def save_enrichments(self, enricher: str, version: str,
                         rows: list[tuple[int, str, dict, list[str]]]) -> None:
        """Store (pk, content_hash, data, keys) rows of one enricher in one transaction,
        replacing its earlier output and keys for those papers."""
        now = self.clock()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            live = {r[0] for chunk in _chunks([r[0] for r in rows]) for r in self.db.execute(
                f"SELECT pk FROM papers WHERE pk IN ({','.join('?' * len(chunk))})", chunk)}
            rows = [r for r in rows if r[0] in live]
            old: dict[int, set[str]] = {}
            for chunk in _chunks([r[0] for r in rows]):
                for pk, key in self.db.execute(
                        f"SELECT pk, key FROM enrichment_keys WHERE enricher = ? AND pk IN"
                        f" ({','.join('?' * len(chunk))})", [enricher, *chunk]):
                    old.setdefault(pk, set()).add(key)
            # Keys feed the search filters (has-code, predicted category): a
            # paper whose keys changed gets a new revision so indexes catch up.
            moved = [pk for pk, _, _, keys in rows if set(keys) != old.get(pk, set())]
            if moved:
                rev = self.db.execute("SELECT coalesce(max(rev), 0) + 1 FROM papers").fetchone()[0]
                self.db.executemany("UPDATE papers SET rev = ? WHERE pk = ?", [(rev, pk) for pk in moved])
            self.db.executemany(
                "INSERT OR REPLACE INTO enrichments VALUES (?, ?, ?, ?, ?, ?)",
                [(pk, enricher, version, chash, orjson.dumps(data), now) for pk, chash, data, _ in rows])
            self.db.executemany("DELETE FROM enrichment_keys WHERE enricher = ? AND pk = ?",
                                [(enricher, pk) for pk, *_ in rows])
            self.db.executemany(
                "INSERT OR IGNORE INTO enrichment_keys VALUES (?, ?, ?)",
                [(enricher, key, pk) for pk, _, _, keys in rows for key in keys])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def enrichments_of(self, pks: list[int]) -> dict[int, dict[str, Any]]:
        """{pk: {enricher: data}} for these papers (current or not)."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(list(pks)):
            for pk, enricher, data in self.db.execute(
                    f"SELECT pk, enricher, data FROM enrichments WHERE pk IN ({','.join('?' * len(chunk))})",
                    chunk):
                out.setdefault(pk, {})[enricher] = orjson.loads(data)
        return out

    def enrichment_rows(self, enricher: str) -> Iterator[tuple[int, dict]]:
        """(pk, data) of every paper ``enricher`` has output for."""
        for pk, data in self.db.execute(
                "SELECT pk, data FROM enrichments WHERE enricher = ? ORDER BY pk", (enricher,)):
            yield pk, orjson.loads(data)

    def pks_with_key(self, enricher: str, key: str) -> list[int]:
        """Papers whose ``enricher`` output published ``key``."""
        return [r[0] for r in self.db.execute(
            "SELECT pk FROM enrichment_keys WHERE enricher = ? AND key = ? ORDER BY pk", (enricher, key))]

    def enrichment_keys(self, enricher: str, prefix: str = "") -> list[tuple[str, int]]:
        """(key, number of papers) published by ``enricher``, keys starting with ``prefix``."""
        return [tuple(r) for r in self.db.execute(
            "SELECT key, count(*) FROM enrichment_keys WHERE enricher = ? AND key >= ? AND key < ?"
            " GROUP BY key ORDER BY count(*) DESC, key", (enricher, prefix, prefix + "\uffff"))]

    def primary_categories(self) -> Iterator[tuple[int, str | None]]:
        """(pk, primary category or None) of every paper that has a title or abstract."""
        yield from self.db.execute(
            "SELECT pk, json_extract(data, '$.categories[0]') FROM papers"
            " WHERE coalesce(title, '') != '' OR coalesce(json_extract(data, '$.abstract'), '') != ''")

    def cache_get(self, task: str, input_hash: str, backend: str) -> Any:
        """A cached backend output, or None."""
        row = self.db.execute(
            "SELECT output FROM backend_cache WHERE task = ? AND input_hash = ? AND backend = ?",
            (task, input_hash, backend)).fetchone()
        return orjson.loads(row[0]) if row else None

    def cache_put(self, task: str, input_hash: str, backend: str, output: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO backend_cache VALUES (?, ?, ?, ?, ?)",
                        (task, input_hash, backend, orjson.dumps(output), self.clock()))
