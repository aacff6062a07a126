"""arXiv query API answers and the new-submissions feed, as files and online (recorded fixtures)."""

import re
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import httpx
import pytest

from conftest import FIXTURES, need
from paperradar.errors import InputError, SourceError
from paperradar.models import Author, Link, Paper
from paperradar.sources import (
    Checkpoint, Input, Notice, Problem, detect_format, online_sources, read_input,
)
from paperradar.sources import arxiv_atom, arxiv_feeds
from paperradar.sources.arxiv_feeds import empty_day_reason, id_month, split_authors
from paperradar.sources.base import MAX_FIELD_CHARS
from test_http import FakeServer

EASTERN = ZoneInfo("America/New_York")


def fixture_bytes(name: str) -> bytes:
    return need(FIXTURES / name).read_bytes()


def parse(data: bytes, origin: str = "test.xml"):
    inp = Input.from_bytes(data, origin)
    return list(detect_format(inp).parse(inp))


def papers(items):
    return [i for i in items if isinstance(i, Paper)]


# ---- the query API, as files ----------------------------------------------------------

def test_api_answer_for_1706_03762_maps_every_field():
    [paper] = parse(fixture_bytes("api_1706.03762.xml"))
    assert paper.title == "Attention Is All You Need"
    assert paper.abstract.startswith("The dominant sequence transduction models are based on")
    assert paper.abstract.endswith("both with large and limited training data.")
    assert paper.author_names == [
        "Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones",
        "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"]
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert (paper.arxiv_id, paper.arxiv_version) == ("1706.03762", 7)
    assert (paper.date, paper.updated) == ("2017-06-12", "2023-08-02")
    assert paper.comments == "15 pages, 5 figures"
    assert paper.doi is None and paper.journal_ref is None
    assert paper.links == [Link("https://arxiv.org/abs/1706.03762v7", "abstract"),
                           Link("https://arxiv.org/pdf/1706.03762v7", "pdf")]
    assert (paper.source, paper.source_id) == ("arxiv-api", "1706.03762")
    assert paper.extra == {} and paper.id is None and paper.sources == []


def test_api_answer_with_doi_journal_ref_and_a_collaboration():
    [paper] = parse(fixture_bytes("api_1207.7214.xml"))
    assert paper.authors == [Author("The ATLAS Collaboration", [])]
    assert paper.doi == "10.1016/j.physletb.2012.08.020"
    assert paper.journal_ref == "Phys.Lett. B716 (2012) 1-29"
    assert Link("https://doi.org/10.1016/j.physletb.2012.08.020", "doi") in paper.links
    assert paper.categories == ["hep-ex"] and paper.arxiv_version == 2
    assert "H->ZZ^(*)->llll" in paper.abstract  # &gt; entities decoded


def test_api_answer_of_100_entries():
    raw = fixture_bytes("api_query_100.xml")
    items = parse(raw, "api_query_100.xml")
    found = papers(items)
    assert len(found) == 100 and len(items) == 100
    assert len({p.arxiv_id for p in found}) == 100
    # primary category first, as <arxiv:primary_category> says, for every entry
    primaries = re.findall(rb'<arxiv:primary_category term="([^"]+)"', raw)
    assert [p.categories[0] for p in found] == [t.decode() for t in primaries]
    assert sum(p.doi is not None for p in found) == raw.count(b"<arxiv:doi>") == 32
    assert sum(p.journal_ref is not None for p in found) == 18
    by_id = {p.arxiv_id: p for p in found}
    # the recording double-encodes UTF-8 ("RamÃ\xadrez"); names come out right
    assert by_id["2405.13786"].author_names[0] == "Aurora Ramírez"
    assert by_id["2405.13786"].author_names[2] == "José Raúl Romero"
    affiliated = [a for p in found for a in p.authors if a.affiliations]
    assert Author("Marie-Claude Gaudel", ["LRI"]) in affiliated
    assert all(p.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.date) for p in found)


