"""KeywordIndex (tantivy) and query_text: ranking, updates, persistence, filters, safety."""

from __future__ import annotations

import time

import pytest
from conftest import SEEDS, need
from hypothesis import given, settings
from hypothesis import strategies as st

from paperradar.errors import InputError, StoreError
from paperradar.index.keyword import KeywordDoc, KeywordFilters, KeywordIndex
from paperradar.index.query_text import date_interval, filter_days, query_words
from paperradar.models import Paper
from paperradar.sources import Input, read_input


def doc(pk, title="", abstract="", authors=(), date=None, categories=(), sources=(), has_code=False):
    return KeywordDoc(pk, title, abstract, list(authors), date, list(categories), list(sources), has_code)


def pks(hits):
    return [h.pk for h in hits]


def small_index(path):
    """An index with a small single-threaded writer: quick to start in tests."""
    return KeywordIndex(path, writer_heap_bytes=20_000_000, writer_threads=1)


@pytest.fixture
def index(tmp_path):
    with small_index(tmp_path / "kw") as ki:
        yield ki


# A small corpus for filters: pk -> (date, categories, sources, has_code, authors)
FILTER_DOCS = [
    doc(1, "Diffusion models for images", date="2023-05-10", categories=["cs.CV", "cs.LG"],
        sources=["arxiv"], has_code=True, authors=["Geoffrey Hinton", "Yann LeCun"]),
    doc(2, "Diffusion models for audio", date="2024-02-29", categories=["eess.AS"],
        sources=["hf_daily"], authors=["Ada Lovelace"]),
    doc(3, "Diffusion models for text", date="2024", categories=["cs.CL"],
        sources=["arxiv", "pasted"], has_code=True, authors=["Hinton Yann"]),
    doc(4, "Diffusion models for video", date="2024-06", categories=["cs.CV"],
        sources=["bibtex"], authors=["Jürgen Schmidhuber"]),
    doc(5, "Diffusion models without a date", date=None, categories=["cs.CV"], sources=["pasted"]),
]


@pytest.fixture(scope="module")
def filtered(tmp_path_factory):
    """FILTER_DOCS, indexed once for the read-only tests."""
    with small_index(tmp_path_factory.mktemp("filtered") / "kw") as ki:
        ki.upsert(FILTER_DOCS)
        ki.commit({})
        yield ki


# ------------------------------------------------------------------ ranking


def test_title_match_outranks_abstract_only_match(index):
    index.upsert([
        doc(1, "A survey of optimisation", "We study knowledge distillation for compact students."),
        doc(2, "Knowledge distillation for compact students", "A survey of optimisation."),
        doc(3, "Unrelated", "Nothing about it."),
    ])
    index.commit({})
    hits = index.search("knowledge distillation")
    assert pks(hits) == [2, 1]
    assert hits[0].score > hits[1].score > 0


def test_authors_weigh_least(index):
    index.upsert([doc(1, "Graph networks", authors=["Rahul Kumar"]),
                  doc(2, "Kumar graph", authors=["Someone Else"]),
                  doc(3, "Other", "kumar mentioned once in an abstract of average length here")])
    index.commit({})
    assert pks(index.search("kumar")) == [2, 3, 1]


def test_stemming_matches_word_forms(index):
    index.upsert([doc(1, "Transformer training runs"), doc(2, "Convolutional nets")])
    index.commit({})
    assert pks(index.search("transformers")) == [1]
    assert pks(index.search("running trained")) == [1]
    assert index.search("transformers")[0].matched == {"title": ["transformers"]}


def test_matched_terms_name_fields_and_query_words(index):
    index.upsert([doc(1, "Vision transformers", "Images with attention.", ["Alex Vision"]),
                  doc(2, "Speech", "attention for audio")])
    index.commit({})
    hits = {h.pk: h for h in index.search("Vision attention, speech!")}
    assert hits[1].matched == {"title": ["vision"], "abstract": ["attention"], "authors": ["vision"]}
    assert hits[2].matched == {"title": ["speech"], "abstract": ["attention"]}
    bare = index.search("Vision attention, speech!", explain=False)
    assert [(h.pk, h.score, h.matched) for h in bare] == [(h.pk, h.score, {}) for h in hits.values()]
    later = index.matched_words("Vision attention, speech!", [2, 1, 99])
    assert later == {2: hits[2].matched, 1: hits[1].matched, 99: {}}
    assert index.matched_words("title:speech", [2], operators=True) == {2: {"title": ["speech"]}}
    assert index.matched_words("speech", []) == {}


