"""Shared set-up of the web app tests: a store of ~50 real papers (two Hugging
Face Daily Papers days and a pasted keyword listing) plus hostile records, an
app over it, accounts, and signing in through the real login form."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from conftest import BACKENDS, BOTH_BACKENDS, FIXTURES, SEEDS, need

HF_DAYS = ("2026-06-18", "2026-06-19")
LISTING_SEED = "002_e9e5f09aea7b1a27.txt"
#: Cheap Argon2 parameters for tests (the defaults cost ~0.5 s per hash on a busy CI core).
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
PASSWORD = "correct horse battery"

HOSTILE = [
    {"id": "evil-script", "date": "2026-06-19", "categories": ["cs.LG"],
     "title": "<script>alert('title')</script> Attention over $x^2$ tokens",
     "abstract": "<img src=x onerror=alert('abstract')> We bound $\\sum_i x_i$ and "
                 "$\\href{javascript:alert('katex')}{click}$. <b>bold</b> <style>body{display:none}</style>",
     "authors": ["<svg onload=alert('author')>", "Ada Lovelace"],
     "links": [{"url": "javascript:alert('link')", "kind": "code"},
               {"url": "data:text/html,<script>alert(1)</script>", "kind": "project"},
               {"url": "https://github.com/example/safe-repo", "kind": "code"}]},
    {"id": "evil-attr", "date": "2026-06-19", "categories": ["cs.CV"],
     "title": "\"><img src=x onerror=alert('attr')> Quoted \" titles ' break attributes",
     "abstract": "Header injection in names and javascript:alert(1) in text; "
                 "<a href=\"javascript:alert('a')\">a link</a>.",
     "authors": ["Eve\r\nBcc: victim@example.com"]},
]


def write_hostile(path: Path) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in HOSTILE) + "\n", encoding="utf-8")
    return path


def build_store(directory: Path, embed: bool = False, url: str | None = None) -> Path | str:
    """A store with ~50 real papers, the hostile records and a few enrichments:
    ``directory/radar.db``, or the (migrated, empty) PostgreSQL database at ``url``."""
    from paperradar.index import SearchEngine
    from paperradar.pipeline import ingest
    from paperradar.store import open_store

    db = url or directory / "radar.db"
    inputs = [str(need(FIXTURES / "hf-daily" / f"{day}.json")) for day in HF_DAYS]
    inputs += [str(need(SEEDS / LISTING_SEED)), str(write_hostile(directory / "hostile.jsonl"))]
    store = open_store(str(db))
    try:
        summary = ingest(store, inputs)
        assert summary.added >= 45, summary.as_dict()
        add_enrichments(store)
        engine = SearchEngine(store)
        try:
            engine.sync(embed=embed)
        finally:
            engine.close()
    finally:
        store.close()
    return db


# -- the backend a module's store runs on -----------------------------------------------------

def module_backends(module_name: str) -> tuple[str, ...]:
    """The backends a module-scoped store of this test module runs on: both for the
    modules in conftest's BOTH_BACKENDS (or with PAPERRADAR_TEST_BACKENDS=all), as
    conftest does for the ``store`` fixture; else SQLite."""
    name = module_name.rpartition(".")[2]
    if name in BOTH_BACKENDS or os.environ.get("PAPERRADAR_TEST_BACKENDS") == "all":
        return BACKENDS
    return ("sqlite",)


#: {URL of a built PostgreSQL store: (cluster, its pristine copy's name, its artifacts then)}
_PG_BUILT: dict[str, tuple] = {}


def _new_database(admin, template: str) -> str:
    name = f"w_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    return name


def _artifact_root(url: str) -> Path:
    """Where the PostgreSQL store at ``url`` keeps its indexes (under $XDG_DATA_HOME)."""
    from paperradar.store import open_store

    store = open_store(url)
    try:
        return store.artifact_dir("web").parent
    finally:
        store.close()


@contextmanager
def module_store(request, directory: Path) -> Iterator:
    """For a module-scoped fixture parametrised with ``module_backends``: a new,
    empty store on the parameter's backend (its indexes under ``directory``)."""
    if getattr(request, "param", "sqlite") != "postgresql":
        from paperradar.store.sqlite import SQLiteStore

        store = SQLiteStore(directory / "radar.db")
        yield store
        store.close()
        return
    import psycopg

    from paperradar.store.postgres import PostgresStore

    cluster = request.getfixturevalue("pg_cluster")
    admin = psycopg.connect(cluster.url(), autocommit=True)
    name = _new_database(admin, "radar_template")
    store = PostgresStore(cluster.url(name), data_dir=directory / "pg-artifacts")
    try:
        yield store
    finally:
        store.close()
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def location_of(store) -> str:
    """What ``--db`` takes to open ``store`` again: its file, or its database URL."""
    return getattr(store, "dsn", None) or str(store.path)


