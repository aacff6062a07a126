"""OAI-PMH: saved answers in arXivRaw, arXiv and oai_dc, and the resumable oai: harvest."""

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperradar.errors import InputError, SourceError
from paperradar.models import Author, Link, Paper
from paperradar.sources import Checkpoint, Notice, Problem, online_sources
from paperradar.sources import oai
from test_arxiv_atom import fixture_bytes, papers, parse
from test_http import FakeServer

TOKEN = "726959|1001"  # the token in oai_raw_listrecords_resumption.xml


def last_page() -> bytes:
    """A final ListRecords page (the 1706.03762 record) with an empty resumptionToken."""
    raw = fixture_bytes("oai_raw_1706.03762.xml")
    return (raw.replace(b"<GetRecord>", b"<ListRecords>")
            .replace(b"</GetRecord>", b'<resumptionToken cursor="1001" completeListSize="1007"/>'
                                      b"</ListRecords>"))


def harvest_pages(request: httpx.Request) -> bytes:
    """The two-page harvest: the resumption fixture first, then the last page for its token."""
    token = request.url.params.get("resumptionToken")
    if token is None:
        return fixture_bytes("oai_raw_listrecords_resumption.xml")
    if token == TOKEN:
        return last_page()
    return fixture_bytes("oai_error_bad_resumption_token.xml")


# ---- 1706.03762 in each metadata format ----------------------------------------------

AUTHORS = ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones",
           "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"]


def test_arxivraw_record_of_1706_03762():
    [paper] = parse(fixture_bytes("oai_raw_1706.03762.xml"))
    assert paper.title == "Attention Is All You Need"
    assert paper.author_names == AUTHORS
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert (paper.arxiv_id, paper.arxiv_version) == ("1706.03762", 7)
    assert (paper.date, paper.updated) == ("2017-06-12", "2023-08-02")  # v1 and v7
    assert paper.comments == "15 pages, 5 figures"
    assert paper.abstract.startswith("The dominant sequence transduction models")
    assert paper.links == [Link("https://arxiv.org/abs/1706.03762", "abstract"),
                           Link("https://arxiv.org/pdf/1706.03762v7", "pdf")]
    assert (paper.source, paper.source_id) == ("oai", "1706.03762")
    fields = paper.source_fields
    assert fields["submitter"] == "Llion Jones"
    assert fields["license"] == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert [v["version"] for v in fields["versions"]] == [f"v{n}" for n in range(1, 8)]
    assert fields["versions"][0] == {"version": "v1", "date": "2017-06-12", "size": "1102kb",
                                     "source_type": "D"}
    assert fields["datestamp"] == "2023-08-03" and fields["sets"] == ["cs:cs:CL", "cs:cs:LG"]
    assert paper.extra == {}


def test_arxiv_format_record_of_1706_03762():
    [paper] = parse(fixture_bytes("oai_arxiv_1706.03762.xml"))
    assert paper.title == "Attention Is All You Need"
    assert paper.authors[5] == Author("Aidan N. Gomez", [])
    assert paper.author_names == AUTHORS
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert paper.arxiv_id == "1706.03762" and paper.arxiv_version is None  # not in this format
    # oaipmh.arxiv.org says created=2023-08-02 (v7's date): not the first version's,
    # so the date is the id's month and "created" is kept as the source said it
    assert paper.date == "2017-06" and paper.source_fields["created"] == "2023-08-02"
    assert paper.updated == "2023-08-03"
    assert paper.source_fields["license"] == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_oai_dc_record_of_1706_03762():
    [paper] = parse(fixture_bytes("oai_dc_1706.03762.xml"))
    assert paper.author_names == AUTHORS  # "Vaswani, Ashish" turned around
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert (paper.date, paper.updated) == ("2017-06-12", "2023-08-02")
    assert paper.comments == "15 pages, 5 figures"
    assert paper.arxiv_id == "1706.03762"
    assert paper.source_fields["subjects"] == ["Computation and Language", "Machine Learning"]


