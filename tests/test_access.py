"""Access: every write route (enumerated from the app's routes) refuses a request without
a session or token, whatever else it carries; one reader cannot read or change another's
library, subscriptions or ingest jobs through any route; every sign-in path (password,
API token header, unsubscribe link) slows guessing down; secrets (SMTP password, LLM API
key, session secret, password and token hashes) never reach logs, error pages, API
answers or CLI output; names that come from data never become paths outside their
directory, and the CLI writes exactly where it is told."""

from __future__ import annotations

import json
import logging
import re
import socket
from datetime import UTC, date, datetime

import hostile
import httpx
import pytest
from click.testing import CliRunner

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from smtp_inbox import Inbox
from web_helpers import (
    PASSWORD,
    add_user,
    api_token,
    built_store,
    csrf_of,
    login,
    make_app,
    module_backends,
    session_csrf,
)

BIB = b"@misc{a, title={A paper from a bibliography}, year={2024}}\n"
#: Bodies a write route would accept, so that a refusal is not just a malformed request.
VALID_BODIES = {
    "/api/papers/{paper_id:path}/like": {"json": {"on": True}},
    "/api/papers/{paper_id:path}/dislike": {"json": {"on": True}},
    "/api/papers/{paper_id:path}/save": {"json": {"on": True}},
    "/api/papers/{paper_id:path}/tags": {"json": {"add": ["mallory"]}},
    "/api/library/import": {"files": {"file": ("a.bib", BIB)}},
    "/api/subscriptions": {"json": {"email": "mallory@example.org"}},
    "/api/ingest": {"files": {"file": ("a.jsonl", b'{"title": "Injected by mallory"}\n')}},
    "/login": {"data": {"name": "ana", "password": PASSWORD, "next": "/"}},
    "/paper/{paper_id:path}/act": {"data": {"action": "like"}},
    "/library/import": {"files": {"file": ("a.bib", BIB)}},
    "/digest/subscribe": {"data": {"email": "mallory@example.org"}},
}
#: Open on purpose: the sign-in form (it needs its CSRF token) and the unsubscribe link (the token is the secret).
TOKEN_ROUTES = {"/unsubscribe/{token}"}
FIGURES: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def figures():
    yield FIGURES
    print("\naccess figures:", json.dumps(FIGURES))


@pytest.fixture(scope="module", params=module_backends(__name__))
def built(request, tmp_path_factory):
    with built_store(request, tmp_path_factory, "access") as location:
        yield location


def offline_http():
    from paperradar.sources.http import Http

    return Http(transport=httpx.MockTransport(lambda request: httpx.Response(404)), sleep=lambda s: None, retries=0)


@pytest.fixture(scope="module")
def app(built):
    app = make_app(built, token_failures_per_ip=100_000, login_failures_per_ip=100_000, http_factory=offline_http)
    for name in ("ana", "bob"):
        add_user(app, name)
    return app


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def write_routes(app) -> list:
    return [r for r in hostile.app_routes(app) if r.methods & {"POST", "PUT", "PATCH", "DELETE"}]


def fill(path: str, values: dict[str, str]) -> str:
    from urllib.parse import quote

    return re.sub(r"{([^}:]+)(?::[^}]*)?}", lambda m: quote(values[m[1]], safe="/"), path)


def some_papers(client, n: int) -> list[str]:
    return [p["id"] for p in client.get("/api/papers", params={"source": "hf-daily", "limit": n}).json()["papers"]]


# -- writes need a reader ---------------------------------------------------------------------------

