"""Network faults for every online source, through the real ingest path into a real store.

Each online source is served its real recorded answers (shared/fixtures) at the transport
seam, over several pages where it pages, with one fault injected into one page:

* a fault that mends after two tries is retried: every paper of the recorded answers ends
  up in the store exactly once, and nothing is reported;
* a fault that stays is reported naming the source and the URL; the papers read before it
  are committed, with the source's checkpoint, and a re-run once the fault has gone
  resumes there and completes without duplicates;
* a cut-off, empty or HTML page is never taken for a whole (or empty) one;
* an expired OAI-PMH token, or arXiv API results that move while paging, lose nothing.
"""

import gzip
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import httpx
import pytest

from conftest import FIXTURES, need
from paperradar.models import Paper
from paperradar.pipeline import ingest
from paperradar.sources import arxiv_atom, read_input
from paperradar.sources.base import Input
from paperradar.sources.http import PAGE_ATTEMPTS, Http
from paperradar.store import open_store

API_PAGE = 34  # 102 recorded entries -> three full pages, the shape that loses a moved tail
HF_DAYS = ["2024-06-03", "2024-06-04", "2024-06-05"]  # 6 + 6 + 8 recorded papers


@lru_cache(maxsize=None)
def recorded(name: str) -> bytes:
    return need(FIXTURES / name).read_bytes()


def entries_of(feed: bytes) -> list[bytes]:
    return [b"<entry>" + part.split(b"</entry>")[0] + b"</entry>\n"
            for part in feed.split(b"<entry>")[1:]]


# ---- the recorded servers: request -> (page, body) -----------------------------------

class ArxivApi:
    """export.arxiv.org/api/query over the 102 recorded entries, paged by start/max_results."""

    spec, url_mark = "arxiv:all:testing", "export.arxiv.org/api/query"
    media = "application/atom+xml"
    order, fault_page, fault_mark = ["0", "34", "68"], "34", "start=34"

    def __init__(self):
        head = recorded("api_query_100.xml")
        self.head = head[: head.index(b"<entry>")]
        self.pool = entries_of(head) + entries_of(recorded("api_1706.03762.xml")) + \
            entries_of(recorded("api_1207.7214.xml"))
        self.moves: list[bytes] = []

    def body(self, page: str, size: int = API_PAGE) -> bytes:
        head = self.head.replace(b">214881<", b">%d<" % len(self.pool))
        return head + b"".join(self.pool[int(page):int(page) + size]) + b"</feed>\n"

    def answer(self, request: httpx.Request) -> tuple[str, bytes]:
        page = request.url.params["start"]
        body = self.body(page, int(request.url.params["max_results"]))
        if page == "0" and self.moves:  # new papers on top (or one gone) after page 1
            self.pool = self.moves + self.pool if self.moves[0] else self.pool[1:]
            self.moves = []
        return page, body


class ArxivFeed:
    """rss.arxiv.org/atom/cs.LG: one recorded announcement of 7 papers."""

    spec, url_mark, media = "arxiv-new:cs.LG", "rss.arxiv.org/atom/cs.LG", "application/atom+xml"
    order, fault_page, fault_mark = ["feed"], "feed", "rss.arxiv.org/atom/cs.LG"

    def body(self, page: str) -> bytes:
        return recorded("arxiv-rss-cs.xml")

    def answer(self, request):
        return "feed", self.body("feed")


