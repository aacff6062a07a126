"""Headline results in an abstract: numbers that are clearly a metric's value
(on a named dataset, or of a named metric), with the method, the compared
baseline and the sentence they come from.

Precision first: a number becomes a claim only when a metric is written right
beside it ("83.2% top-1 accuracy", "an AUROC of 99.6%", "recall@1=71%") or it
is a percentage / score placed on a named benchmark ("89.7% on Kinetics-400").
Never claims: improvements and gaps ("by 3.2%", "+2.67 BLEU", "17% lower
error", "2x faster"), shares ("50% of the data", "96% of the performance"),
speed-ups, sizes and counts ("7B", "1.2M images", "500 GPU hours"), years,
ranges ("92.7-98.1%"), numbers inside names ("ResNet-50", "CSI 300"), and
values written as a baseline's ("(81.8%)" after "outperforming DeiT"),
results of an unnamed subject ("the best-performing model achieves 52.4%"),
and values without a dataset in a clause that names a benchmark no value could
be tied to (the sentence was not understood; a wrong number is worse than none).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .results_attach import attach_datasets, in_clause
from .results_datasets import dataset_key
from .results_names import GENERIC_SUBJECT, baseline_name_around, method_before, methods_listed_before
from .results_numbers import (
    Candidate, candidates, link_from_to, list_groups, mark_compared, mark_reached,
)
from .results_text import Number, clean_abstract, find_dataset_mentions, find_numbers, is_name, split_sentences
from .results_vocab import GENERIC_METRICS, find_metrics


@dataclass
class Claim:
    """One headline result (the ``results`` enricher's claim shape)."""

    method: str | None
    metric: str | None
    value: float
    value_text: str
    unit: str | None
    dataset: str | None
    baseline: str | None
    baseline_value: float | None
    sentence: str
    qualifier: str | None = None  # "over", "up to", "about": the value is a bound or rounded

    def as_dict(self) -> dict:
        return asdict(self)


_QUALIFIER = re.compile(r"(?:\b(over|more than|at least|exceeding|above|nearly|almost|about|approximately|"
                        r"around|roughly|up to|a peak of)|(~|>|≥|≈))\s*$", re.I)
_NEGATED = re.compile(r"\b(?:none|no\s+\w+|not|never|fails?\s+to|cannot|can't|unable\s+to)\b[^,;]*$", re.I)
MAX_SENTENCE = 1500
MAX_NUMBERS = 40
_NAMED_SCORES = frozenset({"score", "average score"})


def extract_claims(abstract: str | None, fallback_method: str | None = None) -> list[Claim]:
    """Every headline claim in an abstract, in reading order (see module docstring).

    A value not tied to a dataset takes the dataset (and, for "we", the
    method) of the previous sentence's claim with the same metric only when
    its own sentence names that dataset too ("On SWE-Bench Lite, our agent
    reaches a 55% resolve rate. Our best group excels with a 57% resolve rate,
    securing the top rank on SWE-Bench Lite"). A dataset named only in an
    earlier sentence is not taken: on unseen abstracts that was wrong as often
    as right ("... in 20 steps on ImageNet. Applying UCGM-S ... improves
    performance to 1.06 FID" may or may not be ImageNet's).
    """
    if not abstract:
        return []
    claims: list[Claim] = []
    seen: set[tuple] = set()
    previous: dict[str, Claim] = {}
    for sentence in split_sentences(clean_abstract(abstract)):
        found = sentence_claims(sentence, fallback_method)
        named: set[str] | None = None  # dataset keys this sentence names, worked out when needed
        for claim, unsure in found:
            before = previous.get(claim.metric) if claim.metric else None
            if claim.dataset is None and before is not None and named is None:
                named = {dataset_key(m.name) for m in find_dataset_mentions(sentence)}
            if claim.dataset is None and before is not None and dataset_key(before.dataset) in named:
                claim.dataset = before.dataset
                if claim.method in (None, fallback_method):
                    claim.method = before.method
            elif unsure:
                continue  # a benchmark is named beside it but the value could not be tied to one
            key = (claim.value, dataset_key(claim.dataset), claim.metric)
            if key not in seen:
                seen.add(key)
                claims.append(claim)
        previous = {c.metric: c for c, _ in found if c.metric and c.dataset}
    return claims


def claims_in_sentence(sentence: str, fallback_method: str | None = None) -> list[Claim]:
    """The claims of one sentence (its first MAX_SENTENCE characters and
    MAX_NUMBERS numbers: a longer run is a table or junk, not a sentence)."""
    return [claim for claim, unsure in sentence_claims(sentence, fallback_method) if not unsure]


def sentence_claims(sentence: str, fallback_method: str | None = None) -> list[tuple[Claim, bool]]:
    """The claims of one sentence, each with whether it is unsure: a value with
    no dataset in a clause naming a benchmark that no value was tied to
    ("Video-R1-7B attains 35.8% on video spatial reasoning benchmark VSI-bench"),
    or in a sentence opening on a name that was not read as a dataset.
    ``extract_claims`` keeps an unsure claim only when it takes its dataset from
    the sentence before (a dataset this sentence names too)."""
    sentence = sentence[:MAX_SENTENCE]
    numbers = find_numbers(sentence)[:MAX_NUMBERS]
    if not numbers:
        return []
    metrics = find_metrics(sentence)
    all_mentions = find_dataset_mentions(sentence)
    mentions = [m for m in all_mentions if not m.training]
    taken = [(m.start, m.end) for m in all_mentions] + [(s, e) for s, e, _ in metrics]
    numbers = [n for n in numbers if not any(a <= n.start < b for a, b in taken)]  # "ARC-AGI 2", "CSI 300"
    cands = candidates(sentence, numbers, metrics, taken)
    link_from_to(sentence, cands, metrics, mentions)
    mark_compared(sentence, cands)
    unattached = attach_datasets(sentence, cands, mentions, metrics)
    mark_reached(sentence, cands)
    unread_opener = _unread_opener(sentence, all_mentions)
    skip = taken
    out: list[tuple[Claim, bool]] = []
    listed: dict[int, str] = {}  # "GPT-o3 and InternVL-3 achieve only 34.08% and 26.52% on SFE"
    for group in list_groups(sentence, cands):
        group = [i for i in group if not cands[i].excluded and cands[i].baseline_of is None]
        names = methods_listed_before(sentence, cands[group[0]].number.start, skip, len(group)) if group else None
        listed.update(zip(group, names or []))
    for i, c in enumerate(cands):
        n = c.number
        if c.excluded or c.baseline_of is not None:
            continue
        metric = c.metric
        left = sentence[max(0, n.start - 200) : n.start]
        if metric is None:
            # Only a value placed right on a named benchmark: a percentage, a
            # "score of", or a number under a specific metric named in its clause.
            if not c.on_named or re.search(r"\b(?!scores?\b)[a-z]+\s+(?:of|=|:)\s*$", left):
                continue  # "codebook usage of 97% on ImageNet": the value of something else
            metric = _clause_metric(sentence, n, metrics)
            in_parenthesis = re.search(r"\(\s*$", left) is not None
            if not (n.unit in ("%", "points") or re.search(r"scores?\s+of\s*$", left, re.I)
                    or (in_parenthesis and metric and metric not in GENERIC_METRICS)):
                continue
        generic = metric in GENERIC_METRICS and n.unit is None and n.value > 1
        if not c.dataset and (metric in _NAMED_SCORES or generic):
            continue
        if _NEGATED.search(sentence[max(0, n.start - 60) : n.start]):
            continue  # "none of them reach 60% accuracy"
        if _in_compared_parenthesis(sentence, n.start):
            continue  # "surpass the prior best agents, including AppAgent (8.3% success rate)"
        method = listed.get(i) or method_before(sentence, n.start, skip)
        if method is GENERIC_SUBJECT:
            continue  # "LLMs now achieve over 90% on MMLU": background, not this paper's result
        baseline, baseline_value = _baseline(sentence, cands, i)
        qualifier = _QUALIFIER.search(left)
        claim = Claim(
            method=method or fallback_method, metric=metric, value=n.value, value_text=n.text,
            unit=n.unit or _unit_from_metric(sentence, n, metric), dataset=c.dataset, baseline=baseline,
            baseline_value=baseline_value, sentence=sentence,
            qualifier=(qualifier.group(1) or qualifier.group(2)).lower() if qualifier else None)
        averaged = re.search(r"\b(?:average|averaged|avg|mean|macro-average|overall)\b", left[-150:].split(";")[-1],
                             re.I)  # "an average success rate of 79.1%": over several benchmarks, rightly none
        out.append((claim, not c.dataset and not averaged
                    and (in_clause(sentence, n.start, unattached) or unread_opener)))
    return out


_OPENER = re.compile(r"^\s*(?:On|In|For|Across)\s+(?P<phrase>[^,;:()]{2,80}),")
_CAPITALISED = re.compile(r"\s[A-Za-z-]*[A-Z][\w-]*")


def _unread_opener(sentence: str, mentions) -> bool:
    """Whether the sentence opens on a phrase that names something no dataset
    was read from ("On a FinAuditing-derived FinMR sample, X reaches 82.09%"):
    its values are then tied to a benchmark this extractor could not name."""
    m = _OPENER.match(sentence)
    if not m or any(m.start("phrase") <= d.start < m.end("phrase") for d in mentions):
        return False
    return _CAPITALISED.search(" " + m.group("phrase")) is not None


def _in_compared_parenthesis(sentence: str, position: int) -> bool:
    """Whether a value stands in parentheses after a baseline ("surpassing X (8.3%)")."""
    left = sentence[max(0, position - 300) : position]
    paren = left.rfind("(")
    if paren < 0 or ")" in left[paren:]:
        return False
    clause = re.split(r"[;]", left[:paren])[-1][-80:]
    return re.search(r"\b(?:outperform\w*|surpass\w*|beat\w*|than|compared\s+(?:to|with)|vs\.?|versus|"
                     r"prior|previous)\b", clause, re.I) is not None


def _clause_metric(sentence: str, n: Number, metrics) -> str | None:
    """The metric named in the same clause, nearest after the value, else before."""
    lo = sentence.rfind(";", 0, n.start) + 1
    hi = sentence.find(";", n.end)
    hi = len(sentence) if hi < 0 else hi
    after = [name for s, e, name in metrics if n.end <= s < hi]
    before = [name for s, e, name in metrics if lo <= s and e <= n.start]
    return after[0] if after else (before[-1] if before else None)


def _unit_from_metric(sentence: str, n: Number, metric: str | None) -> str | None:
    """"28.4 BLEU": the metric written as the unit."""
    if metric and re.match(r"\s*(?:BLEU|ROUGE[-\w]*|FID|AP|mAP|PSNR|CIDEr|Elo)\b", sentence[n.end:]):
        return sentence[n.end:].split()[0].strip(",.;)")
    return None


def _baseline(sentence: str, cands: list[Candidate], i: int) -> tuple[str | None, float | None]:
    """The baseline name and value written for claim ``i``."""
    for c in cands:
        if c.baseline_of != i:
            continue
        name = baseline_name_around(sentence, c.number.start, c.number.end)
        # "the accuracy of DeepSeek-R1 on AIME2024 from", "improves Qwen3-4B's Pass@1 on SpreadsheetBench from"
        m = re.search(r"(?:\bof\s+([\w.\-]+)\s+(?:can\s+be\s+\w+\s+)?|\b([\w.\-]+)'s\s+(?:[\w@.\-]+\s+){1,3}?)"
                      r"(?:(?:on|in)\s+[\w.\-]+\s+|\w+\s+)?from\s*$", sentence[: c.number.start])
        if m and is_name(m.group(1) or m.group(2)):
            name = m.group(1) or m.group(2)
        return name or "previous", c.number.value
    return None, None
