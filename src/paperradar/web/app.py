"""The web app: ``create_app(store_url, settings)`` builds a FastAPI app over one
store — server-rendered pages (light htmx, KaTeX, both vendored) and a JSON API
under ``/api`` with its OpenAPI schema at ``/openapi.json``.

One search engine, one signing secret and one cache of rankings live as long as
the app; each worker thread has its own connection to the store (SQLite or
PostgreSQL: the app sees only the store's interface).
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputError, NotFound, PaperradarError, StoreError
from .accounts import Accounts
from .auth import Auth, load_secret
from .deps import WebError
from .render import error_answer, template_env, wants_json
from .security import AccessLog, BodyLimit, SecurityHeaders, StartTracker
from .settings import WebSettings
from .storage import Memo, ThreadLocalStore

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
API_DESCRIPTION = """paperradar's JSON API: everything the web pages show.

Reading is open unless the server runs with `--private`. Every write needs a
signed-in reader: an API token (`Authorization: Bearer <token>`, made with
`paperradar user token NAME`) or the browser session plus its CSRF token
(`X-CSRF-Token`). GET answers carry an ETag (send `If-None-Match` for a 304).
Errors are `{"error": message}` with a matching status code."""


@dataclass
class Parts:
    """What every request shares."""

    settings: WebSettings
    store: ThreadLocalStore
    engine: Any
    accounts: Accounts
    auth: Auth
    memo: Memo
    templates: Any
    searches: Memo
    engine_lock: threading.RLock = field(default_factory=threading.RLock)
    library_versions: dict[int, int] = field(default_factory=dict)
    semantic: bool | None = None  # decided on first search, checked again now and then
    semantic_checked: float = 0.0
    jobs: dict[str, dict] = field(default_factory=dict)  # background ingests


def build_parts(store_url: str, settings: WebSettings) -> Parts:
    from ..index import SearchEngine

    store = ThreadLocalStore(store_url)
    accounts = Accounts(store, settings.argon2)
    secret = load_secret(settings.secret, store.artifact_dir("web"))
    auth = Auth(store, secret, accounts, settings.session_days, settings.secure_cookies,
                {"window": settings.login_window_seconds, "per_account": settings.login_failures_per_account,
                 "per_ip": settings.login_failures_per_ip, "tokens_per_ip": settings.token_failures_per_ip})
    return Parts(settings, store, SearchEngine(store), accounts, auth, Memo(settings.cache_seconds),
                 template_env(), Memo(settings.cache_seconds, size=1024))


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError):
        if exc.status == 401 and request.method == "GET" and not wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        return error_answer(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(PaperradarError)
    async def domain_error(request: Request, exc: PaperradarError):
        status = 404 if isinstance(exc, NotFound) else 503 if isinstance(exc, StoreError) else 400
        if isinstance(exc, StoreError):
            log.error("store error: %s", exc)
            return error_answer(request, status, "the store is not available right now; try again")
        message = exc.message if isinstance(exc, InputError) and not exc.where else str(exc)
        return error_answer(request, status, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return error_answer(request, 422, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        return error_answer(request, exc.status_code, message, dict(exc.headers or {}))



class CatchAll:
    """ASGI middleware: an unexpected exception becomes a 500 answer without a
    traceback (the log has it), inside the security-headers middleware."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        tracker = StartTracker(send)
        try:
            await self.app(scope, receive, tracker)
        except Exception:
            log.exception("unexpected error answering %s %s", scope.get("method"), scope.get("path"))
            if tracker.started:
                return
            response = error_answer(Request(scope), 500, "internal error: the server log has the details")
            await response(scope, receive, send)


def create_app(store_url: str, settings: WebSettings | dict | None = None) -> FastAPI:
    """The web app over the store at ``store_url``."""
    settings = WebSettings.from_any(settings)
    parts = build_parts(str(store_url), settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield
        parts.engine.close()
        parts.store.close()

    app = FastAPI(title="paperradar", version=_version(), description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.parts = parts
    _install_error_handlers(app)
    from .routes_api import router as api_router
    from .routes_api_write import router as api_write_router
    from .routes_pages import router as pages_router
    from .routes_pages_reader import router as reader_pages_router

    app.include_router(api_router)
    app.include_router(api_write_router)
    app.include_router(pages_router)
    app.include_router(reader_pages_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Last added runs first: log, cap the body, add headers, turn crashes into a 500 answer.
    app.add_middleware(CatchAll)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + 64 * 1024)
    app.add_middleware(AccessLog)
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("paperradar")
    except Exception:
        return "0"
