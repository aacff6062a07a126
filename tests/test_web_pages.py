"""Server-rendered pages over a store of real papers: what each page shows,
htmx fragments, sign-in, private mode, unsubscribe."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from web_helpers import (  # noqa: E402
    add_user,
    built_store,
    csrf_of,
    login,
    make_app,
    module_backends,
    stored_hostile_ids,
)


@pytest.fixture(scope="module", params=module_backends(__name__))
def built(request, tmp_path_factory):
    with built_store(request, tmp_path_factory, "web-pages") as location:
        yield location


@pytest.fixture(scope="module")
def app(built):
    app = make_app(built)
    add_user(app, "ana")
    return app


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_today_is_a_trending_page(client):
    trending = client.get("/api/trending").json()
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    top = trending["entries"][0]["paper"]
    first = html[html.index('<li class="paper">'):]
    first = first[:first.index("</li>")]
    assert '<div class="rank">1</div>' in first and f'href="{top["url"]}"' in first
    assert f'<span class="up">▲</span>{top["upvotes"]}<' in first  # rank 1's upvotes
    assert "TL;DR" in first and "upvotes on Hugging Face" in first  # its summary and why it ranks
    assert 'class="tag">cs.' in html  # category tags where sources gave them
    assert 'class="badge code"' in html  # code badges on papers with code
    day = trending["period"]
    assert "/?week=" in html and 'rel="prev"' in html and 'rel="next"' in html and day in html


def test_empty_day_and_week_view(client):
    saturday = text_of(client.get("/", params={"date": "2026-06-20"}).text)
    assert "Saturday" in saturday and "no listing that day" in saturday
    week = client.get("/", params={"week": "2026-W25"}).text
    assert "Trending this week" in week and "2026-06-15" in week
    bad = client.get("/", params={"date": "someday"})
    assert bad.status_code == 400 and "not a date" in bad.text


def test_predicted_categories_are_marked(built, client):
    from paperradar.store import PaperQuery, open_store
    from paperradar.store.dedupe import content_hash

    store = open_store(str(built))
    try:
        paper = next(p for p in store.papers(PaperQuery(source="paste")) if not p.categories)
        store.save_enrichments("category", "test", [(store.pk_of(paper.id), content_hash(paper), {
            "predicted": [{"category": "cs.CL", "confidence": 0.87}], "method": "probe"}, ["cs.CL"])])
    finally:
        store.close()
    html = client.get(f"/paper/{paper.id}").text
    assert 'class="tag predicted"' in html and "cs.CL?" in html and "87% confidence" in html


def test_search_page_and_htmx_fragment(client):
    full = client.get("/search", params={"q": "video generation"})
    assert "<html" in full.text and 'hx-get="/search"' in full.text
    assert 'result' in full.text and 'class="paper"' in full.text
    fragment = client.get("/search", params={"q": "video generation"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'class="paper"' in fragment.text
    filtered = client.get("/search", params={"q": "video generation", "has_code": "1", "category": "cs.XX"},
                          headers={"HX-Request": "true"})
    assert "0 results" in filtered.text
    bad = client.get("/search", params={"q": "video", "since": "2026-13-45"}, headers={"HX-Request": "true"})
    assert bad.status_code == 200 and "notice" in bad.text


def test_paper_page_shows_everything_known(client):
    listed = client.get("/api/papers", params={"source": "hf-daily", "limit": 1}).json()["papers"][0]
    html = client.get(listed["url"]).text
    text = text_of(html)
    assert listed["title"].split()[0] in text and listed["authors"][0] in text
    assert "Abstract" in text and "Sources" in text and "hf-daily" in text
    assert "Sign in to like" in text
    assert 'href="https://arxiv.org/abs/' in html or 'href="https://arxiv.org/pdf/' in html
    assert "Related papers" in text and "embeddings" in text  # no vectors in this store: it says so


def test_paper_page_with_results_translations_and_found_links(built, client):
    evil = stored_hostile_ids(built)
    html = client.get(f"/paper/{evil['evil-script']}").text
    assert "Headline results" in html and "91.5%" in html and "ImageNet-1K" in html
    assert 'href="https://example.org/project"' in html and "found in the text" in html
    assert 'href="https://github.com/example/safe-repo"' in html
    zh = client.get(f"/paper/{evil['evil-attr']}").text
    assert "Translations" in zh and "注意力" in zh and "machine translation (test)" in zh


def test_ids_with_slashes_and_unknown_papers(client):
    assert client.get("/paper/hep-th/9901001").status_code == 404
    missing = client.get("/paper/nothing")
    assert missing.status_code == 404 and "<html" in missing.text and "no paper" in missing.text


def test_other_pages_render(client):
    for path, words in [("/topics", "Topics"), ("/results", "imagenet-1k"), ("/results/imagenet-1k", "top-1"),
                        ("/digest", "Subscribe by email"), ("/login", "Sign in"), ("/foryou", "Sign in")]:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert words in answer.text, path


def test_library_needs_sign_in_then_shows_likes(client):
    away = client.get("/library", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/login?next=%2Flibrary"
    assert login(client, "ana").status_code == 303
    paper = client.get("/api/papers", params={"source": "hf-daily", "limit": 1}).json()["papers"][0]
    page = client.get(paper["url"]).text
    token = csrf_of(page)
    done = client.post(paper["url"] + "/act", data={"action": "like", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == paper["url"]
    fragment = client.post(paper["url"] + "/act", data={"action": "tag", "tag": "to-read", "csrf_token": token},
                           headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "♥ Liked" in fragment.text and "to-read ×" in fragment.text
    library = client.get("/library").text
    assert paper["url"] in library and "♥ liked" in library and "to-read" in library
    export = client.get("/library/export.bib")
    assert export.status_code == 200 and "@" in export.text


def test_subscribe_and_unsubscribe_by_link(client, app):
    login(client, "ana")
    token = csrf_of(client.get("/digest").text)
    done = client.post("/digest/subscribe", data={"email": "ana@example.org", "schedule": "daily", "language": "en",
                                                 "categories": "cs.CV, cs.LG", "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    subs = client.get("/api/subscriptions").json()["subscriptions"]
    assert subs[0]["topics"]["categories"] == ["cs.CV", "cs.LG"] and subs[0]["active"]
    link_token = next(s.token for s in app.state.parts.store.subscriptions() if s.email == "ana@example.org")
    with TestClient(app) as stranger:  # the emailed link works without signing in
        confirm = stranger.get(f"/unsubscribe/{link_token}")
        assert confirm.status_code == 200 and "an…@example.org" in confirm.text
        assert "ana@example.org" not in confirm.text
        gone = stranger.post(f"/unsubscribe/{link_token}")
        assert gone.status_code == 200 and "no more digests" in gone.text
        assert stranger.post("/unsubscribe/not-a-token").status_code == 404
    assert client.get("/api/subscriptions").json()["subscriptions"][0]["active"] is False


def test_private_mode_needs_sign_in_to_read(built):
    app = make_app(built, private=True)
    add_user(app, "ana")
    with TestClient(app) as c:
        assert c.get("/", follow_redirects=False).headers["location"].startswith("/login")
        assert c.get("/api/papers").status_code == 401
        assert c.get("/login").status_code == 200  # the way in stays open
        login(c, "ana")
        assert c.get("/").status_code == 200 and c.get("/api/papers").status_code == 200


def test_static_files_are_vendored(client):
    for path in ("/static/vendor/htmx.min.js", "/static/vendor/katex/katex.min.js",
                 "/static/vendor/katex/contrib/auto-render.min.js", "/static/vendor/katex/katex.min.css",
                 "/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2", "/static/app.js", "/static/app.css"):
        assert client.get(path).status_code == 200, path
    css = client.get("/static/vendor/katex/katex.min.css").text
    assert ".woff2" in css and 'format("woff")' not in css and ".ttf" not in css
