"""The links enricher: code/project links in real abstracts and comments (LaTeX-wrapped,
broken, glued to punctuation), their normalisation and kinds, datasets and models by
name, and the has-code filter through the runner on a real store."""

from __future__ import annotations

import json
from functools import cache

import pytest

from conftest import FIXTURES, SEEDS, need
from paperradar.enrich import has_code, run_enrichers
from paperradar.enrich.links import ENRICHERS, links_enrichment
from paperradar.enrich.links_mentions import catalog_matches, find_mentions
from paperradar.enrich.links_urls import find_urls, normalize_url, strip_trailing
from paperradar.models import Link, Paper
from paperradar.pipeline import ingest
from paperradar.sources import read_input
from paperradar.sources.base import Input
from paperradar.store import PaperQuery

DUMP = "000_9a8ae47f4d0e921a.txt"
DIGEST = "001_316854c0f982fd8b.txt"
TRENDING = "003_4b6c4515aaf574aa.txt"


@cache
def papers_of(path) -> tuple[Paper, ...]:
    return tuple(p for p in read_input(Input.from_path(need(path))) if isinstance(p, Paper))


def seed_paper(seed: str, title_start: str) -> Paper:
    found = [p for p in papers_of(SEEDS / seed) if (p.title or "").startswith(title_start)]
    assert found, f"no paper titled {title_start!r} in {seed}"
    return found[0]


def urls(text: str) -> list[tuple[str, str]]:
    return [(f.url, f.kind) for f in find_urls(text)]


# -- real sentences ----------------------------------------------------------


def test_footnote_url_in_the_title_less_abstract_dump():
    paper = papers_of(SEEDS / DUMP)[2]
    assert "\\footnote{" in paper.abstract
    assert urls(paper.abstract) == [("https://github.com/wjxts/RegularizedBN", "code")]


@pytest.mark.parametrize("title, expected", [
    ("CBNet:", [("https://github.com/VDIGPKU/CBNetV2", "code")]),
    # "/tree/main/." reduced to the repository, sentence period dropped
    ("LadleNet:", [("https://github.com/Ach-1914/LadleNet", "code")]),
    # written without a scheme, on www.
    ("CLIPTrans:", [("https://github.com/devaansh100/CLIPTrans", "code")]),
    ("Entropy is not Enough", [("https://whitesnowdrop.github.io/DeYO", "project")]),
    ("Fast Model Editing at Scale", [("https://sites.google.com/view/mend-editing", "project")]),
    # a model on the Hub is a resource; the GitHub repository is the code
    ("Understanding writing style", [("https://huggingface.co/AIDA-UPM/star", "other"),
                                     ("https://github.com/jahuerta92/star", "code")]),
    # the "homepage" is a GitHub repository holding a website
    ("FIND:", [("https://github.com/vpx-ecnu/FIND-website", "project")]),
    ("SALMONN:", [("https://github.com/bytedance/SALMONN", "code")]),
    ("Regularized Mask Tuning", [("https://wuw2019.github.io/R-AMT", "project")]),
])
def test_links_in_trending_seed_abstracts(title, expected):
    assert urls(seed_paper(TRENDING, title).abstract) == expected


def test_trending_seed_papers_without_urls_give_no_links():
    paper = seed_paper(TRENDING, "Evaluating and Explaining Large Language Models for Code")
    assert "GitHub" in paper.abstract  # the word, not a link
    assert urls(paper.abstract) == []


def hf_daily_paper(day: str, arxiv_id: str) -> Paper:
    for paper in papers_of(FIXTURES / "hf-daily" / f"{day}.json"):
        if paper.arxiv_id == arxiv_id:
            return paper
    raise AssertionError(f"{arxiv_id} not in {day}")


@pytest.mark.parametrize("day, arxiv_id, expected", [
    # \href{url{text}, url{text}.} with the closing braces misplaced
    ("2025-05-21", "2505.14464", [
        ("https://huggingface.co/datasets/a-m-team/AM-Thinking-v1-Distilled", "other"),
        ("https://huggingface.co/datasets/a-m-team/AM-Qwen3-Distilled", "other")]),
    ("2026-02-04", "2602.03817", [("https://anonymous.4open.science/r/birdnoise-85CD", "code")]),
    # an HTML anchor pasted into the abstract
    ("2025-07-08", "2507.03745", [("https://cumulo-autumn.github.io/StreamDiT", "project")]),
    # bare hosts: a dataset, a Space (a demo), the code
    ("2025-12-15", "2512.10715", [("https://huggingface.co/datasets/mcosarinsky/CheXmask-U", "other"),
                                  ("https://huggingface.co/spaces/matiasky/CheXmask-U", "project"),
                                  ("https://github.com/mcosarinsky/CheXmask-U", "code")]),
    # url{url} written twice
    ("2026-01-30", "2601.21181", [("https://github.com/top-yun/MAD", "code")]),
    # a page announced in the sentence before ("Check out our webpage! https://...")
    ("2025-03-06", "2503.03751", [("https://research.nvidia.com/labs/toronto-ai/GEN3C", "project")]),
    # \url{...} on a code host, trailing slash inside the braces
    ("2024-07-09", "2407.05975", [("https://github.com/CONE-MT/LLaMAX", "code"),
                                  ("https://huggingface.co/LLaMAX", "other")]),
    # a dot inside the repository name survives, the sentence's does not
    ("2026-03-16", "2603.13032", [("https://github.com/rednote-hilab/dots.mocr", "code")]),
])
def test_links_in_hf_daily_abstracts(day, arxiv_id, expected):
    assert urls(hf_daily_paper(day, arxiv_id).abstract) == expected


