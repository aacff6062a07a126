"""Property-based fuzzing of every parser, of format sniffing and of the search query path.

Inputs are real seeds and fixtures (../shared, and the snippets in fuzz/corpus/)
mutated by hypothesis: truncated, bytes flipped, control characters and syntax
inserted, huge fields, deep nesting, other encodings; plus random bytes and text.
Each goes through the public entry ``paperradar ingest`` uses (``fuzz.targets``),
which asserts the properties of ``fuzz.checks``: only well-formed Paper / Problem /
Notice / Checkpoint items (papers the store can save) or an InputError, and
nothing at all out of ``read_input``. A plain search takes any string; one with
operators or filters raises only InputError. Every input has a time bound.

Explicit tests: DTDs and entities (billion laughs, external entities) refused by
every XML format; huge inputs bounded in memory; deeply nested JSON; BibTeX with
a brace left open and many broken entries in linear time. The coverage-guided
campaigns (atheris) are in fuzz/ and tests/test_fuzz_campaign.py.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from functools import cache
from pathlib import Path

import pytest
from conftest import FIXTURES, SHARED, need
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuzz.checks import ORIGIN, check_items  # noqa: E402
from fuzz.targets import TARGETS, check_query, keyword_index  # noqa: E402
from paperradar.errors import InputError  # noqa: E402
from paperradar.index.keyword import KeywordFilters  # noqa: E402
from paperradar.models import Paper  # noqa: E402
from paperradar.normalize import parse_arxiv_id  # noqa: E402
from paperradar.sources import (  # noqa: E402
    Input, Notice, Problem, arxiv_atom, arxiv_feeds, bibtex, csvfile, hf_daily, jsonl, oai,
    read_input,
)
from paperradar.sources.base import MAX_FIELD_CHARS, MAX_LINE_BYTES, MAX_TEXT_BYTES  # noqa: E402
from paperradar.sources.layouts.names import parse_author_names  # noqa: E402
from paperradar.sources.pasted import parse_pasted  # noqa: E402
from paperradar.sources.xmlstream import root_name  # noqa: E402

#: Examples per parser; raise it for a longer local run (PAPERRADAR_FUZZ_EXAMPLES=2000).
EXAMPLES = int(os.environ.get("PAPERRADAR_FUZZ_EXAMPLES", "20"))
#: Time any one fuzzed input may take (inputs are at most ~300 KB; real ones parse in ms).
PER_INPUT_SECONDS = 5.0
PARSERS = [name for name in TARGETS if name != "query"]
SNIPPET_BYTES = 6000
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------ seeds and mutations

def _snippet(data: bytes) -> bytes:
    """A real file, or its first whole lines when it is big (keeps examples quick)."""
    if len(data) <= SNIPPET_BYTES:
        return data
    return data[: data.rfind(b"\n", 0, SNIPPET_BYTES) + 1 or SNIPPET_BYTES]


@cache
def seeds(name: str) -> tuple[bytes, ...]:
    """Snippets of the real shared files of a target, and its corpus in fuzz/corpus/."""
    found = [p.read_bytes() for p in sorted((ROOT / "fuzz" / "corpus" / name).iterdir())]
    for pattern in TARGETS[name].seeds:
        found += [_snippet(p.read_bytes()) for p in sorted(SHARED.glob(pattern))[:8]]
    return tuple(found)


#: Bytes that mean something to some parser, or break text: inserted at random places.
TOKENS = [b"\x00", b"\x1b", b"\r", b"\r\n", b"\x0b\x0c", b"\x85", b"\xff\xfe", b"\xfe\xff",
          b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98\x80",
          "中文摘要。".encode(), "\u202e\u200b".encode(), b'"', b"'", b"{", b"}", b"[", b"]", b"(",
          b")", b"<", b">", b"&", b"@", b",", b";", b"\t", b"\\", b"#", b"%", b"=", b"\n\n",
          b"\\u0000", b"\\ud800", b"&#0;", b"&#xD800;", b"&amp;", b"]]>", b"<!--", b"<![CDATA[x",
          b"<entry>", b"</entry>", b"<record>", b"</record>", b"<item>", b"</metadata>",
          b"\n@article{x,", b"@string{a = {b}}", b"title = {", b"Abstract:", "1、[CV] ".encode(),
          b"Mar 11\n", b"Submitted by\n", b"https://arxiv.org/abs/2106.08254v2", b"10.48550/arXiv.",
          b"null", b"true", b"-1e999", b"1e400", b"18446744073709551616", b'"paper":',
          b'{"id": "x", "sources": [], "translations": {}}', b"\\'{e}", b"$\\alpha$", b"\\\\"]
_HUGE_UNITS = [b"a", b" ", b"word ", "中".encode(), b"\n", b"(", b"{", b"[", b"<a>", b"\\'e",
               b'"",']
_NESTS = [(b"[", b"]"), (b"{", b"}"), (b'{"a":', b"}"), (b"<a>", b"</a>"), (b"(", b")"),
          (b"\\textbf{", b"}")]
_ENCODINGS = ["utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "shift_jis", "utf-7"]
_AT = st.floats(0, 1)
OPERATIONS = st.one_of(
    st.tuples(st.just("truncate"), _AT),
    st.tuples(st.just("flip"), _AT, st.integers(0, 255)),
    st.tuples(st.just("insert"), _AT, st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=24)),
    st.tuples(st.just("delete"), _AT, st.integers(1, 400)),
    st.tuples(st.just("duplicate"), _AT, st.integers(1, 2000), _AT),
    st.tuples(st.just("huge"), _AT, st.sampled_from(_HUGE_UNITS), st.sampled_from([5_000, 60_000])),
    st.tuples(st.just("nest"), _AT, st.sampled_from(_NESTS), st.sampled_from([300, 3_000, 30_000]),
              st.booleans()),
    st.tuples(st.just("reencode"), st.sampled_from(_ENCODINGS)),
)


def mutate(data: bytes, operations: list[tuple]) -> bytes:
    """Apply the drawn operations to ``data`` (each operation's floats are positions)."""
    for op, *args in operations:
        at = int(args[0] * len(data)) if op != "reencode" else 0
        if op == "truncate":
            data = data[:at]
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([args[1]]) + data[at + 1:]
        elif op == "insert":
            data = data[:at] + args[1] + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + args[1]:]
        elif op == "duplicate":
            piece = data[at:at + args[1]]
            to = int(args[2] * len(data))
            data = data[:to] + piece + data[to:]
        elif op == "huge":
            data = data[:at] + args[1] * (args[2] // len(args[1]) + 1) + data[at:]
        elif op == "nest":
            (opener, closer), depth, closed = args[1], args[2], args[3]
            data = data[:at] + opener * depth + (closer * depth if closed else b"") + data[at:]
        elif op == "reencode":
            data = data.decode("utf-8", "replace").encode(args[0], "replace")
    return data


def run_bounded(name: str, data: bytes) -> None:
    """Run a target on ``data`` and hold it to the time bound."""
    started = time.perf_counter()
    TARGETS[name].run(data)
    elapsed = time.perf_counter() - started
    assert elapsed < PER_INPUT_SECONDS, f"{name}: {len(data)} bytes took {elapsed:.1f} s"


# ------------------------------------------------------------------ fuzzed parsers

@pytest.mark.parametrize("name", PARSERS)
@FUZZ_SETTINGS
@given(data=st.data())
def test_mutated_real_inputs_give_items_or_input_errors(name, data):
    seed = data.draw(st.sampled_from(seeds(name)), label="seed")
    operations = data.draw(st.lists(OPERATIONS, min_size=1, max_size=3), label="operations")
    run_bounded(name, mutate(seed, operations))


@pytest.mark.parametrize("name", PARSERS)
@FUZZ_SETTINGS
@given(blob=st.binary(max_size=3000) | st.text(max_size=1500).map(lambda t: t.encode("utf-8")))
def test_random_bytes_and_text_give_items_or_input_errors(name, blob):
    run_bounded(name, blob)


def test_every_seed_parses_cleanly():
    """The unmutated seeds themselves pass every property (the fuzzing starts from sound ground)."""
    for name in PARSERS:
        for seed in seeds(name):
            run_bounded(name, seed)


# ------------------------------------------------------------------ the query path

_SYNTAX = st.sampled_from([
    '"', "'", "(", ")", "[", "]", "{", "}", "AND", "OR", "NOT", "AND NOT", "NEAR/3", "*", "-", "+",
    ":", "title:", "abstract:", "authors:", "pk:", "date_lo:[1 TO", "date_hi:>", "IN [", "TO",
    "\\", "^", "^2", "~", "~2", "/", "||", "&&", "!", " ", "\x00", "\u202e", "\ud800", "😀", "图像",
    "diffusion", "time series", "model*", "é", "0:*", "*:*", "a" * 300, "9" * 30,
])
QUERIES = st.one_of(st.text(max_size=200),
                    st.text(st.characters(codec=None), max_size=60),  # lone surrogates included
                    st.lists(_SYNTAX, max_size=30).map(" ".join),
                    st.lists(_SYNTAX, max_size=30).map("".join))
FILTER_VALUES = st.lists(st.one_of(
    st.sampled_from(["", "2024", "2024-06", "2024-02-30", "0000", "9999-12-31", "2024-13",
                     "cs.LG", "cs", "hf-daily", "Xu", "geoffrey hin", "-", "*", "\ud800"]),
    st.text(max_size=20)), max_size=5)


@settings(max_examples=EXAMPLES * 5, deadline=None, database=None)
@given(query=QUERIES, filters=FILTER_VALUES, flags=st.integers(0, 255))
def test_any_query_searches_or_raises_only_input_error(query, filters, flags):
    started = time.perf_counter()
    check_query(query, filters, flags)
    assert time.perf_counter() - started < PER_INPUT_SECONDS


def test_queries_and_filters_found_by_fuzzing():
    """Inputs the campaigns found: filters with lone surrogates (from a command line
    argument of undecodable bytes) crashed tantivy; now they are InputErrors."""
    check_query("diffusion", ["", "", "cs.l\x00\udcd6fi视"], 0)
    check_query("model", ["", "", "", "ab\udcff", "x\udcff"], 4)
    with pytest.raises(InputError, match="not valid text"):
        keyword_index().search("model", filters=KeywordFilters(category="cs\ud800"))


# ------------------------------------------------------------------ bugs the fuzzers found

def _items(parse, data: bytes) -> list:
    items = list(parse(Input.from_bytes(data, ORIGIN)))
    check_items(items)
    return items


def test_csv_header_with_a_bare_carriage_return_is_read():
    """csv.Error escaped format sniffing (and so ``read_input``) for a header with a CR."""
    data = b"id,title,abstract\r1,A title,An abstract\r2,B,C\r"
    items = list(read_input(Input.from_bytes(data, ORIGIN)))
    check_items(items)
    assert [p.title for p in items if isinstance(p, Paper)] == ["A title", "B"]
    junk = b"id,title,abstract,tr\xff\xff\x02\r@anslations\nx,y,z,w\n"
    check_items(read_input(Input.from_bytes(junk, ORIGIN)))


@pytest.mark.parametrize("encoding", ["UTF-4", "shift_jis", "utf-32", "mbcs", "rot13", "idna",
                                      "punycode", "undefined", "utf-7"])
@pytest.mark.parametrize("parse", [arxiv_atom.parse_api, arxiv_feeds.parse_feed, oai.parse])
def test_xml_declaring_an_unreadable_encoding_is_an_input_error(parse, encoding):
    data = (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">'
            "<entry><id>http://arxiv.org/abs/2106.08254v2</id><title>Caf\u00e9</title></entry>"
            "</feed>\n").encode()
    with pytest.raises(InputError, match="encoding it declares"):
        _items(parse, data)


def test_oai_versions_with_an_unreadable_date_and_a_repeated_number():
    raw = (FIXTURES / "oai_raw_1706.03762.xml").read_bytes()
    broken = raw.replace(b'<version version="v3">', b'<version version="v2">', 1).replace(
        b"Tue, 20 Jun 2017", b"Mo42J,  nul 2017", 1)
    assert broken != raw
    papers = [i for i in _items(oai.parse, broken) if isinstance(i, Paper)]
    assert papers and papers[0].date == "2017-06-12"
    huge = raw.replace(b'version="v7"', b'version="v' + b"9" * 30 + b'"', 1)
    assert [p.arxiv_version for p in _items(oai.parse, huge) if isinstance(p, Paper)] == [6]


@pytest.mark.parametrize("line", [
    b'{"title": "x", "z": ' + b"[" * 300 + b"]" * 300 + b"}",
    b'{"id": "0704.0001", "title": "x", "submitter": ' + b"[" * 300 + b"]" * 300 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
])
def test_jsonl_nesting_the_store_cannot_write_is_a_problem(line):
    items = _items(jsonl.parse, b'{"title": "kept"}\n' + line + b"\n")
    assert [type(i) for i in items] == [Paper, Problem]


@pytest.mark.parametrize("record, wrong", [
    ({"title": ["a list"]}, "'title' is a list"),
    ({"title": "t", "date": {"y": 2024}}, "'date' is a dict"),
    ({"title": "t", "arxiv_version": 1e30}, "arxiv_version"),
    ({"title": "t", "arxiv_version": True}, "arxiv_version"),
    ({"title": "t", "arxiv_version": "2"}, "arxiv_version"),
    ({"title": "t", "translations": {"zh": {"title": 5}}}, "translations"),
])
def test_jsonl_own_export_with_wrong_types_is_a_problem(record, wrong):
    line = jsonl.orjson.dumps({"id": "p1", "sources": [], "translations": {}, **record})
    items = _items(jsonl.parse, line + b"\n")
    assert len(items) == 1 and isinstance(items[0], Problem) and wrong in items[0].message


def test_jsonl_own_export_is_clipped():
    line = jsonl.orjson.dumps({"id": "p1", "sources": [], "translations": {},
                               "title": "t" * (MAX_FIELD_CHARS + 10)})
    [paper] = _items(jsonl.parse, line + b"\n")
    assert len(paper.title) == MAX_FIELD_CHARS


@pytest.mark.parametrize("item", [
    b'{"paper": {"id": "2501.00001", "title": "lone \\ud800 surrogate"}}',
    b'{"paper": {"id": "2501.00001", "title": "t", "upvotes": 123456789012345678901234567890}}',
    b'{"paper": {"id": "2501.00001", "title": "t", "x": ' + b"[" * 300 + b"]" * 300 + b"}}",
    b'{"paper": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
])
def test_hf_daily_items_the_store_cannot_write_are_problems(item):
    good = b'{"paper": {"id": "2501.00002", "title": "kept"}}'
    items = _items(hf_daily.parse, b"[" + good + b",\n" + item + b"]")
    assert isinstance(items[0], Paper) and isinstance(items[1], Problem)


@pytest.mark.parametrize("row", [
    b'x,"' + b"[" * 100_000 + b"]" * 100_000 + b'",,,',
    b'x,"[{""name"": ""A B"", ""affiliations"": 5}]",,,',
    b'x,,"{""zh"": {""title"": 5}}",,',
    b'x,,,"{""a"": ' + b"[" * 300 + b"]" * 300 + b'}",',
    b'x,,,,' + "²".encode(),
    b"x,,,,99999999999999999999999",
])
def test_csv_cells_that_crashed_or_could_not_be_stored(row):
    header = b"title,authors,translations,extra,arxiv_version\n"
    items = _items(csvfile.parse, header + row + b"\n")
    assert [type(i) for i in items if not isinstance(i, Notice)] == [Paper]


def test_csv_own_export_sources_with_odd_fields():
    row = b'p1,x,"[{""source"": ""hf"", ""fields"": 5}, {""source"": ""csv""}]",{}\n'
    items = _items(csvfile.parse, b"id,title,sources,translations\n" + row)
    [paper] = [i for i in items if isinstance(i, Paper)]
    assert [s.source for s in paper.sources] == ["csv"]


_ABSURD_ID = "2101.00001v" + "9" * 30


@pytest.mark.parametrize(("parse", "data"), [
    (jsonl.parse, b'{"title": "t", "arxiv_id": "%s"}\n' % _ABSURD_ID.encode()),
    (bibtex.parse, b"@article{k, title={t}, eprint={%s}}\n" % _ABSURD_ID.encode()),
    (csvfile.parse, b"title,arxiv_id\nt,%s\n" % _ABSURD_ID.encode()),
])
def test_absurd_arxiv_version_numbers_are_not_kept(parse, data):
    """A version past 64 bits crashed the store (orjson cannot write it): the id stays, the version goes."""
    [paper] = [i for i in _items(parse, data) if isinstance(i, Paper)]
    assert paper.arxiv_id == "2101.00001" and paper.arxiv_version is None
    assert parse_arxiv_id("arXiv:" + _ABSURD_ID) == ("2101.00001", None)


# ------------------------------------------------------------------ XML: DTDs and entities

_LAUGHS = ('<!DOCTYPE {root} [<!ENTITY lol0 "lol">'
           + "".join(f'<!ENTITY lol{n} "' + f"&lol{n - 1};" * 10 + '">' for n in range(1, 10))
           + "]>")
XML_ATTACKS = {
    "billion laughs": (_LAUGHS, "&lol9;"),
    "quadratic blowup": ('<!DOCTYPE {root} [<!ENTITY big "' + "x" * 30_000 + '">]>',
                         "&big;" * 5000),
    "external entity": ('<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    "external DTD": ('<!DOCTYPE {root} SYSTEM "http://127.0.0.1:9/evil.dtd">', ""),
    "parameter entity": ('<!DOCTYPE {root} [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', ""),
}
XML_FORMATS = {  # format name -> (fixture, parse function, root element)
    "arxiv-api": ("api_1706.03762.xml", arxiv_atom.parse_api, "feed"),
    "arxiv-new": ("arxiv-rss-cs.xml", arxiv_feeds.parse_feed, "feed"),
    "arxiv-new-rss": (None, arxiv_feeds.parse_feed, "rss"),
    "oai-pmh": ("oai_raw_1706.03762.xml", oai.parse, "OAI-PMH"),
}


def _xml_attack(fmt: str, attack: str) -> bytes:
    fixture, _, root = XML_FORMATS[fmt]
    rss2 = ROOT / "fuzz/corpus/arxiv_feeds/arxiv-rss-cs-first1-as-rss2.xml"  # made from the Atom
    path = FIXTURES / fixture if fixture else rss2
    real = need(path).read_bytes().decode("utf-8")
    doctype, reference = XML_ATTACKS[attack]
    at = real.index(f"<{root}")
    title = real.index("<title>", at) + len("<title>")
    return (real[:at] + doctype.format(root=root) + "\n" + real[at:title] + reference
            + real[title:]).encode("utf-8")


@pytest.mark.parametrize("attack", XML_ATTACKS)
@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_xml_dtds_and_entities_are_refused_with_a_clear_message(fmt, attack):
    data = _xml_attack(fmt, attack)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"refusing XML with a DTD or entity declaration.*"
                                         r"remove the <!DOCTYPE"):
        list(XML_FORMATS[fmt][1](Input.from_bytes(data, ORIGIN)))
    items = list(read_input(Input.from_bytes(data, ORIGIN)))  # as `paperradar ingest` reads it
    assert items[0].message == f"read as {fmt}"
    assert [type(i) for i in items] == [type(items[0]), Problem]
    assert "DTD or entity declaration" in items[1].message and "root:" not in items[1].message
    assert time.perf_counter() - started < 2.0


# ------------------------------------------------------------------ huge inputs and memory

MB = 1 << 20


def _write(path: Path, *parts: bytes) -> Path:
    with open(path, "wb") as fh:
        fh.writelines(parts)
    return path


def _peak_growth(parse, path: Path) -> tuple[int, list]:
    """Items of a file and the most Python memory (bytes, tracemalloc) reading it took."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        items = list(parse(Input.from_path(path)))
        return tracemalloc.get_traced_memory()[1] - base, items
    finally:
        tracemalloc.stop()


#: Streaming formats hold at most one line (MAX_LINE_BYTES) or one record of that size.
STREAMING_BOUND = 4 * MAX_LINE_BYTES
_OAI_HEAD = (b'<?xml version="1.0"?>\n<OAI-PMH><ListRecords><record><header><identifier>'
             b"oai:arXiv.org:1706.03762</identifier></header><metadata><arXivRaw><id>1706.03762"
             b"</id><title>Attention</title><abstract>")
_OAI_TAIL = b"</abstract></arXivRaw></metadata></record></ListRecords></OAI-PMH>\n"


@pytest.mark.parametrize("name, parse, parts, expect", [
    ("jsonl", jsonl.parse, (b'{"title": "', b"a" * (50 * MB), b'"}\n{"title": "ok"}\n'),
     "too long"),
    ("csv", csvfile.parse, (b'title,abstract\nA,"', b"x" * (50 * MB), b'"\nB,ok\n'), "field limit"),
    ("csv-cells", csvfile.parse, (b"title,abstract\nA,", b"x," * (25 * MB), b"\nB,ok\n"),
     "field limit"),
    ("oai", oai.parse, (_OAI_HEAD, b"word " * (10 * MB), _OAI_TAIL), "more than"),
])
def test_a_50_mb_line_or_field_is_refused_without_reading_it_whole(tmp_path, name, parse, parts,
                                                                    expect):
    """Streaming formats stay under STREAMING_BOUND (32 MB) of Python memory for a 50 MB line."""
    path = _write(tmp_path / name, *parts)
    growth, items = _peak_growth(parse, path)
    check_items(items, str(path))
    problems = [i for i in items if isinstance(i, Problem)]
    assert len(problems) == 1 and expect in problems[0].message
    assert growth < STREAMING_BOUND, f"{name}: {growth / MB:.0f} MB for a 50 MB line"


@pytest.mark.parametrize("name, parse, parts", [
    ("pasted", parse_pasted, (b"A title\n", b"word " * (10 * MB), b"\n")),
    ("hf", hf_daily.parse, (b'[{"paper": {"id": "2501.00001", "title": "T", "summary": "',
                            b"word " * (4 * MB), b'"}}]')),
    ("bibtex", bibtex.parse, (b"@article{k, title = {T}, abstract = {", b"word " * (2 * MB),
                              b"}}\n")),
])
def test_whole_text_formats_clip_a_huge_field_in_bounded_memory(tmp_path, name, parse, parts):
    """Pasted, HF and BibTeX texts are read whole (at most MAX_TEXT_BYTES, 64 MB): memory
    stays within 4x the input, and the field is clipped (no 15x blowup splitting it)."""
    path = _write(tmp_path / name, *parts)
    growth, items = _peak_growth(parse, path)
    check_items(items, str(path))
    [paper] = [i for i in items if isinstance(i, Paper)]
    assert len(paper.abstract) == MAX_FIELD_CHARS
    assert growth < 4 * path.stat().st_size + 8 * MB, f"{name}: {growth / MB:.0f} MB"


@pytest.mark.parametrize("head", [b"A title\n", b"@article{k, title = {T},\n",
                                  b'[{"paper": {"id": "2501.00001", "title": "T", "summary": "'])
def test_whole_text_inputs_over_the_limit_are_refused_unread(tmp_path, head):
    path = tmp_path / "huge"
    _write(path, head, b"word " * 20_000)  # past the sniffed head; the rest is a hole
    os.truncate(path, MAX_TEXT_BYTES + 1)  # sparse: nothing more is written
    growth, items = _peak_growth(read_input, path)
    assert [type(i) for i in items][-1] is Problem and "more than the" in items[-1].message
    assert growth < 4 * MB


# ------------------------------------------------------------------ BibTeX in linear time

def _bibtex_seconds(data: bytes) -> float:
    started = time.perf_counter()
    items = list(bibtex.parse(Input.from_bytes(data, ORIGIN)))
    check_items(items)
    return time.perf_counter() - started


def test_bibtex_brace_left_open_at_the_start_of_a_big_file_costs_linear_time():
    real = need(FIXTURES / "d2l-references.bib").read_bytes()[:40_000]
    small = b"@article{first, title = {never closed,\n" + real
    big = b"@article{first, title = {never closed,\n" + real * 4
    items = list(bibtex.parse(Input.from_bytes(big, ORIGIN)))
    assert isinstance(items[0], Problem) and "not closed before the next entry" in items[0].message
    assert sum(isinstance(i, Paper) for i in items) > 4 * 100
    small_s, big_s = _bibtex_seconds(small), _bibtex_seconds(big)
    assert big_s < 8 * small_s + 0.5, f"4x the text took {big_s / small_s:.1f}x the time"


def test_many_broken_bibtex_entries_cost_linear_time():
    """Each broken entry used to recount lines from the start of the file (quadratic:
    8,000 broken entries took 11 s, 20x the time of 2,000)."""
    def broken(n: int) -> bytes:
        return b"".join(b"@article{k%d, title = {x\n  author = {A. B.},\n\n" % i for i in range(n))
    small_s, big_s = _bibtex_seconds(broken(1500)), _bibtex_seconds(broken(6000))
    assert big_s < 8 * small_s + 0.5, f"4x the entries took {big_s / small_s:.1f}x the time"


# ------------------------------------------------------------------ no backtracking blowups

def _seconds(call, *args) -> float:
    started = time.perf_counter()
    call(*args)
    return time.perf_counter() - started


@pytest.mark.parametrize("head", [
    "<?a?>" * 3000 + "!",  # 30 of these took hours: each '<?...?>' could end at any later '?>'
    "<!-- a -->" * 3000 + "!", "<!DOCTYPE x " + "[]]" * 20_000, "<?" + "a?" * 30_000,
])
def test_xml_root_sniffing_is_linear(head):
    assert root_name(head) is None and _seconds(root_name, head) < 0.5
    assert _seconds(lambda: list(read_input(Input.from_bytes(head.encode(), ORIGIN)))) < 2


@pytest.mark.parametrize("head", [" " * 60_000 + "x", "%a\n" * 20_000 + "x", "%" + " " * 60_000])
def test_bibtex_sniffing_is_linear(head):
    """30 leading blanks made every format detection hang (bibtex is sniffed before pasted)."""
    assert not bibtex.sniff(head) and _seconds(bibtex.sniff, head) < 0.5


@pytest.mark.parametrize("line", ["a" + " " * 20_000 + "b", "A B" + " " * 19_000 + "x",
                                  "Smith" + "1" * 19_000 + "a", "Hinton" + " " * 5000 + ", et al."])
def test_author_line_reading_is_linear(line):
    """'a' + 2,000 spaces + 'b' took a minute (cubic 'et al.' pattern) in a digest entry."""
    assert _seconds(parse_author_names, line) < 0.5
    digest = f"1、[CV] A title\n{line}\n" + "An abstract sentence. " * 20 + "\n"
    run_bounded("pasted", digest.encode())


@pytest.mark.parametrize("head", [b'[{"paper": ' + b"[" * 30_000, b"[{" + b'"a":{' * 20_000])
def test_hf_sniffing_deeply_nested_json(head):
    """json.raw_decode's RecursionError escaped format detection (and read_input)."""
    check_items(read_input(Input.from_bytes(head + b"]" * 30_000, ORIGIN)))


def test_arxiv_id_search_is_linear():
    """'a-' * 20,000 (40 KB, e.g. an id cell of a CSV) took 27 s: quadratic old-style id search."""
    assert _seconds(parse_arxiv_id, "a-" * 4000) < 0.1  # about 1 s now


def test_snapshot_versions_past_nine_digits_are_a_problem():
    """Found by the CI campaign: a snapshot record with version "v" + 40 digits made a
    Paper whose version the store cannot write."""
    record = ('{"id": "0704.0001", "title": "t", "abstract": "a", "categories": "cs.LG", "versions": '
              '[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, '
              '{"version": "v' + "6" * 40 + '", "created": "Tue, 3 Apr 2007 19:18:42 GMT"}]}\n')
    items = [i for i in _items(jsonl.parse, record.encode()) if not isinstance(i, Notice)]
    assert [type(i) for i in items] == [Problem]
    assert "versions" in items[0].message