def test_matched_terms_of_long_queries(index):
    words = [f"term{i}" for i in range(30)]  # 30 words x 3 fields: several bit-mask searches
    index.upsert([doc(1, " ".join(words[::2]), " ".join(words[1::2]), ["term29 term28"]),
                  doc(2, "term0")])
    index.commit({})
    hits = {h.pk: h.matched for h in index.search(" ".join(words))}
    assert hits[1] == {"title": words[::2], "abstract": words[1::2], "authors": ["term28", "term29"]}
    assert hits[2] == {"title": ["term0"]}


def test_limit_and_order(index):
    index.upsert(doc(i, "graph " * (1 + i % 3), f"graph paper {i}") for i in range(30))
    index.commit({})
    hits = index.search("graph", limit=7)
    assert len(hits) == 7
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert index.search("graph", limit=0) == []
    assert len(index.search("graph", limit=10**12)) == 30


def test_seed_papers_are_found(tmp_path):
    papers = [item for path in sorted(need(SEEDS).glob("0*.txt"))
              for item in read_input(Input.from_path(path)) if isinstance(item, Paper)]
    assert len(papers) > 100
    with KeywordIndex(tmp_path / "seeds") as ki:
        ki.upsert(KeywordDoc(pk, p.title or "", p.abstract or "", p.author_names, p.date)
                  for pk, p in enumerate(papers))
        ki.commit({})
        top = [papers[h.pk] for h in ki.search("image super-resolution", limit=2)]
    assert len(top) == 2 and all("super-resolution" in (p.title or "").lower() for p in top)


# ------------------------------------------------------------------ updates and persistence


def test_upsert_replaces_and_delete_removes_without_rebuild(index):
    index.upsert([doc(1, "Old title about graphs"), doc(2, "Second paper on graphs")])
    index.commit({"revision": 1})
    index.upsert([doc(1, "New title about proteins")])
    assert pks(index.search("proteins")) == []  # not visible before commit
    index.commit({"revision": 2})
    assert pks(index.search("proteins")) == [1]
    assert pks(index.search("graphs")) == [2]
    assert index.count() == 2
    index.delete([2, 999])
    index.commit({"revision": 3})
    assert index.search("graphs") == [] and index.count() == 1


def test_upsert_twice_in_one_batch_keeps_the_last(index):
    index.upsert([doc(7, "first version"), doc(7, "second version")])
    index.commit({})
    assert index.count() == 1
    assert index.search("first") == [] and pks(index.search("second")) == [7]


def test_rollback_drops_pending_changes(index):
    index.upsert([doc(1, "kept")])
    index.commit({"r": 1})
    index.upsert([doc(2, "dropped")])
    index.rollback()
    index.commit({"r": 2})
    assert index.count() == 1 and index.search("dropped") == []


def test_persists_across_reopen_with_meta(tmp_path):
    path = tmp_path / "kw"
    with small_index(path) as ki:
        assert ki.meta() == {} and ki.count() == 0
        ki.upsert([doc(1, "Persistent homology"), doc(2, "Graph kernels", date="2024")])
        ki.commit({"revision": 42, "store": "radar.db"})
        ki.upsert([doc(3, "never committed")])
    with small_index(path) as ki:
        assert ki.meta() == {"revision": 42, "store": "radar.db"}
        assert ki.count() == 2
        assert pks(ki.search("homology")) == [1]
        assert ki.search("committed") == []
        ki.upsert([doc(3, "Committed later")])
        ki.commit({"revision": 43})
    assert KeywordIndex(path).meta() == {"revision": 43}


def test_meta_that_is_not_json_commits_nothing(index):
    index.upsert([doc(1, "pending")])
    with pytest.raises(TypeError):
        index.commit({"when": object()})
    assert index.count() == 0 and index.meta() == {}


def test_second_writer_gets_a_store_error(tmp_path):
    with small_index(tmp_path / "kw") as first, small_index(tmp_path / "kw") as second:
        first.upsert([doc(1, "a")])
        with pytest.raises(StoreError, match="locked by another writer"):
            second.upsert([doc(2, "b")])
        assert second.search("a") == []  # readers are never blocked