@cache
def snapshot_papers() -> dict[str, Paper]:
    return {p.arxiv_id: p for p in papers_of(FIXTURES / "arxiv-snapshot-head200.jsonl")}


def test_snapshot_comments_links_are_not_code_unless_announced_as_code():
    papers = snapshot_papers()
    assert urls(papers["0704.0026"].comments) == [
        ("https://wolframscience.com/conference/2006/presentations/materials/demarrais.ppt", "other")]
    # a PDF in a folder named "..._code" is still a document
    assert [k for _, k in urls(papers["0704.0156"].comments)] == ["other"]
    # "The program is available on the World Wide Web at http://... ." -> code
    assert urls(papers["0704.0155"].abstract) == [("https://www.sron.rug.nl/~vdtak/radex/index.shtml", "code")]


def test_doi_in_comments_already_given_is_not_repeated():
    paper = snapshot_papers()["0704.0086"]
    found = links_enrichment(paper).data["links"]
    assert [x["url"] for x in found] == ["https://www.imstat.org/aap", "https://www.imstat.org"]
    assert all(x["where"] == "comments" and x["kind"] == "other" for x in found)


# -- synthetic variants --------------------------------------------------------


@pytest.mark.parametrize("text", [
    r"Code: \url{https://github.com/a/b}.",
    r"Code\footnote{\url{https://github.com/a/b}}",
    r"see \href{https://github.com/a/b}{our repository}.",
    r"see \href{https://github.com/a/b}{https://github.com/a/b}",
    "code at https://github.com/a/b.",
    "code at https://github.com/a/b, and more",
    "(code: https://github.com/a/b)",
    "[https://github.com/a/b]",
    "code at <https://github.com/a/b>",
    "'https://github.com/a/b'",
    "code at https://github.com/a/b.git",
    "code at https://github.com/a/b/",
    "code at http://WWW.GitHub.com/a/b#readme",
    "code at https://github.com/a/b/blob/main/README.md;",
    "code at https://github.com/a/b.Our results show",
    "code at https:// github.com/a/b",
    "code at https://github.com/ a/b",
    "code at https://github.com/a/ b.",
    "code at github.com/a/b!",
])
def test_wrapped_punctuated_and_broken_urls_give_the_same_repository(text):
    assert urls(text) == [("https://github.com/a/b", "code")]


def test_escaped_characters_and_balanced_brackets_are_kept():
    assert urls(r"videos at https://yxyang.github.io/jumping\_cod/.") == [
        ("https://yxyang.github.io/jumping_cod", "project")]
    assert urls("see (https://en.wikipedia.org/wiki/Foo_(bar)).") == [
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "other")]
    assert strip_trailing("https://x.org/a)}.,;") == "https://x.org/a"


def test_prose_after_a_bare_host_is_not_glued_on():
    assert urls("hosted on https://github.com/ and elsewhere") == [("https://github.com", "other")]
    assert urls("at https://github.com/abc/long- name and") == [("https://github.com/abc/long-name", "code")]


@pytest.mark.parametrize("raw, expected", [
    ("http://GitLab.com/group/sub/repo/-/tree/main", "https://gitlab.com/group/sub/repo"),
    ("https://huggingface.co/datasets/o/d/tree/main/data", "https://huggingface.co/datasets/o/d"),
    ("hf.co/org/model", "https://huggingface.co/org/model"),
    ("https://bitbucket.org/o/r/src/master/", "https://bitbucket.org/o/r"),
    ("http://dx.doi.org/10.1214/07-AAP481", "https://doi.org/10.1214/07-aap481"),
    ("https://example.org:8443/a/?q=1#x", "https://example.org:8443/a?q=1"),
    ("https://nodot/", None),
])
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize("text, kind", [
    ("Project page: https://example.org/mine", "project"),
    ("Our code is at https://example.org/mine", "code"),
    ("See https://example.org/mine for details", "other"),
    ("Demo: https://huggingface.co/spaces/o/demo", "project"),
    ("Weights: https://huggingface.co/o/model", "other"),
    ("Video: https://youtu.be/abc", "other"),
    ("Code at https://example.org/paper.pdf", "other"),
    ("Project page and code: https://github.com/o/r", "code"),
    ("Our homepage is https://github.com/o/r", "project"),
])
def test_kinds(text, kind):
    assert [k for _, k in urls(text)] == [kind]