def test_the_three_formats_agree_with_the_api():
    api = parse(fixture_bytes("api_1706.03762.xml"))[0]
    for name in ("oai_raw_1706.03762.xml", "oai_arxiv_1706.03762.xml", "oai_dc_1706.03762.xml"):
        [paper] = parse(fixture_bytes(name))
        assert (paper.title, paper.abstract, paper.author_names, paper.categories, paper.arxiv_id) \
            == (api.title, api.abstract, api.author_names, api.categories, api.arxiv_id), name


def test_oai_dc_primary_category_comes_from_the_first_subject():
    raw = fixture_bytes("oai_dc_1706.03762.xml")
    cl = b"<dc:subject>Computation and Language</dc:subject>"
    lg = b"<dc:subject>Machine Learning</dc:subject>"
    swapped = raw.replace(cl, b"@@").replace(lg, cl).replace(b"@@", lg)
    assert papers(parse(swapped))[0].categories == ["cs.LG", "cs.CL"]
    # "Machine Learning" names cs.LG and stat.ML: with both listed, the set order stays
    both = swapped.replace(b"<setSpec>cs:cs:CL</setSpec>", b"<setSpec>stat:stat:ML</setSpec>")
    assert papers(parse(both))[0].categories == ["stat.ML", "cs.LG"]


# ---- ListRecords files ----------------------------------------------------------------

def test_arxiv_format_listrecords():
    found = papers(parse(fixture_bytes("oai_arxiv_listrecords.xml")))
    assert [p.arxiv_id for p in found] == ["1412.8323", "1507.07790", "1607.01710"]
    first, second, third = found
    assert first.title == ("Toolbox for reconstructing quantum theory from rules on information "
                           "acquisition")  # the wrapped title joined
    assert first.date == "2014-12-29" and first.updated == "2017-12-13"  # created is v1 here
    assert first.categories[0] == "quant-ph" and "physics.hist-ph" in first.categories
    assert first.abstract.startswith("We develop an operational approach")
    assert second.doi == "10.1088/1751-8121/aa9c53"
    assert second.journal_ref == "J. Phys. A: Math. Theor. 51 (2018) 035201"
    assert third.author_names[3] == "A. de Souza Dutra"


def test_arxivraw_listrecords_page():
    items = parse(fixture_bytes("oai_raw_listrecords_resumption.xml"), "page.xml")
    found = papers(items)
    assert len(found) == 6
    by_id = {p.arxiv_id: p for p in found}
    shetty = by_id["0704.0471"]
    assert shetty.author_names == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
    assert shetty.doi == "10.1103/physrevc.76.024606"
    assert shetty.source_fields["other_dois"] == ["10.1103/physrevc.76.039902"]
    assert shetty.source_fields["submitter"] == "Dinesh Shetty"
    assert '" stiff "' in shetty.abstract  # &quot; decoded
    richard = by_id["0704.0716"]
    assert (richard.arxiv_version, richard.date, richard.updated) == (4, "2007-04-05", "2008-11-14")
    assert richard.source_fields["msc_class"] == "05A15, 05A16"
    assert by_id["0704.1109"].author_names == ["Valeria M. Rosa", "Patricio S. letelier"]
    assert by_id["0704.1586"].title == ("Core excitation in the elastic scattering and breakup of "
                                        "$^{11}$Be on protons")
    [notice] = [i for i in items if isinstance(i, Notice)]
    assert TOKEN in notice.message and "58011" in notice.message


def test_oai_error_files():
    [problem] = parse(fixture_bytes("oai_error_bad_resumption_token.xml"))
    assert isinstance(problem, Problem) and "badResumptionToken" in problem.message
    [notice] = parse(fixture_bytes("oai_error_no_records.xml"))
    assert isinstance(notice, Notice) and "The setSpec was 'moo'" in notice.message