def test_unknown_layout_or_broken_meta_is_a_store_error(tmp_path):
    path = tmp_path / "kw"
    with KeywordIndex(path) as ki:
        ki.commit({})
    (path / "paperradar-keyword.json").write_text('{"schema": 999, "meta": {}}')
    with pytest.raises(StoreError, match="delete it to rebuild"):
        KeywordIndex(path)
    (path / "paperradar-keyword.json").write_text("{not json")
    with pytest.raises(StoreError, match="unreadable"):
        KeywordIndex(path)


# ------------------------------------------------------------------ filters


@pytest.mark.parametrize("filters, expected", [
    (KeywordFilters(since="2024-01-01"), {2, 3, 4}),
    (KeywordFilters(since="2024-06-15"), {3, 4}),          # "2024" and "2024-06" overlap
    (KeywordFilters(until="2024-02-29"), {1, 2, 3}),
    (KeywordFilters(until="2023"), {1}),
    (KeywordFilters(since="2024-03", until="2024-05"), {3}),
    (KeywordFilters(since="2024-07-01", until="2024-07-31"), {3}),
    (KeywordFilters(category="cs.CV"), {1, 4, 5}),
    (KeywordFilters(category="CS.cv "), {1, 4, 5}),
    (KeywordFilters(category="cs"), {1, 3, 4, 5}),
    (KeywordFilters(category="eess.AS"), {2}),
    (KeywordFilters(category="math.OC"), set()),
    (KeywordFilters(author="Hinton"), {1, 3}),
    (KeywordFilters(author="geoffrey hin"), {1}),
    (KeywordFilters(author="hinton yann"), {3}),           # words of one author, not across two
    (KeywordFilters(author="Juergen"), set()),
    (KeywordFilters(author="jurgen schmidhuber"), {4}),    # accents folded
    (KeywordFilters(source="pasted"), {3, 5}),
    (KeywordFilters(source="arxiv"), {1, 3}),
    (KeywordFilters(has_code=True), {1, 3}),
    (KeywordFilters(has_code=False), {2, 4, 5}),
    (KeywordFilters(since="2024", category="cs.CV", has_code=False), {4}),
    (KeywordFilters(author="hinton", source="arxiv", has_code=True, until="2023-12-31"), {1}),
    (KeywordFilters(since="2025-01-01", until="2024-01-01"), set()),
])
def test_filters(filtered, filters, expected):
    assert set(pks(filtered.search("diffusion models", filters=filters))) == expected


def test_filters_keep_scores(filtered):
    plain = {h.pk: h.score for h in filtered.search("diffusion video")}
    hit = filtered.search("diffusion video", filters=KeywordFilters(category="cs.CV"))[0]
    assert hit.pk == 4 and hit.score == pytest.approx(plain[4])


def test_filtered_search_still_fills_the_limit(index):
    strong = [doc(i, "sparse attention sparse attention", date="2020-01-01") for i in range(60)]
    weak = [doc(100 + i, "a note", "mentions attention once", date="2024-03-01") for i in range(25)]
    index.upsert(strong + weak)
    index.commit({})
    hits = index.search("sparse attention", limit=20, filters=KeywordFilters(since="2024"))
    assert len(hits) == 20 and all(h.pk >= 100 for h in hits)


@pytest.mark.parametrize("filters, where", [
    (KeywordFilters(since="last week"), "since"),
    (KeywordFilters(until="2024-13"), "until"),
    (KeywordFilters(since="2023-02-30"), "since"),
    (KeywordFilters(author="!!!"), "author"),
])
def test_bad_filter_values_are_input_errors(filtered, filters, where):
    with pytest.raises(InputError) as info:
        filtered.search("diffusion", filters=filters)
    assert info.value.where == where


# ------------------------------------------------------------------ query safety


@pytest.mark.parametrize("query", [
    "", "   ", "!!! ... ---", "\"\" ()", "😀🔥", "\x00\x07\x1b", "AND OR NOT",
])
def test_empty_or_punctuation_queries_find_nothing(filtered, query):
    assert filtered.search(query) == []


