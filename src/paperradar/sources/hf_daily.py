"""Hugging Face Daily Papers: the ``/api/daily_papers`` JSON answer.

A file holding the API answer (a JSON array of ``{paper: {...}, ...}`` items)
is read as a FileFormat; ``hf:DATE``, ``hf:today`` and ``hf:FROM..TO`` fetch
it online, one request per day.

The paper-level ``publishedAt`` is the arXiv date and becomes ``Paper.date``;
the item-level ``publishedAt`` is when HF listed the paper and is kept as
``source_fields["listed_at"]``.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterator

from ..errors import InputError
from ..models import Author, Link, Paper
from ..normalize import clean_space, parse_arxiv_id, parse_date
from .base import (
    MAX_FIELD_CHARS, Checkpoint, FileFormat, Input, Item, Notice, OnlineSource, Problem, clip,
)
from .jsonl import unstorable_json
from .http import get_whole_page, read_json_array

log = logging.getLogger(__name__)

API_URL = "https://huggingface.co/api/daily_papers"
SOURCE = "hf-daily"
#: Papers asked for per request; a full page means there may be another.
PAGE_LIMIT = 100
MAX_PAGES = 10
#: Longest range ``hf:FROM..TO`` may name (one request per day).
MAX_RANGE_DAYS = 3 * 366

_PAPER_FIRST = re.compile(r'\{\s*"paper"\s*:')
_SPACE = re.compile(r"[ \t\r\n]*")

# Keys understood (the rest of each item goes to Paper.extra, never dropped).
_ITEM_KEYS = {"paper", "publishedAt", "title", "summary", "numComments", "submittedBy",
              "organization", "ai_summary", "ai_keywords"}
_PAPER_KEYS = {"id", "authors", "publishedAt", "title", "summary", "upvotes", "githubRepo",
               "githubStars", "projectPage", "ai_summary", "ai_keywords", "organization",
               "submittedOnDailyAt", "submittedOnDailyBy"}


def _name_of(value: Any) -> str | None:
    """The name of a user or organization object (or the string itself)."""
    if isinstance(value, dict):
        return value.get("name") or value.get("user") or value.get("fullname")
    return value if isinstance(value, str) else None


def hf_item_to_paper(item: Any) -> Paper:
    """One Daily Papers item -> Paper. Raises ValueError naming what is wrong."""
    if not isinstance(item, dict):
        raise ValueError(f"item is a JSON {type(item).__name__}, not an object")
    if reason := unstorable_json(item):  # json.loads takes what the store cannot write
        raise ValueError(f"item cannot be stored: {reason}")
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise ValueError('item has no "paper" object')
    raw_id = paper.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise ValueError('item\'s paper has no "id"')
    title = clean_space(_text(paper.get("title")) or _text(item.get("title")))
    abstract = clean_space(_text(paper.get("summary")) or _text(item.get("summary")))
    if not title and not abstract:
        raise ValueError(f"paper {raw_id} has no title and no summary")
    authors_raw = paper.get("authors") or []
    if not isinstance(authors_raw, list):
        raise ValueError(f'paper {raw_id}: "authors" is not a list')
    authors = [
        Author(clean_space(a["name"]))
        for a in authors_raw
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
    ]
    arxiv_id, version = parse_arxiv_id(raw_id)
    paper_id = arxiv_id or raw_id.strip()
    links = []
    if arxiv_id:
        links += [Link(f"https://arxiv.org/abs/{arxiv_id}", "abstract"),
                  Link(f"https://arxiv.org/pdf/{arxiv_id}", "pdf")]
    repo, page = _text(paper.get("githubRepo")), _text(paper.get("projectPage"))
    if repo:
        links.append(Link(repo, "code"))
    if page:
        links.append(Link(page, "project"))
    links.append(Link(f"https://huggingface.co/papers/{paper_id}", "other"))
    return Paper(
        title=clip(title), abstract=clip(abstract), authors=authors,
        date=parse_date(_text(paper.get("publishedAt"))), arxiv_id=arxiv_id,
        arxiv_version=version, links=links, source=SOURCE, source_id=paper_id,
        source_fields=_source_fields(item, paper), extra=_extra(item, paper),
    )


def _text(value: Any) -> str | None:
    return clip(value, 4 * MAX_FIELD_CHARS) if isinstance(value, str) and value.strip() else None


def _source_fields(item: dict, paper: dict) -> dict[str, Any]:
    def either(key: str) -> Any:  # ai_summary, ai_keywords, organization: either level
        return paper.get(key) if paper.get(key) is not None else item.get(key)

    fields = {
        "upvotes": paper.get("upvotes"),
        "num_comments": item.get("numComments"),
        "submitted_by": (_name_of(item.get("submittedBy"))
                         or _name_of(paper.get("submittedOnDailyBy"))),
        "github_repo": _text(paper.get("githubRepo")),
        "github_stars": paper.get("githubStars"),
        "project_page": _text(paper.get("projectPage")),
        "ai_summary": either("ai_summary"),
        "ai_keywords": either("ai_keywords"),
        "organization": _name_of(either("organization")),
        "submitted_on_daily_at": paper.get("submittedOnDailyAt"),
        "listed_at": item.get("publishedAt"),
    }
    return {k: v for k, v in fields.items() if v is not None and v != "" and v != []}


def _extra(item: dict, paper: dict) -> dict[str, Any]:
    extra = {k: v for k, v in item.items() if k not in _ITEM_KEYS}
    extra.update({f"paper.{k}": v for k, v in paper.items() if k not in _PAPER_KEYS})
    return extra


def _papers_in(data: Any, where: str) -> Iterator[Item]:
    """Items of one decoded API answer; ``where`` names it in Problems."""
    for n, item in enumerate(data, 1):
        try:
            yield hf_item_to_paper(item)
        except ValueError as exc:
            yield Problem(f"{where}: item {n}", str(exc))


# ---------------------------------------------------------------- file format

def sniff(head: str) -> bool:
    """A JSON array whose first object has a top-level "paper" key."""
    text = head.lstrip("\ufeff \t\r\n")
    start = text.find("{")
    if not text.startswith("[") or start < 0 or text[1:start].strip():
        return False
    try:
        first, _ = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError):  # a first item longer than the head, or absurdly deep
        return bool(_PAPER_FIRST.match(text, start))
    return isinstance(first, dict) and "paper" in first


def parse(inp: Input) -> Iterator[Item]:
    """Items from a saved Daily Papers answer; a break in the JSON keeps what came before."""
    text, note = inp.text()
    if note:
        yield Notice(note, inp.origin)
    pos = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    if not text.startswith("[", pos):
        raise InputError(inp.origin, "not a Daily Papers answer: expected a JSON array of items")
    decoder = json.JSONDecoder()
    n, pos = 0, pos + 1
    while True:
        pos = _SPACE.match(text, pos).end()
        if text.startswith("]", pos):
            break
        try:
            item, end = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            line = text.count("\n", 0, getattr(exc, "pos", pos)) + 1
            yield Problem(f"{inp.origin}:{line}", f"bad JSON in item {n + 1} "
                          f"({getattr(exc, 'msg', 'nested too deeply')}); "
                          "the items after it were not read")
            return
        n += 1
        try:
            yield hf_item_to_paper(item)
        except ValueError as exc:
            line = text.count("\n", 0, pos) + 1
            yield Problem(f"{inp.origin}:{line}: item {n}", str(exc))
        pos = _SPACE.match(text, end).end()
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            line = text.count("\n", 0, pos) + 1
            yield Problem(f"{inp.origin}:{line}", f"expected ',' or ']' after item {n}; "
                          "the JSON is cut off or broken here")
            return
    if n == 0:
        yield Notice("no papers in this Daily Papers answer (an empty day)", inp.origin)


FORMATS = [FileFormat(name="hf-daily", sniff=sniff, parse=parse, priority=20,
                      description="Hugging Face Daily Papers answer (JSON [{paper: ...}])")]


# ------------------------------------------------------------- online source

def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def days_of(arg: str, today: date) -> list[date]:
    """``2026-11-20``, ``today`` or ``FROM..TO`` (inclusive) -> the days to fetch."""
    def one(text: str) -> date:
        text = text.strip()
        if text.lower() == "today":
            return today
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InputError(f"hf:{arg}", f"{text!r} is not a date; use hf:YYYY-MM-DD, "
                             "hf:today or hf:YYYY-MM-DD..YYYY-MM-DD") from None

    first, sep, last = arg.partition("..")
    start = one(first)
    end = one(last) if sep else start
    if end < start:
        raise InputError(f"hf:{arg}", f"the range ends ({end}) before it starts ({start})")
    span = (end - start).days + 1
    if span > MAX_RANGE_DAYS:
        raise InputError(f"hf:{arg}", f"{span} days is more than {MAX_RANGE_DAYS}; split the range")
    return [start + timedelta(days=i) for i in range(span)]


def empty_day_reason(day: date, today: date) -> str:
    """Why the Daily Papers list of ``day`` may be empty, for a Notice."""
    if day > today:
        return f"{day} is in the future: not yet listed"
    if day.weekday() >= 5:
        return f"{day} is a {day:%A}: Hugging Face lists few or no papers at weekends"
    if day == today:
        return f"{day} is today: not yet listed (the list fills during the day; try again later)"
    return f"no papers listed that day ({day})"


def fetch(arg: str, http, resume_state: Any = None, *,
          now: Callable[[], datetime] = _utc_now) -> Iterator[Item]:
    """Papers listed on the named days; a Checkpoint after each finished past day,
    none once a day's answer stayed broken (so a re-run asks for that day again)."""
    today = now().astimezone(timezone.utc).date()
    done = date.fromisoformat(resume_state) if isinstance(resume_state, str) else None
    failed: list[str] = []
    for day in days_of(arg, today):
        if done is not None and day <= done and day < today:
            continue
        where = f"hf:{day}"
        found, failures = 0, len(failed)
        for item in _fetch_day(day, http, where, failed):
            found += isinstance(item, Paper)
            yield item
        if not found and len(failed) == failures:
            yield Notice(empty_day_reason(day, today), where)
        if day < today and not failed:
            yield Checkpoint(key=f"hf:{arg}", state=day.isoformat())


