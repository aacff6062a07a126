import json
import re
import string

from conftest import FIXTURES, need
from hypothesis import given, settings
from hypothesis import strategies as st

from paperradar.models import Author, Link, Paper, SourceSeen
from paperradar.normalize import clean_space
from paperradar.sources.base import Input, Notice, Problem
from paperradar.sources.bibtex import (
    BibEntry, entry_to_paper, format_bibtex, parse, parse_bibtex_entries, plain, sniff,
)
from paperradar.sources.bibtex_writer import citation_key, escape
from paperradar.sources.hf_daily import parse as parse_hf
from paperradar.sources.snapshot import snapshot_record

BIB = FIXTURES / "d2l-references.bib"


def read(text: str, origin="t.bib"):
    return list(parse(Input.from_bytes(text.encode("utf-8"), origin)))


def papers(items):
    return [i for i in items if isinstance(i, Paper)]


def problems(items):
    return [i for i in items if isinstance(i, Problem)]


def test_d2l_bibliography_parses_completely():
    text = need(BIB).read_text(encoding="utf-8")
    expected = len(re.findall(r"^@\w+\s*\{", text, re.M))
    assert expected == 488
    items = read(text, str(BIB))
    assert problems(items) == []
    got = papers(items)
    assert len(got) == 488
    assert all(p.title and p.source == "bibtex" and p.source_id for p in got)
    for p in got:
        assert not any(c in p.title for c in "{}"), p.title
        for author in p.authors:
            assert not any(c in author.name for c in "{}\\~"), author.name
            assert author.name.lower() not in ("others", "et al.")
    assert len({p.source_id for p in got}) == 488


def test_d2l_exact_entries():
    by_key = {p.source_id: p for p in papers(read(need(BIB).read_text(encoding="utf-8")))}
    tf = by_key["Abadi.Barham.Chen.ea.2016"]
    assert tf.title == "TensorFlow: A system for large-scale machine learning"
    assert tf.author_names[:4] == ["Martín Abadi", "Paul Barham", "Jianmin Chen", "Zhifeng Chen"]
    assert tf.author_names[-1] == "Michael Isard"  # "and et al." dropped
    assert tf.date == "2016"
    assert tf.source_fields == {
        "entry_type": "inproceedings",
        "venue": "12th USENIX Symposium on Operating Systems Design and Implementation (OSDI 16)",
    }
    assert tf.extra == {"pages": "265--283"}
    cajal = by_key["Cajal.Azoulay.1894"]
    assert cajal.author_names == ["Santiago Ramón y Cajal", "L. Azoulay"]
    assert "Idées sur la Structure du Système Nerveux" in cajal.title
    # journal = {Ar{X}iv:2010.02178} and journal = {arxiv.org/abs/2205.11916}
    assert by_key["Alsallakh.Kokhlikyan.Miglani.ea.2020"].arxiv_id == "2010.02178"
    assert by_key["kojima2022large"].arxiv_id == "2205.11916"
    assert by_key["feurer-arxiv22"].categories == ["stat.ML"]  # "ArXiv:1802.02219 [stat.ML]"
    cho = by_key["Cho.Van-Merrienboer.Bahdanau.ea.2014"]
    assert "Bart Van Merriënboer" in cho.author_names
    doi_entry = next(p for p in by_key.values() if p.doi)
    assert doi_entry.doi == "10.1145/3544903.3544906"
    assert doi_entry.links == [Link("https://doi.org/10.1145/3544903.3544906", "doi")]


def test_strings_concatenation_quotes_months_and_arxiv():
    items = read(r"""
% comment before the first entry
@String{nips = "Advances in Neural " # "Information Processing Systems"}
@comment{ignored {nested} text}
@preamble{"\newcommand{\noop}[1]{}"}
@InProceedings{vaswani,
  title = "Attention {I}s All You Need with M\"{u}ller's \{x\}",
  author = "Vaswani, Ashish and Shazeer, Noam and {Google Brain Team} and others",
  booktitle = nips # { 30},
  year = 2017, month = dec,
  eprint = {1706.03762v5}, archivePrefix = {arXiv}, primaryClass = {cs.CL},
  keywords = {cs.LG; deep learning},
  abstract = {The dominant   sequence
     transduction models.},
  pages = {5998--6008},
}
@misc(paren, title = {Paren}, url = {https://arxiv.org/abs/2106.08254}, year = {2021},
      month = {June}, journal = {arXiv preprint arXiv:2106.08254})
""")
    assert problems(items) == []
    first, second = papers(items)
    assert first.title == "Attention Is All You Need with Müller's {x}"
    assert first.author_names == ["Ashish Vaswani", "Noam Shazeer", "Google Brain Team"]
    assert first.source_fields["venue"] == "Advances in Neural Information Processing Systems 30"
    assert first.date == "2017-12"
    assert (first.arxiv_id, first.arxiv_version) == ("1706.03762", 5)
    assert first.categories == ["cs.CL", "cs.LG"]
    assert first.source_fields["keywords"] == ["deep learning"]
    assert first.abstract == "The dominant sequence transduction models."
    assert first.extra == {"pages": "5998--6008"}
    assert second.source_id == "paren" and second.date == "2021-06"
    assert second.arxiv_id == "2106.08254"
    assert second.links == [Link("https://arxiv.org/abs/2106.08254", "abstract")]
    assert second.journal_ref is None  # an arXiv "journal" is not a journal reference


def test_a_month_in_superscript_digits_leaves_the_year_alone():
    # '³'.isdigit() is true but int('³') raises: such a month is no month
    [paper] = papers(read("@misc{k, title = {T}, year = {2021}, month = {³}}"))
    assert paper.date == "2021"


