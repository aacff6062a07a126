"""The name enricher: the method's short name from real titles and abstracts of the seeds
and fixtures, None rather than a wrong name, and display names for title-less papers
through the runner on a real store."""

from __future__ import annotations

from functools import cache

import pytest

from conftest import FIXTURES, SEEDS, need
from paperradar.enrich import run_enrichers
from paperradar.enrich.name import ENRICHERS, name_from_title, paper_name
from paperradar.enrich.name_abstract import name_from_abstract
from paperradar.enrich.name_patterns import STOP_NAMES, clean_latex, is_abbreviation, is_strict_name
from paperradar.models import Paper
from paperradar.pipeline import ingest
from paperradar.sources import read_input
from paperradar.sources.base import Input

DUMP = "000_9a8ae47f4d0e921a.txt"
DIGEST = "001_316854c0f982fd8b.txt"
KEYWORDS = "002_e9e5f09aea7b1a27.txt"
TRENDING = "003_4b6c4515aaf574aa.txt"


@cache
def papers_of(path) -> tuple[Paper, ...]:
    return tuple(p for p in read_input(Input.from_path(need(path))) if isinstance(p, Paper))


def titled(path, title_start: str) -> Paper:
    found = [p for p in papers_of(path) if (p.title or "").startswith(title_start)]
    assert found, title_start
    return found[0]


def name_of(paper: Paper):
    found = paper_name(paper)
    return (found["name"], found["from"]) if found else None


def test_beit_from_the_digest_title():
    assert name_of(titled(SEEDS / DIGEST, "BEiT:")) == ("BEiT", "title")


def test_title_less_abstract_dump_papers_get_their_method_names():
    names = [name_of(p) for p in papers_of(SEEDS / DUMP)]
    assert names == [("EpmVG", "abstract"), ("DiG", "abstract"), ("RBN", "abstract")]


@pytest.mark.parametrize("seed, title_start, expected", [
    (DIGEST, "Controlling Neural Networks", ("DEEPCTRL", "abstract")),  # defined, then used throughout
    (DIGEST, "Self-Supervised Learning with Kernel", ("SSL-HSIC", "abstract")),
    (DIGEST, "Machine Learning Implicit Solvation", ("ISSNet", "abstract")),
    (KEYWORDS, "Cross-modal Prompts", ("DG-SCT", "abstract")),
    (KEYWORDS, "DN-CL:", ("DN-CL", "title")),
    (KEYWORDS, "ReactionT5:", ("ReactionT5", "title")),
    (KEYWORDS, "$\\mathcal{Y}$-Tuning", ("Y-Tuning", "title")),
    (TRENDING, "ConViT:", ("ConViT", "title")),
    (TRENDING, "Use Your INSTINCT:", ("INSTINCT", "title")),  # not "Use Your INSTINCT"
    (TRENDING, "Fooling Contrastive", ("CLIPMasterPrints", "title")),
    (TRENDING, "Once-for-All:", ("OFA", "title")),  # "a once-for-all (OFA) network"
    (TRENDING, "Generative Visual Prompt:", ("PromptGen", "title")),
    (TRENDING, "Emergent Mixture-of-Experts:", ("EMoE", "title")),
    (TRENDING, "O$^2$-Recon:", ("O^2-Recon", "title")),
    (TRENDING, "Building Variable-sized Models", ("Learngene Pool", "abstract")),  # not SN-Net
    (TRENDING, "Entropy is not Enough", ("DeYO", "abstract")),
    (TRENDING, "Transformers Can Do Bayesian", ("PFNs", "abstract")),
    (TRENDING, "Adapt then Unlearn", ("Adapt-then-Unlearn", "abstract")),
])
def test_names_from_real_seed_papers(seed, title_start, expected):
    assert name_of(titled(SEEDS / seed, title_start)) == expected


@pytest.mark.parametrize("seed, title_start", [
    (KEYWORDS, "Rule-driven News Captioning"),  # "describing named entities": not a name
    (KEYWORDS, "Gradient Estimation for Unseen Domain"),  # DomainBed is a benchmark it uses
    (TRENDING, "Words are all you need?"),
    (TRENDING, "Pruning by Explaining:"),
    (TRENDING, "Causal Analysis for Robust Interpretability"),
    (DIGEST, "Question Answering Infused Pre-training"),  # a title alone, no name in it
])
def test_no_name_rather_than_a_wrong_one(seed, title_start):
    assert paper_name(titled(SEEDS / seed, title_start)) is None


@pytest.mark.parametrize("title_start, expected", [
    ("Testing Deep Learning Models: A First", None),
    ("ChatGPT and Software Testing Education", None),
    ("Automated Test Generation for REST APIs", None),
    ("Fairness Testing: Testing Software", ("Themis", "abstract")),  # "Our approach, Themis, ..."
    ("OpenCat: Improving", ("OpenCat", "title")),
    ("Morphy: A Datamorphic", ("Morphy", "title")),
    ("$ω$Test: WebView", ("ωTest", "title")),
    ("Continuous Testing: Unifying", None),  # the abstract writes 'continuous testing'
    ("Agent-Based Software Testing: A Definition", None),  # a mapping study, not a method
])
def test_names_from_api_query_titles(title_start, expected):
    assert name_of(titled(FIXTURES / "api_query_100.xml", title_start)) == expected


