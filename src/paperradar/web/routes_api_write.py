"""The JSON API, writing: likes, dislikes, saves and tags; library import and
export; subscriptions; ingest. Every route needs a signed-in reader (an API
token, or a session with its CSRF token), and acts on that reader's own data only."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Body, Depends, File, Form, Path as PathParam, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ..errors import InputError, NotFound, PaperradarError
from ..store.base import Reader
from . import ingest as web_ingest
from . import services
from .deps import WebError, parts, require_reader, require_writer
from .features import feature
from .render import json_ok
from .routes_api import subscription_json

router = APIRouter(prefix="/api", tags=["write"])

Tag = Field(min_length=1, max_length=64)


class Switch(BaseModel):
    on: bool = True


class TagChange(BaseModel):
    add: list[str] = Field(default_factory=list, max_length=20)
    remove: list[str] = Field(default_factory=list, max_length=20)


class SubscriptionIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    schedule: Literal["daily", "weekly"] = "daily"
    language: Literal["en", "zh", "both"] = "en"
    queries: list[str] = Field(default_factory=list, max_length=20)
    categories: list[str] = Field(default_factory=list, max_length=20)
    tags: list[str] = Field(default_factory=list, max_length=20)


def entry_json(request: Request, reader: Reader, pk: int, paper_id: str) -> dict:
    entry = services.entry_of(parts(request), reader, pk)
    return {"id": paper_id, "rating": entry.rating if entry else 0, "saved": bool(entry and entry.saved),
            "tags": entry.tags if entry else []}


def _clean_tags(tags: list[str]) -> list[str]:
    out = []
    for tag in tags:
        tag = " ".join(str(tag).split())
        if not 1 <= len(tag) <= 64:
            raise InputError("tags", "a tag has 1 to 64 characters")
        out.append(tag)
    return out


def change_library(request: Request, reader: Reader, paper_id: str, action: str, on: bool = True,
                   add: list[str] | None = None, remove: list[str] | None = None) -> dict:
    """Apply one library action of ``reader`` to a paper (shared with the pages)."""
    p = parts(request)
    paper = p.store.get(paper_id)
    pk = p.store.pk_of(paper.id)
    if action == "like":
        p.store.rate(reader.id, pk, 1 if on else 0)
    elif action == "dislike":
        p.store.rate(reader.id, pk, -1 if on else 0)
    elif action == "save":
        p.store.save_paper(reader.id, pk, on)
    elif action == "tags":
        add, remove = _clean_tags(add or []), _clean_tags(remove or [])
        for tag in add:
            p.store.tag_paper(reader.id, pk, tag, True)
        for tag in remove:
            p.store.tag_paper(reader.id, pk, tag, False)
    else:
        raise InputError("action", f"unknown action {action!r}")
    services.library_changed(p, reader)
    return entry_json(request, reader, pk, paper.id or paper_id)


@router.post("/papers/{paper_id:path}/like", summary="Like a paper (on=false clears the rating)")
def like(request: Request, paper_id: str, body: Switch | None = Body(None),
         reader: Reader = Depends(require_writer)):
    return json_ok(request, change_library(request, reader, paper_id, "like", (body or Switch()).on))


@router.post("/papers/{paper_id:path}/dislike", summary="Dislike a paper (on=false clears the rating)")
def dislike(request: Request, paper_id: str, body: Switch | None = Body(None),
            reader: Reader = Depends(require_writer)):
    return json_ok(request, change_library(request, reader, paper_id, "dislike", (body or Switch()).on))


@router.post("/papers/{paper_id:path}/save", summary="Save a paper (on=false unsaves it)")
def save(request: Request, paper_id: str, body: Switch | None = Body(None),
         reader: Reader = Depends(require_writer)):
    return json_ok(request, change_library(request, reader, paper_id, "save", (body or Switch()).on))


@router.post("/papers/{paper_id:path}/tags", summary="Add and remove the reader's tags on a paper")
def tags(request: Request, paper_id: str, body: TagChange, reader: Reader = Depends(require_writer)):
    return json_ok(request, change_library(request, reader, paper_id, "tags", add=body.add, remove=body.remove))


def read_upload(request: Request, file: UploadFile) -> bytes:
    cap = parts(request).settings.max_upload_bytes
    data = file.file.read(cap + 1)
    if len(data) > cap:
        raise WebError(413, f"the file is larger than {cap} bytes")
    return data


@router.post("/library/import", summary="Import a bibliography (BibTeX, Zotero CSV) into the library")
def import_library(request: Request, file: UploadFile = File(...),
                   tag: str | None = Form(None, max_length=64), reader: Reader = Depends(require_writer)):
    found = feature("library_import")
    if not found.available:
        raise WebError(501, found.missing)
    data = read_upload(request, file)
    p = parts(request)
    with tempfile.TemporaryDirectory(prefix="paperradar-import-") as tmp:
        path = Path(tmp) / web_ingest.safe_filename(file.filename)
        path.write_bytes(data)
        try:
            summary = found.fn(p.store, p.store.reader(reader.name), str(path), tag=tag or None)
        except PaperradarError as exc:  # name the upload, not the server's temp file
            raise InputError("file", str(exc).replace(tmp, "upload")) from None
    services.library_changed(p, reader)
    result = web_ingest.hide_temp_dir(summary, tmp).as_dict()
    web_ingest.sync_keyword(p)
    return json_ok(request, result)


@router.get("/library/export", summary="The signed-in reader's library as BibTeX (or jsonl, csv)")
def export_library(request: Request, format: Literal["bibtex", "jsonl", "csv"] = Query("bibtex"),
                   tag: str | None = Query(None, max_length=64), reader: Reader = Depends(require_reader)):
    found = feature("library_export")
    if not found.available:
        raise WebError(501, found.missing)
    out = io.StringIO()
    found.fn(parts(request).store, reader, out, format, tag)
    kind = {"bibtex": "application/x-bibtex", "jsonl": "application/jsonl", "csv": "text/csv"}[format]
    ext = {"bibtex": "bib", "jsonl": "jsonl", "csv": "csv"}[format]
    return Response(out.getvalue(), media_type=f"{kind}; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="paperradar-library.{ext}"',
                             "cache-control": "no-store"})


def subscribe(request: Request, reader: Reader, body: SubscriptionIn) -> dict:
    from ..publish.mailer import check_address

    check_address(body.email.strip())  # one plain mailbox: nothing that adds a recipient or a header
    topics = {"queries": [q.strip() for q in body.queries if q.strip()][:20],
              "categories": [c.strip() for c in body.categories if c.strip()][:20],
              "tags": _clean_tags([t for t in body.tags if t.strip()])}
    sub = parts(request).store.subscribe(reader.id, body.email.strip(), topics, body.schedule, body.language)
    return subscription_json(sub)


@router.post("/subscriptions", summary="Subscribe the reader to a digest (or update it)")
def create_subscription(request: Request, body: SubscriptionIn, reader: Reader = Depends(require_writer)):
    return json_ok(request, subscribe(request, reader, body), status=201)


@router.delete("/subscriptions/{subscription_id}", summary="Stop one of the reader's subscriptions")
def delete_subscription(request: Request, subscription_id: int = PathParam(ge=1, le=2**62),
                        reader: Reader = Depends(require_writer)):
    store = parts(request).store
    sub = next((s for s in store.subscriptions(active_only=False)
                if s.id == subscription_id and s.reader_id == reader.id), None)
    if sub is None:  # someone else's looks the same as none
        raise NotFound(f"you have no subscription {subscription_id}")
    return json_ok(request, subscription_json(store.unsubscribe(sub.token)))


@router.post("/ingest", summary="Ingest an uploaded file, or start fetching an online source (scheme:ARG)")
def ingest(request: Request, file: UploadFile | None = File(None),
           source: str | None = Form(None, max_length=300), reader: Reader = Depends(require_writer)):
    p = parts(request)
    if (file is None) == (not source):
        raise InputError("ingest", "send either a file or a source (scheme:ARG), not both or neither")
    if file is not None:
        return json_ok(request, web_ingest.ingest_upload(p, read_upload(request, file), file.filename))
    job = web_ingest.start_online_ingest(p, source, reader.name)
    return json_ok(request, job, status=202)


@router.get("/ingest/{job_id}", summary="How a background ingest is going")
def ingest_job(request: Request, job_id: str = PathParam(max_length=32),
               reader: Reader = Depends(require_reader)):
    job = parts(request).jobs.get(job_id)
    if job is None or job["by"] != reader.name:  # someone else's job looks like none
        raise NotFound(f"no ingest job {job_id!r}")
    return json_ok(request, dict(job))

