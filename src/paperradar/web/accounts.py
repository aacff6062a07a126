"""Reader accounts (password hashes) and API tokens, in the store's database.

The tables link to ``readers(id)``: an account is a reader who can sign in.
``web_migrations`` creates them (idempotent); it runs when the app starts and
when the ``user`` command opens a store. (To be moved into the store's named
migrations.) Passwords are hashed with Argon2id; API tokens are random and only
their SHA-256 is stored, so a stolen database gives neither away.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, NotFound
from ..normalize import utc_now

log = logging.getLogger(__name__)

TOKEN_PREFIX = "prt_"
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024


def web_migrations(db: sqlite3.Connection) -> None:
    """Create the accounts and api_tokens tables when missing."""
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS accounts (
            reader_id INTEGER PRIMARY KEY REFERENCES readers(id),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS api_tokens (
            id INTEGER PRIMARY KEY,
            reader_id INTEGER NOT NULL REFERENCES readers(id),
            token_hash TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            last_used_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS api_tokens_by_reader ON api_tokens(reader_id)")


@dataclass
class Account:
    reader_id: int
    name: str
    password_hash: str


def _hasher(params: dict[str, int] | None = None):
    from argon2 import PasswordHasher

    return PasswordHasher(**(params or {}))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Accounts:
    """Accounts and tokens over a store (its ``db`` and reader methods)."""

    def __init__(self, store: Any, argon2_params: dict[str, int] | None = None):
        self.store = store
        self.hasher = _hasher(argon2_params)
        # Verifying against this when the account does not exist takes as long
        # as a real check, so timing does not tell which names exist.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # -- accounts ----------------------------------------------------------------

    def add(self, name: str, password: str) -> Account:
        """Create the account (and its reader when new), or set its password."""
        _check_password(password)
        reader = self.store.reader(name)  # raises InputError for an empty name
        hashed = self.hasher.hash(password)
        now = utc_now()
        self.store.db.execute(
            "INSERT INTO accounts VALUES (?, ?, ?, ?) ON CONFLICT (reader_id) DO UPDATE SET"
            " password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            (reader.id, hashed, now, now))
        return Account(reader.id, reader.name, hashed)

    def get(self, name: str) -> Account | None:
        row = self.store.db.execute(
            "SELECT a.reader_id, r.name, a.password_hash FROM accounts a JOIN readers r ON r.id = a.reader_id"
            " WHERE r.name = ?", ((name or "").strip(),)).fetchone()
        return Account(*row) if row else None

    def by_reader_id(self, reader_id: int) -> Account | None:
        row = self.store.db.execute(
            "SELECT a.reader_id, r.name, a.password_hash FROM accounts a JOIN readers r ON r.id = a.reader_id"
            " WHERE a.reader_id = ?", (reader_id,)).fetchone()
        return Account(*row) if row else None

    def names(self) -> list[str]:
        return [r[0] for r in self.store.db.execute(
            "SELECT r.name FROM accounts a JOIN readers r ON r.id = a.reader_id ORDER BY r.name")]

    def verify(self, name: str, password: str) -> Account | None:
        """The account when ``password`` is right, else None (same cost either way)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        account = self.get(name) if len(password or "") <= MAX_PASSWORD_CHARS else None
        try:
            self.hasher.verify(account.password_hash if account else self._dummy_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if account is None:
            return None
        if self.hasher.check_needs_rehash(account.password_hash):
            self.store.db.execute("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE reader_id = ?",
                                  (self.hasher.hash(password), utc_now(), account.reader_id))
        return account

    # -- API tokens ----------------------------------------------------------------

    def new_token(self, name: str, label: str = "") -> str:
        """A new API token for the account; shown once, stored only as a hash."""
        account = self.get(name)
        if account is None:
            raise NotFound(f"no account {name!r}: create it with `paperradar user add {name}`")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.store.db.execute(
            "INSERT INTO api_tokens (reader_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)",
            (account.reader_id, token_hash(token), label or "", utc_now()))
        return token

    def reader_id_for_token(self, token: str) -> int | None:
        if not token or len(token) > 200:
            return None
        row = self.store.db.execute("SELECT id, reader_id FROM api_tokens WHERE token_hash = ?",
                                    (token_hash(token),)).fetchone()
        if row is None:
            return None
        return row[1]

    def revoke_tokens(self, name: str) -> int:
        account = self.get(name)
        if account is None:
            raise NotFound(f"no account {name!r}")
        cur = self.store.db.execute("DELETE FROM api_tokens WHERE reader_id = ?", (account.reader_id,))
        return cur.rowcount


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise InputError("password", f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError("password", f"a password may have at most {MAX_PASSWORD_CHARS} characters")
