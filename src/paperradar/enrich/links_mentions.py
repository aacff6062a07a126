"""Datasets and models a paper names: catalog names (links_catalog) matched
on word boundaries, plus datasets the text itself marks as datasets ("the
KAIST dataset") or introduces ("we introduce CogIP-Bench, a benchmark")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .links_catalog import DATASETS, MODELS, parse_catalog
from .name_patterns import STOP_NAMES

# A dataset name may go on with a lowercase word ("ImageNet-pretrained") but
# not with a number or a capital ("ImageNet-1K", "CelebA-HQ": other entries).
_DATASET_EDGES = (r"(?<![\w-])", r"(?![\w+]|-[\dA-Z]|\.\d)")
# A model name may go on with a size or variant ("Llama-2-7B", "ViT-L").
_MODEL_EDGES = (r"(?<![\w-])", r"(?![\w+]|\.\d)")

# Name-like: an uppercase letter plus another capital or a digit (KAIST,
# CheXmask, SensoDat, MesaTask-10K), 2 to 40 characters.
_NAME = r"(?=[\w.+-]*[A-Z][\w.+-]*[A-Z0-9])[A-Za-z0-9][\w.+-]{0,38}[A-Za-z0-9+]"
# Looser, where the sentence says outright that it is a dataset (Vinoground).
_TITLED = r"[A-Z][\w.+-]{1,38}[A-Za-z0-9+]"
_DATA_WORD = r"(?:benchmark|dataset|data set|corpus|database|subset|suite|testbed|collection)s?"
_DATA_STEMS = ("benchmark", "dataset", "data set", "corpus", "corpora", "database", "subset", "suite",
               "testbed", "collection")
_MARKED = [
    # "on the KAIST dataset", "the full PDMX corpus", "the MolmoAct Dataset"
    re.compile(rf"\b(?:[Tt]he|our|[Oo]n|[Ii]n)\s+(?:[a-z][\w-]*\s+)?({_NAME})\s+(?i:{_DATA_WORD})\b"),
    # "benchmarks like OpenViVQA and ViTextVQA", "datasets such as A, B, and C"
    re.compile(rf"\b{_DATA_WORD}\s+(?:like|such as|including|e\.g\.,?)\s+((?:{_NAME}(?:,\s*|\s+and\s+|,\s*and\s+))*"
               rf"{_NAME})"),
    # benchmark names: "MiniAppBench", "CogIP-Bench", "MMDeepResearch-Bench"
    re.compile(r"(?<![\w-])([A-Z][\w-]*?-?Bench(?:mark)?(?:-[A-Za-z0-9]+)?)(?![\w-])"),
    # "Leiden Atomic and Molecular Database (LAMDA)"
    re.compile(rf"\b(?:Database|Dataset|Benchmark|Corpus)\s*\(({_NAME})\)"),
]
_INTRO_VERB = (r"(?<!the )\b(?:introduce|present|propose|release|construct|build|establish|curate|collect|create"
               r"|contribute|develop)[sd]?\b")
_INTRODUCED = [
    re.compile(rf"{_INTRO_VERB}[^.;]{{0,60}}?\b{_DATA_WORD},?\s+"
               rf"(?:called |named |dubbed |termed |coined )?({_NAME})\b"),
    re.compile(rf"{_INTRO_VERB}\s+(?:the\s+|a\s+new\s+)?\(?({_TITLED})\)?(?:\s*\([^()]*\))?,\s+(?:an?|the)\s+"
               rf"(?:[\w-]+,?\s+){{0,6}}?{_DATA_WORD}\b"),
    re.compile(rf"{_INTRO_VERB}\s+the\s+({_NAME})\s+{_DATA_WORD}\b"),
    re.compile(rf"\b(?:a|our) (?:new|novel) {_DATA_WORD},?\s+({_NAME})\b"),
    re.compile(rf"\(({_NAME})\)\s+{_DATA_WORD}\b"),
]
_HF_DATASET = re.compile(r"huggingface\.co/datasets/[\w.-]+/([\w.-]+)")
#: Generic acronyms and words that are not dataset names even before "dataset".
_NOT_DATASETS = STOP_NAMES | {"Bench", "Benchmark"}


@dataclass
class Mentions:
    """What a text names: known datasets, datasets it marks or introduces,
    and models, each as a display name (catalog canonical when known)."""

    datasets: list[str] = field(default_factory=list)
    introduced: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)


@cache
def _compiled(which: str) -> tuple[re.Pattern, dict[str, str]]:
    """One alternation of every spelling: literals longest first (so "Llama 2"
    beats "Llama"), then the regex variants as named groups; and the map from
    a literal spelling or a group name to the canonical name."""
    table, (left, right) = (DATASETS, _DATASET_EDGES) if which == "datasets" else (MODELS, _MODEL_EDGES)
    canonical_of: dict[str, str] = {}
    regexes = []
    for canonical, variants in parse_catalog(table):
        for variant in variants:
            if variant.startswith("re:"):
                regexes.append(f"(?P<v{len(regexes)}>{variant[3:]})")
                canonical_of[f"v{len(regexes) - 1}"] = canonical
            else:
                canonical_of.setdefault(variant, canonical)
    literals = sorted((v for v in canonical_of if not re.fullmatch(r"v\d+", v)), key=len, reverse=True)
    alternatives = [re.escape(v) for v in literals] + regexes
    return re.compile(left + "(?:" + "|".join(alternatives) + ")" + right), canonical_of


def catalog_matches(text: str, which: str) -> list[str]:
    """Canonical names of the catalog (``"datasets"`` or ``"models"``) that
    ``text`` mentions, in order of first mention."""
    pattern, canonical_of = _compiled(which)
    return _unique(canonical_of[m.lastgroup or m.group(0)] for m in pattern.finditer(text))


def find_mentions(text: str | None, urls: list[str] = ()) -> Mentions:
    """Datasets (known, marked, introduced) and models named in ``text``;
    ``urls`` (normalised) add the datasets a paper links on Hugging Face."""
    if not text:
        return Mentions()
    known = catalog_matches(text, "datasets")
    models = catalog_matches(text, "models")
    seen = {_fold(n) for n in known} | {_fold(n) for n in models}

    def fresh(name: str) -> bool:
        name_ok = (name not in _NOT_DATASETS and _fold(name) not in seen and len(_fold(name)) >= 2
                   and not re.search(r"-[a-z]+$", name))  # "MIDI-based"
        if name_ok:
            seen.add(_fold(name))
        return name_ok

    # all patterns but the "...Bench" one need a dataset word: skip them cheaply
    low = text.lower()
    says_data = any(word in low for word in _DATA_STEMS)
    introduced = []
    for pattern in _INTRODUCED if says_data else ():
        for m in pattern.finditer(text):
            if fresh(m.group(1)):
                introduced.append((m.start(1), m.group(1)))
    for url in urls:
        m = _HF_DATASET.search(url)
        if m and fresh(m.group(1)):
            introduced.append((len(text), m.group(1)))
    marked = []
    for pattern in _MARKED if says_data else _MARKED[2:3]:
        for m in pattern.finditer(text):
            for name in re.split(r",\s*and\s+|,\s*|\s+and\s+", m.group(1)):
                if name and fresh(name):
                    marked.append((m.start(1), name))
    return Mentions(datasets=known + [n for _, n in sorted(marked)],
                    introduced=[n for _, n in sorted(introduced)], models=models)


def _fold(name: str) -> str:
    return re.sub(r"[^0-9a-z+]", "", name.lower())


def _unique(names) -> list[str]:
    out: dict[str, None] = {}
    for n in names:
        out.setdefault(n, None)
    return list(out)