@pytest.mark.parametrize("name, message", [
    ("api_error_start.xml", "start must be an integer"),
    ("api_status400.xml", "incorrect id format for abc"),
])
def test_api_error_entries_are_problems_never_papers(name, message):
    items = parse(fixture_bytes(name), name)
    assert papers(items) == []
    [problem] = items
    assert isinstance(problem, Problem) and message in problem.message
    assert problem.where == f"{name}:9"


def test_api_empty_answer_says_so():
    items = parse(fixture_bytes("api_zero_results.xml"))
    assert [type(i) for i in items] == [Notice]
    assert "no papers" in items[0].message



def test_a_total_in_superscript_digits_is_no_total_instead_of_a_crash():
    # found by the sniff fuzz campaign: '1³'.isdigit() is true, int('1³') raises ValueError
    data = fixture_bytes("api_1706.03762.xml").replace(b"totalResults>1<", "totalResults>1³<".encode())
    assert data != fixture_bytes("api_1706.03762.xml")
    [paper] = papers(parse(data))
    assert paper.arxiv_id == "1706.03762"

@pytest.mark.parametrize("name, layout", [
    ("api_1706.03762.xml", "arxiv-api"), ("api_query_100.xml", "arxiv-api"),
    ("api_zero_results.xml", "arxiv-api"), ("arxiv-rss-cs.xml", "arxiv-new"),
])
def test_layouts_are_recognised_from_content(name, layout):
    assert detect_format(Input.from_bytes(fixture_bytes(name), "no-extension")).name == layout


def test_other_atom_feeds_are_not_taken_for_arxiv():
    blog = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>blog</title></feed>")
    assert not arxiv_atom.sniff_api(blog) and not arxiv_feeds.sniff_atom(blog)
    opensearch = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    search = blog.replace("<feed ", "<feed " + opensearch)
    assert not arxiv_atom.sniff_api(search)
    assert not arxiv_atom.sniff_api("a pasted text that mentions <feed and opensearch")
    digest = ('<rss version="2.0"><channel><title>Papers I liked on arxiv.org</title>'
              "</channel></rss>")
    assert not arxiv_feeds.sniff_rss(digest)
    assert arxiv_feeds.sniff_rss(digest.replace("Papers I liked on arxiv.org",
                                                "cs.LG updates on arXiv.org</title><link>"
                                                "http://rss.arxiv.org/rss/cs.LG</link><title>"))


# ---- the new-submissions feed, as files -----------------------------------------------

def test_new_submissions_feed_has_7_entries_with_announce_types():
    found = papers(parse(fixture_bytes("arxiv-rss-cs.xml")))
    assert [p.arxiv_id for p in found] == ["2508.13426", "2508.13428", "2508.13429", "2508.13434",
                                           "2508.13435", "2508.14001", "2508.14002"]
    assert [p.source_fields["announce_type"] for p in found] == ["cross"] * 5 + ["new"] * 2
    assert {p.source for p in found} == {"arxiv-new"}
    for paper in found:
        assert "Announce Type" not in paper.abstract and not paper.abstract.startswith("arXiv:")
        assert paper.date == "2025-08-20" and paper.arxiv_version == 1
    first = found[0]
    assert first.title.startswith("ALIGN: Word Association Learning")
    assert first.abstract.startswith("As large language models (LLMs) increasingly mediate")
    assert first.author_names == ["Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang"]
    assert first.categories == ["cs.CL", "cs.AI"]
    assert first.source_fields["license"] == "http://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert first.links == [Link("https://arxiv.org/abs/2508.13426", "abstract"),
                           Link("https://arxiv.org/pdf/2508.13426v1", "pdf")]
    assert found[2].author_names == ["Paulo André Lima de Castro"]  # Andr\'e
    assert found[4].abstract == "Spectral graph embedding methods are widely used."
    assert found[6].categories == ["cs.AI", "cs.MA"]


