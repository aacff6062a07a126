"""Attacks on the web app: hostile paper fields must stay inert on every page;
writes without a session or token, or without the CSRF token, are refused; one
reader cannot touch another's library; sign-in and token guessing are slowed
down; secrets stay out of answers and logs; uploads and sources cannot reach
files or hosts they should not."""

from __future__ import annotations

import logging
from html.parser import HTMLParser

import httpx
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from web_helpers import (  # noqa: E402
    PASSWORD, add_user, api_token, build_store, csrf_of, login, make_app, session_csrf, stored_hostile_ids)

ALLOWED_TAGS = {"html", "head", "meta", "title", "link", "script", "body", "header", "nav", "a", "div", "span",
                "form", "input", "button", "main", "footer", "section", "h1", "h2", "h3", "p", "ol", "ul", "li",
                "label", "select", "option", "article", "table", "thead", "tbody", "tr", "th", "td", "details",
                "summary", "pre", "code", "svg", "rect", "circle", "text", "iframe"}


class InertCheck(HTMLParser):
    """Collects anything in a page that could run or load something foreign."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"unexpected element <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action"):
                if not (value.startswith(("https://", "http://")) or
                        (value.startswith("/") and not value.startswith("//"))):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"script not from /static/: {src!r}")
            self._in_script = True

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline script")


def inert_problems(html: str) -> list[str]:
    check = InertCheck()
    check.feed(html)
    return check.problems


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("web-security"))


@pytest.fixture(scope="module")
def app(built):
    app = make_app(built)
    add_user(app, "ana")
    add_user(app, "bob")
    return app


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def evil(built):
    return stored_hostile_ids(built)


def some_paper(client, offset: int = 0) -> str:
    page = client.get("/api/papers", params={"source": "hf-daily", "limit": 1, "offset": offset}).json()
    return page["papers"][0]["id"]


# -- hostile content ------------------------------------------------------------------------------

def test_hostile_fields_are_inert_on_every_page(client, evil):
    login(client, "ana")
    token = session_csrf(client)
    for record in evil.values():
        client.post(f"/paper/{record}/act", data={"action": "like", "csrf_token": token})
        client.post(f"/paper/{record}/act", data={"action": "tag", "tag": "<script>alert('tag')</script>",
                                                  "csrf_token": token})
    pages = ["/", "/?date=2026-06-19", "/?week=2026-W25", "/search?q=alert+script+attention",
             "/library", "/results/imagenet-1k", "/digest", "/topics", "/foryou"]
    pages += [f"/paper/{pid}" for pid in evil.values()]
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        html = answer.text
        assert inert_problems(html) == [], path
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html, path
    paper = client.get(f"/paper/{evil['evil-script']}").text
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in paper  # shown, as text
    assert "&lt;img src=x onerror=alert(&#39;abstract&#39;)&gt;" in paper
    assert 'href="https://github.com/example/safe-repo"' in paper
    assert "javascript:" not in paper.split("<main>")[1].replace("javascript:alert(&#39;katex&#39;)", "")


def test_hostile_title_in_an_attribute_stays_in_it(client, evil):
    html = client.get(f"/paper/{evil['evil-attr']}").text
    assert "&#34;&gt;&lt;img src=x onerror=alert(&#39;attr&#39;)&gt;" in html
    assert inert_problems(html) == []


def test_katex_runs_without_trust(client):
    script = client.get("/static/app.js").text
    assert "trust: false" in script and "throwOnError: false" in script


def test_security_headers_everywhere(client):
    for path in ("/", "/api/papers", "/static/app.css", "/api/nothing", "/paper/nothing", "/login"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "same-origin"


def test_server_errors_are_json_without_traceback_and_keep_headers(app, monkeypatch, caplog):
    from paperradar.web import services

    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(services, "search", broken)
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.ERROR):
        answer = c.get("/api/search", params={"q": "x"})
        page = c.get("/search", params={"q": "x"})
    assert answer.status_code == 500 and answer.json() == {"error": "internal error: the server log has the details"}
    assert page.status_code == 500 and "hunter2" not in page.text and "Traceback" not in page.text
    assert "content-security-policy" in answer.headers and "content-security-policy" in page.headers
    assert "unexpected error" in caplog.text  # the server log has it


# -- writes need a reader, and the CSRF token with a session ----------------------------------------

WRITES = [("post", "/api/papers/{id}/like", {}), ("post", "/api/papers/{id}/save", {}),
          ("post", "/api/papers/{id}/tags", {"json": {"add": ["x"]}}),
          ("post", "/api/subscriptions", {"json": {"email": "x@example.org"}}),
          ("post", "/api/ingest", {"data": {"source": "hf:2024-06-04"}}),
          ("post", "/paper/{id}/act", {"data": {"action": "like"}}),
          ("post", "/digest/subscribe", {"data": {"email": "x@example.org"}}),
          ("post", "/library/import", {"files": {"file": ("a.bib", b"@misc{a, title={A}}")}}),
          ("delete", "/api/subscriptions/1", {})]


@pytest.mark.parametrize("method,path,kwargs", WRITES)
def test_writes_without_session_or_token_are_refused(client, method, path, kwargs):
    answer = getattr(client, method)(path.replace("{id}", some_paper(client)), **kwargs)
    assert answer.status_code == 401, answer.text


@pytest.mark.parametrize("method,path,kwargs", WRITES)
def test_writes_with_a_session_but_no_csrf_token_are_refused(client, method, path, kwargs):
    login(client, "ana")
    answer = getattr(client, method)(path.replace("{id}", some_paper(client)), **kwargs)
    assert answer.status_code == 403, answer.text
    assert "CSRF" in answer.text


def test_wrong_or_foreign_csrf_tokens_are_refused(app, client):
    paper = some_paper(client)
    with TestClient(app) as other:
        login(other, "bob")
        bobs = session_csrf(other)
    login(client, "ana")
    for token in ("", "x" * 43, bobs):
        answer = client.post(f"/api/papers/{paper}/like", headers={"X-CSRF-Token": token})
        assert answer.status_code == 403
    assert client.post(f"/api/papers/{paper}/like", headers={"X-CSRF-Token": session_csrf(client)}).status_code == 200


def test_sign_in_form_needs_its_csrf_token(client):
    client.get("/login")
    answer = client.post("/login", data={"name": "ana", "password": PASSWORD})
    assert answer.status_code == 403
    assert "pr_session" not in answer.cookies


def test_bad_tokens_are_refused(client):
    paper = some_paper(client)
    for header in ("Bearer prt_not-a-token", "Basic YW5hOnB3", "Bearer "):
        answer = client.post(f"/api/papers/{paper}/like", headers={"Authorization": header})
        assert answer.status_code == 401 and answer.json()["error"]


# -- one reader, one library ---------------------------------------------------------------------

def test_readers_cannot_reach_each_others_library_or_subscriptions(app, client):
    ana, bob = api_token(app, "ana"), api_token(app, "bob")
    paper = some_paper(client, 5)
    client.post(f"/api/papers/{paper}/like", headers={"Authorization": f"Bearer {ana}"})
    sub = client.post("/api/subscriptions", json={"email": "ana@example.org"},
                      headers={"Authorization": f"Bearer {ana}"}).json()
    bobs_library = client.get("/api/library", headers={"Authorization": f"Bearer {bob}"}).json()
    assert paper not in [p["paper"]["id"] for p in bobs_library["papers"]]
    assert client.get("/api/subscriptions", headers={"Authorization": f"Bearer {bob}"}).json()["subscriptions"] == []
    stolen = client.delete(f"/api/subscriptions/{sub['id']}", headers={"Authorization": f"Bearer {bob}"})
    assert stolen.status_code == 404
    # bob's like is his own: ana's rating stays
    client.post(f"/api/papers/{paper}/dislike", headers={"Authorization": f"Bearer {bob}"})
    anas = client.get("/api/library", headers={"Authorization": f"Bearer {ana}"}).json()["papers"]
    assert next(p for p in anas if p["paper"]["id"] == paper)["rating"] == 1
    assert client.get("/api/subscriptions", headers={"Authorization": f"Bearer {ana}"}).json()[
        "subscriptions"][0]["active"] is True


# -- guessing is slowed down -----------------------------------------------------------------------

def test_password_guessing_is_rate_limited_per_account(built):
    app = make_app(built)
    add_user(app, "carol")
    with TestClient(app) as c:
        for _ in range(5):
            assert login(c, "carol", "wrong password").status_code == 401
        blocked = login(c, "carol", PASSWORD)  # even the right password waits now
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert login(c, "ana-not-here", "whatever1").status_code == 401  # other names are not blocked yet


def test_password_guessing_is_rate_limited_per_address(built):
    app = make_app(built, login_failures_per_ip=8)
    with TestClient(app) as c:
        answers = [login(c, f"user{i}", "wrong password").status_code for i in range(10)]
    assert answers[:8] == [401] * 8 and answers[8:] == [429, 429]


def test_token_guessing_is_rate_limited(built):
    app = make_app(built, token_failures_per_ip=5)
    with TestClient(app) as c:
        codes = [c.get("/api/me", headers={"Authorization": f"Bearer prt_guess{i}"}).status_code for i in range(7)]
    assert codes == [401] * 5 + [429, 429]


def test_unknown_and_wrong_passwords_look_the_same(client):
    unknown = login(client, "nobody-here", "wrong password")
    wrong = login(client, "ana", "wrong password")
    assert unknown.status_code == wrong.status_code == 401
    assert "wrong name or password" in unknown.text and "wrong name or password" in wrong.text


# -- sessions ----------------------------------------------------------------------------------------

def test_session_cookie_flags_tampering_and_password_change(app, client):
    answer = login(client, "ana")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert client.get("/api/me").json()["name"] == "ana"
    value = client.cookies.get("pr_session")
    body, mac = value.split(".")
    client.cookies.clear()
    client.cookies.set("pr_session", body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac)
    assert client.get("/api/me").status_code == 401
    client.cookies.clear()
    client.cookies.set("pr_session", value)
    assert client.get("/api/me").status_code == 200
    app.state.parts.accounts.add("ana", PASSWORD + "!")  # a new password ends old sessions
    assert client.get("/api/me").status_code == 401
    app.state.parts.accounts.add("ana", PASSWORD)


def test_login_redirect_stays_on_this_site(client):
    token = csrf_of(client.get("/login").text)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf_token": token,
                                             "next": target}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        client.cookies.clear()
        token = csrf_of(client.get("/login").text)


# -- secrets -----------------------------------------------------------------------------------------

def test_secrets_stay_out_of_answers_and_logs(app, client, caplog):
    token = api_token(app, "ana")
    secret = "test-secret-0123456789abcdef"
    with caplog.at_level(logging.DEBUG):
        login(client, "ana", "wrong password hunter2")
        answers = [client.get("/api/me", headers={"Authorization": f"Bearer {token}"}),
                   client.get("/api/me", headers={"Authorization": "Bearer prt_wrong-guess"}),
                   client.get("/unsubscribe/sekrit-unsubscribe-token"),
                   client.post("/api/papers/nope/like", headers={"Authorization": f"Bearer {token}"})]
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("paperradar", "uvicorn")))
    for text in [server_log] + [a.text for a in answers]:
        for leaked in ("hunter2", token, secret, "sekrit-unsubscribe-token", "prt_wrong-guess"):
            assert leaked not in text
    assert "/unsubscribe/…" in server_log  # the access log names the route, not the token


# -- uploads and sources -------------------------------------------------------------------------------

def test_uploads_are_capped(built):
    app = make_app(built, max_upload_bytes=1000)
    add_user(app, "ana")
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
        answer = c.post("/api/ingest", files={"file": ("big.txt", b"x" * 200_000)})
        assert answer.status_code == 413 and answer.json()["error"]
        small = c.post("/api/ingest", files={"file": ("a.txt", b"y" * 1500)})
        assert small.status_code == 413


def test_upload_names_cannot_walk_the_file_system(built, tmp_path):
    from paperradar.web.ingest import safe_filename

    assert safe_filename("../../etc/passwd") == "passwd" and safe_filename("..\\..\\boot.ini") == "boot.ini"
    assert safe_filename("") == safe_filename("..") == "upload"
    app = make_app(built)
    add_user(app, "ana")
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
        bad = c.post("/api/library/import", files={"file": ("../../../etc/passwd", b"\x00\x01 not a bibliography")})
        assert bad.status_code == 400
        assert "upload" in bad.json()["error"] and "/tmp" not in bad.json()["error"]
        read = c.post("/api/ingest", files={"file": ("../../x/../evil.jsonl", b'{"title": "A paper"}\n')}).json()
        assert read["added"] + read["merged"] + read["unchanged"] == 1
        assert not (tmp_path.parent / "evil.jsonl").exists()


def test_online_sources_reach_only_their_hosts():
    from paperradar.web.ingest import AllowedHostsTransport

    reached = []
    inner = httpx.MockTransport(lambda request: reached.append(request.url.host) or httpx.Response(200))
    client = httpx.Client(transport=AllowedHostsTransport(inner))
    assert client.get("https://huggingface.co/api/daily_papers").status_code == 200
    for url in ("https://evil.example/", "http://huggingface.co/", "https://169.254.169.254/latest",
                "https://localhost:8000/api/papers"):
        with pytest.raises(httpx.ConnectError):
            client.get(url)
    assert reached == ["huggingface.co"]


def test_query_parameters_cannot_inject(client):
    before = client.get("/api/papers", params={"limit": 200}).json()["papers"]
    for value in ("'; DROP TABLE papers; --", "\" OR 1=1 --", "title:* OR abstract:*", "*", "a AND (b OR",
                  "\\x00", "%' OR '1'='1"):
        assert client.get("/api/search", params={"q": value}).status_code == 200
        assert client.get("/api/papers", params={"category": value[:40], "author": value}).json()["papers"] == []
        assert client.get("/search", params={"q": value, "source": value[:40]}).status_code == 200
    assert len(client.get("/api/papers", params={"limit": 200}).json()["papers"]) == len(before)


# -- every upload, every online source (extended for issue 8) --------------------------------------------

def upload_routes(app) -> list:
    """The routes that take a file, from the app's routes (a File body parameter)."""
    from fastapi.params import File
    from hostile import app_routes

    return [r for r in app_routes(app) if any(isinstance(f.field_info, File) for f in r.dependant.body_params)]


