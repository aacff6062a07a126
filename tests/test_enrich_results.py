"""The ``results`` enricher: headline claims from real abstracts (the seeds),
what must never become a claim, dataset keys, and ``paperradar results``."""

from __future__ import annotations

import json
import time

import orjson
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, SEEDS, need
from paperradar.cli_results import NOT_ENRICHED, results_command
from paperradar.enrich import run_enrichers
from paperradar.enrich.results import ENRICHERS, ResultsEnricher, paper_name
from paperradar.enrich.results_board import leaderboard
from paperradar.enrich.results_datasets import dataset_key
from paperradar.enrich.results_extract import extract_claims
from paperradar.enrich.results_text import clean_abstract, split_sentences
from paperradar.enrich.results_vocab import lower_is_better
from paperradar.models import Paper
from paperradar.pipeline import ingest


def _seed_texts() -> list[str]:
    return [need(path).read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]


def seed_sentence(marker: str) -> str:
    """The sentence of the seeds that contains ``marker`` (as the enricher splits it)."""
    for text in _seed_texts():
        for line in text.splitlines():
            if marker in line:
                for sentence in split_sentences(clean_abstract(line)):
                    if marker in sentence:
                        return sentence
    pytest.skip(f"seed sentence with {marker!r} not found")


def seed_abstract(marker: str) -> str:
    """The whole seed line (one abstract) that contains ``marker``."""
    for text in _seed_texts():
        for line in text.splitlines():
            if marker in line:
                return line
    pytest.skip(f"seed abstract with {marker!r} not found")


def values(claims) -> list[float]:
    return [c.value for c in claims]


# --- claims from real seed sentences ---------------------------------------------------------

def test_beit_sentence_gives_the_claim_with_its_baseline():
    claims = extract_claims(seed_sentence("base-size BEIT achieves 83.2%"))
    assert len(claims) == 1  # 81.8 is the baseline's value, 2020 a year
    c = claims[0]
    assert "BEIT" in c.method
    assert (c.metric, c.value, c.value_text, c.unit) == ("top-1 accuracy", 83.2, "83.2", "%")
    assert c.dataset == "ImageNet-1K" and dataset_key(c.dataset) == "imagenet-1k"
    assert (c.baseline, c.baseline_value) == ("DeiT", 81.8)
    assert c.sentence.startswith("For example, base-size BEIT achieves 83.2% top-1 accuracy")


def test_baselines_pair_by_metric_and_multi_scale_sentence_keeps_the_dataset():
    abstract = seed_abstract("our Dual-Swin-L achieves 59.4% box AP")
    claims = {(c.metric, c.value): c for c in extract_claims(abstract)}
    assert set(claims) == {("box AP", 59.4), ("mask AP", 51.6), ("box AP", 60.1), ("mask AP", 52.3)}
    assert (claims["box AP", 59.4].baseline, claims["box AP", 59.4].baseline_value) == ("Swin-L", 57.7)
    assert (claims["mask AP", 51.6].baseline, claims["mask AP", 51.6].baseline_value) == ("Swin-L", 50.2)
    # "With multi-scale testing, we push ... to 60.1% box AP": no dataset named, the previous sentence's
    assert {dataset_key(c.dataset) for c in claims.values()} == {"coco"}
    assert claims["box AP", 60.1].method == "Dual-Swin-L"


def test_respectively_pairs_values_with_datasets():
    claims = extract_claims(seed_sentence("20.8% and 25.08% mIoU on nuScenes and ScanNet"))
    assert [(c.value, c.metric, c.dataset) for c in claims] == [(20.8, "mIoU", "nuScenes"),
                                                                (25.08, "mIoU", "ScanNet")]


def test_values_in_parentheses_after_dataset_names_take_the_sentence_metric():
    claims = extract_claims(seed_sentence("FID scores on the Scenery (21.512)"))
    assert [(c.dataset, c.value, c.metric) for c in claims] == [
        ("Scenery", 21.512, "FID"), ("Building Facades", 25.31, "FID"), ("WikiArts", 36.212, "FID")]
    assert all(c.method == "PQDiff" for c in claims)
    assert lower_is_better("FID")


def test_metric_before_value_and_a_relative_error_reduction_is_no_claim():
    claims = extract_claims(seed_sentence("SimpleNet achieves an anomaly detection AUROC of 99.6%"))
    assert [(c.method, c.metric, c.value, c.dataset) for c in claims] == [("SimpleNet", "AUROC", 99.6, "MVTec AD")]


def test_from_to_gives_the_value_and_its_baseline():
    claims = extract_claims(seed_sentence("improves the mean accuracy of ResNet-50 from 35.6% to 46.7%"))
    assert values(claims) == [46.7]
    assert (claims[0].baseline, claims[0].baseline_value, claims[0].dataset) == ("ResNet-50", 35.6, "ImageNet")
    assert dataset_key(claims[0].dataset) == "imagenet"