def _atom_to_rss(atom: bytes) -> bytes:
    """The same entries in rss.arxiv.org's RSS 2.0 layout."""
    ns = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
          "dc": "http://purl.org/dc/elements/1.1/"}
    root = ET.fromstring(atom)
    items = []
    for e in root.findall("a:entry", ns):
        cats = "".join(f"<category>{c.get('term')}</category>" for c in e.findall("a:category", ns))
        items.append(
            f"<item><title>{e.findtext('a:title', '', ns)}</title>"
            f"<link>{e.find('a:link', ns).get('href')}</link>"
            f"<description>{_escape(e.findtext('a:summary', '', ns))}</description>"
            f"<guid isPermaLink=\"false\">{e.findtext('a:id', '', ns)}</guid>{cats}"
            "<pubDate>Wed, 20 Aug 2025 00:00:00 -0400</pubDate>"
            f"<arxiv:announce_type>{e.findtext('arxiv:announce_type', '', ns)}"
            "</arxiv:announce_type>"
            f"<dc:rights>{e.findtext('dc:rights', '', ns)}</dc:rights>"
            f"<dc:creator>{_escape(e.findtext('dc:creator', '', ns))}</dc:creator></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
            "<title>cs.AI updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.AI</link>\n"
            + "\n".join(items) + "\n</channel></rss>").encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def test_rss_variant_gives_the_same_papers_as_the_atom_feed():
    atom = fixture_bytes("arxiv-rss-cs.xml")
    rss = _atom_to_rss(atom)
    assert detect_format(Input.from_bytes(rss, "feed")).name == "arxiv-new-rss"
    from_atom, from_rss = papers(parse(atom)), papers(parse(rss))
    assert len(from_rss) == 7
    for a, r in zip(from_atom, from_rss):
        assert (r.title, r.abstract, r.authors, r.categories, r.date, r.arxiv_id, r.arxiv_version) \
            == (a.title, a.abstract, a.authors, a.categories, a.date, a.arxiv_id, a.arxiv_version)
        assert r.source_fields == a.source_fields and r.source == "arxiv-new"


def test_replacements_are_dated_by_their_id_month_not_the_announcement():
    atom = fixture_bytes("arxiv-rss-cs.xml").replace(
        b"<id>oai:arXiv.org:2508.14002v1</id>", b"<id>oai:arXiv.org:2301.00042v3</id>").replace(
        b"arXiv:2508.14002v1 Announce Type: new", b"arXiv:2301.00042v3 Announce Type: replace")
    atom = atom.replace(b"<arxiv:announce_type>new</arxiv:announce_type>\n"
                        b"    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>\n"
                        b"    <dc:creator>Carol White",
                        b"<arxiv:announce_type>replace</arxiv:announce_type>\n"
                        b"    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>\n"
                        b"    <dc:creator>Carol White")
    paper = papers(parse(atom))[-1]
    assert (paper.arxiv_id, paper.arxiv_version) == ("2301.00042", 3)
    assert paper.source_fields["announce_type"] == "replace"
    assert paper.date == "2023-01" and paper.updated == "2025-08-20"
    assert paper.source_fields["announced"] == "2025-08-20"


def test_truncated_feed_keeps_entries_before_the_break_and_names_the_line():
    atom = fixture_bytes("arxiv-rss-cs.xml")
    cut = atom[: atom.index(b"<entry>", atom.index(b"2508.13434")) + 80]
    items = parse(cut, "cut.xml")
    assert [p.arxiv_id for p in papers(items)] == ["2508.13426", "2508.13428", "2508.13429",
                                                   "2508.13434"]
    problem = items[-1]
    assert isinstance(problem, Problem)
    last_line = cut.count(b"\n") + 1
    assert problem.where == f"cut.xml:{last_line}"
    assert "4 records" in problem.message and "breaks" in problem.message