def test_every_write_route_refuses_requests_without_a_session_or_token(app, built, client):
    from paperradar.web.accounts import Accounts

    paper = some_papers(client, 1)[0]
    bob = {"Authorization": f"Bearer {api_token(app, 'bob')}"}
    sub = client.post("/api/subscriptions", json={"email": "bob@example.org"}, headers=bob).json()
    revoked = api_token(app, "ana")
    Accounts(app.state.parts.store).revoke_tokens("ana")
    ana = api_token(app, "ana")
    other = make_app(built, secret="another-secret-0123456789abcdef")  # a session signed by someone else
    with TestClient(other) as foreign:
        login(foreign, "ana")
        forged = foreign.cookies.get("pr_session")
    client.cookies.clear()
    values = {"paper_id": paper, "subscription_id": str(sub["id"]), "token": "x" * 32}
    credentials = {
        "none": {}, "garbage session": {"cookies": {"pr_session": "garbage.garbage"}},
        "foreign session": {"cookies": {"pr_session": forged}},
        "revoked token": {"headers": {"Authorization": f"Bearer {revoked}"}},
        "basic auth": {"headers": {"Authorization": "Basic YW5hOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ=="}},
        "token in the query string": {"params": {"token": ana, "access_token": ana, "api_key": ana}},
        "token in a cookie": {"cookies": {"token": ana, "pr_token": ana}},
        "CSRF header only": {"headers": {"X-CSRF-Token": "x" * 43}},
    }
    before = hostile.store_state(built)
    routes = write_routes(app)
    assert len(routes) >= 12
    tried = 0
    for route in routes:
        url = fill(route.path, values)
        for name, extra in credentials.items():
            for body in ({}, VALID_BODIES.get(route.path, {})):
                client.cookies.clear()
                for key, value in extra.get("cookies", {}).items():
                    client.cookies.set(key, value)
                method = min(route.methods & {"POST", "PUT", "PATCH", "DELETE"})
                answer = client.request(method, url, headers=extra.get("headers"), params=extra.get("params"),
                                        **body, follow_redirects=False)
                tried += 1
                allowed = {404, 429} if route.path in TOKEN_ROUTES else {401, 403, 429}
                assert answer.status_code in allowed, (method, route.path, name, body, answer.status_code,
                                                       answer.text[:200])
                assert "pr_session" not in answer.cookies, (route.path, name)
    client.cookies.clear()
    assert hostile.store_state(built) == before
    FIGURES.update({"write routes": len(routes), "credential variants": len(credentials),
                    "refused write requests": tried})


# -- one reader, one library ----------------------------------------------------------------------

MARK = "bob-private"


def test_one_reader_cannot_read_or_change_anothers_data(app, built, client):
    import time

    papers = some_papers(client, 4)
    bob = {"Authorization": f"Bearer {api_token(app, 'bob')}"}
    ana = {"Authorization": f"Bearer {api_token(app, 'ana')}"}
    for path, kwargs in ((f"/api/papers/{papers[0]}/like", {}), (f"/api/papers/{papers[1]}/save", {}),
                         (f"/api/papers/{papers[2]}/tags", {"json": {"add": [f"{MARK}-tag"]}})):
        assert client.post(path, headers=bob, **kwargs).status_code == 200
    sub = client.post("/api/subscriptions", headers=bob, json={
        "email": f"{MARK}@example.org", "queries": [f"{MARK}-query"], "tags": [f"{MARK}-tag"]}).json()
    job = client.post("/api/ingest", headers=bob, data={"source": "hf:2026-06-19"})
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]
    for _ in range(100):  # the job runs in a thread; let it end
        if client.get(f"/api/ingest/{job_id}", headers=bob).json()["state"] != "running":
            break
        time.sleep(0.05)
    anas_sub = client.post("/api/subscriptions", headers=ana, json={"email": "ana@example.org"}).json()
    bobs = hostile.store_state(built)

    values = {"paper_id": papers[2], "dataset": "imagenet-1k", "token": "x" * 32, "job_id": job_id,
              "subscription_id": str(sub["id"])}
    no_map = {"since": "2020-01-01", "until": "2020-01-01"}  # an empty period: no topic map to compute
    tried = 0
    login(client, "ana")  # signed in twice over: session and token, as ana
    for route in hostile.app_routes(app):
        if "GET" not in route.methods:
            continue
        for params in ({}, {"tag": f"{MARK}-tag", "format": "jsonl"}, {"format": "csv"}):
            answer = client.get(fill(route.path, values), headers=ana,
                                params={**params, **no_map} if route.path.endswith("/topics") else params)
            tried += 1
            shown = answer.text.replace(f"“{MARK}-tag”", "")  # the tag ana asked for, echoed in a heading
            assert MARK not in shown, (route.path, params)
            if "job_id" in route.path or "subscription_id" in route.path:
                assert answer.status_code == 404, route.path
    # ana acts on bob's papers and ids: only ana's own entries change
    token = session_csrf(client)
    for paper in papers[:3]:
        for action in ("like", "dislike", "save"):
            assert client.post(f"/api/papers/{paper}/{action}", headers=ana, json={"on": False}).status_code == 200
        client.post(f"/api/papers/{paper}/tags", headers=ana, json={"remove": [f"{MARK}-tag"]})
        client.post(f"/paper/{paper}/act", data={"action": "untag", "tag": f"{MARK}-tag", "csrf_token": token})
        tried += 5
    for sid in range(1, max(sub["id"], anas_sub["id"]) + 4):  # every subscription id there is, and more
        answer = client.delete(f"/api/subscriptions/{sid}", headers=ana)
        assert answer.status_code == (200 if sid == anas_sub["id"] else 404), sid
        assert MARK not in answer.text
        tried += 1
    after = hostile.store_state(built)
    assert after["libraries"]["bob"] == bobs["libraries"]["bob"]
    assert [s for s in after["subscriptions"] if s[0] == sub["id"]] == [s for s in bobs["subscriptions"]
                                                                         if s[0] == sub["id"]]
    client.cookies.clear()
    FIGURES["cross-reader requests"] = tried


