"""Who is asking: signed session cookies, API tokens, CSRF tokens, and the
limit on failed sign-ins.

Sessions are stateless cookies, ``base64(payload).hmac``, signed with HMAC-SHA256
under the app's secret. The payload names the reader, a random nonce (the CSRF
token is derived from it) and a fingerprint of the account's password hash, so
changing a password ends every session. A visitor who is not signed in gets a
random ``pr_csrf`` nonce cookie, so the sign-in form is protected too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..store.base import Reader
from .accounts import Accounts

log = logging.getLogger(__name__)

SESSION_COOKIE = "pr_session"
CSRF_COOKIE = "pr_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SECRET_ENV = "PAPERRADAR_SECRET"


def load_secret(configured: str | None, directory: Path) -> bytes:
    """The signing secret: configured, else ``$PAPERRADAR_SECRET``, else a random
    one generated once and kept (mode 0600) in ``directory/secret``."""
    text = configured or os.environ.get(SECRET_ENV)
    if text:
        if len(text) < 16:
            raise ValueError(f"the web secret must have at least 16 characters (set {SECRET_ENV})")
        return text.encode()
    path = directory / "secret"
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret.hex())
    log.info("generated a new web secret in %s", directory)
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """HMAC-SHA256 signatures of small JSON payloads, with an issue time."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def _mac(self, purpose: str, body: str) -> str:
        return _b64(hmac.new(self.secret, f"{purpose}|{body}".encode(), hashlib.sha256).digest())

    def sign(self, purpose: str, payload: dict, now: float | None = None) -> str:
        body = _b64(orjson.dumps({**payload, "iat": int(now if now is not None else time.time())}))
        return f"{body}.{self._mac(purpose, body)}"

    def unsign(self, purpose: str, value: str | None, max_age: float,
               now: float | None = None) -> dict | None:
        """The payload of a valid, unexpired signature; None for anything else."""
        if not value or len(value) > 4096 or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(purpose, body)):
            return None
        try:
            payload = orjson.loads(_unb64(body))
        except (ValueError, orjson.JSONDecodeError):
            return None
        age = (now if now is not None else time.time()) - payload.get("iat", 0)
        if not isinstance(payload, dict) or age > max_age or age < -300:
            return None
        return payload

    def token_for(self, purpose: str, nonce: str) -> str:
        """A value derived from ``nonce`` that only the secret's holder can make."""
        return self._mac(purpose, nonce)


class FailureLimiter:
    """At most ``limit`` failures per key in a sliding ``window`` of seconds."""

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        with self._lock:
            times = self._prune(key)
            if len(times) < self.limit:
                return 0
            return max(1, int(times[0] + self.window - self.clock()) + 1)

    def fail(self, key: str) -> None:
        with self._lock:
            self._prune(key).append(self.clock())
            if len(self._failures) > 100_000:  # bound memory under a spray of names
                for stale in [k for k, v in self._failures.items() if not v][:50_000]:
                    del self._failures[stale]

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= self.clock() - self.window:
            times.popleft()
        return times


@dataclass
class Identity:
    """The reader behind a request, and how they proved it."""

    reader: Reader | None = None
    via: str | None = None  # "session" | "token"
    nonce: str = ""  # the session's (or the anonymous visitor's) CSRF nonce
    new_nonce: bool = False  # an anonymous nonce to set as a cookie


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class Auth:
    """Sessions, tokens and CSRF for one app."""

    def __init__(self, store: Any, secret: bytes, accounts: Accounts, session_days: int,
                 secure_cookies: bool, limits: dict[str, int]):
        self.store = store
        self.signer = Signer(secret)
        self.accounts = accounts
        self.session_seconds = session_days * 86400
        self.secure_cookies = secure_cookies
        window = limits["window"]
        self.by_account = FailureLimiter(limits["per_account"], window)
        self.by_ip = FailureLimiter(limits["per_ip"], window)
        self.tokens_by_ip = FailureLimiter(limits["tokens_per_ip"], window)

    # -- sessions ------------------------------------------------------------------

    def session_cookie(self, reader_id: int, password_hash: str) -> tuple[str, str]:
        """(cookie value, nonce) of a new session."""
        nonce = secrets.token_urlsafe(18)
        value = self.signer.sign("session", {"r": reader_id, "n": nonce,
                                             "p": password_fingerprint(password_hash)})
        return value, nonce

    def reader_of_session(self, cookie: str | None) -> tuple[Reader, str] | None:
        payload = self.signer.unsign("session", cookie, self.session_seconds)
        if payload is None or not isinstance(payload.get("r"), int):
            return None
        account = self.accounts.by_reader_id(payload["r"])
        if account is None or not hmac.compare_digest(
                str(payload.get("p", "")), password_fingerprint(account.password_hash)):
            return None  # account gone, or its password changed since
        return Reader(account.reader_id, account.name), str(payload.get("n", ""))

    def reader_of_token(self, token: str) -> Reader | None:
        reader_id = self.accounts.reader_id_for_token(token)
        if reader_id is None:
            return None
        return self.store.reader_by_id(reader_id)

    # -- CSRF ----------------------------------------------------------------------

    def csrf_token(self, identity: Identity) -> str:
        return self.signer.token_for("csrf", identity.nonce)

    def csrf_ok(self, identity: Identity, submitted: str | None) -> bool:
        if not identity.nonce or not submitted:
            return False
        return hmac.compare_digest(submitted, self.csrf_token(identity))

    def set_cookie(self, response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                            secure=self.secure_cookies, path="/")
