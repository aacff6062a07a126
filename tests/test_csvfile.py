import csv
import io
import json

import pytest
from conftest import DATA, FIXTURES, need

from paperradar.errors import InputError
from paperradar.models import Author, Link, Paper, SourceSeen
from paperradar.normalize import BARE_CATEGORIES
from paperradar.sources.base import Input, Notice, Problem
from paperradar.sources.csvfile import (
    CSV_COLUMNS, column_key, float_mangled_arxiv_id, parse, sniff, write_csv,
)
from paperradar.sources.hf_daily import parse as parse_hf
from paperradar.sources.snapshot import snapshot_record

LISTING = DATA / "arxiv-listing-2023-09-21.csv"


def read(text: str, origin="t.csv", encoding="utf-8"):
    return list(parse(Input.from_bytes(text.encode(encoding), origin)))


def papers(items):
    return [i for i in items if isinstance(i, Paper)]


def problems(items):
    return [i for i in items if isinstance(i, Problem)]


def notices(items):
    return [i for i in items if isinstance(i, Notice)]


def test_real_listing_imports_all_rows():
    path = need(LISTING)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 551
    inp = Input.from_path(path)
    assert sniff(inp.head_text())
    items = list(parse(inp))
    assert problems(items) == []
    got = papers(items)
    assert len(got) == 551
    (notice,) = notices(items)
    assert "affilliations -> affiliations" in notice.message
    assert "subjects -> categories" in notice.message
    assert notice.message.endswith("kept as extra: source")
    assert all(p.extra.get("source") == "arXiv" for p in got)
    assert all(p.arxiv_id and p.title and p.authors and p.date == "2023-09-21" for p in got)
    first = got[0]
    assert first.source == "csv" and first.source_id == first.arxiv_id == "2309.10986"
    assert first.categories == ["math.NA", "econ.GN"]
    assert first.author_names[:3] == ["Shanyi Zhou", "Ning Yan", "Zhijun Li"]
    assert len(first.authors) == 10
    assert first.affiliations == ["tanglihua@hnchasing.com"]
    assert first.links == [Link("https://arxiv.org/abs/2309.10986", "abstract")]
    with_cats = [p for p in got if p.categories]
    assert len(with_cats) == 514  # the rest have journal-ref text in their subjects cell
    assert all("." in c or c in BARE_CATEGORIES for p in got for c in p.categories)
    ml = {"cs.CV", "cs.LG", "cs.CL", "cs.RO", "cs.AI"}
    assert sum(1 for p in got if p.categories and p.categories[0] in ml) == 179  # primary
    assert sum(1 for p in got if set(p.categories) & ml) == 237
    # the scraper put "Journal-ref: ..." into subjects for some rows: kept, and used
    odd = [p for p in got if not p.categories]
    assert len(odd) == 37 and all(p.journal_ref and "subjects" in p.extra for p in odd)


def test_listing_ids_a_spreadsheet_turned_into_numbers_are_repaired():
    got = {p.source_id: p for p in papers(parse(Input.from_path(need(LISTING))))}
    assert got["2309.11"].arxiv_id == "2309.11000"
    assert got["2309.109"].links == [Link("https://arxiv.org/abs/2309.10900", "abstract")]
    assert float_mangled_arxiv_id("1412.698") == "1412.6980"  # 4-digit era
    assert float_mangled_arxiv_id("2313.1") is None


@pytest.mark.parametrize("delim", [";", "\t"])
def test_semicolon_and_tab_variants(delim):
    rows = [["Paper Title", "Summary", "Author", "Category", "Year", "DOI", "PDF_URL", "Stars"],
            ["A, first; paper", "Text; with separators", "A One and B Two", "cs.LG cs.AI", "2021",
             "https://doi.org/10.1/ABC", "https://x.org/p.pdf", "12"]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim).writerows(rows)
    assert sniff(buf.getvalue())
    items = read(buf.getvalue())
    (paper,) = papers(items)
    assert paper.title == "A, first; paper" and paper.abstract == "Text; with separators"
    assert paper.author_names == ["A One", "B Two"]
    assert paper.categories == ["cs.LG", "cs.AI"]
    assert paper.date == "2021" and paper.doi == "10.1/abc"
    assert paper.links == [Link("https://x.org/p.pdf", "pdf")]
    assert paper.extra == {"Stars": "12"}
    assert "kept as extra: Stars" in notices(items)[0].message


@pytest.mark.parametrize("cell, names", [
    ("['A B', 'C D']", ["A B", "C D"]),
    ('["A B", "C D"]', ["A B", "C D"]),
    ("A B; C D", ["A B", "C D"]),
    ("A B, C D, and E F", ["A B", "C D", "E F"]),
    ("Mart{\\'\\i}n Abadi", ["Martín Abadi"]),
    ("['A B', __import__('os')]", ["['A B'", "__import__('os')]"]),  # not a literal: never run
])
def test_author_cells(cell, names):
    (paper,) = papers(read(f'title,authors\nT,"{cell.replace(chr(34), chr(34) * 2)}"\n'))
    assert paper.author_names == names