@pytest.mark.parametrize("junk", ["", "no links here", "x" * 200_000, "\x00\x01\xff" * 1000,
                                  "https://" * 500, "(" * 5000 + "https://github.com/a/b"])
def test_junk_text_does_not_break_it(junk):
    assert isinstance(find_urls(junk), list)


# -- datasets and models --------------------------------------------------------


def test_digest_beit_abstract_names_imagenet_variants_and_models():
    paper = seed_paper(DIGEST, "BEiT:")
    mentions = find_mentions(paper.abstract)
    assert mentions.datasets == ["ImageNet-1K", "ImageNet-22K"]
    assert set(mentions.models) == {"BERT", "DeiT", "ViT"}


@pytest.mark.parametrize("text, expected", [
    ("on CIFAR-100 and CIFAR10", ["CIFAR-100", "CIFAR-10"]),
    ("ImageNet-1K and ImageNet-pretrained backbones", ["ImageNet-1K", "ImageNet"]),
    ("CelebA-HQ at 1024", ["CelebA-HQ"]),
    ("we do math and study kinetics of a glue", []),
    ("on MATH500 and GSM8K", ["MATH-500", "GSM8K"]),
    ("MS-COCO, RefCOCO+ and COCO-Stuff", ["COCO", "RefCOCO+", "COCO-Stuff"]),
])
def test_dataset_names_on_word_boundaries(text, expected):
    assert catalog_matches(text, "datasets") == expected


def test_longest_model_name_wins_and_prefixed_names_do_not_match():
    assert catalog_matches("LLaMA-2-70B, Llama 2 and LLaMA; M-CLIP vs CLIP-based", "models") == [
        "Llama 2", "LLaMA", "CLIP"]


def test_introduced_and_marked_datasets_from_real_abstracts():
    cogip = hf_daily_paper("2025-12-01", "2511.22805")
    assert find_mentions(cogip.abstract).introduced == ["CogIP-Bench"]
    vinoground = hf_daily_paper("2024-10-04", "2410.02763")
    assert find_mentions(vinoground.abstract).introduced == ["Vinoground"]
    kaist = seed_paper(TRENDING, "LadleNet:")
    assert "KAIST" in find_mentions(kaist.abstract).datasets


def test_keys_and_shape():
    result = links_enrichment(seed_paper(TRENDING, "CLIP2Scene:"))
    assert result.keys == ["code", "dataset:semantickitti", "dataset:nuscenes", "dataset:scannet"]
    assert result.data["links"] == [{"url": "https://github.com/runnanchen/CLIP2Scene", "kind": "code",
                                     "where": "abstract"}]
    assert result.data["models"] == ["CLIP"]
    json.dumps(result.data)


def test_given_links_are_not_repeated_and_still_count_as_code():
    paper = Paper(title="T", abstract="Code: https://github.com/a/b/ and https://a.github.io/p/.",
                  links=[Link("http://github.com/a/b.git", "code")])
    result = links_enrichment(paper)
    assert result.data["links"] == [{"url": "https://a.github.io/p", "kind": "project", "where": "abstract"}]
    assert result.keys == ["code"]
    only_given = Paper(title="T", abstract="Nothing here.", links=[Link("https://github.com/a/b", "code")])
    assert links_enrichment(only_given).keys == ["code"]
    assert links_enrichment(Paper(title="T", abstract="Nothing here.")) is None
    assert links_enrichment(Paper(title=None, abstract=None)) is None


# -- through the runner, on a real store ------------------------------------------


def test_runner_marks_seed_papers_with_code_for_the_has_code_filter(store):
    ingest(store, [str(need(SEEDS / DUMP)), str(need(SEEDS / DIGEST)), str(need(SEEDS / TRENDING))])
    before = store.pks_matching(PaperQuery(has_code=True))
    summary = run_enrichers(store, ["links"])
    report = summary.reports[0]
    assert report.name == "links" and not report.failures and report.done == store.count()
    with_code = store.pks_matching(PaperQuery(has_code=True))
    assert not before and len(with_code) >= 50
    titles = {p.title: p for p in store.papers(PaperQuery(has_code=True))}
    assert any(t and t.startswith("CBNet:") for t in titles)
    # the title-less abstract with \footnote{\url{github}} is found too
    dump_paper = [p for p in store.papers(PaperQuery(has_code=True)) if not p.title]
    assert len(dump_paper) == 1 and "RegularizedBN" in dump_paper[0].abstract
    assert has_code(dump_paper[0])
    # the digest's weibo links are not code
    beit = [p for p in store.papers() if (p.title or "").startswith("BEiT:")][0]
    assert not has_code(beit) and beit.enrichments["links"]["datasets"] == ["ImageNet-1K", "ImageNet-22K"]
    assert set(store.pks_with_key("links", "dataset:imagenet-1k")) >= {store.pk_of(beit.id)}
    # nothing changed: nothing to do
    assert run_enrichers(store, ["links"]).reports[0].up_to_date


def test_registered_as_a_builtin():
    from paperradar.enrich import select

    assert select(["links"])["links"] is ENRICHERS[0]
