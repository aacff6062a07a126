"""The PostgreSQL store's web accounts and API tokens (migration m008); the
same behaviour as ``sqlite_accounts``. Mixed into ``PostgresStore``."""

from __future__ import annotations

from typing import Any

from .base import Account, ApiToken
from .postgres_codec import pg_text
from .sqlite_accounts import last_used_is_stale

_ACCOUNT = "SELECT a.reader_id, r.name, a.password_hash FROM accounts a JOIN readers r ON r.id = a.reader_id"


class PgAccountTables:
    conn: Any
    clock: Any

    def save_account(self, reader_id: int, password_hash: str) -> None:
        """Create the reader's account, or set its password hash."""
        now = self.clock()
        self.conn.execute(
            "INSERT INTO accounts (reader_id, password_hash, created_at, updated_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (reader_id) DO UPDATE SET"
            " password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            (reader_id, pg_text(password_hash), now, now))

    def account(self, name: str) -> Account | None:
        """The account of the reader called ``name`` (surrounding spaces ignored)."""
        row = self.conn.execute(f"{_ACCOUNT} WHERE r.name = %s", (pg_text((name or "").strip()),)).fetchone()
        return Account(*row) if row else None

    def account_of_reader(self, reader_id: int) -> Account | None:
        row = self.conn.execute(f"{_ACCOUNT} WHERE a.reader_id = %s", (reader_id,)).fetchone()
        return Account(*row) if row else None

    def account_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT r.name FROM accounts a JOIN readers r ON r.id = a.reader_id ORDER BY r.name")]

    def add_api_token(self, reader_id: int, token_hash: str, label: str = "") -> None:
        self.conn.execute(
            "INSERT INTO api_tokens (reader_id, token_hash, label, created_at) VALUES (%s, %s, %s, %s)",
            (reader_id, pg_text(token_hash), pg_text(label or ""), self.clock()))

    def reader_id_for_token_hash(self, token_hash: str) -> int | None:
        """The reader of the API token with this hash (None: unknown or revoked);
        notes when the token was last used (at most every LAST_USED_EVERY_S)."""
        row = self.conn.execute("SELECT id, reader_id, last_used_at FROM api_tokens WHERE token_hash = %s",
                                (pg_text(token_hash),)).fetchone()
        if row is None:
            return None
        now = self.clock()
        if last_used_is_stale(row[2], now):
            self.conn.execute("UPDATE api_tokens SET last_used_at = %s WHERE id = %s", (now, row[0]))
        return row[1]

    def api_tokens(self, reader_id: int) -> list[ApiToken]:
        """The reader's API tokens, oldest first."""
        return [ApiToken(*row) for row in self.conn.execute(
            "SELECT reader_id, label, created_at, last_used_at FROM api_tokens WHERE reader_id = %s ORDER BY id",
            (reader_id,))]

    def revoke_api_tokens(self, reader_id: int) -> int:
        """Delete the reader's API tokens; how many there were."""
        return self.conn.execute("DELETE FROM api_tokens WHERE reader_id = %s", (reader_id,)).rowcount
