import json
import math

import pytest
from conftest import SEEDS, SHARED, need

from paperradar.evaluate import (
    Judged,
    best_ranks,
    citation_accuracy,
    evaluate_qrels,
    evaluate_rerank,
    findable,
    load_citation_triplets,
    load_dev_qrels,
    load_scirepeval_search,
    matching_papers,
    ndcg_at_k,
    ndcg_from_scores,
    paper_matches,
    recall_at_k,
    rerank_ndcg,
    score_ranking,
)
from paperradar.models import Paper

EVAL = SHARED / "eval"


def log2(x):
    return math.log2(x)


# ------------------------------------------------------------------ metric math

def test_ndcg_hand_computed():
    # grades found at ranks 1..3: 0, 2, 1; judged grades {2, 1}
    dcg = 2 / log2(3) + 1 / log2(4)
    idcg = 2 / log2(2) + 1 / log2(3)
    assert ndcg_at_k([0, 2, 1], [1, 2], 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([0, 2, 1], [1, 2], 10) == pytest.approx(0.66967, abs=1e-5)


def test_ndcg_perfect_empty_and_cutoff():
    assert ndcg_at_k([2, 1], [1, 2]) == pytest.approx(1.0)
    assert ndcg_at_k([0, 0], [1, 2]) == 0.0
    assert ndcg_at_k([1, 1], []) == 0.0  # nothing judged relevant
    # the relevant item at rank 3 is outside a cutoff of 2
    assert ndcg_at_k([0, 0, 2], [2], k=2) == 0.0
    assert ndcg_at_k([0, 0, 2], [2], k=3) == pytest.approx(1 / log2(4))


def test_recall_at_k():
    assert recall_at_k([0, 5, None, 25], k=20) == 0.5
    assert recall_at_k([19], k=20) == 1.0
    assert recall_at_k([20], k=20) == 0.0
    assert recall_at_k([], k=20) == 0.0


def test_ndcg_from_scores_orders_by_score():
    assert ndcg_from_scores([0.1, 0.9, 0.5], [0, 1, 0]) == pytest.approx(1.0)
    assert ndcg_from_scores([0.9, 0.1, 0.5], [0, 1, 0]) == pytest.approx(1 / log2(4))


def test_ndcg_from_scores_ties_take_the_expected_value():
    grades = [1] + [0] * 9
    expected = sum(1 / log2(i + 2) for i in range(10)) / 10
    assert ndcg_from_scores([0.0] * 10, grades) == pytest.approx(expected)
    # the input order cannot help a constant scorer
    assert ndcg_from_scores([0.0] * 10, grades[::-1]) == pytest.approx(expected)
    # a tie of two at the top: the relevant one is first half of the time
    assert ndcg_from_scores([1.0, 1.0, 0.0], [1, 0, 0]) == pytest.approx((1 + 1 / log2(3)) / 2)


def test_ndcg_from_scores_tie_across_the_cutoff():
    # two tied at ranks 2-3 with k=2: the relevant one is inside half of the time
    assert ndcg_from_scores([2, 1, 1], [0, 1, 0], k=2) == pytest.approx(0.5 / log2(3))


def test_ndcg_from_scores_length_mismatch():
    with pytest.raises(ValueError):
        ndcg_from_scores([1.0], [1, 0])


# --------------------------------------------------------------------- dev qrels

def _seed_papers():
    from paperradar.sources import Input, read_input

    papers = []
    for path in sorted(need(SEEDS).glob("*.txt")):
        papers += [p for p in read_input(Input.from_path(path)) if isinstance(p, Paper)]
    return papers


def test_load_dev_qrels_real_file():
    judged = load_dev_qrels(need(EVAL / "dev-qrels.json"))
    queries = [j.query for j in judged]
    assert "_doc" not in queries
    assert len(judged) == 7
    zh = next(j for j in judged if j.query == "图像超分辨率")
    assert len(zh.items) == 2 and all(g == 2.0 for _s, g in zh.items)
    vit = next(j for j in judged if j.query == "vision transformers")
    assert ("BEiT", 2.0) in vit.items and ("MultiMAE", 1.0) in vit.items


def test_every_dev_judgement_matches_a_seed_paper():
    papers = _seed_papers()
    assert len(papers) > 150
    for j in load_dev_qrels(need(EVAL / "dev-qrels.json")):
        assert findable(j, papers) == j, j.query


def test_matching_ignores_case_and_whitespace_and_uses_title_or_abstract():
    p = Paper(title="BEiT: BERT Pre-Training  of Image Transformers", abstract="We study  masked modeling.")
    assert paper_matches("beit", p)
    assert paper_matches("pre-training of image", p)
    assert paper_matches("MASKED MODELING", p)
    assert not paper_matches("Transformers. We", p)  # never across title and abstract
    assert not paper_matches("", p)
    assert paper_matches("dump", Paper(title=None, abstract="An abstract dump"))


def test_a_judgement_matching_several_papers_counts_once_at_its_best_rank():
    judged = Judged("q", (("contrastive", 2.0), ("missing", 1.0)))
    ranked = [Paper(title="other"), Paper(title="Contrastive A"), Paper(title="Contrastive B")]
    assert best_ranks(judged, ranked) == [1, None]
    score = score_ranking(judged, ranked)
    assert score.ndcg10 == pytest.approx((2 / log2(3)) / (2 + 1 / log2(3)))
    assert score.recall20 == 0.5


def test_evaluate_qrels_with_an_oracle_and_a_useless_search():
    papers = _seed_papers()
    judged = load_dev_qrels(need(EVAL / "dev-qrels.json"))
    by_query = {j.query: j for j in judged}

    def search(query, mode, limit):
        j = by_query[query]
        # one matching paper per judged item, best grade first
        ordered = [next(p for p in papers if paper_matches(sub, p))
                   for sub, _g in sorted(j.items, key=lambda x: -x[1])]
        if mode == "useless":
            return [p for p in papers if not any(paper_matches(s, p) for s, _g in j.items)][:limit]
        return ordered[:limit]

    results = evaluate_qrels(search, judged, modes=("oracle", "useless"), corpus=papers)
    assert results["oracle"].ndcg10 == pytest.approx(1.0)
    assert results["oracle"].recall20 == pytest.approx(1.0)
    assert results["useless"].ndcg10 == 0.0
    assert set(results["oracle"].per_query) == set(by_query)


def test_matching_papers_on_the_seeds():
    papers = _seed_papers()
    vit = next(j for j in load_dev_qrels(need(EVAL / "dev-qrels.json")) if j.query == "vision transformers")
    matches = matching_papers(vit, papers)
    assert set(matches) == {sub for sub, _g in vit.items}
    beit = [papers[i].title for i in matches["BEiT"]]
    assert "BEiT: BERT Pre-Training of Image Transformers" in beit
    assert len(beit) == 2  # another abstract mentions BEiT: the best-ranked of the two counts
    assert all(len(found) >= 1 for found in matches.values())


def test_findable_drops_what_no_paper_matches(caplog):
    judged = Judged("q", (("BEiT", 2.0), ("no such paper anywhere", 1.0)))
    kept = findable(judged, [Paper(title="BEiT")])
    assert kept.items == (("BEiT", 2.0),)
    assert "no such paper anywhere" in caplog.text


# --------------------------------------------------------------------- SciRepEval

def test_load_scirepeval_search_real_file():
    data = load_scirepeval_search(need(EVAL / "scirepeval" / "search_dev.jsonl"))
    assert len(data) == 50
    assert all(len(q.candidates) == 10 == len(q.grades) for q in data)
    assert all(max(q.grades) > 0 for q in data)
    first = data[0].candidates[0]
    assert first.title and first.abstract and first.source == "scirepeval" and first.source_id


def test_evaluate_rerank_oracle_constant_and_reversed():
    data = load_scirepeval_search(need(EVAL / "scirepeval" / "search_dev.jsonl"))
    grades = {id(c): g for q in data for c, g in zip(q.candidates, q.grades)}
    result = evaluate_rerank({
        "oracle": lambda query, cands: [grades[id(c)] for c in cands],
        "constant": lambda query, cands: [0.0] * len(cands),
        "first-wins": lambda query, cands: [-i for i in range(len(cands))],
    }, data)
    assert result["oracle"] == pytest.approx(1.0)
    # the README's "random order 0.48": ties are scored at their expected value
    assert 0.4 < result["constant"] < 0.55
    assert result["first-wins"] > result["constant"]  # the file order leaks relevance
    assert len(rerank_ndcg(lambda q, c: [0.0] * len(c), data)) == 50


def test_load_scirepeval_search_reports_the_bad_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"query": "q", "candidates": []}) + "\n{broken\n")
    with pytest.raises(ValueError, match=r"s.jsonl:2"):
        load_scirepeval_search(path)


def _words(p):
    return set(f"{p.title} {p.abstract}".lower().split())


def test_citation_triplets_real_file_and_accuracy():
    triplets = load_citation_triplets(need(EVAL / "scirepeval" / "citation_triplets_dev.json"))
    assert len(triplets) == 100
    assert all(t.query.title and t.positive.title and t.negative.title for t in triplets)

    def overlap(a, b):
        wa, wb = _words(a), _words(b)
        return len(wa & wb) / len(wa | wb)

    acc = citation_accuracy(overlap, triplets)
    assert acc.total == 100
    assert 0.6 < acc.accuracy < 1.0  # plain word overlap already finds most cited papers

    constant = citation_accuracy(lambda a, b: 0.5, triplets)
    assert constant.accuracy == 0.0 and constant.ties == 100