# -- guessing is slowed down on every sign-in path ---------------------------------------------------

def test_account_name_variants_share_one_failure_budget(built):
    app = make_app(built, login_failures_per_account=3)
    add_user(app, "carol")
    with TestClient(app) as c:
        for name in ("carol", " Carol", "CAROL "):
            assert login(c, name, "wrong password").status_code == 401
        blocked = login(c, "carol", PASSWORD)
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_forwarded_for_headers_do_not_reset_the_address_budget(built):
    app = make_app(built, login_failures_per_ip=4)  # trust_proxy is off: X-Forwarded-For is the client's word
    with TestClient(app) as c:
        codes = []
        for i in range(6):
            token = csrf_of(c.get("/login").text)
            codes.append(c.post("/login", data={"name": f"user{i}", "password": "wrong password", "csrf_token": token},
                                headers={"X-Forwarded-For": f"10.0.0.{i}"}, follow_redirects=False).status_code)
    assert codes == [401] * 4 + [429, 429]


def test_wrong_api_tokens_on_any_route_exhaust_the_budget_even_for_a_right_token(built):
    app = make_app(built, token_failures_per_ip=4)
    add_user(app, "dora")
    good = api_token(app, "dora")
    with TestClient(app, raise_server_exceptions=False) as c:
        codes = [c.request(method, path, headers={"Authorization": f"Bearer prt_guess{i}"},
                           follow_redirects=False).status_code
                 for i, (method, path) in enumerate([("GET", "/"), ("GET", "/api/papers"), ("POST", "/api/ingest"),
                                                     ("GET", "/library"), ("GET", "/api/me")])]
        after = c.get("/api/me", headers={"Authorization": f"Bearer {good}"})
    assert codes == [303, 401, 401, 303, 429]  # pages send the asker to the sign-in page
    assert after.status_code == 429 and int(after.headers["retry-after"]) > 0


def test_unsubscribe_links_cannot_be_guessed(built):
    from paperradar.store import open_store

    app = make_app(built, token_failures_per_ip=5, trust_proxy=True)
    add_user(app, "erin")
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {api_token(app, 'erin')}"
        c.post("/api/subscriptions", json={"email": "erin@example.org"})
        store = open_store(str(built))
        try:
            tokens = [s.token for s in store.subscriptions(active_only=False)]
            real = next(s.token for s in store.subscriptions(active_only=False) if s.email == "erin@example.org")
        finally:
            store.close()
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{32,}", t) for t in tokens)  # 192 random bits each
        del c.headers["Authorization"]
        me = {"X-Forwarded-For": "203.0.113.7"}
        near = real[:-1] + ("y" if real.endswith("x") else "x")  # one character off (never the token itself)
        codes = [c.request(method, f"/unsubscribe/{guess}", headers=me).status_code
                 for method, guess in [("GET", "a" * 32), ("POST", "b" * 32), ("GET", near),
                                       ("POST", "c"), ("GET", "d" * 300), ("POST", real + "x")]]
        blocked = c.post(f"/unsubscribe/{real}", headers=me)  # even the right one waits now
        assert codes == [404] * 5 + [429] and blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        elsewhere = c.get(f"/unsubscribe/{real}", headers={"X-Forwarded-For": "198.51.100.9"})
        assert elsewhere.status_code == 200 and "erin" not in elsewhere.text.replace("er…@", "")


# -- secrets stay secret ----------------------------------------------------------------------------

SMTP_PASSWORD = "smtp-Pa55-0123456789-secret"
LLM_KEY = "sk-llm-key-0123456789-secret"
SESSION_SECRET = "session-secret-0123456789-abcdef"


def _smtp_server():
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.smtp import AuthResult

    def check(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"radar", SMTP_PASSWORD.encode()),
                          handled=False)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port, authenticator=check,
                                           auth_required=True, auth_require_tls=False)
    controller.start()
    return inbox, port, controller


