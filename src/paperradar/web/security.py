"""Security headers on every answer, a cap on request bodies, and an access
log that never writes secrets.

The content security policy allows scripts, styles, fonts and images from the
app itself only: no inline script, no ``eval``, no other host. Whatever a paper's
fields hold, a browser will not run it even if escaping ever failed.
"""

from __future__ import annotations

import logging
import re
import time

import orjson

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")

SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]

#: Path parts that are secrets themselves: never logged.
_SECRET_PATHS = re.compile(r"^(/unsubscribe/)[^/?]+")


class SecurityHeaders:
    """ASGI middleware: adds SECURITY_HEADERS (and HSTS when served over HTTPS)."""

    def __init__(self, app, hsts: bool = False):
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    h for h in self.headers if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """ASGI middleware: refuses request bodies over ``max_bytes`` with 413,
    by the declared length before reading, and by counting while reading."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await _json_error(send, 413, f"the request is larger than {self.max_bytes} bytes")
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge()
            return message

        tracker = StartTracker(send)
        try:
            await self.app(scope, counting_receive, tracker)
        except _TooLarge:
            if not tracker.started:
                await _json_error(send, 413, f"the request is larger than {self.max_bytes} bytes")


class _TooLarge(Exception):
    pass


class StartTracker:
    """Wraps an ASGI ``send``; ``started`` says whether the answer has begun
    (after which no error answer can replace it)."""

    def __init__(self, send):
        self.send = send
        self.started = False

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


async def _json_error(send, status: int, message: str) -> None:
    body = orjson.dumps({"error": message})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def redact_path(path: str) -> str:
    """The path as the access log may show it (unsubscribe tokens hidden)."""
    return _SECRET_PATHS.sub(r"\1…", path)


class AccessLog:
    """ASGI middleware: one log line per request (method, redacted path, status,
    milliseconds). Query strings, cookies and headers are never logged."""

    def __init__(self, app, logger: logging.Logger | None = None):
        self.app = app
        self.log = logger or logging.getLogger("paperradar.web.access")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.log.info("%s %s %d %.1fms", scope["method"], redact_path(scope["path"]), status,
                          (time.perf_counter() - start) * 1000)
