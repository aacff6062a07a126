import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperradar.index.fusion import (
    DEFAULT_METHOD,
    DEFAULT_PARAMS,
    FUSION_METHODS,
    RetrieverHit,
    fuse,
    fuse_default,
    fuse_scores,
)

KEYWORD = [("a", 12.0), ("b", 9.0), ("c", 3.0)]
SEMANTIC = [("b", 0.81), ("d", 0.62), ("a", 0.40)]
RUNS = {"keyword": KEYWORD, "semantic": SEMANTIC}


# -------------------------------------------------------------------------- RRF

def test_rrf_hand_computed_scores_and_order():
    hits = fuse("rrf", RUNS)
    scores = {h.key: h.score for h in hits}
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 63)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["c"] == pytest.approx(1 / 63)
    assert scores["d"] == pytest.approx(1 / 62)
    assert [h.key for h in hits] == ["b", "a", "d", "c"]


def test_rrf_k_and_weights():
    scores = fuse_scores("rrf", RUNS, k=0, weights={"semantic": 2.0})
    assert scores["a"] == pytest.approx(1 / 1 + 2 / 3)
    assert scores["d"] == pytest.approx(2 / 2)
    with pytest.raises(ValueError):
        fuse("rrf", RUNS, k=-1)


def test_every_hit_says_which_retriever_found_it_and_why():
    hits = {h.key: h for h in fuse("rrf", RUNS)}
    assert hits["b"].found_by == {"keyword": RetrieverHit(2, 9.0), "semantic": RetrieverHit(1, 0.81)}
    assert hits["b"].retrievers == ["semantic", "keyword"]
    assert hits["c"].found_by == {"keyword": RetrieverHit(3, 3.0)}
    for method in FUSION_METHODS:
        for hit in fuse(method, RUNS):
            assert sum(hit.contributions.values()) == pytest.approx(hit.score)
            assert set(hit.found_by) <= set(hit.contributions)


# ------------------------------------------------------------ normalised sums

def test_minmax_hand_computed():
    scores = fuse_scores("minmax", RUNS, weights={"keyword": 0.3, "semantic": 0.7})
    assert scores["a"] == pytest.approx(0.3 * 1.0 + 0.7 * 0.0)
    assert scores["b"] == pytest.approx(0.3 * (6 / 9) + 0.7 * 1.0)
    assert scores["c"] == pytest.approx(0.0)
    assert scores["d"] == pytest.approx(0.7 * (0.22 / 0.41))


def test_zscore_hand_computed_and_missing_keys_get_the_run_floor():
    scores = fuse_scores("zscore", {"keyword": KEYWORD})
    mean = 8.0
    sd = math.sqrt(((12 - 8) ** 2 + (9 - 8) ** 2 + (3 - 8) ** 2) / 3)
    assert scores["a"] == pytest.approx((12 - mean) / sd)
    both = {h.key: h for h in fuse("zscore", RUNS)}
    # "d" was not returned by keyword: it gets keyword's lowest z, the one of "c"
    assert both["d"].contributions["keyword"] == pytest.approx((3 - mean) / sd)
    assert "keyword" not in both["d"].found_by


def test_tmm_uses_the_theoretical_floor():
    scores = fuse_scores("tmm", {"semantic": SEMANTIC}, lower={"semantic": -1.0})
    assert scores["b"] == pytest.approx(1.0)
    assert scores["a"] == pytest.approx(1.40 / 1.81)
    # with the default floor 0 a weak run stays weak instead of being stretched
    weak = fuse_scores("tmm", {"s": [("x", 0.2), ("y", 0.1)]})
    assert weak == pytest.approx({"x": 1.0, "y": 0.5})


@pytest.mark.parametrize("method", sorted(FUSION_METHODS))
def test_a_single_hit_and_all_equal_scores_are_safe(method):
    single = fuse(method, {"keyword": [("only", 5.0)]})
    assert [h.key for h in single] == ["only"]
    assert all(math.isfinite(h.score) for h in single)
    flat = fuse(method, {"keyword": [("x", 2.0), ("y", 2.0), ("z", 2.0)]})
    assert all(math.isfinite(h.score) for h in flat)
    if method != "rrf":  # equal scores stay equal (rrf looks at ranks only)
        assert len({h.score for h in flat}) == 1
    assert [h.key for h in flat] == ["x", "y", "z"]  # ties keep the retriever's order
    assert fuse(method, {}) == [] and fuse(method, {"keyword": []}) == []


def test_duplicates_keep_the_first_and_non_finite_scores_are_refused():
    hits = fuse("rrf", {"k": [("a", 3.0), ("a", 1.0), ("b", 0.5)]})
    assert hits[0].found_by["k"] == RetrieverHit(1, 3.0)
    with pytest.raises(ValueError, match="not a finite number"):
        fuse("minmax", {"k": [("a", float("nan"))]})


def test_limit():
    assert [h.key for h in fuse("rrf", RUNS, limit=2)] == ["b", "a"]


# ----------------------------------------------------------------- the registry

def test_unknown_method_lists_the_methods():
    with pytest.raises(ValueError) as err:
        fuse("borda", RUNS)
    for name in FUSION_METHODS:
        assert name in str(err.value)


def test_unknown_parameter_lists_the_accepted_ones():
    with pytest.raises(ValueError, match=r"takes k, weights; not alpha"):
        fuse("rrf", RUNS, alpha=0.5)


def test_the_product_default_is_a_registered_method_with_valid_parameters():
    assert DEFAULT_METHOD in FUSION_METHODS
    hits = fuse_default(RUNS)
    assert hits == fuse(DEFAULT_METHOD, RUNS, **DEFAULT_PARAMS)
    # a key both retrievers rank high beats keys only one of them found
    assert hits[0].key == "b" and hits[0].retrievers == ["semantic", "keyword"]


# ------------------------------------------------------------------- properties

run_strategy = st.lists(
    st.tuples(st.integers(0, 30), st.floats(-100, 100, allow_nan=False)), max_size=20)


@settings(max_examples=150, deadline=None)
@given(first=run_strategy, second=run_strategy, method=st.sampled_from(sorted(FUSION_METHODS)))
def test_fused_hits_are_the_union_best_first(first, second, method):
    runs = {"one": sorted(first, key=lambda x: -x[1]), "two": sorted(second, key=lambda x: -x[1])}
    hits = fuse(method, runs)
    assert {h.key for h in hits} == {k for k, _ in first} | {k for k, _ in second}
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(math.isfinite(s) for s in scores)


@settings(max_examples=150, deadline=None)
@given(scores=st.lists(st.floats(0, 50, allow_nan=False), min_size=2, max_size=15, unique=True),
       method=st.sampled_from(sorted(FUSION_METHODS)))
def test_agreeing_retrievers_keep_their_order(scores, method):
    """Two retrievers that rank the keys the same way fuse to that order."""
    ordered = sorted(enumerate(scores), key=lambda x: -x[1])
    runs = {"one": ordered, "two": [(k, s / 2 + 1) for k, s in ordered]}
    assert [h.key for h in fuse(method, runs)] == [k for k, _ in ordered]