def test_no_upload_name_reaches_the_file_system(built, tmp_path, monkeypatch):
    import re
    import tempfile

    scratch, escape = tmp_path / "tmp", tmp_path / "escape"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # uploads' temp directories go here
    names = ["../../escape/rel.bib", "..\\..\\escape\\win.bib", str(escape / "abs.bib"), "/etc/passwd",
             "C:\\Windows\\evil.bib", "....//....//escape/dots.bib", "%2e%2e%2fescape%2fenc.bib",
             "\u2025/escape/twodot.bib", "\uff0e\uff0e/escape/wide.bib", "evil\x00.bib", "a" * 300 + ".bib",
             ".bashrc", "..", "", " ", "con.bib", "escape/../../escape/mixed.bib"]
    app = make_app(built)
    add_user(app, "ana")
    routes = upload_routes(app)
    assert {r.path for r in routes} >= {"/api/ingest", "/api/library/import", "/library/import"}
    tried = 0
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
        for route in routes:
            for name in names:
                body = b'{"title": "An uploaded paper"}\nnot json\n' if route.path == "/api/ingest" else \
                    b"@misc{up, title={An uploaded bibliography entry}, year={2024}}\n@misc{broken, title = {\n"
                answer = c.post(route.path, files={"file": (name, body)})
                tried += 1
                assert answer.status_code in (200, 400, 422), (route.path, name, answer.status_code, answer.text[:200])
                for leak in (str(tmp_path), "/tmp/", "paperradar-import-", "../", "..\\", "/etc/passwd", "escape/"):
                    assert leak not in answer.text, (route.path, name, leak)
                named = re.findall(r"upload[:/]([^\"\s<:]*)", answer.text)
                assert all(re.fullmatch(r"[A-Za-z0-9._-]*", n) for n in named), named
    assert not escape.exists() and not (tmp_path.parent / "escape").exists()
    assert [p for p in scratch.rglob("*")] == []  # nothing left behind either
    assert tried == len(routes) * len(names)