def test_mismatched_tag_is_reported_at_its_line():
    atom = fixture_bytes("arxiv-rss-cs.xml")
    broken = atom.replace(b"<title>AlphaX:", b"<title><b>AlphaX:", 1)
    items = parse(broken, "broken.xml")
    assert len(papers(items)) == 2
    line = broken[: broken.index(b"<title><b>AlphaX")].count(b"\n") + 1
    assert items[-1].where == f"broken.xml:{line}"
    assert "mismatched tag" in items[-1].message


def test_xml_with_a_dtd_entity_declaration_is_refused():
    atom = fixture_bytes("arxiv-rss-cs.xml")
    evil = atom.replace(b"<feed ", b'<!DOCTYPE feed [<!ENTITY x "boom">]>\n<feed ', 1)
    inp = Input.from_bytes(evil, "evil.xml")
    with pytest.raises(InputError, match="DTD or entity"):
        list(arxiv_feeds.parse_feed(inp))
    [problem] = [i for i in read_input(inp) if isinstance(i, Problem)]
    assert "DTD" in problem.message and problem.where == "evil.xml:2"


def test_one_bad_entry_does_not_stop_the_rest():
    atom = fixture_bytes("arxiv-rss-cs.xml").replace(b"<id>oai:arXiv.org:2508.13428v1</id>", b"", 1)
    atom = atom.replace(b"https://arxiv.org/abs/2508.13428", b"https://example.org/x", 1)
    items = parse(atom, "feed.xml")
    assert len(papers(items)) == 6
    [problem] = [i for i in items if isinstance(i, Problem)]
    assert "no arXiv id" in problem.message
    second_entry = atom.index(b"<entry>", atom.index(b"<entry>") + 1)
    entry_line = atom[:second_entry].count(b"\n") + 1
    assert problem.where == f"feed.xml:{entry_line}"


def test_huge_abstract_is_clipped_and_bad_bytes_are_read_as_cp1252():
    atom = fixture_bytes("arxiv-rss-cs.xml")
    huge = atom.replace(b"Spectral graph embedding methods are widely used.",
                        b"word " * 60_000 + "caf\u00e9".encode("cp1252"), 1)
    items = parse(huge, "huge.xml")
    paper = papers(items)[4]
    assert MAX_FIELD_CHARS - 100 < len(paper.abstract) <= MAX_FIELD_CHARS
    assert any(isinstance(i, Notice) and "not valid UTF-8" in i.message for i in items)
    assert len(papers(items)) == 7


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02binary", b"<feed><entry>"])
def test_empty_junk_and_unreadable_inputs_raise_input_error(data):
    with pytest.raises(InputError):
        list(arxiv_feeds.parse_feed(Input.from_bytes(data, "junk")))


# ---- helpers ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("D.V. Shetty, S.J. Yennello, and G.A. Souliotis",
     [("D.V. Shetty", []), ("S.J. Yennello", []), ("G.A. Souliotis", [])]),
    ("Valeria M. Rosa and Patricio S. letelier",
     [("Valeria M. Rosa", []), ("Patricio S. letelier", [])]),
    ("A. Smith (MIT), B. Jones (Stanford and Harvard)",
     [("A. Smith", ["MIT"]), ("B. Jones", ["Stanford and Harvard"])]),
    ("A. Smith (1), B. Jones (1, 2) ((1) MIT, (2) ETH Zurich)",
     [("A. Smith", ["MIT"]), ("B. Jones", ["MIT", "ETH Zurich"])]),
    ("John Smith, Jr., Ann Lee, et al.", [("John Smith Jr.", []), ("Ann Lee", [])]),
    (r"M. M\"uller and J. {\O}stergaard and Andrea Anderson",
     [("M. Müller", []), ("J. Østergaard", []), ("Andrea Anderson", [])]),
    ("", []),
])
def test_split_authors(text, expected):
    assert [(a.name, a.affiliations) for a in split_authors(text)] == expected


def test_id_month():
    assert id_month("2508.13426") == "2025-08"
    assert id_month("0704.0471") == "2007-04"
    assert id_month("hep-th/9901001") == "1999-01"
    assert id_month("math/0309136") == "2003-09"
    assert id_month("not-an-id") is None