@pytest.mark.parametrize("query", [
    '"diffusion', "diffusion)", "(diffusion", "title:diffusion", "diffusion*", "-diffusion",
    "diffusion AND", "NEAR(diffusion audio)", "diffusion^3", "diffusion\\", "{diffusion]",
    "diffusion~2", "abstract: diffusion", "pk:1 diffusion", "diffusion 😀", "diffusion\x00models",
])
def test_query_syntax_is_text_by_default(filtered, query):
    hits = filtered.search(query)
    assert set(pks(hits)) == {1, 2, 3, 4, 5}


def test_non_latin_text_does_not_crash(filtered):
    assert filtered.search("图像超分辨率") == []
    assert pks(filtered.search("知识蒸馏 audio")) == [2]


_SYNTAX = st.sampled_from([
    '"', "'", "(", ")", "[", "]", "{", "}", "AND", "OR", "NOT", "NEAR", "NEAR/3", "*", "-", "+",
    ":", "title:", "pk:", "date_lo:[1 TO", "\\", "^", "~", "/", "||", "&&", "!", " ", "\x00",
    "\u202e", "😀", "图像", "diffusion", "models", "é", "IN [", "]", "TO",
])
QUERIES = st.one_of(
    st.text(max_size=200),
    st.lists(_SYNTAX, max_size=40).map(" ".join),
    st.lists(_SYNTAX, max_size=40).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(query=QUERIES)
def test_fuzzed_queries_never_raise(filtered, query):
    started = time.perf_counter()
    hits = filtered.search(query)
    assert all(h.pk in {1, 2, 3, 4, 5} for h in hits)
    try:
        filtered.search(query, operators=True)
    except InputError as exc:
        assert exc.where == "query"
    assert time.perf_counter() - started < 1.0


def test_huge_queries_take_bounded_time(filtered):
    for query in ("diffusion " * 200_000, "(" * 100_000, "a" * 1_000_000, "😀" * 100_000,
                  " ".join(f"w{i}" for i in range(50_000))):
        started = time.perf_counter()
        filtered.search(query)
        assert time.perf_counter() - started < 1.0


# ------------------------------------------------------------------ operator mode


def test_operators_are_honoured_when_asked(filtered):
    assert set(pks(filtered.search("diffusion AND NOT audio", operators=True))) == {1, 3, 4, 5}
    assert set(pks(filtered.search("diffusion -audio -video", operators=True))) == {1, 3, 5}
    assert set(pks(filtered.search("audio OR (video AND diffusion)", operators=True))) == {2, 4}
    assert pks(filtered.search('"models for video"', operators=True)) == [4]
    assert pks(filtered.search("title:audio", operators=True)) == [2]
    assert set(pks(filtered.search("audio OR video", operators=True,
                                   filters=KeywordFilters(category="cs.CV")))) == {4}


@pytest.mark.parametrize("query", ['"unbalanced', "(a OR", "nosuchfield:x", "0:*", "-audio",
                                   "x" * 1001])
def test_operator_syntax_errors_are_input_errors(filtered, query):
    with pytest.raises(InputError) as info:
        filtered.search(query, operators=True)
    assert info.value.where == "query"


# ------------------------------------------------------------------ query_text


def test_query_words():
    assert query_words('"Vision" AND transformers -NOT (ViT)*') == ["vision", "transformers", "vit"]
    assert query_words("the of and") == ["the", "of", "and"]  # only stopwords: keep them
    assert query_words("super-resolution, super_resolution") == ["super", "resolution"]
    assert query_words("ＧＰＴ－４") == ["gpt", "4"]  # NFKC width folding
    assert len(query_words(" ".join(f"w{i}" for i in range(500)))) == 32
    assert query_words("🔥 \x00 \u202e") == []


@pytest.mark.parametrize("text, expected", [
    ("2024-06-01", (20240601, 20240601)),
    ("2024-02", (20240201, 20240229)),
    ("2023-02", (20230201, 20230228)),
    ("2024", (20240101, 20241231)),
    ("2024-06-01T12:00:00Z", (20240601, 20240601)),
    ("2024-13-01", None), ("2024-02-30", None), ("June 2024", None), ("", None), (None, None),
])
def test_date_interval(text, expected):
    assert date_interval(text) == expected


def test_filter_days():
    assert filter_days("2024", "2024-03") == (20240101, 20240331)
    assert filter_days(None, " ") == (None, None)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        filter_days("yesterday", None)
