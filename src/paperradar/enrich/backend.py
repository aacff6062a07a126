"""The generative backend seam: an OpenAI-compatible chat-completions endpoint.

Ollama, vLLM, llama.cpp's server, LM Studio and hosted APIs all answer
``POST {base_url}/chat/completions``. paperradar uses one when configured
(never required), by settings or environment::

    PAPERRADAR_LLM_URL=http://localhost:11434/v1   # settings["llm_url"]
    PAPERRADAR_LLM_MODEL=qwen2.5:7b-instruct        # settings["llm_model"]
    PAPERRADAR_LLM_API_KEY=...                      # settings["llm_api_key"], optional
    PAPERRADAR_LLM_TIMEOUT=120                      # settings["llm_timeout"], seconds

The API key is sent as ``Authorization: Bearer``; it is never logged, never
part of an error message, a ``repr``, a cache key or ``Backend.name``.
``Backend.name`` ("openai-compatible:<model>@<host>") names what produced an
output: it is part of cache keys and enricher versions, so changing the model
or the server recomputes. Tests pass an httpx transport or a loopback server.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..errors import InputError, SourceError

log = logging.getLogger(__name__)

ENV = {"llm_url": "PAPERRADAR_LLM_URL", "llm_model": "PAPERRADAR_LLM_MODEL",
       "llm_api_key": "PAPERRADAR_LLM_API_KEY", "llm_timeout": "PAPERRADAR_LLM_TIMEOUT"}
DEFAULT_TIMEOUT = 120.0
RETRY_STATUSES = {429, 500, 502, 503, 504}
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL)


class BackendError(SourceError):
    """The generative backend failed (after its retry) or answered nonsense."""


@runtime_checkable
class Backend(Protocol):
    """A text generator: ``chat`` takes chat messages and returns the reply."""

    #: Names the model and where it runs, without secrets (cache keys use it).
    name: str

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int = 256) -> str:
        """The assistant's reply to ``messages`` (deterministic: temperature 0)."""
        ...


def setting(settings: Mapping[str, Any] | None, key: str, env: str | None = None) -> Any:
    """``settings[key]`` when given, else the environment variable ``env``."""
    value = (settings or {}).get(key)
    if value is None and env:
        value = os.environ.get(env) or None
    return value


def is_true(value: Any) -> bool:
    """Settings and environment flags: true, 1, yes, on (any case)."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def public_url(url: str) -> str:
    """``url`` without user info, query or fragment (what messages may show)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


