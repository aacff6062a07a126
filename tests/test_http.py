"""The network seam (paperradar.sources.http.Http) with a fake clock: no wall time, no network.

``FakeServer`` is also what test_arxiv_atom and test_oai serve recorded answers with.
"""

import httpx
import pytest

from conftest import FIXTURES, need
from paperradar.errors import OfflineError, SourceError
from paperradar.sources.http import USER_AGENT, Http

ARXIV_API = "https://export.arxiv.org/api/query"


class FakeServer:
    """An ``Http`` over a MockTransport, with a clock that only moves when Http sleeps.

    ``answers`` is a callable ``(request) -> answer`` or a list served in turn (the
    last one again and again); an answer is a Response, bytes for a 200, or an
    exception to raise. ``requests``, ``times`` and ``sleeps`` record what happened.
    """

    def __init__(self, answers, **http_options):
        self.answers = answers
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.sleeps: list[float] = []
        self.now = 1000.0
        self.http = Http(transport=httpx.MockTransport(self.handle), sleep=self.sleep,
                         clock=lambda: self.now, **http_options)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.now)
        if callable(self.answers):
            answer = self.answers(request)
        else:
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, content=answer)

    @property
    def params(self) -> list[dict]:
        return [dict(r.url.params) for r in self.requests]


def ok(text="<feed/>"):
    return httpx.Response(200, text=text)


@pytest.mark.parametrize("host", ["export.arxiv.org", "rss.arxiv.org", "oaipmh.arxiv.org"])
def test_arxiv_hosts_are_called_at_least_3_seconds_apart(host):
    server = FakeServer([ok()])
    for _ in range(4):
        server.http.get(f"https://{host}/x")
    times = server.times
    assert len(times) == 4
    assert all(later - earlier >= 3.0 for earlier, later in zip(times, times[1:]))
    assert server.sleeps == [3.0, 3.0, 3.0]


def test_no_wait_when_enough_time_has_passed_or_the_host_differs():
    server = FakeServer([ok()])
    server.http.get(ARXIV_API)
    server.now += 5.0
    server.http.get(ARXIV_API)  # 5 s later: no wait
    server.http.get("https://example.org/unrelated")  # another host, no interval
    assert server.sleeps == []
    server.http.get(ARXIV_API)  # right after the second arXiv call: waits the full interval
    assert server.sleeps == [3.0]


def test_retry_after_seconds_is_honoured_on_429_and_503():
    server = FakeServer([
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(503, headers={"Retry-After": "12"}),
        ok("fine"),
    ])
    response = server.http.get(ARXIV_API, params={"search_query": "cat:cs.LG"})
    assert response.status_code == 200 and response.text == "fine"
    assert server.sleeps == [7.0, 12.0]
    assert [p["search_query"] for p in server.params] == ["cat:cs.LG"] * 3


def test_recorded_oai_503_body_is_retried_after_its_delay():
    body = need(FIXTURES / "oai_503_retry_after.html").read_text()
    server = FakeServer([httpx.Response(503, text=body, headers={"Retry-After": "10"}),
                         ok("<OAI-PMH/>")])
    response = server.http.get("https://oaipmh.arxiv.org/oai", params={"verb": "Identify"})
    assert response.text == "<OAI-PMH/>"
    assert server.sleeps == [10.0]
    assert len(server.requests) == 2


def test_retry_after_is_capped_and_http_dates_are_understood():
    server = FakeServer([
        httpx.Response(503, headers={"Retry-After": "100000"}),
        httpx.Response(503, headers={"Retry-After": "Fri, 31 Dec 2100 23:59:59 GMT"}),
        ok(),
    ], max_retry_after=120.0)
    server.http.get(ARXIV_API)
    assert server.sleeps == [120.0, 120.0]


def test_a_retry_after_date_that_cannot_be_a_date_falls_back_to_backing_off():
    absurd = "Mon, " + "2" * 130 + " Apr 2007 19:18:42 GMT"  # overflowed datetime instead of being ignored
    server = FakeServer([httpx.Response(503, headers={"Retry-After": absurd}), ok()], backoff=5.0)
    assert server.http.get(ARXIV_API).status_code == 200
    assert len(server.sleeps) == 1 and 5.0 <= server.sleeps[0] <= 5.5


