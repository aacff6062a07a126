"""Pages anyone may read (unless the app is private): Today, Search, Paper,
Topics, Results; and signing in and out."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from ..errors import PaperradarError
from ..store import PaperQuery
from . import results_view, services, topics_view
from .auth import CSRF_COOKIE, SESSION_COOKIE
from .deps import WebError, client_ip, current_reader, parts, require_csrf, require_reading, require_writer
from .present import card, claims_of, links_of, translations_of, upvotes_of
from .render import fragment, fragment_answer, page

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
Reading = Depends(require_reading)


@router.get("/")
async def today_page(request: Request, date: str | None = Query(None, max_length=10),
                     week: str | None = Query(None, max_length=10), _=Reading):
    # From the cache in place (no thread hop); computing goes to a worker thread.
    p, day, week = parts(request), date or None, week or None
    view = services.today_cached(p, day, week) or await run_in_threadpool(services.today, p, day, week)
    if view.html is None:  # rendered once per cached view
        view.html = fragment(request, "_today_body.html", view=view)
    return page(request, "today.html", view=view, body=Markup(view.html), nav="today")


def _search_filters(since, until, category, source, has_code) -> PaperQuery:
    return PaperQuery(since=since or None, until=until or None, category=(category or "").strip() or None,
                      source=(source or "").strip() or None, has_code=True if has_code else None)


@router.get("/search")
async def search_page(request: Request, q: str = Query("", max_length=500), mode: str | None = Query(None),
                since: str | None = Query(None, max_length=10), until: str | None = Query(None, max_length=10),
                category: str | None = Query(None, max_length=40), source: str | None = Query(None, max_length=40),
                has_code: str | None = Query(None, max_length=5), _=Reading):
    if mode not in (None, "", "hybrid", "keyword", "semantic"):
        mode = None
    filters = _search_filters(since, until, category, source, has_code)
    p = parts(request)
    try:
        view = services.search_cached(p, q, mode or None, filters, 30) or await run_in_threadpool(
            services.search, p, q, mode or None, filters, 30)
    except PaperradarError as exc:  # a bad filter: say so where the results go
        view = services.SearchView(q, mode or "", note=str(exc))
    form = {"q": q, "mode": mode or "", "since": since or "", "until": until or "", "category": category or "",
            "source": source or "", "has_code": bool(has_code)}
    if view.html is None:  # rendered once per cached result list
        view.html = fragment(request, "_results.html", view=view)
    if request.headers.get("hx-request"):
        return fragment_answer(request, view.html)
    return page(request, "search.html", view=view, form=form, results=Markup(view.html), nav="search")


@router.get("/paper/{paper_id:path}")
async def paper_page(request: Request, paper_id: str, _=Reading):
    # Indexed reads of one paper take well under a millisecond: done in place,
    # without a thread hop; finding related papers may embed, so it goes to a thread.
    p = parts(request)
    paper = p.store.get(paper_id)
    pk = p.store.pk_of(paper.id)
    reader = current_reader(request)
    related, related_note = await _related(p, paper, pk)
    return page(request, "paper.html", paper=paper, view=card(paper), links=links_of(paper),
                translations=translations_of(paper), claims=claims_of(paper)[:12], related=related,
                related_note=related_note, upvotes=upvotes_of(paper),
                entry=services.entry_of(p, reader, pk), nav="")


async def _related(p, paper, pk: int) -> tuple[list, str | None]:
    """Cards of the papers most like this one, or why there are none."""
    ready = services.semantic_known(p)
    if ready is None:
        ready = await run_in_threadpool(services.semantic_ready, p)
    if not ready:
        return [], "related papers need embeddings (pip install 'paperradar[embed]', then paperradar index)"
    key, stamp = ("related", pk), services.revision(p)
    cached = p.memo.peek(key, stamp)
    if cached is not None:
        return cached, None
    try:
        return await run_in_threadpool(p.memo.get, key, stamp, lambda: [
            card(h.paper) for h in p.engine.related(paper.id, limit=8)]), None
    except PaperradarError as exc:
        return [], str(exc)


@router.get("/topics")
def topics_page(request: Request, since: str | None = Query(None, max_length=10),
                until: str | None = Query(None, max_length=10), _=Reading):
    try:
        view = topics_view.topic_map(parts(request), since or None, until or None)
    except PaperradarError as exc:
        view = topics_view.TopicMapView(since or "", until or "", note=str(exc))
    return page(request, "topics.html", view=view, sizes=topics_view, nav="topics")


@router.get("/results")
def results_page(request: Request, _=Reading):
    return page(request, "results.html", datasets=results_view.datasets(parts(request))[:200],
                dataset=None, boards=[], nav="results")


@router.get("/results/{dataset}")
def leaderboard_page(request: Request, dataset: str, metric: str | None = Query(None, max_length=80), _=Reading):
    boards = results_view.leaderboards(parts(request), dataset[:200], metric or None, 20)
    return page(request, "results.html", datasets=[], dataset=dataset, boards=boards, nav="results")


# -- signing in and out ------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    target = target or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 500:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = Query(None, max_length=500)):
    return page(request, "login.html", next=_safe_next(next), message=None, nav="login")


@router.post("/login")
async def login(request: Request, name: str = Form("", max_length=200), password: str = Form("", max_length=1100),
                next: str = Form("/", max_length=500), identity=Depends(require_csrf)):
    p = parts(request)
    auth, ip, account_key = p.auth, client_ip(request), "acct:" + name.strip().lower()
    wait = max(auth.by_account.retry_after(account_key), auth.by_ip.retry_after("ip:" + ip))
    if wait:
        raise WebError(429, f"too many failed sign-ins; try again in {wait} s", {"Retry-After": str(wait)})
    from fastapi.concurrency import run_in_threadpool

    account = await run_in_threadpool(p.accounts.verify, name, password)
    if account is None:
        auth.by_account.fail(account_key)
        auth.by_ip.fail("ip:" + ip)
        log.info("failed sign-in for an account name from %s", ip)
        return page(request, "login.html", status=401, next=_safe_next(next),
                    message="wrong name or password", nav="login")
    auth.by_account.reset(account_key)
    value, _ = auth.session_cookie(account.reader_id, account.password_hash)
    response = RedirectResponse(_safe_next(next), status_code=303)
    auth.set_cookie(response, SESSION_COOKIE, value, auth.session_seconds)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, reader=Depends(require_writer)):
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/favicon.ico")
def favicon():
    return RedirectResponse("/static/favicon.svg", status_code=301)
