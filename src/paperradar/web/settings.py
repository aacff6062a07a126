"""The web app's settings: one small dataclass, built from a dict or keywords."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable


@dataclass
class WebSettings:
    """How ``paperradar serve`` behaves.

    ``private``: reading needs a signed-in reader too (writes always do).
    ``secret``: signs session cookies and CSRF tokens; else ``$PAPERRADAR_SECRET``,
    else a random one kept in the store's ``web`` artifact directory.
    ``secure_cookies``: mark cookies Secure (serve behind HTTPS).
    ``trust_proxy``: take the client address from ``X-Forwarded-For`` (behind a reverse proxy).
    ``cache_seconds``: how long a computed ranking (trending, for-you, topics) is
    served while the store keeps changing underneath (an ingest running).
    ``http_factory``: builds the ``Http`` client online ingests use (tests pass a mock).
    """

    private: bool = False
    secret: str | None = None
    secure_cookies: bool = False
    trust_proxy: bool = False
    session_days: int = 14
    max_upload_bytes: int = 20 * 1024 * 1024
    login_failures_per_account: int = 5
    login_failures_per_ip: int = 20
    login_window_seconds: int = 15 * 60
    token_failures_per_ip: int = 30
    cache_seconds: float = 30.0
    page_size: int = 30
    threads: int = 16
    http_factory: Callable[[], Any] | None = None
    argon2: dict[str, int] = field(default_factory=dict)  # PasswordHasher parameters

    @classmethod
    def from_any(cls, value: "WebSettings | dict | None") -> "WebSettings":
        if isinstance(value, WebSettings):
            return value
        value = dict(value or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown web settings: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**value)
