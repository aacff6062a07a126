"""The SQLite store's web accounts and API tokens (migration m008): a reader
who can sign in has a password hash; an API token is kept only as its
SHA-256. Hashing and checking are the web app's (``web.accounts``); this
module only keeps the rows. Mixed into ``SQLiteStore``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .base import Account, ApiToken

#: A token's ``last_used_at`` is written at most this often (seconds), so API
#: calls do not each turn into a write.
LAST_USED_EVERY_S = 600

_ACCOUNT = "SELECT a.reader_id, r.name, a.password_hash FROM accounts a JOIN readers r ON r.id = a.reader_id"


def last_used_is_stale(last_used: str | None, now: str) -> bool:
    """True when a token's ``last_used_at`` should be written again."""
    if not last_used:
        return True
    try:
        return (datetime.fromisoformat(now) - datetime.fromisoformat(last_used)).total_seconds() >= LAST_USED_EVERY_S
    except (TypeError, ValueError):  # an odd clock: write it
        return True


class AccountTables:
    db: Any
    clock: Any

    def save_account(self, reader_id: int, password_hash: str) -> None:
        """Create the reader's account, or set its password hash."""
        now = self.clock()
        self.db.execute(
            "INSERT INTO accounts (reader_id, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (reader_id) DO UPDATE SET"
            " password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            (reader_id, password_hash, now, now))

    def account(self, name: str) -> Account | None:
        """The account of the reader called ``name`` (surrounding spaces ignored)."""
        row = self.db.execute(f"{_ACCOUNT} WHERE r.name = ?", ((name or "").strip(),)).fetchone()
        return Account(*row) if row else None

    def account_of_reader(self, reader_id: int) -> Account | None:
        row = self.db.execute(f"{_ACCOUNT} WHERE a.reader_id = ?", (reader_id,)).fetchone()
        return Account(*row) if row else None

    def account_names(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT r.name FROM accounts a JOIN readers r ON r.id = a.reader_id ORDER BY r.name")]

    def add_api_token(self, reader_id: int, token_hash: str, label: str = "") -> None:
        self.db.execute("INSERT INTO api_tokens (reader_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)",
                        (reader_id, token_hash, label or "", self.clock()))

    def reader_id_for_token_hash(self, token_hash: str) -> int | None:
        """The reader of the API token with this hash (None: unknown or revoked);
        notes when the token was last used (at most every LAST_USED_EVERY_S)."""
        row = self.db.execute("SELECT id, reader_id, last_used_at FROM api_tokens WHERE token_hash = ?",
                              (token_hash,)).fetchone()
        if row is None:
            return None
        now = self.clock()
        if last_used_is_stale(row[2], now):
            self.db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, row[0]))
        return row[1]

    def api_tokens(self, reader_id: int) -> list[ApiToken]:
        """The reader's API tokens, oldest first."""
        return [ApiToken(*row) for row in self.db.execute(
            "SELECT reader_id, label, created_at, last_used_at FROM api_tokens WHERE reader_id = ? ORDER BY id",
            (reader_id,))]

    def revoke_api_tokens(self, reader_id: int) -> int:
        """Delete the reader's API tokens; how many there were."""
        return self.db.execute("DELETE FROM api_tokens WHERE reader_id = ?", (reader_id,)).rowcount