def test_a_retry_after_in_superscript_digits_falls_back_to_backing_off():
    server = FakeServer([httpx.Response(503, headers={"Retry-After": "1³".encode()}), ok()], backoff=5.0)
    assert server.http.get(ARXIV_API).status_code == 200
    assert len(server.sleeps) == 1 and 5.0 <= server.sleeps[0] <= 5.5


def test_5xx_without_retry_after_backs_off_exponentially():
    server = FakeServer([httpx.Response(500), httpx.Response(502), httpx.Response(504), ok()],
                        backoff=5.0)
    assert server.http.get(ARXIV_API).status_code == 200
    assert len(server.requests) == 4
    first, second, third = server.sleeps
    assert 5.0 <= first <= 5.5 and 10.0 <= second <= 11.0 and 20.0 <= third <= 22.0


def test_timeouts_are_retried():
    server = FakeServer([httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), ok("late")],
                        backoff=2.0)
    assert server.http.get(ARXIV_API).text == "late"
    assert len(server.requests) == 3
    # back-off of 2 s, topped up to arXiv's 3 s interval; then 4 s
    times = server.times
    assert times[1] - times[0] == pytest.approx(3.0)
    assert 4.0 <= times[2] - times[1] <= 4.4


def test_connection_failure_is_offline_error_without_retrying():
    server = FakeServer([httpx.ConnectError("Name or service not known")])
    with pytest.raises(OfflineError, match="cannot reach export.arxiv.org"):
        server.http.get(ARXIV_API)
    assert len(server.requests) == 1 and server.sleeps == []


def test_a_refused_connection_mid_harvest_is_retried():
    ok = httpx.Response(200, text="<feed/>")
    server = FakeServer([ok, httpx.ConnectError("Connection refused"), ok])
    assert server.http.get(ARXIV_API).status_code == 200
    assert server.http.get(ARXIV_API).status_code == 200  # refused once, then answered
    assert len(server.requests) == 3 and len(server.sleeps) >= 1


def test_a_host_that_keeps_refusing_mid_harvest_is_offline_after_the_retries():
    server = FakeServer([httpx.Response(200, text="<feed/>"), httpx.ConnectError("Connection refused")],
                        retries=2)
    server.http.get(ARXIV_API)
    with pytest.raises(OfflineError, match="cannot reach export.arxiv.org.*3 times"):
        server.http.get(ARXIV_API)
    assert len(server.requests) == 4


def test_final_failure_after_retries_is_source_error_not_offline():
    server = FakeServer([httpx.Response(503)], retries=3)
    with pytest.raises(SourceError, match="HTTP 503 4 times") as info:
        server.http.get(ARXIV_API)
    assert not isinstance(info.value, OfflineError)
    assert len(server.requests) == 4 and len(server.sleeps) == 3


@pytest.mark.parametrize("error, message", [
    (httpx.ReadTimeout("slow"), "timed out 3 times"),
    (httpx.RemoteProtocolError("peer closed connection"), "peer closed connection"),
])
def test_endless_transport_failures_end_in_source_error(error, message):
    server = FakeServer([error], retries=2)
    with pytest.raises(SourceError, match=message) as info:
        server.http.get(ARXIV_API)
    assert not isinstance(info.value, OfflineError)
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [400, 404])
def test_client_errors_come_back_unretried_for_the_source_to_read(status):
    server = FakeServer([httpx.Response(status, text="no")])
    assert server.http.get(ARXIV_API).status_code == status
    assert len(server.requests) == 1 and server.sleeps == []


def test_requests_carry_the_user_agent_and_params():
    server = FakeServer([ok()])
    server.http.get(ARXIV_API, params={"id_list": "1706.03762", "max_results": 1})
    assert server.requests[0].headers["User-Agent"] == USER_AGENT
    assert server.params == [{"id_list": "1706.03762", "max_results": "1"}]