class OaiHarvest:
    """oaipmh.arxiv.org/oai: 6 arXivRaw + 3 arXiv + 1 arXivRaw records over three pages.

    Tokens carry a generation; ``expire()`` starts a new one and refuses the old tokens."""

    spec, url_mark, media = "oai:cs", "oaipmh.arxiv.org/oai", "text/xml"
    order, fault_page, fault_mark = ["first", "1001", "2001"], "1001", "resumptionToken="

    def __init__(self):
        self.generation, self.expire_after = 726959, None
        raw = recorded("oai_raw_1706.03762.xml")
        self.pages = dict(zip(self.order, [
            recorded("oai_raw_listrecords_resumption.xml").replace(b"726959|1001", b"@|1001"),
            recorded("oai_arxiv_listrecords.xml").replace(
                b"</ListRecords>", b'<resumptionToken cursor="1001">@|2001</resumptionToken>'
                                   b"</ListRecords>"),
            raw.replace(b"<GetRecord>", b"<ListRecords>").replace(
                b"</GetRecord>", b'<resumptionToken cursor="2001"/></ListRecords>'),
        ]))

    def expire(self):
        self.generation += 1

    def body(self, page: str) -> bytes:
        return self.pages[page].replace(b"@|", b"%d|" % self.generation)

    def answer(self, request):
        token = request.url.params.get("resumptionToken") or f"{self.generation}|first"
        generation, _, page = token.partition("|")
        if generation != str(self.generation):
            return "expired", recorded("oai_error_bad_resumption_token.xml")
        body = self.body(page)
        if page == self.expire_after:  # the server forgets its tokens after this page
            self.expire_after = None
            self.expire()
        return page, body


class HfDaily:
    """huggingface.co/api/daily_papers: three recorded days, one request a day."""

    spec, url_mark, media = f"hf:{HF_DAYS[0]}..{HF_DAYS[-1]}", "huggingface.co/api/daily_papers", \
        "application/json"
    order, fault_page, fault_mark = HF_DAYS, HF_DAYS[1], f"date={HF_DAYS[1]}"

    def body(self, page: str) -> bytes:
        return recorded(f"hf-daily/{page}.json")

    def answer(self, request):
        day = request.url.params["date"]
        return day, self.body(day)


SOURCES = {"arxiv": ArxivApi, "arxiv-new": ArxivFeed, "oai": OaiHarvest, "hf": HfDaily}


@lru_cache(maxsize=None)
def papers_in(body: bytes) -> frozenset[str]:
    """The papers the file reader finds in a recorded answer (or in what is left of it)."""
    return frozenset(i.arxiv_id or i.title for i in read_input(Input.from_bytes(body, "page"))
                     if isinstance(i, Paper))


# ---- the faults --------------------------------------------------------------------------