def test_physics_snapshot_gives_no_formula_or_concept_as_a_name():
    names = {p.arxiv_id: name_of(p) for p in papers_of(FIXTURES / "arxiv-snapshot-head200.jsonl")}
    for arxiv_id in ("0704.0001", "0704.0002", "0704.0026", "0704.0128"):
        assert names[arxiv_id] is None
    formulas = [n for n in names.values() if n and any(c.isdigit() for c in n[0]) and "-" not in n[0]]
    assert not any(n[0] in ("Al2O3", "76Ge", "LHC", "GRBs") for n in names.values() if n), formulas


def test_names_given_anywhere_are_never_stop_words_and_always_written_in_the_text():
    papers = []
    for seed in (DUMP, DIGEST, KEYWORDS, TRENDING):
        papers += papers_of(SEEDS / seed)
    papers += papers_of(FIXTURES / "api_query_100.xml")
    papers += papers_of(FIXTURES / "arxiv-snapshot-head200.jsonl")
    given = 0
    for paper in papers:
        found = paper_name(paper)
        if not found:
            continue
        given += 1
        name = found["name"]
        assert name not in STOP_NAMES and 2 <= len(name) <= 40 and len(name.split()) <= 3
        text = clean_latex((paper.title or "") + " " + (paper.abstract or ""))
        assert name.lower() in text.lower(), (name, paper.title)
    assert given >= 100


@pytest.mark.parametrize("abstract, expected", [
    ("In this paper, we propose Regularized BN (RBN) that adds a regularization term.", "RBN"),
    ("Batch Normalization (BN) is everywhere. We study why it fails.", None),
    ("We introduce a theoretical model based on the Information Bottleneck (IB) principle. "
     "Building on it, we develop Dynamic Mode Steering (DMS), a novel algorithm.", "DMS"),
    ("Recently, Stitchable Neural Networks (SN-Net) is proposed to stitch networks.", None),
    ("We propose a method for out-of-distribution (OOD) detection.", None),
    ("We observe a principle called Occam's razor.", None),
    ("We present GEN3C, a generative video model.", "GEN3C"),
    ("we propose a new strategy, dubbed Universal Parallel Tuning (UniPT).", "UniPT"),
    ("This paper presents an automated tool called Morphy for testing.", "Morphy"),
    ("We propose a new method for LLM agents, a simple one.", None),
    ("We introduce ImageNet-1K, a dataset.", None),  # a catalog name is not the paper's method
    ("", None),
])
def test_abstract_patterns(abstract, expected):
    assert name_from_abstract(abstract) == expected


@pytest.mark.parametrize("title, abstract, expected", [
    ("Dynamic Head: Unifying Object Detection Heads with Attentions", None, None),
    ("Soft Thinking: Unlocking Reasoning", "In this work, we introduce Soft Thinking, a method.", "Soft Thinking"),
    ("SPARSE Data, Rich Results: Few-Shot Learning", "sparse data", None),
    ("T5Gemma-TTS Technical Report", "We present T5Gemma-TTS.", "T5Gemma-TTS"),
    ("A Survey: Of Things", "We survey things.", None),
    ("Towards Better Things: A Study", "We study Towards.", None),
])
def test_title_patterns(title, abstract, expected):
    assert name_from_title(title, abstract) == expected


def test_helpers():
    assert is_abbreviation("EpmVG", "Empowering pre-trained model for Visual Grounding")
    assert is_abbreviation("PromptGen", "Generative Visual Prompt")
    assert not is_abbreviation("XMLD", "X-ray magnetic circular (XMCD) and linear")
    assert is_strict_name("BEiT") and is_strict_name("LMM-Searcher") and is_strict_name("B-cosification")
    assert not any(is_strict_name(w) for w in ("Testing", "AI-driven", "3D-aware", "LLMs", "Once-for-All",
                                               "10x", "CeAg_2Ge_2", "(non-)Abelian"))
    assert clean_latex("X^{2}-Gaussian") == "X^2-Gaussian"


def test_runner_gives_title_less_seed_papers_a_display_name(store):
    ingest(store, [str(need(SEEDS / DUMP)), str(need(SEEDS / DIGEST))])
    report = run_enrichers(store, ["name"]).reports[0]
    assert not report.failures and report.done == store.count()
    by_title = {p.title: p.enrichments.get("name") for p in store.papers()}
    untitled = sorted(p.enrichments["name"]["name"] for p in store.papers() if not p.title)
    assert untitled == ["DiG", "EpmVG", "RBN"]
    assert by_title["BEiT: BERT Pre-Training of Image Transformers"] == {"name": "BEiT", "from": "title"}
    assert not by_title["Revisiting Model Stitching to Compare Neural Representations"]  # stored empty
    assert run_enrichers(store, ["name"]).reports[0].up_to_date


def test_registered_as_a_builtin():
    from paperradar.enrich import select

    assert select(["name"])["name"] is ENRICHERS[0]