def test_we_claims_are_credited_to_the_paper_name():
    abstract = seed_abstract("we achieve 94.6\\% Dice coefficient")
    claims = extract_claims(abstract, fallback_method="Med3D")
    assert [(c.method, c.metric, c.value, c.unit, c.dataset) for c in claims] == [
        ("Med3D", "Dice", 94.6, "%", "LiTS")]
    beit_like = Paper(title="Med3D: Transfer Learning for 3D Medical Image Analysis", abstract=abstract)
    assert paper_name(beit_like) == "Med3D"
    beit_like.enrichments = {"name": {"name": "Med-3D", "from": "title"}}
    assert paper_name(beit_like) == "Med-3D"  # the name enricher's output wins when it ran
    assert paper_name(Paper(title="Pre-Trained Models: Past, Present and Future")) is None


@pytest.mark.parametrize("marker", [
    "from 5% to 100% of the training sets",           # shares of data
    "175B parameters for GPT-3",                       # model sizes, FLOPs saved, % of parameters
    "Mixtral 8x7B",                                    # model names with sizes; memory savings
    "by 20 absolute points",                           # a gain
    "average of +2.67 BLEU",                           # a gain written with its metric
    "speed up the inference at least 129times",        # speed-ups
    "over 200-fold speedups",
    "1.5x reduction in model size and 1.3x speedup",
    "retains more than 99% accuracy on SQuAD 2.0",     # relative to the teacher
    "while maintaining 99%, 99% and 90% zero-shot task performance",
    "reduce the Chamfer Distance error by about 36",
    "17% lower median position error",
    "gains in the overall accuracy of up to 3%",
    "in 15 of the 16 settings",                         # counts
])
def test_numbers_that_are_not_results_give_no_claims(marker):
    sentence = seed_sentence(marker)
    assert extract_claims(sentence) == [], sentence


def test_a_whole_abstract_without_results_gives_nothing():
    # Selfie: its only claim is 46.7% (with the 35.6% baseline); 5%, 100%, 60 examples are not results
    abstract = seed_abstract("Selfie generalizes the concept of masked language modeling")
    assert values(extract_claims(abstract)) == [46.7]
    assert extract_claims(seed_abstract("SliceGPT can remove up to 25% of the model parameters")) == []
    assert extract_claims(seed_abstract("MixLoRA enables parallel fine-tuning")) == []


def test_years_citations_and_odd_input():
    assert extract_claims("Since 2019, methods (Touvron et al., 2020) achieve 1999 points.") == []
    assert extract_claims(None) == [] and extract_claims("") == []
    assert extract_claims("\x00\x01 ### 12%%% ((( 3.3.3 top-1") == []


def test_huge_and_pathological_text_is_fast():
    junk = "We achieve 1% " * 5000 + "(" * 3000 + "On " + "Alpha Beta " * 3000
    start = time.perf_counter()
    extract_claims(junk)
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("written, key", [
    ("ImageNet-1K", "imagenet-1k"), ("ImageNet 1k", "imagenet-1k"), ("ImageNet1K", "imagenet-1k"),
    ("imagenet-1k", "imagenet-1k"), ("the ImageNet-1K validation set", "imagenet-1k"),
    ("COCO test-dev", "coco"), ("MS-COCO", "coco"), ("CIFAR10", "cifar-10"), ("CIFAR-10", "cifar-10"),
    ("AIME 2024", "aime-24"), ("AIME24", "aime-24"), ("VQAv2", "vqa-v2"), ("VQA v2", "vqa-v2"),
    ("HotpotQA (full-wiki)", "hotpotqa"), ("Humanity's Last Exam", "humanitys-last-exam"),
    ("the MVTec AD benchmark", "mvtec-ad"), ("Kinetics-400", "kinetics-400"), ("", ""),
])
def test_dataset_key_normalisation(written, key):
    assert dataset_key(written) == key


def test_lower_is_better_metrics():
    assert all(lower_is_better(m) for m in ("FID", "WER", "perplexity", "error rate", "top-1 error", "MDD"))
    assert not any(lower_is_better(m) for m in ("top-1 accuracy", "BLEU", "mIoU", "AUROC", None))


# --- through the store and the runner -----------------------------------------------------------

@pytest.fixture
def seeded(store):
    ingest(store, [str(p) for p in sorted(need(SEEDS).glob("*.txt"))])
    return store


def test_runner_stores_claims_and_dataset_keys(seeded):
    summary = run_enrichers(seeded, ["results"])
    report = summary.reports[0]
    assert report.name == "results" and not report.failures and report.found >= 15
    pks = seeded.pks_with_key("results", "dataset:imagenet-1k")
    titles = {p.title for p in seeded.papers_by_pk(pks)}
    assert "BEiT: BERT Pre-Training of Image Transformers" in titles
    keys = dict(seeded.enrichment_keys("results", "dataset:"))
    assert {"dataset:imagenet-1k", "dataset:coco", "dataset:mvtec-ad", "dataset:kinetics-400"} <= set(keys)
    # re-running does nothing: keyed by content hash and version
    assert run_enrichers(seeded, ["results"]).reports[0].up_to_date
    assert ENRICHERS[0].name == "results" and ENRICHERS[0].version