class BreaksOff(httpx.SyncByteStream):
    """A body that sends its first half, then fails as the connection does."""

    def __init__(self, body: bytes, error: Exception):
        self.body, self.error = body, error

    def __iter__(self):
        yield self.body[: len(self.body) // 2]
        raise self.error


def cut(body: bytes) -> bytes:
    return body[: len(body) * 2 // 3]


THROTTLED = recorded("oai_503_retry_after.html")  # arXiv's real throttling page, well-formed
FAULTS: dict[str, Callable[[httpx.Request, bytes, int], httpx.Response]] = {
    "timeout": lambda rq, body, n: _raise(httpx.ReadTimeout("The read operation timed out")),
    "429 Retry-After": lambda rq, body, n: httpx.Response(
        429, headers={"Retry-After": "17"}, text="Too Many Requests"),
    "5xx": lambda rq, body, n: httpx.Response([502, 503, 500, 504, 503][n], content=THROTTLED),
    "truncated body": lambda rq, body, n: httpx.Response(200, content=cut(body)),
    "reset mid-body": lambda rq, body, n: httpx.Response(200, stream=BreaksOff(
        body, httpx.ReadError("[Errno 104] Connection reset by peer")),
        headers={"Content-Length": str(len(body))}),
    "short of Content-Length": lambda rq, body, n: httpx.Response(200, stream=BreaksOff(
        body, httpx.RemoteProtocolError("peer closed connection without sending complete "
                                        "message body")),
        headers={"Content-Length": str(len(body))}),
    "corrupt gzip": lambda rq, body, n: httpx.Response(
        200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(body)[:10] + body[:99]),
    "empty 200": lambda rq, body, n: httpx.Response(200, content=b""),
    "HTML page with 200": lambda rq, body, n: httpx.Response(
        200, headers={"Content-Type": "text/html"}, content=THROTTLED),
    "redirect loop": lambda rq, body, n: httpx.Response(302, headers={"Location": str(rq.url)}),
    "offline": lambda rq, body, n: _raise(httpx.ConnectError("[Errno -3] Temporary failure "
                                                             "in name resolution")),
}
MENDABLE = [f for f in FAULTS if f not in ("redirect loop", "offline")]
#: Faults Hugging Face reports for the day and goes on past (the others stop the run).
HF_DAY_PROBLEMS = {"truncated body", "empty 200", "HTML page with 200"}
#: How often a page that keeps failing is asked for: Http's retries, or the sources' re-asks
#: for a broken 200 (a redirect loop is followed Http.max_redirects times, never retried).
TRIES = {"offline": 1, "redirect loop": 1 + Http.max_redirects} | {
    f: PAGE_ATTEMPTS for f in ("truncated body", "empty 200", "HTML page with 200")}


def _raise(error: Exception):
    raise error


@dataclass
class Server:
    """A recorded source behind a MockTransport, one fault on one page, and a fake clock."""

    source: object
    fault: str | None = None
    tries: int | None = None  # faulty answers before it mends; None: it never does
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    hits: int = 0
    also: dict[str, str] = field(default_factory=dict)  # more pages that always fail: fault

    def handle(self, request: httpx.Request) -> httpx.Response:
        page, body = self.source.answer(request)
        self.pages.append(page)
        if self.fault and page == self.source.fault_page and (
                self.tries is None or self.hits < self.tries):
            self.hits += 1
            return FAULTS[self.fault](request, body, (self.hits - 1) % 5)
        if page in self.also:
            return FAULTS[self.also[page]](request, body, 0)
        return httpx.Response(200, content=body, headers={"Content-Type": self.source.media})

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def run(self, store):
        """One ``paperradar ingest`` of the source, as a new process would (a new Http)."""
        http = Http(transport=httpx.MockTransport(self.handle), sleep=self.sleep,
                    clock=lambda: self.now)
        self.pages.clear()
        return ingest(store, [self.source.spec], http=http)


def stored(store) -> dict[str, int]:
    """Each stored paper's arXiv id (or title), with how often it is there."""
    counts: dict[str, int] = {}
    for paper in store.papers():
        key = paper.arxiv_id or paper.title
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture(autouse=True)
def three_api_pages(monkeypatch):
    monkeypatch.setattr(arxiv_atom, "PAGE_SIZE", API_PAGE)


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    """What a run without faults stores, per source: {paper: 1}."""
    mp = pytest.MonkeyPatch()
    mp.setattr(arxiv_atom, "PAGE_SIZE", API_PAGE)
    wanted = {}
    for name, source in SOURCES.items():
        store = open_store(tmp_path_factory.mktemp(name) / "radar.db")
        summary = Server(source()).run(store)
        assert not summary.rejected, summary.rejected
        wanted[name] = stored(store)
        store.close()
    mp.undo()
    return wanted


def test_the_recorded_answers_make_several_pages_of_real_papers(complete):
    sizes = {name: len(papers) for name, papers in complete.items()}
    assert sizes == {"arxiv": 102, "arxiv-new": 7, "oai": 10, "hf": 20}
    assert all(set(n.values()) == {1} for n in complete.values())


@pytest.mark.parametrize("fault", MENDABLE)
@pytest.mark.parametrize("name", SOURCES)
def test_a_fault_that_mends_is_retried_and_every_paper_is_stored_once(name, fault, store,
                                                                      complete):
    server = Server(SOURCES[name](), fault, tries=2)
    summary = server.run(store)
    assert summary.rejected == []
    assert stored(store) == complete[name]
    assert store.integrity_problems() == []
    assert server.hits == 2 and server.pages.count(server.source.fault_page) == 3
    assert store.checkpoint(server.source.spec) is None
    if fault == "429 Retry-After":
        assert server.sleeps.count(17.0) == 2


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("name", SOURCES)
def test_a_fault_that_stays_is_reported_and_a_rerun_resumes_and_completes(name, fault, store,
                                                                         complete):
    source = SOURCES[name]()
    server = Server(source, fault)
    first = server.run(store)
    reported = [str(p) for p in first.rejected]
    assert any(source.spec.split(":")[0] + ":" in r and source.url_mark in r
               and source.fault_mark in r for r in reported), reported
    assert first.offline == (fault == "offline")
    # a host that answered earlier pages is asked again when it refuses; one never reached is offline at once
    tries = Http.retries + 1 if fault == "offline" and source.order[0] != source.fault_page else \
        TRIES.get(fault, Http.retries + 1)
    assert server.hits == tries
    # committed: the pages before the faulty one, and what a cut-off page held before
    # its break (Hugging Face also goes on to the next days past a broken day's answer)
    at = source.order.index(source.fault_page)
    pages = source.order[:at] + (source.order[at + 1:] if name == "hf" and
                                 fault in HF_DAY_PROBLEMS else [])
    expected = set().union(*(papers_in(source.body(p)) for p in pages))
    if fault == "truncated body":
        expected |= papers_in(cut(source.body(source.fault_page)))
    kept = stored(store)
    assert set(kept) == expected and set(kept.values()) <= {1}
    assert store.integrity_problems() == []
    checkpoint = store.checkpoint(source.spec)
    if name == "oai":  # the position of the faulty page is saved
        assert checkpoint == {"source": f"{source.generation}|1001"}
    elif name == "hf" and fault not in HF_DAY_PROBLEMS:
        assert checkpoint == {"source": HF_DAYS[0]}
    else:
        assert checkpoint is None  # nothing to resume from: a re-run starts over

    server.fault = None
    again = server.run(store)
    assert again.rejected == []
    assert stored(store) == complete[name]
    assert again.added == len(complete[name]) - len(kept)
    assert store.integrity_problems() == [] and store.checkpoint(source.spec) is None
    if checkpoint:  # resumed at the faulty page, not from the start
        assert server.pages[0] == source.fault_page


# ---- where paging state goes stale ------------------------------------------------------

def test_an_oai_token_that_expired_between_runs_restarts_the_harvest(store, complete):
    source = OaiHarvest()
    server = Server(source, "5xx")
    server.run(store)
    assert store.checkpoint(source.spec) == {"source": "726959|1001"} and store.count() == 6
    source.expire()  # the saved token is refused the next day
    server.fault = None
    again = server.run(store)
    assert server.pages[:2] == ["expired", "first"]
    assert any("restarts from the beginning" in str(n) for n in again.notices)
    assert again.rejected == [] and (again.added, again.unchanged) == (4, 6)
    assert stored(store) == complete["oai"] and store.integrity_problems() == []


def test_an_oai_token_that_expires_mid_harvest_restarts_it_once(store, complete):
    source = OaiHarvest()
    source.expire_after = "first"
    summary = Server(source).run(store)
    assert summary.rejected == [] and stored(store) == complete["oai"]
    assert any("restarts from the beginning" in str(n) for n in summary.notices)


@pytest.mark.parametrize("move", ["5 new on top", "1 gone from the top"])
def test_arxiv_results_that_move_while_paging_are_paged_again(move, store, complete):
    """The API's equivalent of an expired token: the offsets shift under the pages
    (with 5 more results, the last 5 would be pushed past the end read before)."""
    source = ArxivApi()
    new = [source.pool[0].replace(b"2202.12139", b"2607.%05d" % n).replace(
        b"Testing Deep", b"Checking Deep %d" % n) for n in range(5)]
    grows = move.startswith("5")
    source.moves = new if grows else [b""]
    summary = Server(source).run(store)
    wanted = set(complete["arxiv"]) | (papers_in(source.body("0", 5)) if grows else set())
    assert len(wanted) == 102 + 5 * grows
    assert stored(store) == dict.fromkeys(wanted, 1)
    assert summary.rejected == []
    assert any("changed while paging" in str(n) for n in summary.notices)


def test_hf_never_checkpoints_past_a_day_it_could_not_read(store, complete):
    """Day 2 answers an HTML page (a Problem; the run goes on), day 3 cannot be reached:
    the saved position stays at day 1, so the re-run asks for day 2 again."""
    source = HfDaily()
    server = Server(source, "HTML page with 200", also={HF_DAYS[2]: "timeout"})
    first = server.run(store)
    assert [p.where for p in first.rejected] == [f"hf:{HF_DAYS[1]}", source.spec]
    assert store.checkpoint(source.spec) == {"source": HF_DAYS[0]}
    server.fault, server.also = None, {}
    again = server.run(store)
    assert server.pages == HF_DAYS[1:] and again.rejected == []
    assert stored(store) == complete["hf"] and store.integrity_problems() == []