def _our_log(caplog) -> str:
    """What paperradar (and the HTTP and SMTP clients it drives) logged; the test SMTP server's own log is not ours."""
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                     if not r.name.startswith("mail.log"))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_secrets_never_reach_logs_answers_or_output(built, tmp_path, monkeypatch, caplog):
    from paperradar.cli import cli
    from paperradar.enrich.backend import BackendError, backend_from
    from paperradar.publish.mailer import SmtpSettings
    from paperradar.publish.subscribers import send_due
    from paperradar.store import open_store
    from paperradar.web.accounts import token_hash

    _inbox, port, controller = _smtp_server()
    env = {"PAPERRADAR_SMTP_HOST": "127.0.0.1", "PAPERRADAR_SMTP_PORT": str(port), "PAPERRADAR_SMTP_USER": "radar",
           "PAPERRADAR_SMTP_PASSWORD": SMTP_PASSWORD, "PAPERRADAR_SMTP_STARTTLS": "0",
           "PAPERRADAR_MAIL_FROM": "radar <radar@example.org>", "PAPERRADAR_BASE_URL": "https://radar.example.org",
           "PAPERRADAR_LLM_URL": "http://127.0.0.1:9/v1", "PAPERRADAR_LLM_MODEL": "m",
           "PAPERRADAR_LLM_API_KEY": LLM_KEY, "PAPERRADAR_SECRET": SESSION_SECRET}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    answers: list[str] = []
    caplog.set_level(logging.DEBUG)
    try:
        app = make_app(built, secret=None)  # the session secret from $PAPERRADAR_SECRET
        add_user(app, "fay")
        token = api_token(app, "fay")
        with TestClient(app, raise_server_exceptions=False) as c:
            answers.append(login(c, "fay", "wrong password " + SMTP_PASSWORD).text)
            answers.append(login(c, "fay").text)
            c.post("/api/subscriptions", json={"email": "fay@example.org", "categories": ["cs"]},
                   headers={"X-CSRF-Token": session_csrf(c)})
            for route in hostile.app_routes(app):
                if "GET" in route.methods:
                    answers.append(c.get(fill(route.path, {"paper_id": "nothing", "dataset": "x", "token": "x" * 32,
                                                           "job_id": "x", "subscription_id": "1"}),
                                         params={"since": "2020-01-01", "until": "2020-01-01"} if "topics" in route.path else None).text)
            answers += [c.get("/openapi.json").text, c.get("/api/me", headers={"Authorization": f"Bearer {token}"}).text,
                        c.get("/api/me", headers={"Authorization": f"Bearer {token}x"}).text,
                        c.get("/api/nothing").text, c.get("/search", params={"since": "x" * 20}).text]
        store = open_store(str(built))
        try:
            fay = store.reader("fay", create=False)
            password_hash = store.account("fay").password_hash
            day = date(2026, 6, 19)
            monkeypatch.setenv("PAPERRADAR_SMTP_PASSWORD", "wrong-" + SMTP_PASSWORD)
            bad = send_due(store, day, settings=SmtpSettings.from_env())  # refused: the claim is released
            monkeypatch.setenv("PAPERRADAR_SMTP_PASSWORD", SMTP_PASSWORD)
            good = send_due(store, day, settings=SmtpSettings.from_env())  # logs in with the password
            answers += good.lines(verbose=True) + bad.lines(verbose=True)
            answers.append(repr(SmtpSettings.from_env()))
        finally:
            store.close()
        assert any(o.status == "sent" for o in good.outcomes) and any(o.status == "failed" for o in bad.outcomes)

        def echo(request):  # an LLM server that repeats the key back in its error
            return httpx.Response(401 if "x" in request.url.path else 500,
                                  json={"error": {"message": f"bad key {request.headers.get('authorization')}"}})

        for path in ("/v1", "/x/v1"):
            monkeypatch.setenv("PAPERRADAR_LLM_URL", f"http://llm.example{path}")
            backend = backend_from({}, transport=httpx.MockTransport(echo))
            with pytest.raises(BackendError) as raised:
                backend.chat([{"role": "user", "content": "hi"}])
            answers += [str(raised.value), repr(backend)]
        runner = CliRunner()
        for args in (["show", "2606.19195", "--json"], ["show", "2606.19195"], ["list", "--json", "--limit", "3"],
                     ["user", "list", "--json"], ["user", "list"], ["send", "--dry-run"],
                     ["digest", "--format", "email", "--date", "2026-06-19", "--limit", "2"],
                     ["enrich", "--list"]):
            result = runner.invoke(cli, ["-vv", "--db", str(built), *args])
            assert result.exit_code in (0, 1), (args, result.output[-300:])
            answers.append(result.output)
    finally:
        controller.stop()
    logged = _our_log(caplog)
    secrets = {"SMTP password": SMTP_PASSWORD, "LLM API key": LLM_KEY, "session secret": SESSION_SECRET,
               "password hash": password_hash, "argon2 hash": "$argon2", "API token": token,
               "API token hash": token_hash(token)}
    for name, secret in secrets.items():
        assert secret not in logged, f"{name} in the log"
        for n, text in enumerate(answers):
            assert secret not in text, f"{name} in answer {n}: {text[:200]}"
    assert "sent" in " ".join(answers) and len(answers) >= 40
    assert fay.name == "fay"
    FIGURES.update({"secrets": len(secrets), "outputs searched for secrets": len(answers) + 1})


