"""The JSON API over a store of real papers: pagination, filters, ETags,
search, trending, results, writes with an API token, ingest, and JSON errors."""

from __future__ import annotations

import httpx
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from conftest import FIXTURES, SEEDS  # noqa: E402
from web_helpers import (  # noqa: E402
    FAST_ARGON2,
    PASSWORD,
    add_user,
    api_token,
    built_store,
    make_app,
    module_backends,
    store_copy,
    stored_hostile_ids,
)


@pytest.fixture(scope="module", params=module_backends(__name__))
def built(request, tmp_path_factory):
    with built_store(request, tmp_path_factory, "web-api") as location:
        yield location


@pytest.fixture(scope="module")
def client(built):
    app = make_app(built)
    add_user(app, "ana")
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
        yield c


@pytest.fixture
def fresh(built, tmp_path):
    """A copy of the store (and its indexes) a test may change freely."""
    with store_copy(built, tmp_path) as location:
        yield location


def all_papers(client, **params):
    out, offset = [], 0
    while offset is not None:
        page = client.get("/api/papers", params={**params, "limit": 7, "offset": offset}).json()
        out += page["papers"]
        offset = page["next_offset"]
    return out


def test_papers_paginate_without_gaps_or_repeats(client):
    first = client.get("/api/papers", params={"limit": 10}).json()
    assert len(first["papers"]) == 10 and first["next_offset"] == 10
    everything = all_papers(client)
    ids = [p["id"] for p in everything]
    assert len(ids) == len(set(ids)) >= 50
    assert ids[:10] == [p["id"] for p in first["papers"]]
    dates = [p["date"] or "" for p in everything if p["date"]]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_paper_filters(client):
    hf = all_papers(client, source="hf-daily")
    assert 40 <= len(hf) < len(all_papers(client))
    assert all(any(s["source"] == "hf-daily" for s in p["sources"]) for p in hf)
    cv = all_papers(client, category="cs.CV")
    assert cv and all("cs.CV" in p["categories"] for p in cv)
    coded = all_papers(client, has_code="true")
    assert coded and all(p["has_code"] for p in coded)
    june = all_papers(client, since="2026-06-01", until="2026-06-30")
    assert june and all("2026-06-01" <= p["date"] <= "2026-06-30" for p in june)
    some_author = hf[0]["authors"][0]
    by_author = all_papers(client, author=some_author.split()[-1])
    assert hf[0]["id"] in {p["id"] for p in by_author}


def test_one_paper_by_id_arxiv_id_and_version(client):
    listed = client.get("/api/papers", params={"source": "hf-daily", "limit": 1}).json()["papers"][0]
    paper = client.get(f"/api/papers/{listed['id']}").json()
    assert paper["title"] == listed["title"] and paper["abstract"]
    assert paper["sources"][0]["first_seen"] and "enrichments" in paper
    if paper["arxiv_id"]:
        assert client.get(f"/api/papers/{paper['arxiv_id']}v1").json()["id"] == paper["id"]


def test_unknown_paper_is_a_json_404(client):
    answer = client.get("/api/papers/9999.99999")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert "9999.99999" in answer.json()["error"]