def test_enricher_returns_none_without_claims():
    enricher = ResultsEnricher()
    assert enricher.enrich_one(Paper(title="x", abstract="We study things and find them good.")) is None
    found = enricher.enrich_one(Paper(title="XNet: y", abstract="Our XNet achieves 91.5% top-1 accuracy on ImageNet."))
    assert found.keys == ["dataset:imagenet"]
    assert set(found.data["claims"][0]) >= {"method", "metric", "value", "value_text", "unit", "dataset",
                                            "baseline", "baseline_value", "sentence"}


def _jsonl(tmp_path, rows) -> str:
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return str(path)


REAL_FID = [  # sentences from ../shared/fixtures/hf-daily (2602.17270, 2504.05741, 2408.12245)
    {"title": "Latent model A", "abstract": "On ImageNet-512, our approach achieves competitive FID of 1.4, "
     "with high reconstruction quality (PSNR) while requiring fewer training FLOPs."},
    {"title": "DDT: Decoupled Diffusion Transformer", "abstract": "For ImageNet 512times512, Our DDT-XL/2 "
     "achieves a new state-of-the-art FID of 1.28."},
    {"title": "AiM: Scalable Autoregressive Image Generation with Mamba", "abstract": "On the ImageNet1K "
     "256*256 benchmark, our best AiM model achieves a FID of 2.21, surpassing all existing AR models."},
]


def test_leaderboard_orders_lower_is_better_metrics_ascending(store, tmp_path):
    need(FIXTURES / "hf-daily")
    ingest(store, [_jsonl(tmp_path, REAL_FID)])
    ingest(store, [str(need(SEEDS / "001_316854c0f982fd8b.txt"))])  # BEiT: top-1 on ImageNet-1K
    run_enrichers(store, ["results"])
    boards = {b.metric: b for b in leaderboard(store, "ImageNet")}
    assert boards["FID"].lower_is_better
    assert [r.claim["value"] for r in boards["FID"].rows] == [1.28, 1.4, 2.21]
    assert [r.claim["value"] for r in boards["top-1 accuracy"].rows][:1] == [83.2]
    only_1k = {b.metric for b in leaderboard(store, "ImageNet 1k")}
    assert "top-1 accuracy" in only_1k and "FID" in only_1k  # "ImageNet1K" is the same key
    assert leaderboard(store, "ImageNet", metric="fid")[0].metric == "FID"


# --- the command --------------------------------------------------------------------------------

def run(db_path, *args):
    return CliRunner().invoke(results_command, list(args), obj={"db": str(db_path)})


def test_command_says_to_run_enrich_first(db_path, store):
    result = run(db_path)
    assert result.exit_code == 0
    assert NOT_ENRICHED in result.output and "paperradar enrich" in result.output


def test_command_lists_datasets_and_shows_a_leaderboard(db_path, seeded):
    run_enrichers(seeded, ["results"])
    listing = run(db_path)
    assert listing.exit_code == 0
    counts = dict(reversed(line.split()) for line in listing.output.splitlines() if line.strip()[:1].isdigit())
    assert int(counts["imagenet-1k"]) >= 1 and int(counts["coco"]) >= 1
    board = CliRunner(env={"COLUMNS": "400"}).invoke(results_command, ["--dataset", "ImageNet 1K"],
                                                     obj={"db": str(db_path)})
    assert board.exit_code == 0, board.output
    assert "top-1 accuracy (higher is better)" in board.output
    assert "83.2%" in board.output and "BEIT" in board.output
    beit = next(p for p in seeded.papers() if (p.title or "").startswith("BEiT"))
    assert beit.id in board.output  # each row links back: paper id, title and the claim's sentence
    assert "For example, base-size BEIT achieves 83.2% top-1" in " ".join(board.output.split())


def test_command_json_lines_link_back_to_the_claim(db_path, seeded):
    run_enrichers(seeded, ["results"])
    result = run(db_path, "--dataset", "mvtec ad", "--json")
    assert result.exit_code == 0
    rows = [orjson.loads(line) for line in result.output.splitlines()]
    assert rows and all(r["dataset_key"] == "mvtec-ad" for r in rows)
    assert [r["value"] for r in rows] == sorted((r["value"] for r in rows), reverse=True)
    for r in rows:
        assert r["sentence"] in clean_abstract(seeded.get(r["paper_id"]).abstract)
        assert {"method", "metric", "value", "unit", "dataset", "baseline", "baseline_value", "rank"} <= set(r)
    listing = [orjson.loads(line) for line in run(db_path, "--json").output.splitlines()]
    assert {"dataset": "mvtec-ad", "papers": 2} in listing


def test_command_unknown_dataset_and_metric_filter(db_path, seeded):
    run_enrichers(seeded, ["results"])
    missing = run(db_path, "--dataset", "NoSuchBench")
    assert missing.exit_code == 0 and "no claims on 'NoSuchBench'" in missing.output
    fid = run(db_path, "--metric", "FID")
    assert fid.exit_code == 0 and "scenery" in fid.output and "imagenet-1k" not in fid.output