# ---- online: arxiv:QUERY --------------------------------------------------------------

def test_query_pages_until_an_empty_page_stays_empty():
    server = FakeServer([fixture_bytes("api_query_100.xml"),
                         fixture_bytes("api_zero_results.xml")])
    items = list(arxiv_atom.fetch_query("all:testing", server.http))
    assert len(papers(items)) == 100
    first, *again = (r.url.params for r in server.requests)
    assert str(server.requests[0].url).startswith("https://export.arxiv.org/api/query?")
    assert dict(first) == {"search_query": "all:testing", "start": "0", "max_results": "100",
                           "sortBy": "submittedDate", "sortOrder": "descending"}
    # the empty page in the middle of the results is asked for again before paging stops
    assert [(p["start"], p["max_results"]) for p in again] == [("100", "100")] * arxiv_atom.EMPTY_PAGE_ATTEMPTS
    assert server.sleeps == [3.0] * arxiv_atom.EMPTY_PAGE_ATTEMPTS  # arXiv's rate limit between pages
    [notice] = [i for i in items if isinstance(i, Notice)]
    assert f"empty page at 100 of 214881 results, {arxiv_atom.EMPTY_PAGE_ATTEMPTS} times" in notice.message
    assert not any(isinstance(i, Checkpoint) for i in items)


def test_query_asks_again_for_an_empty_page_in_the_middle_of_the_results():
    page = fixture_bytes("api_query_100.xml")
    server = FakeServer([page, fixture_bytes("api_zero_results.xml"), page])
    items = list(arxiv_atom.fetch_query("all:testing", server.http))
    assert len(papers(items)) == 200  # the second try of the page at 100 was whole
    assert [r.url.params["start"] for r in server.requests] == ["0", "100", "100"]
    assert not [i for i in items if isinstance(i, Notice)]


def test_query_stops_at_the_default_cap_of_200():
    server = FakeServer([fixture_bytes("api_query_100.xml")])
    found = papers(arxiv_atom.fetch_query("all:testing", server.http))
    assert len(found) == 200 and len(server.requests) == 2
    assert arxiv_atom.DEFAULT_LIMIT == 200


def test_query_limit_trims_the_last_page():
    server = FakeServer([fixture_bytes("api_query_100.xml")])
    found = papers(arxiv_atom.fetch_query("all:testing", server.http, limit=150))
    assert len(found) == 150
    assert [r.url.params["max_results"] for r in server.requests] == ["100", "50"]


def test_query_with_no_results_says_so():
    server = FakeServer([fixture_bytes("api_zero_results.xml")])
    items = list(arxiv_atom.fetch_query('all:"zzqqxx"', server.http))
    assert [type(i) for i in items] == [Notice] and "no papers" in items[0].message


def test_query_by_ids_uses_id_list():
    server = FakeServer([fixture_bytes("api_1706.03762.xml")])
    source = online_sources()["arxiv"]
    [paper] = papers(source.fetch("id:1706.03762,2106.08254v2", server.http, None))
    assert paper.arxiv_id == "1706.03762"
    params = server.requests[0].url.params
    assert params["id_list"] == "1706.03762,2106.08254v2" and "search_query" not in params


@pytest.mark.parametrize("arg", ["id:abc", "id:", "  "])
def test_bad_query_arguments_are_input_errors(arg):
    server = FakeServer([b""])
    with pytest.raises(InputError):
        list(arxiv_atom.fetch_query(arg, server.http))
    assert server.requests == []


def test_http_400_error_feed_becomes_source_error_with_arxivs_message():
    server = FakeServer([httpx.Response(400, content=fixture_bytes("api_status400.xml"))])
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        list(arxiv_atom.fetch_query("id:1706.03762", server.http))


def test_error_entry_in_a_200_answer_becomes_source_error():
    server = FakeServer([fixture_bytes("api_error_start.xml")])
    with pytest.raises(SourceError, match="start must be an integer"):
        list(arxiv_atom.fetch_query("cat:cs.LG", server.http))


