"""The network seam: one polite HTTP client for every online source.

Tests pass an ``httpx.MockTransport`` that serves recorded responses, and a
fake ``sleep`` so rate limits and back-off cost no wall time.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Callable, TypeVar
from urllib.parse import urlsplit

import httpx

from ..errors import OfflineError, SourceError

log = logging.getLogger(__name__)

USER_AGENT = "paperradar/0.1 (+https://pypi.org/project/paperradar/)"

#: Minimum seconds between two requests to one host. arXiv asks for >= 3 s.
DEFAULT_INTERVALS = {
    "export.arxiv.org": 3.0,
    "arxiv.org": 3.0,
    "rss.arxiv.org": 3.0,
    "oaipmh.arxiv.org": 3.0,
    "huggingface.co": 1.0,
}
RETRY_STATUSES = {429, 500, 502, 503, 504}
#: How often a source asks for a page that came back broken (cut off, empty,
#: an HTML error page) before it reports it.
PAGE_ATTEMPTS = 3

T = TypeVar("T")


@dataclass
class Http:
    """Rate-limited, retrying GET for the online sources."""

    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    intervals: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    retries: int = 4
    backoff: float = 5.0
    max_retry_after: float = 300.0
    timeout: float = 60.0
    #: Redirects followed for one request; a loop ends in a SourceError, never retried.
    max_redirects: int = 5
    _last: dict[str, float] = field(default_factory=dict)
    _client: httpx.Client | None = None
    #: Hosts that have answered at least once: a refused connection to one of them
    #: (a restart in the middle of a harvest) is retried; to any other it means offline.
    _reached: set[str] = field(default_factory=set)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                transport=self.transport,
                timeout=self.timeout,
                headers={"User-Agent": USER_AGENT},
                follow_redirects=True,
                max_redirects=self.max_redirects,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _wait_turn(self, host: str) -> None:
        interval = self.intervals.get(host, 0.0)
        last = self._last.get(host)
        if last is not None and interval:
            wait = last + interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.clock()

    def get(self, url: str, params: dict | None = None) -> httpx.Response:
        """GET with the host's rate limit and retries on 429/5xx, timeouts and broken bodies.

        Raises OfflineError when the host cannot be reached (at once when it never
        answered this session; after the retries when it did), and
        SourceError for any other failure after the last retry (or at once for
        a redirect loop); both name the URL asked for.
        """
        host = urlsplit(url).hostname or ""
        asked = httpx.URL(url, params=params) if params else url
        attempt = 0
        while True:
            self._wait_turn(host)
            try:
                response = self.client.get(url, params=params)
            except httpx.ConnectError as exc:
                if host not in self._reached or attempt >= self.retries:
                    raise OfflineError(f"cannot reach {host}: {exc} (GET {asked})"
                                       + (f", {attempt + 1} times" if attempt else "")) from exc
                delay = self._backoff(attempt)
                log.warning("%s refused the connection after answering before; retrying in %.0f s",
                            host, delay)
            except httpx.TooManyRedirects as exc:
                raise SourceError(f"{host} redirected GET {asked} more than "
                                  f"{self.max_redirects} times (a redirect loop?); "
                                  "check the source's address") from exc
            except httpx.TimeoutException as exc:
                if attempt >= self.retries:
                    raise SourceError(f"{host} timed out {attempt + 1} times "
                                      f"(GET {asked}); try again later") from exc
                delay = self._backoff(attempt)
                log.warning("%s timed out; retrying in %.0f s", host, delay)
            except httpx.HTTPError as exc:  # reset or cut off mid-body, bad encoding
                if attempt >= self.retries:
                    raise SourceError(f"{host}: {exc} ({attempt + 1} times, GET {asked}); "
                                      "try again later") from exc
                delay = self._backoff(attempt)
                log.warning("%s: %s; retrying in %.0f s", host, exc, delay)
            else:
                self._reached.add(host)
                if response.status_code not in RETRY_STATUSES:
                    return response
                if attempt >= self.retries:
                    raise SourceError(
                        f"{host} answered HTTP {response.status_code} "
                        f"{attempt + 1} times (GET {asked}); try again later"
                    )
                delay = retry_after(response, self.max_retry_after) or self._backoff(attempt)
                log.warning(
                    "%s answered HTTP %s; retrying in %.0f s",
                    host, response.status_code, delay,
                )
            self.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return self.backoff * (2**attempt) * (1 + 0.1 * random.random())


def retry_after(response: httpx.Response, cap: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():  # digits float() reads ('³'.isdigit() is true)
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # not a date ("Mon, 22…22 Apr 2007")
        return None
    return max(0.0, min(when.timestamp() - time.time(), cap))


def get_whole_page(
    http, url: str, params: dict | None,
    read: Callable[[httpx.Response], tuple[T, str | None]],
    attempts: int = PAGE_ATTEMPTS,
) -> tuple[T, str | None, httpx.Response]:
    """GET a page and read it, asking again while it comes back broken.

    ``read(response)`` returns what it read and None for a whole page, or what
    it read and why the page is not whole (cut off, unreadable, not the document
    expected). Only a broken 200 is asked for again (``Http.get`` has retried
    429/5xx already; a 4xx will not mend). After ``attempts`` broken answers the
    last reading comes back with its reason, so the source keeps what it can and
    reports the rest. Uses nothing of ``http`` but ``get``, which keeps the rate limit.
    """
    for attempt in range(1, attempts + 1):
        response = http.get(url, params=params)
        result, broken = read(response)
        if broken is None or attempt == attempts or response.status_code != 200:
            return result, broken, response
        log.warning("%s: %s; asking again (%d of %d)", response.url, broken, attempt + 1,
                    attempts)
    raise AssertionError("attempts must be at least 1")


def read_json_array(response: httpx.Response) -> tuple[list | None, str | None]:
    """A ``get_whole_page`` reader: the JSON array a page holds, or why it holds none."""
    if response.status_code != 200:
        return None, f"answered HTTP {response.status_code}: {response.text[:200].strip()}"
    try:
        data = response.json()
    except ValueError as exc:  # cut off, empty, or an HTML error page
        return None, f"answered something that is not JSON ({exc})"
    if not isinstance(data, list):
        return None, f"answered a JSON {type(data).__name__}, not a JSON array"
    return data, None


def broken_page_error(where: str, url: object, broken: str) -> SourceError:
    """The error for a page that stayed broken after ``PAGE_ATTEMPTS`` tries."""
    return SourceError(f"{where}: {url} {broken}, {PAGE_ATTEMPTS} times; the papers read "
                       "before it are kept: run again later")