def test_deleted_and_unknown_format_records_do_not_stop_the_rest():
    raw = fixture_bytes("oai_raw_listrecords_resumption.xml")
    deleted = raw.replace(b"<header>\n <identifier>oai:arXiv.org:0704.0716",
                          b'<header status="deleted">\n <identifier>oai:arXiv.org:0704.0716', 1)
    odd = deleted.replace(b'<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"',
                          b'<marc xmlns="urn:marc"', 1).replace(b"</arXivRaw>", b"</marc>", 1)
    items = parse(odd, "odd.xml")
    assert [p.arxiv_id for p in papers(items)] == ["0704.0874", "0704.1109", "0704.1114",
                                                   "0704.1586"]
    [problem] = [i for i in items if isinstance(i, Problem)]
    assert "0704.0471" in problem.message and "<marc>" in problem.message
    assert problem.where == "odd.xml:6"
    assert any("1 records are marked deleted" in i.message for i in items if isinstance(i, Notice))


def test_truncated_page_keeps_records_before_the_break():
    raw = fixture_bytes("oai_raw_listrecords_resumption.xml")
    cut = raw[: raw.index(b"<title>", raw.index(b"0704.1114"))]
    items = parse(cut, "cut.xml")
    assert len(papers(items)) == 4
    assert isinstance(items[-1], Problem) and items[-1].where.startswith("cut.xml:")
    assert int(items[-1].where.split(":")[1]) == cut.count(b"\n") + 1


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_a_page_cut_anywhere_gives_a_prefix_of_its_records_then_a_problem(fraction):
    raw = fixture_bytes("oai_raw_listrecords_resumption.xml")
    cut = raw[: int(len(raw.rstrip()) * fraction)]
    full = [p.arxiv_id for p in papers(parse(raw))]
    try:
        items = parse(cut, "cut.xml")
    except InputError:
        return  # broke before the first record: nothing could be read
    ids = [p.arxiv_id for p in papers(items)]
    assert ids == full[: len(ids)]
    assert isinstance(items[-1], Problem) and items[-1].where.startswith("cut.xml:")


def test_doctype_with_entities_is_refused():
    evil = b'<?xml version="1.0"?>\n<!DOCTYPE OAI-PMH [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>\n' \
           b"<OAI-PMH><ListRecords>&b;</ListRecords></OAI-PMH>"
    with pytest.raises(InputError, match="DTD or entity"):
        parse(evil)


# ---- the oai: harvest -----------------------------------------------------------------

def test_harvest_over_two_pages_with_checkpoints():
    server = FakeServer(harvest_pages)
    items = list(online_sources()["oai"].fetch("cs:2014-10-01:2015-01-06", server.http, None))
    assert server.params == [
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs",
         "from": "2014-10-01", "until": "2015-01-06"},
        {"verb": "ListRecords", "resumptionToken": TOKEN},
    ]
    assert str(server.requests[0].url).startswith("https://oaipmh.arxiv.org/oai?")
    kinds = ["P" if isinstance(i, Paper) else "C" if isinstance(i, Checkpoint) else "?"
             for i in items]
    assert "".join(kinds) == "PPPPPPCPC"
    key = "oai:cs:2014-10-01:2015-01-06"
    assert items[6] == Checkpoint(key, TOKEN) and items[8] == Checkpoint(key, None)
    assert items[7].arxiv_id == "1706.03762" and items[7].source == "oai"
    assert server.sleeps == [3.0]  # arXiv's rate limit between pages


def test_resume_from_a_saved_token_goes_on_from_there():
    server = FakeServer(harvest_pages)
    items = list(oai.fetch("cs", server.http, resume_state=TOKEN))
    assert server.params == [{"verb": "ListRecords", "resumptionToken": TOKEN}]
    assert [p.arxiv_id for p in papers(items)] == ["1706.03762"]
    assert items[-1] == Checkpoint("oai:cs", None)


def test_expired_token_restarts_the_harvest_with_a_notice():
    server = FakeServer(harvest_pages)
    items = list(oai.fetch("cs:cs:LG", server.http, resume_state="stale|42"))
    assert [p.get("resumptionToken") for p in server.params] == ["stale|42", None, TOKEN]
    assert server.params[1]["set"] == "cs:cs:LG"
    notice = items[0]
    assert isinstance(notice, Notice) and "restarts from the beginning" in notice.message
    assert "illegal for this repository" in notice.message
    assert len(papers(items)) == 7 and items[-1] == Checkpoint("oai:cs:cs:LG", None)


