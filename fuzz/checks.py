"""The properties every fuzz target asserts about what a parser gives back.

A parser may yield ``Paper``, ``Problem``, ``Notice`` and ``Checkpoint`` items
and may raise ``InputError`` (a whole input it cannot read). Anything else, an
item of the wrong shape, or a paper the store could not save, is a finding:
``check_items`` raises ``FuzzFinding`` naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from paperradar.codec import core_to_row, source_to_dict
from paperradar.errors import InputError
from paperradar.models import Author, Link, Paper, SourceSeen
from paperradar.sources.base import MAX_FIELD_CHARS, Checkpoint, Input, Notice, Problem

#: ``Input.origin`` of every fuzzed input; each Problem must name it.
ORIGIN = "fuzz-input"
_OPTIONAL_TEXT = ("title", "abstract", "date", "updated", "arxiv_id", "doi", "comments",
                  "journal_ref", "id")
_CLIPPED = ("title", "abstract")


class FuzzFinding(AssertionError):
    """A parser broke one of the properties in this module."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise FuzzFinding(message)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_paper(paper: Paper) -> None:
    """A paper's fields have the types the store and index expect, and it can be stored."""
    for name in _OPTIONAL_TEXT:
        value = getattr(paper, name)
        _require(value is None or isinstance(value, str),
                 f"Paper.{name} is a {type(value).__name__}: {value!r:.80}")
    _require(bool(paper.title or paper.abstract), "a Paper with neither title nor abstract")
    for name in _CLIPPED:
        value = getattr(paper, name)
        _require(value is None or len(value) <= MAX_FIELD_CHARS,
                 f"Paper.{name} of {len(value or '')} characters is not clipped")
    _require(isinstance(paper.source, str), "Paper.source is not text")  # "": stored as "unknown"
    _require(isinstance(paper.source_id, str), "Paper.source_id is not text")
    version = paper.arxiv_version
    _require(version is None or (type(version) is int and 0 <= version < 2**31),
             f"Paper.arxiv_version is {version!r:.40}")
    _require(isinstance(paper.authors, list) and all(
        isinstance(a, Author) and isinstance(a.name, str) and a.name
        and _is_text_list(a.affiliations) for a in paper.authors),
        f"Paper.authors is not a list of Author(name, [affiliations]): {paper.authors!r:.120}")
    for name in ("affiliations", "categories"):
        _require(_is_text_list(getattr(paper, name)), f"Paper.{name} is not a list of text")
    _require(isinstance(paper.links, list) and all(
        isinstance(link, Link) and isinstance(link.url, str) and isinstance(link.kind, str)
        for link in paper.links), f"Paper.links is not a list of Link: {paper.links!r:.120}")
    _require(isinstance(paper.translations, dict) and all(
        isinstance(lang, str) and isinstance(t, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in t.items())
        for lang, t in paper.translations.items()), "Paper.translations is not {lang: {k: text}}")
    for name in ("source_fields", "extra"):
        _require(isinstance(getattr(paper, name), dict), f"Paper.{name} is not a dict")
    _require(isinstance(paper.sources, list) and all(
        isinstance(s, SourceSeen) for s in paper.sources), "Paper.sources is not SourceSeen list")
    try:  # what the store writes (SQLite and PostgreSQL both use orjson)
        orjson.dumps(core_to_row(paper))
        orjson.dumps(paper.source_fields)
        orjson.dumps([source_to_dict(s) for s in paper.sources])
    except TypeError as exc:
        raise FuzzFinding(f"the store could not save this Paper: {exc}") from None


def check_item(item: Any, origin: str = ORIGIN) -> None:
    """One yielded item is a well-formed Paper, Problem, Notice or Checkpoint."""
    if isinstance(item, Paper):
        check_paper(item)
    elif isinstance(item, Problem):
        _require(isinstance(item.where, str) and item.where.startswith(origin),
                 f"a Problem that does not name the input: {item!r:.200}")
        _require(isinstance(item.message, str) and bool(item.message.strip()),
                 f"a Problem without a message: {item!r:.200}")
    elif isinstance(item, Notice):
        _require(isinstance(item.message, str) and bool(item.message), "an empty Notice")
    elif isinstance(item, Checkpoint):
        _require(isinstance(item.key, str), "a Checkpoint without a key")
    else:
        raise FuzzFinding(f"a parser yielded a {type(item).__name__}: {item!r:.200}")


def check_input_error(exc: InputError) -> None:
    """An InputError names where and says what is wrong."""
    _require(isinstance(exc.where, str) and isinstance(exc.message, str)
             and bool(exc.message.strip()), f"an InputError without a message: {exc!r:.200}")


def check_items(items: Iterable[Any], origin: str = ORIGIN) -> int:
    """Check every item (Problems must name ``origin``); returns how many there were."""
    count = 0
    for count, item in enumerate(items, 1):
        check_item(item, origin)
    return count


def run_parser(parse: Callable[[Input], Iterator[Any]], data: bytes) -> int:
    """Feed ``data`` to ``parse`` as an input; check what it yields or raises.

    Returns the number of items (-1 when it raised InputError).
    """
    try:
        return check_items(parse(Input.from_bytes(data, ORIGIN)))
    except InputError as exc:
        check_input_error(exc)
        return -1