def _wait(client, job_id: str) -> dict:
    import time

    for _ in range(200):
        job = client.get(f"/api/ingest/{job_id}").json()
        if job["state"] != "running":
            return job
        time.sleep(0.02)
    raise AssertionError(f"ingest job {job_id} still running")


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/", "https://169.254.169.254/latest/meta-data/",
    "http://huggingface.co/api/daily_papers", "https://localhost:8000/api/papers", "https://127.0.0.1/",
    "https://[::1]/", "https://huggingface.co.evil.example/", "https://evil.example/@huggingface.co/",
    "file:///etc/passwd", "//169.254.169.254/relative"])
def test_redirects_cannot_take_an_online_ingest_to_other_hosts(built, tmp_path, target):
    from web_helpers import store_copy

    from paperradar.sources.http import Http
    from paperradar.web.ingest import SOURCE_HOSTS

    reached: list[httpx.URL] = []

    def handler(request):  # every source host answers with a redirect to the target
        reached.append(request.url)
        return httpx.Response(302, headers={"Location": target})

    with store_copy(built, tmp_path) as location:
        app = make_app(location, http_factory=lambda: Http(transport=httpx.MockTransport(handler),
                                                           sleep=lambda s: None, retries=0))
        add_user(app, "ana")
        with TestClient(app, raise_server_exceptions=False) as c:
            c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
            before = len(c.get("/api/papers", params={"limit": 200}).json()["papers"])
            started = c.post("/api/ingest", data={"source": "hf:2026-06-19"})
            assert started.status_code == 202, started.text
            job = _wait(c, started.json()["id"])
            after = len(c.get("/api/papers", params={"limit": 200}).json()["papers"])
    assert reached and all(u.scheme == "https" and u.host in SOURCE_HOSTS for u in reached), reached
    assert job["state"] == "failed" or job["summary"]["offline"] or job["summary"]["added"] == 0, job
    assert after == before


