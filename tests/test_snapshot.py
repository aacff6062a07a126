import json

import pytest
from conftest import FIXTURES, need
from hypothesis import given
from hypothesis import strategies as st

from paperradar.models import Author, Link
from paperradar.normalize import clean_space
from paperradar.sources.base import MAX_FIELD_CHARS
from paperradar.sources.snapshot import (
    collapse_space, is_snapshot_record, snapshot_record, split_author_string,
)

HEAD = FIXTURES / "arxiv-snapshot-head200.jsonl"


def records():
    return [json.loads(line) for line in need(HEAD).read_text(encoding="utf-8").splitlines()]


def base_record(**changes):
    record = {
        "id": "0704.0001", "submitter": "S", "authors": "A. One", "title": "A title",
        "comments": None, "journal-ref": None, "doi": None, "report-no": None,
        "categories": "hep-ph", "license": None, "abstract": "  An abstract.\n",
        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        "update_date": "2008-11-26", "authors_parsed": [["One", "A.", ""]],
    }
    record.update(changes)
    return record


def test_all_head_records_map():
    recs = records()
    assert len(recs) == 200
    papers = [snapshot_record(r) for r in recs]
    assert all(is_snapshot_record(r) for r in recs)
    for rec, paper in zip(recs, papers):
        assert paper.source == "snapshot" and paper.source_id == paper.arxiv_id == rec["id"]
        assert paper.title == clean_space(rec["title"])
        assert paper.abstract == clean_space(rec["abstract"])
        assert paper.categories == rec["categories"].split()
        assert paper.arxiv_version == len(rec["versions"])
        assert paper.date.startswith("2007-") and paper.updated == rec["update_date"]
        assert len(paper.authors) == len(rec["authors_parsed"])
        assert not any("\\" in a.name or "{" in a.name for a in paper.authors)
    assert sum(1 for p in papers if p.doi) == sum(1 for r in recs if r["doi"])


def test_first_record_exact_fields():
    paper = snapshot_record(records()[0])
    assert paper.arxiv_id == "0704.0001"
    assert paper.title == ("Calculation of prompt diphoton production cross sections at "
                           "Tevatron and LHC energies")
    assert paper.abstract.startswith("A fully differential calculation in perturbative")
    assert paper.abstract.endswith("judicious selection of events.")
    assert paper.author_names == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert paper.date == "2007-04-02"
    assert paper.updated == "2008-11-26"
    assert paper.arxiv_version == 2
    assert paper.doi == "10.1103/physrevd.76.013009"
    assert paper.categories == ["hep-ph"]
    assert paper.comments == "37 pages, 15 figures; published version"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.links == [
        Link("https://arxiv.org/abs/0704.0001", "abstract"),
        Link("https://arxiv.org/pdf/0704.0001", "pdf"),
        Link("https://doi.org/10.1103/physrevd.76.013009", "doi"),
    ]
    assert paper.source_fields == {"submitter": "Pavel Nadolsky", "report_no": "ANL-HEP-PR-07-12"}
    assert paper.extra == {}


def test_categories_primary_first_and_affiliations():
    by_id = {r["id"]: r for r in records()}
    assert snapshot_record(by_id["0704.0002"]).categories == ["math.CO", "cs.CG"]
    assert snapshot_record(by_id["0704.0002"]).source_fields["license"].startswith("http://arxiv.org/licenses")
    authors = snapshot_record(by_id["0704.0066"]).authors
    assert authors == [Author("Bozhidar Z. Iliev", [
        "Institute for Nuclear Research and Nuclear Energy, Bulgarian Academy of Sciences, "
        "Sofia, Bulgaria"])]
    # footnote markers like "1 and 2" are not affiliations
    assert all(a.affiliations == [] for a in snapshot_record(by_id["0704.0025"]).authors)


def test_several_dois_keep_the_first():
    rec = next(r for r in records() if r["id"] == "0704.0033")
    assert " " in rec["doi"]
    assert snapshot_record(rec).doi == "10.1364/josaa.23.002578"