def test_etag_answers_304_until_the_data_changes(client):
    first = client.get("/api/library")
    tag = first.headers["etag"]
    again = client.get("/api/library", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    paper_id = client.get("/api/papers", params={"limit": 1}).json()["papers"][0]["id"]
    assert client.post(f"/api/papers/{paper_id}/save").status_code == 200
    changed = client.get("/api/library", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_search_finds_papers_by_words_and_filters(client):
    target = client.get("/api/papers", params={"source": "hf-daily", "limit": 1}).json()["papers"][0]
    words = " ".join(target["title"].split()[:6])
    found = client.get("/api/search", params={"q": words, "limit": 5}).json()
    assert found["mode"] == "keyword"  # no vectors in this store: the best available mode
    assert target["id"] in [h["paper"]["id"] for h in found["hits"]]
    assert all(h["why"] for h in found["hits"])
    none = client.get("/api/search", params={"q": words, "source": "no-such-source"}).json()
    assert none["hits"] == []
    asked = client.get("/api/search", params={"q": words, "mode": "semantic"}).json()
    assert asked["mode"] == "keyword" and "semantic" in asked["note"]


@pytest.mark.parametrize("params", [{"mode": "psychic"}, {"since": "yesterday"}, {"limit": 0},
                                    {"limit": 10_000}, {"q": "x" * 600}])
def test_bad_parameters_are_json_422(client, params):
    answer = client.get("/api/search", params={"q": "diffusion", **params})
    assert answer.status_code == 422
    assert answer.json()["error"]


def test_trending_day_week_and_empty_day(client):
    day = client.get("/api/trending").json()
    assert day["entries"] and day["period"] and day["note"] is None
    scores = [e["score"] for e in day["entries"]]
    assert scores == sorted(scores, reverse=True)
    assert any("upvote" in r for e in day["entries"] for r in e["reasons"])
    week = client.get("/api/trending", params={"week": "2026-W25"}).json()
    assert week["is_week"] and week["total"] >= day["total"]
    saturday = client.get("/api/trending", params={"date": "2026-06-20"}).json()
    assert saturday["entries"] == [] and "Saturday" in saturday["note"]
    assert client.get("/api/trending", params={"week": "2026-W99"}).status_code == 400


def test_results_leaderboards(client, built):
    datasets = client.get("/api/results").json()["datasets"]
    assert {"dataset": "imagenet-1k", "papers": 1} in datasets
    boards = client.get("/api/results/imagenet-1k").json()["boards"]
    row = boards[0]["rows"][0]
    assert row["value"] == 91.5 and row["paper_id"] == stored_hostile_ids(built)["evil-script"]


def test_topics_answer_even_before_the_module_lands(client):
    answer = client.get("/api/topics")
    assert answer.status_code == 200
    body = answer.json()
    assert body["missing"] or body["points"]


def test_library_actions_with_a_token(client):
    listed = client.get("/api/papers", params={"source": "hf-daily", "limit": 1, "offset": 3}).json()
    paper_id = listed["papers"][0]["id"]
    assert client.post(f"/api/papers/{paper_id}/like").json()["rating"] == 1
    assert client.post(f"/api/papers/{paper_id}/dislike").json()["rating"] == -1
    assert client.post(f"/api/papers/{paper_id}/like", json={"on": False}).json()["rating"] == 0
    tagged = client.post(f"/api/papers/{paper_id}/tags", json={"add": ["vision", "to read"]}).json()
    assert tagged["tags"] == ["to read", "vision"]
    assert client.post(f"/api/papers/{paper_id}/tags", json={"remove": ["vision"]}).json()["tags"] == ["to read"]
    mine = client.get("/api/library", params={"tag": "to read"}).json()["papers"]
    assert [p["paper"]["id"] for p in mine] == [paper_id]
    assert client.post(f"/api/papers/{paper_id}/tags", json={"add": [""]}).status_code == 400
    assert client.post("/api/papers/nope/like").status_code == 404


def test_subscriptions_create_list_delete(client):
    made = client.post("/api/subscriptions", json={"email": "ana@example.org", "schedule": "weekly",
                                                   "language": "zh", "categories": ["cs.CV"]})
    assert made.status_code == 201
    sub = made.json()
    assert sub["schedule"] == "weekly" and sub["topics"]["categories"] == ["cs.CV"] and "token" not in sub
    listed = client.get("/api/subscriptions").json()["subscriptions"]
    assert sub["id"] in [s["id"] for s in listed]
    assert client.delete(f"/api/subscriptions/{sub['id']}").json()["active"] is False
    bad = client.post("/api/subscriptions", json={"email": "not an address"})
    assert bad.status_code == 400 and "email" in bad.json()["error"]


def test_ingest_an_uploaded_file(fresh):
    app = make_app(fresh)
    add_user(app, "ana")
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
        digest = (SEEDS / "001_316854c0f982fd8b.txt").read_bytes()
        done = c.post("/api/ingest", files={"file": ("../../etc/digest.txt", digest, "text/plain")}).json()
        assert done["added"] + done["merged"] >= 5 and not done["rejected"]
        first = c.get(f"/api/papers/{done['ids'][0]}").json()
        hits = c.get("/api/search", params={"q": " ".join(first["title"].split()[:5])}).json()["hits"]
        assert first["id"] in [h["paper"]["id"] for h in hits]  # the keyword index caught up
        junk = c.post("/api/ingest", files={"file": ("x.bin", b"\x00\x01\x02" * 100)}).json()
        assert junk["added"] == 0 and junk["rejected"][0]["where"] == "upload:x.bin"


@pytest.mark.parametrize("spec", ["/etc/passwd", "../radar.db", "file:///etc/passwd", "https://evil.example/x",
                                  "nosuchscheme:abc", "hf:"])
def test_ingest_refuses_paths_and_urls(client, spec):
    answer = client.post("/api/ingest", data={"source": spec})
    assert answer.status_code == 400
    assert "scheme:ARG" in answer.json()["error"]


def test_online_ingest_runs_in_the_background_through_the_mock(fresh):
    day = (FIXTURES / "hf-daily" / "2024-06-04.json").read_bytes()
    seen_hosts = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_hosts.append(request.url.host)
        return httpx.Response(200, content=day, headers={"content-type": "application/json"})

    from paperradar.sources.http import Http

    app = make_app(fresh, http_factory=lambda: Http(transport=httpx.MockTransport(handler), sleep=lambda s: None))
    add_user(app, "ana")
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
        job = c.post("/api/ingest", data={"source": "hf:2024-06-04"})
        assert job.status_code == 202
        for _ in range(200):
            state = c.get(f"/api/ingest/{job.json()['id']}").json()
            if state["state"] != "running":
                break
            import time

            time.sleep(0.05)
        assert state["state"] == "done", state
        assert state["summary"]["added"] > 5
    assert set(seen_hosts) == {"huggingface.co"}


def test_library_import_and_bibtex_export(fresh):
    bib = b"""@article{vaswani2017, title={Attention Is All You Need}, author={Vaswani, Ashish and Shazeer, Noam},
  year={2017}, eprint={1706.03762}, archivePrefix={arXiv}}
@inproceedings{he2016, title={Deep Residual Learning for Image Recognition}, author={He, Kaiming},
  year={2016}, booktitle={CVPR}}
"""
    app = make_app(fresh)
    add_user(app, "ana")
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
        summary = c.post("/api/library/import", files={"file": ("mine.bib", bib)}, data={"tag": "classics"}).json()
        assert summary["read"] == 2 and summary["saved"] == 2
        exported = c.get("/api/library/export")
        assert exported.headers["content-type"].startswith("application/x-bibtex")
        assert "Attention Is All You Need" in exported.text and "Deep Residual Learning" in exported.text


def test_json_errors_for_unknown_routes_and_methods(client):
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]
    wrong = client.delete("/api/papers")
    assert wrong.status_code == 405 and wrong.json()["error"]


def test_openapi_schema_lists_the_api(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/papers", "/api/papers/{paper_id}", "/api/search", "/api/trending", "/api/foryou",
                 "/api/topics", "/api/results", "/api/papers/{paper_id}/like", "/api/ingest", "/api/subscriptions"):
        assert path in paths, path
    assert not any(p.startswith(("/paper/", "/login")) for p in paths)  # pages stay out of the API schema


# -- the serve and user commands ---------------------------------------------------------------------

def test_user_commands_make_accounts_and_tokens_that_work(fresh):
    from click.testing import CliRunner

    from paperradar.cli_web import user_group

    runner = CliRunner()
    obj = {"db": str(fresh)}
    made = runner.invoke(user_group, ["add", "dora", "--password-stdin"], input="a long password\n", obj=obj)
    assert made.exit_code == 0, made.output
    short = runner.invoke(user_group, ["add", "eve", "--password-stdin"], input="short\n", obj=obj)
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    token = runner.invoke(user_group, ["token", "dora"], obj=obj).stdout.strip().splitlines()[0]
    assert token.startswith("prt_")
    assert runner.invoke(user_group, ["token", "nobody"], obj=obj).exit_code == 1
    listed = runner.invoke(user_group, ["list"], obj=obj).output.split()
    assert "dora" in listed and "eve" not in listed
    app = make_app(fresh)
    with TestClient(app) as c:
        assert c.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "dora"
        assert runner.invoke(user_group, ["revoke-tokens", "dora"], obj=obj).exit_code == 0
        assert c.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    from paperradar.store import open_store

    store = open_store(str(fresh))
    try:  # only a hash of the password is kept
        stored = store.account("dora").password_hash
        assert stored.startswith("$argon2id$") and "a long password" not in stored
        assert store.account("eve") is None  # the refused password made no account
    finally:
        store.close()


def test_a_password_rehashed_at_sign_in_is_the_one_kept(built):
    """Stronger Argon2 parameters since the password was set: signing in stores a
    new hash and answers with it, so the session made from it stays valid."""
    from paperradar.store import open_store
    from paperradar.web.accounts import Accounts
    from paperradar.web.auth import password_fingerprint

    store = open_store(str(built))
    try:
        old = Accounts(store, FAST_ARGON2).add("rehash-me", PASSWORD).password_hash
        account = Accounts(store, {**FAST_ARGON2, "time_cost": 2}).verify("rehash-me", PASSWORD)
        kept = store.account("rehash-me").password_hash
        assert kept != old and account.password_hash == kept
        assert password_fingerprint(account.password_hash) == password_fingerprint(kept)
    finally:
        store.close()


def test_serve_builds_the_app_on_loopback_by_default(fresh, monkeypatch):
    from click.testing import CliRunner

    from paperradar.cli_web import serve_command

    started = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    result = CliRunner().invoke(serve_command, ["--private"], obj={"db": str(fresh)})
    assert result.exit_code == 0, result.output
    assert started["host"] == "127.0.0.1" and started["port"] == 8000
    assert started["app"].state.parts.settings.private is True
    wide = CliRunner().invoke(serve_command, ["--host", "0.0.0.0", "--port", "9000"], obj={"db": str(fresh)})
    assert "without HTTPS" in wide.output and started["port"] == 9000