def test_bad_rows_are_problems_with_line_numbers():
    text = ('title,abstract,year\n'
            'Good one,Text,2020\n'
            'Too,many,fields,here\n'
            ',,2019\n'
            '"Multi\nline title",Text,2018\n'
            'Short row\n'
            '"Huge","' + "x" * 200_000 + '",2017\n'
            'Bad date,Text,someday\n')
    items = read(text)
    got = papers(items)
    assert [p.title for p in got] == ["Good one", "Multi line title", "Huge", "Bad date"]
    assert len(got[2].abstract) == 200_000
    assert got[3].date is None and got[3].extra == {"year": "someday"}
    found = [(p.where, p.message) for p in problems(items)]
    assert found[0][0] == "t.csv:3" and "4 fields but the header has 3" in found[0][1]
    assert found[1][0] == "t.csv:4" and "no title and no abstract" in found[1][1]
    assert found[2][0] == "t.csv:7" and "1 fields" in found[2][1]
    assert len(found) == 3


def test_nul_bytes_and_cp1252_and_unreadable_header():
    items = read("title,abstract\nCaf\xe9,ok\n", encoding="cp1252")
    assert "cp1252" in notices(items)[0].message and papers(items)[0].title == "Café"
    items = read("title,abstract\nA,\x00b\nC,d\n")
    assert [(p.title, p.abstract) for p in papers(items)] == [("A", "b"), ("C", "d")]
    items = read('title,abstract\nA,"bad"quote\nB,ok\nC,"never closed\nD,x\n')
    assert [p.title for p in papers(items)] == ["B"]
    assert [p.where for p in problems(items)] == ["t.csv:2", "t.csv:4"]
    assert "never closed" in problems(items)[1].message
    with pytest.raises(InputError):
        read("name,value\nx,y\n")


def test_sniff():
    assert sniff("\ufeffpaper_id,title,authors\n")
    assert sniff("Title\tAuthors\tAbstract\n")
    assert not sniff("name,value\n1,2\n")
    assert not sniff('{"title": "x", "abstract": "y"}\n')
    assert not sniff("@article{x, title={a}, abstract={b}}")
    assert not sniff("Title: a paper\nAbstract: text\n")
    assert column_key(" Paper_ID ") == column_key("paper-id") == "paperid"


def test_round_trip_of_own_export():
    hf = papers(parse_hf(Input.from_path(need(FIXTURES / "hf-daily" / "2026-06-18.json"))))
    lines = need(FIXTURES / "arxiv-snapshot-head200.jsonl").read_text(encoding="utf-8").splitlines()
    originals = hf + [snapshot_record(json.loads(line)) for line in lines[:50]]
    originals.append(Paper(title='Quotes "x", commas; and tabs', abstract="Line break kept? no",
                           authors=[Author("Ann, Jr.", ["U1", "U2"]), Author("Bob")],
                           affiliations=["Paper level"], date="2019-05", categories=[],
                           links=[Link("https://x.org/?a=1,2", "other")],
                           translations={"zh": {"title": "标题", "summary": "摘要"}},
                           extra={"nested": {"k": [1, 2]}}))
    for i, paper in enumerate(originals):
        paper.id = f"p{i}"
        paper.sources = [SourceSeen(paper.source or "x", paper.source_id, "2026-01-01T00:00:00",
                                    "2026-01-02T00:00:00", {"upvotes": i})]
        paper.source, paper.source_id, paper.source_fields = "", "", {}
    buf = io.StringIO(newline="")
    assert write_csv(originals, buf) == len(originals)
    assert buf.getvalue().splitlines()[0] == ",".join(CSV_COLUMNS)
    items = read(buf.getvalue())
    assert problems(items) == []
    assert "paperradar's CSV export" in notices(items)[0].message
    back = papers(items)
    assert len(back) == len(originals)
    for a, b in zip(originals, back):
        assert (b.source, b.source_id) == ("csv", a.id)
        b.source, b.source_id = "", ""
        assert b == a


def test_field_over_the_limit_and_header_only():
    data = b'title,abstract\nA,"' + b"x" * (9 * 1024 * 1024) + b'"\nB,ok\n'
    items = list(parse(Input.from_bytes(data, "big.csv")))
    assert [p.title for p in papers(items)] == ["B"]
    (problem,) = problems(items)
    assert problem.where == "big.csv:2" and "field limit" in problem.message
    items = read("title,abstract\n")
    assert len(items) == 1 and isinstance(items[0], Notice)