def test_old_style_id_latex_names_and_unordered_versions():
    paper = snapshot_record(base_record(
        id="math/0406594",
        versions=[{"version": "v2", "created": "Wed, 30 Jun 2004 10:00:00 GMT"},
                  {"version": "v1", "created": "Tue, 29 Jun 2004 14:14:44 GMT"},
                  {"version": "v3", "created": "Thu, 1 Jul 2004 10:00:00 GMT"}],
        authors_parsed=[["Mart{\\'\\i}n", "Jos\\'e", "Jr"], ["M\\\"uller", "", ""]],
        categories="math.AG math.CO math.AG",
    ))
    assert paper.arxiv_id == "math/0406594" and paper.source_id == "math/0406594"
    assert paper.links[0].url == "https://arxiv.org/abs/math/0406594"
    assert paper.date == "2004-06-29" and paper.arxiv_version == 3
    assert paper.author_names == ["José Martín Jr", "Müller"]
    assert paper.categories == ["math.AG", "math.CO"]


def test_fallbacks_authors_string_and_odd_date():
    rec = base_record(authors="C. Bal\\'azs, E. L. Berger and others", versions=[
        {"version": "v1", "created": "2007-04-02T19:18:42Z"}])
    del rec["authors_parsed"]
    paper = snapshot_record(rec)
    assert paper.author_names == ["C. Balázs", "E. L. Berger"]
    assert paper.date == "2007-04-02"
    assert split_author_string("A. One and B. Two, C. Three, et al.") == ["A. One", "B. Two", "C. Three"]


def test_a_version_date_with_an_absurd_day_is_no_date():
    # found by the jsonl fuzz campaign: "Mon, 2222…2222 Apr 2007 19:18:42 GMT" overflowed datetime
    huge = "Mon, " + "2" * 130 + " Apr 2007 19:18:42 GMT"
    paper = snapshot_record(base_record(versions=[{"version": "v1", "created": huge}]))
    assert paper.date is None and paper.title


def test_plain_and_unusual_author_entries_agree():
    paper = snapshot_record(base_record(authors_parsed=[
        ["One", "A.", ""], ["", "", ""], ["Two", "", ""], ["Three", "C.", "Jr"],
        ["Four", "D.", "", "MIT"], ["F\\'ive", "E.", ""]]))
    assert paper.authors == [Author("A. One"), Author("Two"), Author("C. Three Jr"),
                             Author("D. Four", ["MIT"]), Author("E. Fíve")]
    plain = snapshot_record(base_record(authors_parsed=[["One", "A.", ""], ["Two", "B.", ""]]))
    assert plain.author_names == ["A. One", "B. Two"]


def test_unknown_keys_are_kept():
    paper = snapshot_record(base_record(extra_key=[1, 2]))
    assert paper.extra == {"extra_key": [1, 2]}


@pytest.mark.parametrize("record, reason", [
    ({"title": "x", "authors_parsed": []}, "no arXiv \"id\""),
    (base_record(id=""), "no arXiv \"id\""),
    (base_record(id=704), "no arXiv \"id\""),
    (base_record(id="not-an-id"), "not an arXiv identifier"),
    (base_record(title=None, abstract="   "), "no title and no abstract"),
    (base_record(title=["x"]), '"title" is a list'),
    (base_record(abstract=5), '"abstract" is a int'),
    (base_record(versions="v1"), '"versions" is not a list'),
    (base_record(versions=[{"version": "vX"}]), '"versions" is not a list'),
    (base_record(authors_parsed=["One, A."]), '"authors_parsed" is not a list'),
    (base_record(authors_parsed=[[]]), '"authors_parsed" is not a list'),
    (base_record(authors_parsed=[["One", 1, ""]]), '"authors_parsed" is not a list'),
    (base_record(authors_parsed=[[7, "", ""]]), '"authors_parsed" is not a list'),
    (base_record(categories=["cs.LG"]), '"categories" is a list'),
    (base_record(doi=12), '"doi" is a int'),
])
def test_bad_records_raise_a_clear_value_error(record, reason):
    with pytest.raises(ValueError, match=reason):
        snapshot_record(record)


def test_is_snapshot_record():
    assert is_snapshot_record(base_record())
    assert is_snapshot_record({"id": "1", "journal-ref": None})
    assert not is_snapshot_record({"title": "x", "abstract": "y", "authors": ["A"]})
    assert not is_snapshot_record({"title": "x", "journal_ref": "J"})  # paperradar's own export


def test_huge_abstract_is_clipped():
    paper = snapshot_record(base_record(abstract="word " * 100_000))
    assert len(paper.abstract) == MAX_FIELD_CHARS


@given(st.text(alphabet=st.sampled_from(list("ab \n\t\r\x0b\x0cé\u00a0\u2003")), max_size=60))
def test_collapse_space_matches_clean_space(text):
    assert collapse_space(text) == clean_space(text)
