"""Pages of a signed-in reader: For you, Library (like, dislike, save, tag,
import and export BibTeX), Digest (preview, subscribe), and unsubscribing."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ..errors import PaperradarError
from ..store.base import Reader, Subscription
from . import digest_view, ingest as web_ingest, services
from .deps import WebError, client_ip, current_reader, parts, require_reading, require_writer
from .features import feature
from .present import paper_path
from .render import page
from .routes_api_write import SubscriptionIn, change_library, read_upload, subscribe

router = APIRouter(include_in_schema=False)
Reading = Depends(require_reading)

ACTIONS = {"like": ("like", True), "unlike": ("like", False), "dislike": ("dislike", True),
           "undislike": ("dislike", False), "save": ("save", True), "unsave": ("save", False)}


def _signed_in(request: Request) -> Reader:
    reader = current_reader(request)
    if reader is None:
        raise WebError(401, "sign in to see this page")
    return reader


@router.get("/foryou")
def foryou_page(request: Request, _=Reading):
    reader = current_reader(request)
    view = services.for_you(parts(request), reader) if reader else None
    return page(request, "foryou.html", view=view, nav="foryou")


@router.get("/library")
def library_page(request: Request, tag: str | None = None, _=Reading):
    reader = _signed_in(request)
    rows = services.library(parts(request), reader, tag or None)
    tags = sorted({t for e in parts(request).store.library(reader.id) for t in e.tags})
    return page(request, "library.html", rows=rows, tags=tags, tag=tag, summary=None,
                import_ok=feature("library_import").available, nav="library")


@router.post("/paper/{paper_id:path}/act")
async def paper_action(request: Request, paper_id: str, reader: Reader = Depends(require_writer)):
    form = await request.form()
    action, tag = str(form.get("action", "")), " ".join(str(form.get("tag", "")).split())
    if action in ACTIONS:
        what, on = ACTIONS[action]
        change = dict(action=what, on=on)
    elif action in ("tag", "untag") and tag:
        change = dict(action="tags", add=[tag] if action == "tag" else [], remove=[tag] if action == "untag" else [])
    else:
        raise WebError(400, "unknown action, or a tag action without a tag")
    from fastapi.concurrency import run_in_threadpool

    await run_in_threadpool(lambda: change_library(request, reader, paper_id, **change))
    p = parts(request)
    paper = await run_in_threadpool(p.store.get, paper_id)
    if request.headers.get("hx-request"):
        entry = await run_in_threadpool(services.entry_of, p, reader, p.store.pk_of(paper.id))
        return page(request, "_actions.html", paper=paper, entry=entry)
    back = str(form.get("back", ""))
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else
                            paper_path(paper.id or paper_id), status_code=303)


@router.post("/library/import")
def library_import(request: Request, file: UploadFile = File(...), tag: str = Form("", max_length=64),
                   reader: Reader = Depends(require_writer)):
    found = feature("library_import")
    if not found.available:
        raise WebError(501, found.missing)
    data = read_upload(request, file)
    p = parts(request)
    try:
        with tempfile.TemporaryDirectory(prefix="paperradar-import-") as tmp:
            path = Path(tmp) / web_ingest.safe_filename(file.filename)
            path.write_bytes(data)
            summary = web_ingest.hide_temp_dir(
                found.fn(p.store, p.store.reader(reader.name), str(path), tag=tag.strip() or None), tmp)
            message = None
    except PaperradarError as exc:
        summary, message = None, str(exc).replace(tmp, "upload")
    services.library_changed(p, reader)
    if summary is not None:
        web_ingest.sync_keyword(p)
    rows = services.library(p, reader)
    tags = sorted({t for e in p.store.library(reader.id) for t in e.tags})
    return page(request, "library.html", status=200 if summary else 400, rows=rows, tags=tags, tag=None,
                summary=summary, message=message, import_ok=True, nav="library")


@router.get("/library/export.bib")
def library_export(request: Request):
    reader = _signed_in(request)
    found = feature("library_export")
    if not found.available:
        raise WebError(501, found.missing)
    out = io.StringIO()
    found.fn(parts(request).store, reader, out, "bibtex")
    return Response(out.getvalue(), media_type="application/x-bibtex; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="paperradar-library.bib"',
                             "cache-control": "no-store"})


@router.get("/digest")
def digest_page(request: Request, _=Reading):
    reader = current_reader(request)
    p = parts(request)
    subs = [s for s in p.store.subscriptions(active_only=False) if reader and s.reader_id == reader.id]
    return page(request, "digest.html", preview=digest_view.preview(p, reader), subs=subs, message=None,
                nav="digest")


@router.get("/digest/preview.html")
def digest_preview(request: Request, lang: str = "en", _=Reading):
    """The digest document alone, for the preview frame: its own strict policy, sandboxed."""
    view = digest_view.preview(parts(request), current_reader(request), lang if lang in ("en", "zh", "both") else "en")
    if not view.html:
        raise WebError(404, view.missing or view.note or "no digest to preview")
    return HTMLResponse(view.html, headers={"content-security-policy": digest_view.PREVIEW_CSP,
                                            "x-frame-options": "SAMEORIGIN", "cache-control": "no-cache"})


@router.post("/digest/subscribe")
async def digest_subscribe(request: Request, reader: Reader = Depends(require_writer)):
    form = await request.form()
    split = lambda name: [x.strip() for x in str(form.get(name, "")).replace("\n", ",").split(",")  # noqa: E731
                          if x.strip()]
    try:
        body = SubscriptionIn(email=str(form.get("email", "")), schedule=str(form.get("schedule", "daily")),
                              language=str(form.get("language", "en")), queries=split("queries"),
                              categories=split("categories"), tags=split("tags"))
    except ValidationError as exc:
        raise WebError(400, "check the form: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])) from None
    from fastapi.concurrency import run_in_threadpool

    await run_in_threadpool(subscribe, request, reader, body)
    return RedirectResponse("/digest?subscribed=1", status_code=303)


def _known_link(request: Request, token: str, find) -> Subscription:
    """The subscription of an unsubscribe token. Unknown tokens count against the address
    like wrong API tokens do, so links cannot be guessed by trying many."""
    auth, ip = parts(request).auth, client_ip(request)
    wait = auth.tokens_by_ip.retry_after(ip)
    if wait:
        raise WebError(429, f"too many unknown links from this address; try again in {wait} s",
                       {"Retry-After": str(wait)})
    sub = find(token) if len(token) <= 200 else None
    if sub is None:
        auth.tokens_by_ip.fail(ip)
        raise WebError(404, "this unsubscribe link is not known (it may be from another radar)")
    return sub


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str):
    sub = _known_link(request, token, parts(request).store.subscription_by_token)
    return page(request, "unsubscribe.html", sub=sub, token=token, done=False, email=_masked(sub.email))


@router.post("/unsubscribe/{token}")
def unsubscribe(request: Request, token: str):
    """The token is the secret: no session or CSRF needed (one-click unsubscribe, RFC 8058)."""
    sub = _known_link(request, token, parts(request).store.unsubscribe)
    return page(request, "unsubscribe.html", sub=sub, token=token, done=True, email=_masked(sub.email))


def _masked(email: str) -> str:
    name, _, host = email.partition("@")
    return f"{name[:2]}…@{host}"
