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
values written as a baseline's ("(81.8%)" after "outperforming DeiT").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .results_datasets import dataset_key
from .results_names import GENERIC_SUBJECT, baseline_name_around, method_before, methods_listed_before
from .results_numbers import Candidate, candidates, link_from_to, list_groups, mark_compared
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

    A claim whose sentence names no dataset takes the dataset (and, for "we",
    the method) of the previous sentence's claim with the same metric
    ("Dual-Swin-L achieves 59.4% box AP on COCO. With multi-scale testing, we
    push ... to 60.1% box AP").
    """
    if not abstract:
        return []
    claims: list[Claim] = []
    seen: set[tuple] = set()
    previous: dict[str, Claim] = {}
    for sentence in split_sentences(clean_abstract(abstract)):
        found = claims_in_sentence(sentence, fallback_method)
        for claim in found:
            before = previous.get(claim.metric) if claim.metric else None
            if claim.dataset is None and before is not None:
                claim.dataset = before.dataset
                if claim.method in (None, fallback_method):
                    claim.method = before.method
            key = (claim.value, dataset_key(claim.dataset), claim.metric)
            if key not in seen:
                seen.add(key)
                claims.append(claim)
        previous = {c.metric: c for c in found if c.metric and c.dataset}
    return claims


def claims_in_sentence(sentence: str, fallback_method: str | None = None) -> list[Claim]:
    """The claims of one sentence (its first MAX_SENTENCE characters and
    MAX_NUMBERS numbers: a longer run is a table or junk, not a sentence)."""
    sentence = sentence[:MAX_SENTENCE]
    numbers = find_numbers(sentence)[:MAX_NUMBERS]
    if not numbers:
        return []
    metrics = find_metrics(sentence)
    all_mentions = find_dataset_mentions(sentence)
    mentions = [m for m in all_mentions if not m.training]
    taken = [(m.start, m.end) for m in all_mentions] + [(s, e) for s, e, _ in metrics]
    cands = candidates(sentence, numbers, metrics, taken)
    link_from_to(sentence, cands, metrics, mentions)
    mark_compared(sentence, cands)
    attach_datasets(sentence, cands, mentions, metrics)
    skip = taken
    out: list[Claim] = []
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
        out.append(Claim(
            method=method or fallback_method, metric=metric, value=n.value, value_text=n.text,
            unit=n.unit or _unit_from_metric(sentence, n, metric), dataset=c.dataset, baseline=baseline,
            baseline_value=baseline_value, sentence=sentence,
            qualifier=(qualifier.group(1) or qualifier.group(2)).lower() if qualifier else None))
    return out


def attach_datasets(sentence: str, cands: list[Candidate], mentions, metrics) -> None:
    """Where each value was measured: "respectively" lists, "value on X",
    "value X metric", "X (value)", a sentence-opening "On X,", or a benchmark
    named before the value in an "experiments on X show ..." clause that no
    other value is written on."""
    live = [i for i, c in enumerate(cands) if not c.excluded and c.baseline_of is None]
    if re.search(r"\brespectively\b", sentence):
        for group in list_groups(sentence, cands):
            group = [i for i in group if i in live]
            if len(group) > 1 and len(mentions) == len(group):
                for i, m in zip(group, mentions):
                    cands[i].dataset = m.name
            elif len(group) > 1 and len(metrics) == len(group) and not any(cands[i].metric for i in group[:-1]):
                for i, (_, _, name) in zip(group, metrics):
                    cands[i].metric = name
    owned: set[int] = {m.start for m in mentions for c in cands if c.dataset == m.name}
    for k, c in enumerate(cands):  # every value, results or not, owns the benchmark it is written on
        n = c.number
        nxt = next((d.number.start for d in cands[k + 1:]
                    if d.baseline_of is None and (d.number.unit or d.metric or d.delta)), len(sentence))
        after = [m for m in mentions if n.end <= m.start < nxt]
        gap = re.sub(r"\([^()]*\)|\)", "", sentence[n.end:after[0].start]) if after else ";"
        if ";" not in gap and (re.fullmatch(r"\s*(?:[\w.+%@/\-]+\s+){0,10}?(?:on|in|for|across)\s+(?:the\s+)?"
                                           r"(?:[\w\-]+\s+){0,2}?", gap) or re.fullmatch(r"\s*", gap)):
            owned.add(after[0].start)
            if not c.dataset:
                c.dataset = after[0].name
                c.on_named = bool(re.fullmatch(r"\s*(?:on|in)\s+(?:the\s+)?", gap))
            continue
        before = [m for m in mentions if m.end <= n.start]
        if before and re.fullmatch(r"\s*\(\s*", sentence[before[-1].end:n.start]):
            owned.add(before[-1].start)
            if not c.dataset:
                c.dataset, c.on_named = before[-1].name, True
    for k in range(len(live) - 2, -1, -1):  # "59.4% box AP and 51.6% mask AP on COCO": both on COCO
        c, nxt_c = cands[live[k]], cands[live[k + 1]]
        if not c.dataset and nxt_c.dataset and re.fullmatch(
                r"\s*(?:[\w@.+\-]+\s+){0,3}?(?:and|,|as\s+well\s+as)\s*", sentence[c.number.end:nxt_c.number.start]):
            c.dataset, c.on_named = nxt_c.dataset, nxt_c.on_named
    named_metric = {s: m.name for m in mentions for s, _, _ in metrics
                    if s >= m.end and re.fullmatch(r"\s*", sentence[m.end:s])}
    for i in live:  # "increases AIME 2024 Pass@1 accuracy from 50.0% to 58.0%"
        c = cands[i]
        near = [s for s, e, name in metrics if name == c.metric and e <= c.number.start]
        if not c.dataset and near and near[-1] in named_metric:
            c.dataset = named_metric[near[-1]]
    opening = re.match(r"(?:on|for)\s+(?:the\s+)?", sentence, re.I)
    free = [m for m in mentions if m.start not in owned]
    for i in live:
        c = cands[i]
        before = [m for m in free if m.end <= c.number.start]
        if c.dataset or not before:
            continue
        if opening and before[0].start == opening.end():
            c.dataset = before[0].name
        elif len(free) == 1 and re.search(r"\b(?:on|in|across|over|of|at)\s+(?:the\s+)?(?:\w+\s+){0,2}?$",
                                          sentence[: before[0].start]) and _same_parenthesis(
                sentence, c.number.start, before[0].start) and ";" not in sentence[before[0].end:c.number.start]:
            c.dataset = before[0].name


def _in_compared_parenthesis(sentence: str, position: int) -> bool:
    """Whether a value stands in parentheses after a baseline ("surpassing X (8.3%)")."""
    left = sentence[max(0, position - 300) : position]
    paren = left.rfind("(")
    if paren < 0 or ")" in left[paren:]:
        return False
    clause = re.split(r"[;]", left[:paren])[-1][-80:]
    return re.search(r"\b(?:outperform\w*|surpass\w*|beat\w*|than|compared\s+(?:to|with)|vs\.?|versus|"
                     r"prior|previous)\b", clause, re.I) is not None


def _same_parenthesis(sentence: str, a: int, b: int) -> bool:
    """Whether positions a and b sit in the same parenthesis, or both outside any."""
    def enclosing(pos: int) -> int:
        depth_open = []
        for k, ch in enumerate(sentence[:pos]):
            if ch == "(":
                depth_open.append(k)
            elif ch == ")" and depth_open:
                depth_open.pop()
        return depth_open[-1] if depth_open else -1
    return enclosing(a) == enclosing(b)


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
        m = re.search(r"\bof\s+([\w.\-]+)\s+(?:can\s+be\s+\w+\s+)?(?:\w+\s+)?from\s*$", sentence[: c.number.start])
        if m and is_name(m.group(1)):
            name = m.group(1)
        return name or "previous", c.number.value
    return None, None
