"""Request-level helpers every route shares: who is asking, may they read,
may they write (session plus CSRF token, or an API token), and the app's parts."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request

from ..store.base import Reader
from .auth import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, Identity


class WebError(Exception):
    """An answer that is not the happy one: ``status`` and a message for the reader."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def parts(request: Request) -> Any:
    """The app's shared parts (store, engine, auth, memo, settings...)."""
    return request.app.state.parts


def client_ip(request: Request) -> str:
    if parts(request).settings.trust_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


def identify(request: Request) -> Identity:
    """The reader behind the request (cached on it). A wrong API token is refused
    here, and repeated wrong tokens from one address are slowed down (429)."""
    cached = getattr(request.state, "identity", None)
    if cached is not None:
        return cached
    auth = parts(request).auth
    identity = Identity()
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise WebError(401, "the Authorization header must be 'Bearer <API token>'",
                           {"WWW-Authenticate": "Bearer"})
        ip = client_ip(request)
        wait = auth.tokens_by_ip.retry_after(ip)
        if wait:
            raise WebError(429, f"too many wrong API tokens from this address; try again in {wait} s",
                           {"Retry-After": str(wait)})
        reader = auth.reader_of_token(token.strip())
        if reader is None:
            auth.tokens_by_ip.fail(ip)
            raise WebError(401, "unknown or revoked API token (make one with `paperradar user token NAME`)",
                           {"WWW-Authenticate": "Bearer"})
        identity = Identity(reader, "token")
    else:
        found = auth.reader_of_session(request.cookies.get(SESSION_COOKIE))
        if found is not None:
            identity = Identity(found[0], "session", found[1])
        else:
            nonce = request.cookies.get(CSRF_COOKIE, "")
            if not (16 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum()):
                identity = Identity(None, None, secrets.token_urlsafe(18), new_nonce=True)
            else:
                identity = Identity(None, None, nonce)
    request.state.identity = identity
    return identity


def current_reader(request: Request) -> Reader | None:
    return identify(request).reader


async def require_reading(request: Request) -> Reader | None:
    """Reading is open, unless the app is private: then a reader must be signed in."""
    reader = current_reader(request)
    if reader is None and parts(request).settings.private:
        raise WebError(401, "this radar is private: sign in to read it")
    return reader


def require_reader(request: Request) -> Reader:
    """A signed-in reader (session or API token), for reading their own data."""
    reader = current_reader(request)
    if reader is None:
        raise WebError(401, "sign in (or send an API token) for this")
    return reader


async def require_writer(request: Request) -> Reader:
    """A reader allowed to change things: an API token, or a session whose
    request carries its CSRF token (header ``X-CSRF-Token`` or form field)."""
    identity = identify(request)
    if identity.reader is None:
        raise WebError(401, "sign in (or send an API token) to change anything")
    if identity.via == "token":
        return identity.reader
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted and _is_form(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not parts(request).auth.csrf_ok(identity, submitted):
        raise WebError(403, "missing or wrong CSRF token: reload the page and try again")
    return identity.reader


async def require_csrf(request: Request) -> Identity:
    """For the forms anyone may send (sign in): the visitor's own CSRF token."""
    identity = identify(request)
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if identity.new_nonce or not parts(request).auth.csrf_ok(identity, submitted):
        raise WebError(403, "missing or wrong CSRF token: reload the page and try again")
    return identity


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
