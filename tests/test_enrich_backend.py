"""The generative backend seam, against a fake OpenAI-compatible server on
loopback (a real HTTP server in a thread; no network)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from paperradar.enrich.backend import (
    BackendError,
    CircuitBreaker,
    OpenAICompatibleBackend,
    backend_from,
    cached_chat,
    public_url,
    text_hash,
)
from paperradar.errors import InputError, PaperradarError

SECRET = "sk-test-0123456789-do-not-leak"


class FakeLLM:
    """An OpenAI-compatible chat-completions server on 127.0.0.1 that records
    every request and answers deterministically: by default
    ``"ECHO: <first 60 characters of the last user message>"``; ``statuses``
    queues HTTP error statuses to answer first; ``answer`` replaces the reply
    function (body -> text); ``delay`` slows every answer."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.error_body: dict | None = None
        self.delay = 0.0
        self.answer = lambda body: "ECHO: " + body["messages"][-1]["content"][:60]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                body = json.loads(raw or b"{}")
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.statuses:
                    status = fake.statuses.pop(0)
                    self._send(status, fake.error_body or {"error": {"message": f"fake error {status}"}})
                    return
                self._send(200, {"id": "x", "object": "chat.completion", "model": body.get("model"),
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": fake.answer(body)}}]})

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}/v1"

    def settings(self, model: str = "fake-model", **more) -> dict:
        return {"llm_url": self.url, "llm_model": model, **more}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_llm():
    server = FakeLLM()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def no_llm_env(monkeypatch):
    for var in ("PAPERRADAR_LLM_URL", "PAPERRADAR_LLM_MODEL", "PAPERRADAR_LLM_API_KEY", "PAPERRADAR_LLM_TIMEOUT",
                "PAPERRADAR_TLDR", "PAPERRADAR_LANGUAGES", "PAPERRADAR_TRANSLATE_SUMMARY"):
        monkeypatch.delenv(var, raising=False)


def no_sleep(seconds: float) -> None:
    pass


def make(fake: FakeLLM, **kw) -> OpenAICompatibleBackend:
    kw.setdefault("sleep", no_sleep)
    return OpenAICompatibleBackend(url=fake.url, model=kw.pop("model", "fake-model"), **kw)


def test_request_shape_with_api_key(fake_llm):
    backend = make(fake_llm, api_key=SECRET)
    reply = backend.chat([{"role": "user", "content": "Summarise BEiT."}], max_tokens=42)
    assert reply == "ECHO: Summarise BEiT."
    (req,) = fake_llm.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["body"] == {"model": "fake-model", "messages": [{"role": "user", "content": "Summarise BEiT."}],
                           "temperature": 0, "max_tokens": 42, "stream": False}
    assert req["headers"]["Authorization"] == f"Bearer {SECRET}"


def test_no_auth_header_without_key(fake_llm):
    make(fake_llm).chat([{"role": "user", "content": "hi"}])
    assert "Authorization" not in fake_llm.requests[0]["headers"]


def test_name_and_repr_carry_no_secret(fake_llm):
    port = fake_llm.url.split(":")[2].split("/")[0]
    backend = OpenAICompatibleBackend(url=f"http://user:pw@127.0.0.1:{port}/v1?key=q", model="m",
                                      api_key=SECRET)
    assert backend.name == f"openai-compatible:m@127.0.0.1:{port}"
    assert SECRET not in repr(backend) and "pw" not in backend.endpoint and "key=q" not in backend.endpoint
    assert public_url("https://a:b@example.org:8443/v1/?t=1#x") == "https://example.org:8443/v1"


def test_backend_from_settings_and_environment(fake_llm, monkeypatch):
    assert backend_from({}) is None
    monkeypatch.setenv("PAPERRADAR_LLM_URL", fake_llm.url)
    monkeypatch.setenv("PAPERRADAR_LLM_MODEL", "env-model")
    monkeypatch.setenv("PAPERRADAR_LLM_API_KEY", SECRET)
    monkeypatch.setenv("PAPERRADAR_LLM_TIMEOUT", "7.5")
    from_env = backend_from({})
    assert from_env.model == "env-model" and from_env.api_key == SECRET and from_env.timeout == 7.5
    assert backend_from({"llm_model": "settings-model"}).model == "settings-model"
    ready = make(fake_llm)
    assert backend_from({"llm_backend": ready}) is ready


@pytest.mark.parametrize("settings, variable", [
    ({"llm_url": "http://localhost:11434/v1"}, "PAPERRADAR_LLM_MODEL"),
    ({"llm_url": "localhost:11434", "llm_model": "m"}, "PAPERRADAR_LLM_URL"),
    ({"llm_url": "ftp://host/v1", "llm_model": "m"}, "PAPERRADAR_LLM_URL"),
    ({"llm_url": "http://localhost/v1", "llm_model": "m", "llm_timeout": "soon"}, "PAPERRADAR_LLM_TIMEOUT"),
])
def test_incomplete_configuration_names_the_variable(settings, variable):
    with pytest.raises(InputError) as info:
        backend_from(settings)
    assert info.value.where == variable


def test_retries_once_after_a_server_error(fake_llm):
    slept = []
    fake_llm.statuses = [503]
    backend = make(fake_llm, sleep=slept.append)
    assert backend.chat([{"role": "user", "content": "again"}]) == "ECHO: again"
    assert len(fake_llm.requests) == 2 and slept == [1.0]


def test_two_server_errors_give_a_clear_error_without_the_key(fake_llm, caplog):
    caplog.set_level(logging.DEBUG)
    fake_llm.statuses = [500, 500]
    fake_llm.error_body = {"error": {"message": f"model crashed while reading key {SECRET}"}}
    backend = make(fake_llm, api_key=SECRET)
    with pytest.raises(BackendError) as info:
        backend.chat([{"role": "user", "content": "x"}])
    message = str(info.value)
    assert isinstance(info.value, PaperradarError)
    assert f"{fake_llm.url}/chat/completions" in message and "HTTP 500" in message and "model crashed" in message
    assert SECRET not in message and "***" in message
    assert len(fake_llm.requests) == 2
    assert SECRET not in caplog.text and "chat/completions" in caplog.text


def test_refused_key_says_so(fake_llm):
    fake_llm.statuses = [401]
    with pytest.raises(BackendError, match="refused the API key") as info:
        make(fake_llm, api_key=SECRET).chat([{"role": "user", "content": "x"}])
    assert SECRET not in str(info.value) and len(fake_llm.requests) == 1  # 4xx: no retry


def test_unknown_model_404_explains(fake_llm):
    fake_llm.statuses = [404]
    with pytest.raises(BackendError, match="API root"):
        make(fake_llm).chat([{"role": "user", "content": "x"}])


def test_timeout_retried_once_then_clear_error(fake_llm):
    fake_llm.delay = 0.5
    backend = make(fake_llm, timeout=0.1)
    with pytest.raises(BackendError, match=r"no answer within 0.1 s"):
        backend.chat([{"role": "user", "content": "slow"}])
    deadline = time.time() + 3
    while len(fake_llm.requests) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert len(fake_llm.requests) == 2


def test_nothing_listening_is_a_clear_error():
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = OpenAICompatibleBackend(url=f"http://127.0.0.1:{port}/v1", model="m", sleep=no_sleep, timeout=2)
    with pytest.raises(BackendError, match="cannot connect .*is the server running"):
        backend.chat([{"role": "user", "content": "x"}])


def test_reply_that_is_not_a_completion():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"result": "hi"}))
    backend = OpenAICompatibleBackend(url="http://llm.invalid/v1", model="m", transport=transport)
    with pytest.raises(BackendError, match=r"not a chat completion"):
        backend.chat([{"role": "user", "content": "x"}])


