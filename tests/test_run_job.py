"""`paperradar run` as a library call: online through the seam, and offline."""

import httpx

from conftest import FIXTURES, need
from paperradar.jobs import run_job
from paperradar.sources.http import Http


def test_run_without_network_says_so_and_uses_the_store(store):
    def refuse(request):
        raise httpx.ConnectError("Name or service not known", request=request)

    http = Http(transport=httpx.MockTransport(refuse), sleep=lambda s: None)
    hf_file = need(FIXTURES / "hf-daily" / "2026-06-18.json")
    report = run_job(store, categories=["cs.LG"], date="2026-06-18", from_paths=[str(hf_file)],
                     http=http)
    assert report.ingest.offline
    assert any("could not be reached" in m for m in report.messages)
    assert report.stored == 19 and report.day == "2026-06-17"
    assert "indexed 19 papers; embedded 19" in report.messages


def test_run_fetches_feed_and_hugging_face(store):
    feed = need(FIXTURES / "arxiv-rss-cs.xml").read_bytes()
    day = (FIXTURES / "hf-daily" / "2026-06-18.json").read_bytes()
    asked = []

    def serve(request):
        asked.append(str(request.url))
        if request.url.host == "rss.arxiv.org":
            return httpx.Response(200, content=feed)
        return httpx.Response(200, content=day)

    http = Http(transport=httpx.MockTransport(serve), sleep=lambda s: None)
    report = run_job(store, categories=["cs.LG", "cs.CV"], date="2026-06-18", http=http)
    assert not report.ingest.rejected and not report.ingest.offline
    assert report.stored == 7 + 19
    assert any("cs.LG+cs.CV" in u for u in asked)
    assert any("date=2026-06-18" in u for u in asked)