def test_non_xml_answer_is_a_source_error():
    server = FakeServer([httpx.Response(200, text="<html>maintenance</htm>")])
    with pytest.raises(SourceError, match="unreadable"):
        list(arxiv_atom.fetch_query("cat:cs.LG", server.http))


# ---- online: arxiv-new:CATS -----------------------------------------------------------

def test_new_submissions_are_fetched_from_rss_arxiv_org():
    server = FakeServer([fixture_bytes("arxiv-rss-cs.xml")])
    items = list(online_sources()["arxiv-new"].fetch("cs.LG+cs.CL", server.http, None))
    assert len(papers(items)) == 7 and not any(isinstance(i, Notice) for i in items)
    assert str(server.requests[0].url) == "https://rss.arxiv.org/atom/cs.LG+cs.CL"


@pytest.mark.parametrize("arg", ["", "cs.LG+", "not a category", "cs.LG+../etc"])
def test_bad_category_arguments_are_input_errors(arg):
    server = FakeServer([b""])
    if arg == "cs.LG+":  # a trailing '+' is forgiven
        server.answers = [fixture_bytes("arxiv-rss-cs.xml")]
        assert len(papers(arxiv_atom.fetch_new(arg, server.http))) == 7
        return
    with pytest.raises(InputError):
        list(arxiv_atom.fetch_new(arg, server.http))


def _empty_feed() -> bytes:
    atom = fixture_bytes("arxiv-rss-cs.xml")
    return atom[: atom.index(b"<entry>")] + b"</feed>\n"


@pytest.mark.parametrize("now, expected", [
    (datetime(2025, 8, 23, 11, 0, tzinfo=EASTERN), "weekend: arXiv does not announce on Fridays"),
    (datetime(2025, 8, 22, 21, 30, tzinfo=EASTERN), "weekend"),
    (datetime(2025, 8, 24, 19, 59, tzinfo=EASTERN), "weekend"),
    (datetime(2025, 8, 25, 9, 15, tzinfo=EASTERN), "not yet announced"),
    (datetime(2025, 8, 26, 21, 0, tzinfo=EASTERN), "possibly a holiday"),
    (datetime(2025, 8, 24, 20, 30, tzinfo=EASTERN), "possibly a holiday"),
])
def test_an_empty_day_is_explained(now, expected):
    server = FakeServer([_empty_feed()])
    items = list(arxiv_atom.fetch_new("cs.LG", server.http, now=now))
    [notice] = items
    assert isinstance(notice, Notice) and expected in notice.message
    assert notice.where == "arxiv-new:cs.LG"


def test_empty_day_uses_the_injectable_new_york_clock(monkeypatch):
    saturday_utc = datetime(2025, 8, 23, 16, 0, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr(arxiv_feeds, "eastern_now", lambda: saturday_utc)
    server = FakeServer([_empty_feed()])
    [notice] = online_sources()["arxiv-new"].fetch("cs.LG", server.http, None)
    assert "weekend" in notice.message and "Saturday 12:00 ET" in notice.message


def test_monday_morning_names_the_time_of_tonights_listing():
    message = empty_day_reason(datetime(2025, 8, 25, 9, 15, tzinfo=EASTERN))
    assert "Monday 09:15 ET" in message and "announced today at 20:00 ET, in 10 h 45 min" in message
    friday = empty_day_reason(datetime(2025, 8, 22, 10, 0, tzinfo=EASTERN))
    assert "next listing is announced Sunday at 20:00 ET" in friday
    # across the switch to winter time, the wait is still counted in real hours
    saturday = empty_day_reason(datetime(2025, 11, 1, 20, 0, tzinfo=EASTERN))
    assert "in 25 h 00 min" in saturday


def test_feed_http_error_is_a_source_error():
    server = FakeServer([httpx.Response(404, text="not found")])
    with pytest.raises(SourceError, match="HTTP 404"):
        list(arxiv_atom.fetch_new("cs.LG", server.http))
