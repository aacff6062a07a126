"""The JSON API, reading: papers, search, trending, for-you, topics, results,
the reader's own library and subscriptions. Every GET answers with an ETag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from ..errors import InputError
from ..store import PaperQuery
from . import results_view, services, topics_view
from .deps import WebError, current_reader, parts, require_reading
from .present import api_paper
from .render import json_ok

router = APIRouter(prefix="/api", tags=["read"], dependencies=[Depends(require_reading)])

DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
DAY = r"^\d{4}-\d{2}-\d{2}$"
WEEK = r"^\d{4}-?[Ww]\d{1,2}$"


def paper_filters(since: str | None = Query(None, pattern=DATE, description="YYYY[-MM[-DD]], inclusive"),
                  until: str | None = Query(None, pattern=DATE, description="YYYY[-MM[-DD]], inclusive"),
                  category: str | None = Query(None, max_length=40, description="arXiv code, e.g. cs.CV"),
                  source: str | None = Query(None, max_length=40, description="e.g. hf-daily"),
                  author: str | None = Query(None, max_length=100),
                  has_code: bool | None = Query(None)) -> PaperQuery:
    return PaperQuery(since=since or None, until=until or None, category=category or None,
                      source=source or None, author=author or None, has_code=has_code)


def _card_json(c) -> dict[str, Any]:
    return {"id": c.id, "url": c.url, "title": c.title, "authors": c.authors, "date": c.date,
            "categories": c.categories,
            "predicted_categories": [{"category": k, "confidence": v} for k, v in c.predicted],
            "tldr": c.tldr or None, "upvotes": c.upvotes, "has_code": c.has_code, "code_url": c.code_url}


@router.get("/papers", summary="List papers, newest first")
def list_papers(request: Request, filters: PaperQuery = Depends(paper_filters),
                limit: int = Query(30, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    store = parts(request).store
    query = PaperQuery(**{**filters.__dict__, "limit": limit + 1, "offset": offset})
    papers = list(store.papers(query))
    more = len(papers) > limit
    return json_ok(request, {"papers": [api_paper(p, brief=True) for p in papers[:limit]],
                             "limit": limit, "offset": offset,
                             "next_offset": offset + limit if more else None})


@router.get("/papers/{paper_id:path}/related", summary="Papers most like one paper")
def related(request: Request, paper_id: str, limit: int = Query(10, ge=1, le=50)):
    p = parts(request)
    p.store.pk_of(paper_id)  # 404 for an unknown paper, with or without vectors
    if not services.semantic_ready(p):
        return json_ok(request, {"related": [], "note": "related papers need embeddings: "
                                 "pip install 'paperradar[embed]' and run `paperradar index`"})
    hits = p.engine.related(paper_id, limit=limit)
    return json_ok(request, {"related": [{"paper": api_paper(h.paper, brief=True), "similarity": h.score}
                                         for h in hits]})


@router.get("/papers/{paper_id:path}", summary="One paper by id, arXiv id (any version) or DOI")
def get_paper(request: Request, paper_id: str):
    return json_ok(request, api_paper(parts(request).store.get(paper_id)))


@router.get("/search", summary="Hybrid keyword + semantic search")
def search(request: Request, q: str = Query("", max_length=500),
           mode: str | None = Query(None, pattern="^(hybrid|keyword|semantic)$"),
           limit: int = Query(20, ge=1, le=100), filters: PaperQuery = Depends(paper_filters)):
    view = services.search(parts(request), q, mode, filters, limit)
    return json_ok(request, {"query": view.query, "mode": view.mode, "read_as": view.read_as, "note": view.note,
                             "hits": [{"paper": _card_json(c), "score": c.score, "why": c.reasons}
                                      for c in view.hits]})


@router.get("/trending", summary="Trending papers of a day or an ISO week")
def trending(request: Request, date: str | None = Query(None, pattern=DAY),
             week: str | None = Query(None, pattern=WEEK),
             limit: int = Query(30, ge=1, le=200), offset: int = Query(0, ge=0, le=100_000)):
    view = services.today(parts(request), date, week, limit, offset)
    return json_ok(request, {"period": view.label, "start": view.start, "end": view.end,
                             "is_week": view.is_week, "total": view.total, "note": view.note,
                             "missing": view.missing or None,
                             "entries": [{"paper": _card_json(c), "score": c.score, "reasons": c.reasons}
                                         for c in view.entries]})


@router.get("/foryou", summary="Recommendations for the signed-in reader, with reasons")
async def foryou(request: Request, limit: int = Query(20, ge=1, le=100)):
    reader = current_reader(request)
    if reader is None:
        raise WebError(401, "sign in (or send an API token) to get recommendations")
    view = await run_in_threadpool(services.for_you, parts(request), reader, limit)
    return json_ok(request, {"reader": reader.name, "note": view.note, "missing": view.missing or None,
                             "recommendations": [{"paper": _card_json(c), "score": c.score,
                                                  "reasons": c.reasons} for c in view.cards]})


@router.get("/topics", summary="Topics of a period's papers, with 2-D map coordinates")
def topics(request: Request, since: str | None = Query(None, pattern=DAY),
           until: str | None = Query(None, pattern=DAY)):
    view = topics_view.topic_map(parts(request), since, until)
    return json_ok(request, view.as_json())


@router.get("/results", summary="Datasets with extracted result claims")
def datasets(request: Request, limit: int = Query(100, ge=1, le=1000)):
    return json_ok(request, {"datasets": [{"dataset": k, "papers": n}
                                          for k, n in results_view.datasets(parts(request))[:limit]]})


@router.get("/results/{dataset}", summary="Leaderboards on one dataset, by metric")
def leaderboard(request: Request, dataset: str, metric: str | None = Query(None, max_length=80),
                limit: int = Query(20, ge=1, le=200)):
    if not dataset.strip() or len(dataset) > 200:
        raise InputError("dataset", "name a dataset (see /api/results)")
    boards = results_view.leaderboards(parts(request), dataset, metric, limit)
    return json_ok(request, {"dataset": dataset, "boards": boards})


@router.get("/me", summary="The signed-in reader")
def me(request: Request):
    reader = current_reader(request)
    if reader is None:
        raise WebError(401, "not signed in")
    return json_ok(request, {"id": reader.id, "name": reader.name})


@router.get("/library", summary="The signed-in reader's library")
def library(request: Request, tag: str | None = Query(None, max_length=100)):
    reader = current_reader(request)
    if reader is None:
        raise WebError(401, "sign in (or send an API token) to see your library")
    rows = services.library(parts(request), reader, tag)
    return json_ok(request, {"reader": reader.name, "papers": [
        {"paper": _card_json(r.card), "rating": r.rating, "saved": r.saved, "tags": r.tags} for r in rows]})


@router.get("/subscriptions", summary="The signed-in reader's digest subscriptions")
def subscriptions(request: Request):
    reader = current_reader(request)
    if reader is None:
        raise WebError(401, "sign in (or send an API token) to see your subscriptions")
    subs = [s for s in parts(request).store.subscriptions(active_only=False) if s.reader_id == reader.id]
    return json_ok(request, {"subscriptions": [subscription_json(s) for s in subs]})


def subscription_json(s) -> dict[str, Any]:
    """A subscription as its owner sees it (the unsubscribe token stays out of the API)."""
    return {"id": s.id, "email": s.email, "topics": s.topics, "schedule": s.schedule,
            "language": s.language, "active": s.active}
