"""Reader accounts (password hashes) and API tokens, kept by the store.

An account is a reader who can sign in. The store keeps the rows (its
migration m008 makes the tables, on SQLite and PostgreSQL alike); this module
does the hashing and checking. Passwords are hashed with Argon2id; API tokens
are random and only their SHA-256 is stored, so a stolen database gives
neither away.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from ..errors import InputError, NotFound
from ..store.base import Account

__all__ = ["MAX_PASSWORD_CHARS", "MIN_PASSWORD_CHARS", "TOKEN_PREFIX", "Account", "Accounts", "token_hash"]

log = logging.getLogger(__name__)

TOKEN_PREFIX = "prt_"
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024


def _hasher(params: dict[str, int] | None = None):
    from argon2 import PasswordHasher

    return PasswordHasher(**(params or {}))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Accounts:
    """Accounts and tokens over a store (its reader and account methods)."""

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
        self.store.save_account(reader.id, hashed)
        return Account(reader.id, reader.name, hashed)

    def get(self, name: str) -> Account | None:
        return self.store.account(name)

    def by_reader_id(self, reader_id: int) -> Account | None:
        return self.store.account_of_reader(reader_id)

    def names(self) -> list[str]:
        return self.store.account_names()

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
        if self.hasher.check_needs_rehash(account.password_hash):  # stronger parameters since
            account = Account(account.reader_id, account.name, self.hasher.hash(password))
            self.store.save_account(account.reader_id, account.password_hash)
        return account  # with the hash now stored: a session made from it stays valid

    # -- API tokens ----------------------------------------------------------------

    def new_token(self, name: str, label: str = "") -> str:
        """A new API token for the account; shown once, stored only as a hash."""
        account = self.get(name)
        if account is None:
            raise NotFound(f"no account {name!r}: create it with `paperradar user add {name}`")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.store.add_api_token(account.reader_id, token_hash(token), label or "")
        return token

    def reader_id_for_token(self, token: str) -> int | None:
        if not token or len(token) > 200:
            return None
        return self.store.reader_id_for_token_hash(token_hash(token))

    def revoke_tokens(self, name: str) -> int:
        account = self.get(name)
        if account is None:
            raise NotFound(f"no account {name!r}")
        return self.store.revoke_api_tokens(account.reader_id)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise InputError("password", f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError("password", f"a password may have at most {MAX_PASSWORD_CHARS} characters")