@dataclass
class OpenAICompatibleBackend:
    """Chat completions over HTTP from any OpenAI-compatible server."""

    url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    retries: int = 1
    transport: httpx.BaseTransport | None = field(default=None, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    _client: httpx.Client | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or "?"
        if parts.port:
            host = f"{host}:{parts.port}"
        return f"openai-compatible:{self.model}@{host}"

    @property
    def endpoint(self) -> str:
        """The chat-completions URL as messages show it (no secrets)."""
        return public_url(self.url) + "/chat/completions"

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            headers = {"Content-Type": "application/json"}
            if self.api_key:
                headers["Authorization"] = f"Bearer {self.api_key}"
            self._client = httpx.Client(transport=self.transport, timeout=self.timeout, headers=headers)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int = 256) -> str:
        """The reply to ``messages``; one retry on 429/5xx and timeouts, then BackendError."""
        body = {"model": self.model, "messages": messages, "temperature": 0,
                "max_tokens": max_tokens, "stream": False}
        parts = urlsplit(self.url)
        url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/chat/completions", fragment=""))
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            log.debug("POST %s (model %s, attempt %d)", self.endpoint, self.model, attempt + 1)
            try:
                response = self.client.post(url, json=body)
            except httpx.TimeoutException:
                if last:
                    raise self._error(f"no answer within {self.timeout:g} s "
                                      f"(raise PAPERRADAR_LLM_TIMEOUT for slow models)") from None
                self.sleep(1.0)
                continue
            except httpx.TransportError as exc:
                raise self._error(f"cannot connect ({type(exc).__name__}): is the server running?") from None
            if response.status_code in RETRY_STATUSES and not last:
                self.sleep(1.0)
                continue
            return self._reply(response)
        raise AssertionError("unreachable")

    def _reply(self, response: httpx.Response) -> str:
        if response.status_code in (401, 403):
            raise self._error(f"HTTP {response.status_code}: the server refused the API key "
                              f"(check PAPERRADAR_LLM_API_KEY)")
        if response.status_code == 404:
            raise self._error(f"HTTP 404: {self._detail(response)} (is the URL the API root, "
                              f"such as http://localhost:11434/v1, and is model {self.model!r} there?)")
        if response.status_code >= 400:
            raise self._error(f"HTTP {response.status_code}: {self._detail(response)}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise self._error("the answer is not a chat completion (no choices[0].message.content)") from None
        if not isinstance(content, str):
            raise self._error("the answer has no text content")
        return _THINKING.sub("", content).strip()

    def _detail(self, response: httpx.Response) -> str:
        try:
            data = response.json()
            detail = data.get("error", data) if isinstance(data, dict) else data
            if isinstance(detail, dict):
                detail = detail.get("message") or detail
            text = str(detail)
        except ValueError:
            text = response.text
        return self._redact(" ".join(text.split())[:200]) or "(empty body)"

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def _error(self, message: str) -> BackendError:
        return BackendError(f"language model at {self.endpoint}: {self._redact(message)}")


def backend_from(settings: Mapping[str, Any] | None = None, *,
                 transport: httpx.BaseTransport | None = None) -> Backend | None:
    """The configured generative backend, or None when none is configured.

    ``settings["llm_backend"]`` may hold a ready ``Backend`` (plugins, tests);
    otherwise ``llm_url``/``llm_model``/``llm_api_key``/``llm_timeout`` from
    settings or the ``PAPERRADAR_LLM_*`` environment. Raises InputError naming
    the variable when the configuration is incomplete or malformed."""
    ready = (settings or {}).get("llm_backend")
    if ready is not None:
        return ready
    url = setting(settings, "llm_url", ENV["llm_url"])
    if not url:
        return None
    url = str(url).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(ENV["llm_url"], f"{public_url(url) or 'the value'} is not an http(s) URL "
                         "(example: http://localhost:11434/v1)")
    model = setting(settings, "llm_model", ENV["llm_model"])
    if not model:
        raise InputError(ENV["llm_model"], f"not set, but {ENV['llm_url']} is: name the model to use "
                         "(example: qwen2.5:7b-instruct)")
    timeout = setting(settings, "llm_timeout", ENV["llm_timeout"]) or DEFAULT_TIMEOUT
    try:
        timeout = float(timeout)
    except ValueError:
        raise InputError(ENV["llm_timeout"], f"{timeout!r} is not a number of seconds") from None
    api_key = setting(settings, "llm_api_key", ENV["llm_api_key"]) or None
    return OpenAICompatibleBackend(url=url, model=str(model).strip(), api_key=api_key, timeout=timeout,
                                   transport=transport or (settings or {}).get("llm_transport"))


class CircuitBreaker:
    """Stops calling a failing backend for the rest of a run: after ``limit``
    failures in a row every call fails at once with the last error."""

    def __init__(self, backend: Backend, limit: int = 3):
        self.backend = backend
        self.limit = limit
        self.failures = 0
        self.last_error: BackendError | None = None

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def open(self) -> bool:
        return self.failures >= self.limit

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int = 256) -> str:
        if self.open and self.last_error is not None:
            raise self.last_error
        try:
            reply = self.backend.chat(messages, max_tokens=max_tokens)
        except SourceError as exc:
            self.failures += 1
            self.last_error = exc if isinstance(exc, BackendError) else BackendError(str(exc))
            raise self.last_error from None
        self.failures = 0
        return reply


def text_hash(*parts: str | None) -> str:
    """A stable hash of texts (the cache's input key): sha256 of the parts, NUL-joined."""
    joined = "\x00".join(p or "" for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def cached_chat(store, backend: Backend, task: str, input_hash: str, messages: list[dict[str, str]],
                *, max_tokens: int = 256, backend_name: str | None = None) -> str:
    """The backend's reply, from the store's backend cache when it has one for
    (``task``, ``input_hash``, backend name); otherwise asked and then cached."""
    name = backend_name or backend.name
    cached = store.cache_get(task, input_hash, name)
    if isinstance(cached, str) and cached:
        return cached
    reply = backend.chat(messages, max_tokens=max_tokens)
    if not reply:
        raise BackendError(f"{name} answered with an empty text")
    store.cache_put(task, input_hash, name, reply)
    return reply
