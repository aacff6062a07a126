"""Answers: HTML pages from Jinja2 templates (autoescaped, always), JSON with
ETags, and errors in the form the asker reads (JSON under /api, a page elsewhere)."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .auth import CSRF_COOKIE
from .deps import identify, parts
from .present import paper_path, safe_url


def template_env() -> Environment:
    env = Environment(loader=PackageLoader("paperradar.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["paper_path"] = paper_path
    env.filters["safe_url"] = safe_url
    env.filters["pct"] = lambda x: f"{100 * float(x):.0f}%"
    env.globals["urlencode"] = lambda **kw: urlencode({k: v for k, v in kw.items() if v not in (None, "")})
    return env


def _finish(request: Request, response: Response) -> Response:
    identity = getattr(request.state, "identity", None)
    if identity is not None and identity.new_nonce:
        parts(request).auth.set_cookie(response, CSRF_COOKIE, identity.nonce, None)
    response.headers.setdefault("cache-control", "no-cache")
    response.headers["vary"] = "Cookie, Authorization"
    return response


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page (or an htmx fragment) rendered with the common context."""
    p = parts(request)
    identity = identify(request)
    context.setdefault("nav", "")
    html = p.templates.get_template(template).render(
        reader=identity.reader, csrf_token=p.auth.csrf_token(identity), private=p.settings.private,
        path="/" if request.url.path.startswith("/unsubscribe/") else request.url.path, **context)
    return _finish(request, _with_etag(request, html.encode(), status, "text/html; charset=utf-8"))


def fragment(request: Request, template: str, **context: Any) -> Markup:
    """Part of a page that is the same for every reader (no session, no CSRF token)."""
    return Markup(parts(request).templates.get_template(template).render(**context))


def fragment_answer(request: Request, html: str) -> Response:
    """An htmx fragment as the answer."""
    return _finish(request, _with_etag(request, html.encode(), 200, "text/html; charset=utf-8"))


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _with_etag(request: Request, body: bytes, status: int, media_type: str) -> Response:
    """The answer; for a GET with an ETag, and 304 when the client has this version."""
    if request.method != "GET" or status != 200:
        return Response(body, status_code=status, media_type=media_type)
    tag = etag_of(body)
    wanted = request.headers.get("if-none-match", "")
    if tag in [t.strip().removeprefix("W/") for t in wanted.split(",")] or wanted.strip() == "*":
        return Response(status_code=304, headers={"etag": tag})
    return Response(body, media_type=media_type, headers={"etag": tag})


def json_ok(request: Request, data: Any, status: int = 200) -> Response:
    """JSON; for GETs with an ETag, and 304 when the client has this version."""
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    return _finish(request, _with_etag(request, body, status, "application/json"))


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps({"error": message}), status_code=status, media_type="application/json",
                    headers=headers)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api" \
        or "application/json" in request.headers.get("accept", "") and "text/html" not in \
        request.headers.get("accept", "")


def error_answer(request: Request, status: int, message: str,
                 headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return json_error(status, message, headers)
    try:
        response = page(request, "error.html", status=status, status_code=status, message=message)
    except Exception:  # the error page itself failed (a broken store): plain text
        response = Response(f"{status}: {message}", status_code=status, media_type="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