def test_thinking_is_stripped(fake_llm):
    fake_llm.answer = lambda body: "<think>let me see\nmore</think>\n  The answer.  "
    assert make(fake_llm).chat([{"role": "user", "content": "x"}]) == "The answer."


def test_injected_transport_sees_the_same_request():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    backend = backend_from({"llm_url": "http://llm.invalid/v1/", "llm_model": "m", "llm_api_key": SECRET},
                           transport=httpx.MockTransport(handler))
    assert backend.chat([{"role": "user", "content": "x"}]) == "ok"
    assert str(seen[0].url) == "http://llm.invalid/v1/chat/completions"
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"


def test_circuit_breaker_stops_calling_a_dead_backend(fake_llm):
    fake_llm.statuses = [500] * 20
    breaker = CircuitBreaker(make(fake_llm), limit=2)
    for _ in range(5):
        with pytest.raises(BackendError):
            breaker.chat([{"role": "user", "content": "x"}])
    assert breaker.open and len(fake_llm.requests) == 4  # two calls, each with its retry


def test_cached_chat_asks_once_per_input_and_backend(fake_llm, store):
    backend = make(fake_llm)
    messages = [{"role": "user", "content": "cache me"}]
    key = text_hash("p", "cache me")
    assert cached_chat(store, backend, "tldr", key, messages) == "ECHO: cache me"
    assert cached_chat(store, backend, "tldr", key, messages) == "ECHO: cache me"
    assert len(fake_llm.requests) == 1
    assert store.cache_get("tldr", key, backend.name) == "ECHO: cache me"
    other = make(fake_llm, model="other-model")
    cached_chat(store, other, "tldr", key, messages)
    assert len(fake_llm.requests) == 2 and fake_llm.requests[1]["body"]["model"] == "other-model"
    cached_chat(store, backend, "tldr", text_hash("p", "changed"), messages)
    assert len(fake_llm.requests) == 3


def test_open_breaker_still_serves_the_cache(fake_llm, store):
    breaker = CircuitBreaker(make(fake_llm), limit=1)
    messages = [{"role": "user", "content": "cached before the outage"}]
    assert cached_chat(store, breaker, "tldr", "k1", messages) == "ECHO: cached before the outage"
    fake_llm.statuses = [500] * 10
    with pytest.raises(BackendError):
        cached_chat(store, breaker, "tldr", "k2", messages)
    assert breaker.open
    assert cached_chat(store, breaker, "tldr", "k1", messages) == "ECHO: cached before the outage"
    with pytest.raises(BackendError, match="HTTP 500"):
        cached_chat(store, breaker, "tldr", "k3", messages)
    assert len(fake_llm.requests) == 3  # k1, then k2 and its retry; nothing once open