def test_a_token_refused_again_after_the_restart_is_an_error():
    def always_bad(request):
        if "resumptionToken" in request.url.params:
            return fixture_bytes("oai_error_bad_resumption_token.xml")
        return fixture_bytes("oai_raw_listrecords_resumption.xml")

    server = FakeServer(always_bad)
    items = []
    with pytest.raises(SourceError, match="badResumptionToken"):
        for item in oai.fetch("cs", server.http, resume_state="stale"):
            items.append(item)
    assert len(papers(items)) == 6 and len(server.requests) == 3


def test_no_records_match_is_a_notice_not_an_error():
    server = FakeServer(lambda request: fixture_bytes("oai_error_no_records.xml"))
    items = list(oai.fetch("cs:cs:LG:2030-01-01", server.http))
    assert isinstance(items[0], Notice)
    assert "no records in set cs:cs:LG from 2030-01-01" in items[0].message
    assert items[1:] == [Checkpoint("oai:cs:cs:LG:2030-01-01", None)]


def test_503_with_retry_after_is_waited_out():
    body = fixture_bytes("oai_503_retry_after.html")
    answers = [httpx.Response(503, content=body, headers={"Retry-After": "10"}), last_page()]
    server = FakeServer(lambda request: answers.pop(0))
    items = list(oai.fetch("cs", server.http))
    assert server.sleeps == [10.0] and len(server.requests) == 2
    assert [p.arxiv_id for p in papers(items)] == ["1706.03762"]


def test_endless_503_is_a_source_error():
    body = fixture_bytes("oai_503_retry_after.html")
    throttled = httpx.Response(503, content=body, headers={"Retry-After": "10"})
    server = FakeServer(lambda request: throttled)
    with pytest.raises(SourceError, match="503"):
        list(oai.fetch("cs", server.http))
    assert server.sleeps == [10.0] * 4


def test_other_oai_errors_are_source_errors():
    bad = (b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
           b'<error code="badArgument">Illegal set</error></OAI-PMH>')
    server = FakeServer(lambda request: bad)
    with pytest.raises(SourceError, match="badArgument: Illegal set"):
        list(oai.fetch("cs", server.http))


def test_a_page_that_breaks_off_stops_without_a_checkpoint():
    raw = fixture_bytes("oai_raw_listrecords_resumption.xml")
    cut = raw[: raw.index(b"<record>", raw.index(b"0704.1109"))]
    server = FakeServer(lambda request: cut)
    items = []
    with pytest.raises(SourceError, match="broke off"):
        for item in oai.fetch("cs", server.http):
            items.append(item)
    assert len(papers(items)) == 4 and isinstance(items[-1], Problem)
    assert not any(isinstance(i, Checkpoint) for i in items)


def test_html_instead_of_oai_is_a_source_error():
    server = FakeServer(lambda request: b"<html><body>Service Unavailable</body>")
    with pytest.raises(SourceError, match="unreadable"):
        list(oai.fetch("cs", server.http))


@pytest.mark.parametrize("arg, expected", [
    ("cs", ("cs", None, None)),
    ("cs:cs:LG", ("cs:cs:LG", None, None)),
    ("physics:hep-th:2024-01-02", ("physics:hep-th", "2024-01-02", None)),
    ("cs:cs:LG:2024-06-01:2024-06-30", ("cs:cs:LG", "2024-06-01", "2024-06-30")),
    ("cs::2024-06-30", ("cs", None, "2024-06-30")),
])
def test_harvest_arguments(arg, expected):
    assert oai.parse_harvest_arg(arg) == expected


@pytest.mark.parametrize("arg", ["", "CS", "cs:2024-13-01", "cs:2024-06-30:2024-06-01",
                                 "cs:cs:LG:yesterday", "cs; rm -rf"])
def test_bad_harvest_arguments_are_input_errors(arg):
    server = FakeServer(lambda request: b"")
    with pytest.raises(InputError, match="oai:cs:cs:LG"):
        list(oai.fetch(arg, server.http))
    assert server.requests == []