@contextmanager
def built_store(request, tmp_path_factory, label: str, embed: bool = False) -> Iterator[Path | str]:
    """For a module-scoped fixture parametrised with ``module_backends``: the
    location (SQLite file, PostgreSQL URL) of a store ``build_store`` filled.

    On PostgreSQL, each database keeps its indexes in its own directory (the
    store's default, under a temporary $XDG_DATA_HOME), so the copies that
    ``store_copy`` makes do not share them."""
    directory = tmp_path_factory.mktemp(label)
    if getattr(request, "param", "sqlite") != "postgresql":
        yield build_store(directory, embed)
        return
    import psycopg

    cluster = request.getfixturevalue("pg_cluster")
    env = pytest.MonkeyPatch()
    env.setenv("XDG_DATA_HOME", str(directory / "data"))
    env.delenv("PAPERRADAR_DATA_DIR", raising=False)
    admin = psycopg.connect(cluster.url(), autocommit=True)
    names = [_new_database(admin, "radar_template")]
    url = cluster.url(names[0])
    try:
        build_store(directory, embed, url=url)
        snapshot = directory / "artifacts-as-built"
        shutil.copytree(_artifact_root(url), snapshot)
        names.append(_new_database(admin, names[0]))  # no connection is open to it yet
        _PG_BUILT[url] = (cluster, names[1], snapshot)
        yield url
    finally:
        _PG_BUILT.pop(url, None)
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
        env.undo()


@contextmanager
def store_copy(built: Path | str, tmp_path: Path) -> Iterator[Path | str]:
    """A copy of a built store and its indexes that a test may change freely
    (on PostgreSQL: of the store as it was built)."""
    if str(built) not in _PG_BUILT:
        shutil.copytree(Path(built).parent, tmp_path / "copy")
        yield tmp_path / "copy" / Path(built).name
        return
    import psycopg

    cluster, pristine, snapshot = _PG_BUILT[str(built)]
    admin = psycopg.connect(cluster.url(), autocommit=True)
    name = _new_database(admin, pristine)
    url = cluster.url(name)
    try:
        shutil.copytree(snapshot, _artifact_root(url), dirs_exist_ok=True)
        yield url
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def hostile_ids(store) -> dict[str, str]:
    """{record id in HOSTILE: the paper's id in the store}."""
    from paperradar.store import PaperQuery

    return {s.source_id: p.id for p in store.papers(PaperQuery(source="jsonl"))
            for s in p.sources if s.source == "jsonl"}


def stored_hostile_ids(db: Path | str) -> dict[str, str]:
    from paperradar.store import open_store

    store = open_store(str(db))
    try:
        return hostile_ids(store)
    finally:
        store.close()


def add_enrichments(store) -> None:
    """Enricher outputs in their documented shapes, hostile values included."""
    from paperradar.store.dedupe import content_hash

    ids = hostile_ids(store)
    evil = store.get(ids["evil-script"])
    pk = store.pk_of(evil.id)
    store.save_enrichments("tldr", "test", [(pk, content_hash(evil), {
        "text": "<script>alert('tldr')</script> A TL;DR with $O(n \\log n)$ math.", "method": "extractive"}, [])])
    store.save_enrichments("links", "test", [(pk, content_hash(evil), {
        "links": [{"url": "javascript:alert('found')", "kind": "code"},
                  {"url": "https://example.org/project", "kind": "project"}], "datasets": [], "models": []},
        ["code"])])
    store.save_enrichments("results", "test", [(pk, content_hash(evil), {"claims": [
        {"method": "<b>EvilNet</b>", "metric": "top-1 accuracy", "value": 91.5, "unit": "%",
         "dataset": "ImageNet-1K", "baseline": "ResNet-50", "baseline_value": 76.1,
         "sentence": "EvilNet reaches 91.5% top-1 on ImageNet-1K."}]}, ["dataset:imagenet-1k"])])
    other = store.get(ids["evil-attr"])
    store.save_enrichments("translate", "test", [(store.pk_of(other.id), content_hash(other), {
        "zh": {"title": "<script>alert('zh')</script>注意力", "summary": "摘要"}, "backend": "test"}, [])])


def make_app(db: Path | str, **settings):
    from paperradar.web import create_app

    settings.setdefault("argon2", FAST_ARGON2)
    settings.setdefault("secret", "test-secret-0123456789abcdef")
    return create_app(str(db), settings)


def add_user(app, name: str, password: str = PASSWORD) -> None:
    app.state.parts.accounts.add(name, password)


def api_token(app, name: str) -> str:
    return app.state.parts.accounts.new_token(name, "test")


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, "no CSRF meta tag on the page"
    return found[1]


def login(client, name: str, password: str = PASSWORD):
    """Sign in through the login form, as a browser does; returns the response."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"},
                       follow_redirects=False)


def session_csrf(client) -> str:
    """The signed-in session's CSRF token (from any page)."""
    return csrf_of(client.get("/login").text)


@contextmanager
def module_store_location(request, tmp_path_factory, label: str) -> Iterator[Path | str]:
    """For a module-scoped fixture parametrised with ``module_backends``: where to open
    an empty store (a SQLite path, or the URL of a fresh migrated PostgreSQL database
    whose indexes live under the module's own directory)."""
    directory = tmp_path_factory.mktemp(label)
    if getattr(request, "param", "sqlite") != "postgresql":
        yield directory / "radar.db"
        return
    import psycopg

    cluster = request.getfixturevalue("pg_cluster")
    env = pytest.MonkeyPatch()
    env.setenv("PAPERRADAR_DATA_DIR", str(directory / "data"))
    admin = psycopg.connect(cluster.url(), autocommit=True)
    name = _new_database(admin, "radar_template")
    try:
        yield cluster.url(name)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
        env.undo()