def _fetch_day(day: date, http, where: str, failed: list[str]) -> Iterator[Item]:
    """One day's papers, page by page. A page that stays broken is a Problem after
    the papers it held, and its day goes to ``failed``."""
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        params = {"date": day.isoformat(), "limit": PAGE_LIMIT}
        if page:
            params["p"] = page
        data, broken, response = get_whole_page(http, API_URL, params, read_json_array)
        new = 0
        for item in _papers_before_break(response) if broken else _papers_in(data, where):
            if isinstance(item, Paper):
                if item.source_id in seen:
                    continue
                seen.add(item.source_id)
                new += 1
            yield item
        if broken:
            failed.append(where)
            yield Problem(where, f"Hugging Face ({response.url}) {broken}; the papers before "
                                 "it are kept: run again later")
            return
        if len(data) < PAGE_LIMIT or not new:
            return
    log.warning("%s: stopped after %d pages", where, MAX_PAGES)


def _papers_before_break(response) -> list[Paper]:
    """The papers of a 200 answer whose JSON array broke off part-way (else none)."""
    try:
        return [i for i in parse(Input.from_bytes(response.content, str(response.url)))
                if isinstance(i, Paper)] if response.status_code == 200 else []
    except InputError:
        return []


SOURCES = [OnlineSource("hf", "Hugging Face Daily Papers of a day, today, or a range of days",
                        "hf:2026-11-20", fetch)]