@pytest.mark.parametrize("spec", [
    "rss:http://169.254.169.254/", "http://169.254.169.254/", "arxiv:@169.254.169.254",
    "arxiv:http://169.254.169.254/latest", "oai:http://169.254.169.254/", "hf:../../169.254.169.254",
    "hf:2026-06-19@169.254.169.254", "arxiv-new:cs.LG@evil.example", "hf:2026-06-19#@evil.example",
    "arxiv:cat:cs.LG&base=https://evil.example/", "oai:cs:cs:LG:2024-06-01?url=//evil.example",
    "file:/etc/passwd", "upload:../../etc/passwd"])
def test_user_named_sources_reach_only_the_source_hosts(built, tmp_path, spec):
    from web_helpers import store_copy

    from paperradar.sources.http import Http
    from paperradar.web.ingest import SOURCE_HOSTS

    reached: list[httpx.URL] = []

    def handler(request):
        reached.append(request.url)
        return httpx.Response(404)

    with store_copy(built, tmp_path) as location:
        app = make_app(location, http_factory=lambda: Http(transport=httpx.MockTransport(handler),
                                                           sleep=lambda s: None, retries=0))
        add_user(app, "ana")
        with TestClient(app, raise_server_exceptions=False) as c:
            c.headers["Authorization"] = f"Bearer {api_token(app, 'ana')}"
            started = c.post("/api/ingest", data={"source": spec})
            assert started.status_code in (202, 400), (spec, started.status_code, started.text)
            if started.status_code == 202:
                _wait(c, started.json()["id"])
    assert all(u.scheme == "https" and u.host in SOURCE_HOSTS for u in reached), (spec, reached)