def test_broken_entries_are_problems_and_parsing_resumes():
    text = """@article{good1, title = {One}, year = {2001}}

@article{unclosed,
  title = {Never closed,
  year = {2020}

@article{good2, title = {Two}}

@article{title = {No key}, year = {2018}}

@article{extra_close,
  title = {Three}},
  author = {Lost Author},
}
@book{bad_value, title = @oops}
@misc{good4, title = {Four}}
@misc{no_title, year = {2000}}
@misc{eof, title = {cut off
"""
    items = read(text)
    assert [p.source_id for p in papers(items)] == ["good1", "good2", "extra_close", "good4"]
    found = [(p.where, p.message) for p in problems(items)]
    assert found[0][0] == "t.bib:3" and "unbalanced braces" in found[0][1]
    assert found[1][0] == "t.bib:9" and "no key" in found[1][1]
    assert found[2][0] == "t.bib:13" and "extra_close" in found[2][1]
    assert found[3][0] == "t.bib:15" and "expected a value" in found[3][1]
    assert found[4][0] == "t.bib:17" and "no title and no abstract" in found[4][1]
    assert found[5][0] == "t.bib:18" and "never closed" in found[5][1]
    assert len(found) == 6


def test_sniff():
    assert sniff("% comment\n\n@article{x,")
    assert sniff("\ufeff@InProceedings{\t  Abadi,")
    assert not sniff("Some text\n@article{x,")
    assert not sniff('{"title": "x"}')
    assert not sniff("title,abstract\n")


def test_non_utf8_bib_is_read_with_a_notice():
    items = list(parse(Input.from_bytes("@misc{k, title = {Caf\xe9}}".encode("cp1252"), "w.bib")))
    assert isinstance(items[0], Notice) and "cp1252" in items[0].message
    assert papers(items)[0].title == "Café"


def rich_papers():
    hf = papers(parse_hf(Input.from_path(need(FIXTURES / "hf-daily" / "2026-06-18.json"))))
    lines = need(FIXTURES / "arxiv-snapshot-head200.jsonl").read_text(encoding="utf-8").splitlines()
    snap = [snapshot_record(json.loads(line)) for line in lines[:60]]
    odd = Paper(
        title="Braces {x} and 100% $\\alpha$ -- ``quoted'' ~tilde_under & #hash \\cmd",
        abstract="Line one. Two -- three --- four; C++ & a_b {unbalanced",
        authors=[Author("José Martín, Jr.", ["Uni A; Dept B", "Lab and Co"]), Author("others"),
                 Author("Anna Lee")],
        affiliations=["Paper-level Institute"],
        date="2024-02-29", categories=["cs.LG", "stat.ML"], arxiv_id="hep-th/9901001",
        arxiv_version=3, doi="10.1000/x{y}", comments="5 pages, 100% new",
        journal_ref="J. Phys. A 1 (2000)",
        links=[Link("https://arxiv.org/abs/hep-th/9901001", "abstract"),
               Link("https://github.com/a/b?x={1}", "code"), Link("https://x.org/a%20b", "other")],
        translations={"zh": {"title": "标题 {x}", "summary": "摘要 100%"},
                      "pt-BR": {"title": "Título"}},
        id="p-odd",
    )
    return hf + snap + [odd]


def test_round_trip_without_loss():
    originals = rich_papers()
    text = format_bibtex(originals)
    items = read(text)
    assert problems(items) == []
    back = papers(items)
    assert len(back) == len(originals)
    for a, b in zip(originals, back):
        assert b.title == a.title
        assert b.abstract == a.abstract
        assert b.authors == a.authors
        assert b.affiliations == a.affiliations
        assert b.all_affiliations() == a.all_affiliations()
        assert b.date == a.date
        assert b.categories == a.categories
        assert (b.arxiv_id, b.arxiv_version) == (a.arxiv_id, a.arxiv_version)
        assert b.doi == a.doi
        assert b.links == a.links
        assert b.translations == a.translations
        assert b.comments == a.comments and b.journal_ref == a.journal_ref
        assert b.id == a.id
    keys = [p.source_id for p in back]
    assert len(set(keys)) == len(keys)
    assert keys[-1] == "martin2024braces"


def test_export_is_conventional_bibtex():
    paper = Paper(title="Attention Is All You Need", authors=[Author("Ashish Vaswani")],
                  date="2017-06-12", arxiv_id="1706.03762", arxiv_version=7,
                  categories=["cs.CL", "cs.LG"], sources=[SourceSeen("arxiv", "1706.03762")])
    text = format_bibtex([paper, paper])
    assert text.startswith("@misc{vaswani2017attention,\n  title = {{Attention Is All You Need}},")
    assert "@misc{vaswani2017attentionb," in text
    assert "  month = jun,\n" in text
    assert "  eprint = {1706.03762v7},\n  archivePrefix = {arXiv},\n  primaryClass = {cs.CL}," in text
    assert "  keywords = {cs.CL, cs.LG}" in text
    assert format_bibtex([]) == ""
    assert citation_key(Paper(title="On the Ünïcode Things", authors=[Author("Zoë Çelik")],
                              date="2020")) == "celik2020unicode"


_ALPHABET = st.sampled_from(list(string.printable) + list("éü–—“”‘’…ßØ中文\u00a0"))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_escape_is_undone_by_plain(text):
    assert plain(escape(text)) == clean_space(text)


def test_entry_to_paper_without_fields():
    entries = list(parse_bibtex_entries("@misc{lonely}"))
    assert entries == [BibEntry("misc", "lonely", 1)]
    try:
        entry_to_paper(entries[0])
    except ValueError as exc:
        assert "no title" in str(exc)
    else:
        raise AssertionError("an entry without title or abstract is unusable")