# -- names from data never become paths outside their directory -------------------------------------

def test_dates_and_listing_days_from_data_never_become_paths(tmp_path, monkeypatch):
    from paperradar.pipeline import ingest
    from paperradar.publish.subscribers import publish_day
    from paperradar.store import open_store

    records = [{"id": f"trav-{n}", "title": f"Traversal {n}", "date": day, "authors": ["A"], "categories": ["cs.LG"],
                "links": [], "translations": {}, "extra": {}, "arxiv_id": None, "doi": None,
                "sources": [{"source": "hf-daily", "source_id": f"t{n}", "first_seen": "2026-06-19",
                             "last_seen": "2026-06-19", "fields": {"submitted_on_daily_at": listed}}]}
               for n, (day, listed) in enumerate([("../../../escape/x", "../../../escape/y"),
                                                  ("2026-06-19/../../escape", "2026-06-19"),
                                                  ("2026-06-19", "2026-06-19T../../escape"),
                                                  ("/etc/passwd", "\x00")])]
    source = tmp_path / "traversal.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    digests = tmp_path / "out" / "digests"
    monkeypatch.setenv("PAPERRADAR_DIGEST_DIR", str(digests))
    monkeypatch.delenv("PAPERRADAR_SMTP_HOST", raising=False)
    store = open_store(str(tmp_path / "out" / "radar.db"))
    try:
        ingest(store, [str(source)])
        lines = publish_day(store, now=datetime(2026, 6, 20, 12, tzinfo=UTC))
    finally:
        store.close()
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert not (tmp_path / "escape").exists() and not (tmp_path.parent / "escape").exists()
    assert [w for w in written if w.startswith("out/digests/")] == ["out/digests/2026-06-19.md"], (written, lines)


def test_topic_and_embedder_names_from_the_command_line_stay_in_the_store(built, tmp_path):
    from paperradar.cli import cli

    runner = CliRunner()
    evil = str(tmp_path / "escape")
    for args in (["topics", "--since", "../../../escape", "--until", "2026-06-19"],
                 ["topics", "--since", "2026-06-18", "--until", f"2026-06-19/../../{evil}"],
                 ["index", "--no-embed", "--embedder", f"../../{evil}"],
                 ["index", "--embedder", evil]):
        result = runner.invoke(cli, ["--db", str(built), *args])
        assert result.exit_code in (0, 1, 2), (args, result.output[-300:])
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert not (tmp_path / "escape").exists()


def test_cli_writes_exactly_where_it_is_told(built, tmp_path):
    from paperradar.cli import cli

    runner = CliRunner()
    (tmp_path / "sub").mkdir()
    add = runner.invoke(cli, ["--db", str(built), "like", "2606.19195", "--reader", "gus"])
    assert add.exit_code == 0, add.output
    targets = {"export": ["export", "--format", "bibtex", "-o"],
               "library": ["library", "export", "--reader", "gus", "-o"],
               "digest": ["digest", "--date", "2026-06-19", "--format", "rss", "-o"]}
    for name, args in targets.items():
        target = tmp_path / "sub" / ".." / f"{name}.out"  # a path with '..' is the user's to give
        result = runner.invoke(cli, ["--db", str(built), *args, str(target)])
        assert result.exit_code == 0, (name, result.output[-300:])
        assert (tmp_path / f"{name}.out").stat().st_size > 0
    leftovers = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert leftovers == ["digest.out", "export.out", "library.out"]  # atomic writes leave no temp files
