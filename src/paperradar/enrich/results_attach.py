"""Which dataset each value of a sentence was measured on (the ``results``
enricher): "respectively" lists, "value on X", "On X, ..." clause openings,
and which named benchmarks no value could be tied to."""

from __future__ import annotations

import re

from .results_numbers import Candidate, list_groups
from .results_text import LIST_JOIN


def attach_datasets(sentence: str, cands: list[Candidate], mentions, metrics) -> list[int]:
    """Where each value was measured: "respectively" lists (also unsaid:
    "on HumanEval and MBPP ..., achieved 83.5% and 81.0%"), "value on X",
    "value X metric", "X (value)", a clause-opening "On X," / "In X,", or a benchmark
    named before the value in an "experiments on X show ..." clause that no
    other value is written on. Returns where the mentions no value was tied to start."""
    live = [i for i, c in enumerate(cands) if not c.excluded and c.baseline_of is None]
    groups = [[i for i in group if i in live] for group in list_groups(sentence, cands)]
    groups = [g for g in groups if g]
    unpaired: list[int] = []  # values of a "respectively" list that no list of names matched
    for group in groups:  # "73.1% and 58.7% on AlpacaEval and Arena-Hard": one benchmark each, in order
        names = _list_after(sentence, cands[group[-1]].number.end, mentions) if len(group) > 1 else []
        if len(names) == len(group):
            for i, m in zip(group, names):
                cands[i].dataset = m.name
    respectively = re.search(r"\brespectively\b", sentence) is not None
    if respectively or (len(groups) == 1 and _one_list(sentence, mentions)):
        for group in groups:
            if len(group) > 1 and len(mentions) == len(group):
                for i, m in zip(group, mentions):
                    cands[i].dataset = m.name
            elif len(group) > 1 and len(metrics) == len(group) and not any(cands[i].metric for i in group[:-1]):
                for i, (_, _, name) in zip(group, metrics):
                    cands[i].metric = name
            elif len(group) > 1 and respectively and (
                    _names_follow(sentence, cands[group[-1]].number.end, mentions)
                    or _listed_before(sentence, cands[group[0]].number.start, mentions)):
                unpaired += group
    for group in groups:  # "79.2% and 90.7% average success rate on RoboCasa and RoboTwin 2.0 benchmarks"
        if len(group) > 1 and not any(cands[i].dataset for i in group) \
                and _unread_item_follows(sentence, cands[group[-1]].number.end, mentions):
            unpaired += group  # the list of names the values go with has an item not read as a benchmark
    owned: set[int] = {m.start for m in mentions for c in cands if c.dataset == m.name}
    for k, c in enumerate(cands):  # every value, results or not, owns the benchmark it is written on
        n = c.number
        if c.count:
            continue  # "We evaluate 18 VLMs on MultiVerse, ... 50% success rate": the benchmark of the 50%
        nxt = next((d.number.start for d in cands[k + 1:]
                    if d.baseline_of is None and (d.number.unit or d.metric or d.delta)), len(sentence))
        after = [m for m in mentions if n.end <= m.start < nxt]
        gap = re.sub(r"\([^()]*\)|\)", "", sentence[n.end:after[0].start]) if after else ";"
        if after and any(n.end <= s and e <= after[0].start and name != c.metric for s, e, name in metrics):
            gap = ";"  # "MT-Bench scores from 7.27 to 8.31 and win-rates in AlpacaEval-2": the benchmark of
            # another metric written between them
        if re.search(r"\b(?:on|in)\s[^;]*\band\s", gap):
            gap = ";"  # "a perplexity of 6.76 on held out Sardinian and outperforms ... across FLORES-200"
        if re.match(r"\s*(?:,\s*)?and\s+(?![\d.]+\b)", gap):
            gap = ";"  # "a RULER score of 76.03 and the highest average on LongBench": the other clause's place
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
        between = sentence[c.number.end:nxt_c.number.start]
        if not c.dataset and nxt_c.dataset and re.fullmatch(
                r"\s*(?:[\w@.+\-]+\s+){0,3}?(?:and|,|as\s+well\s+as)\s*", between) \
                and not re.search(r"\b(?:on|in|at|for)\s", between) \
                and not sentence.startswith(nxt_c.dataset, nxt_c.number.end + 1):
            # ("7.59 FID and 0.74 GenEval": a name right after a value is its metric, not where both were measured;
            # "84.0% in CAD-Coder and 38.0% on KernelBench": a value written in a place of its own keeps it)
            c.dataset, c.on_named = nxt_c.dataset, nxt_c.on_named
    named_metric = {s: m.name for m in mentions for s, _, _ in metrics
                    if s >= m.end and re.fullmatch(r"\s*", sentence[m.end:s])}
    for i in live:  # "increases AIME 2024 Pass@1 accuracy from 50.0% to 58.0%"
        c = cands[i]
        near = [s for s, e, name in metrics if name == c.metric and e <= c.number.start]
        if not c.dataset and near and near[-1] in named_metric and not _own_metric_follows(sentence, c, metrics):
            c.dataset = named_metric[near[-1]]
    free = [m for m in mentions if m.start not in owned]
    for i in live:
        c = cands[i]
        before = [m for m in free if m.end <= c.number.start]
        if c.dataset or not before:
            continue
        opened = [m for m in before if _opens_clause(sentence, m.start, c.number.start)]
        if opened and not _opener_lists_more(sentence, opened[0], c.number.start):
            c.dataset = opened[0].name  # "On ImageNet-LT, DisCL improves ...", "...: in Skill Discovery, SSL ..."
        elif len(free) == 1 and re.search(r"\b(?:on|in|across|over|of|at)\s+(?:the\s+)?(?:\w+\s+){0,2}?$",
                                          sentence[: before[0].start]) and _same_parenthesis(
                sentence, c.number.start, before[0].start) and ";" not in sentence[before[0].end:c.number.start]:
            c.dataset = before[0].name
    for i in unpaired:  # "68.6% and 72.9% pass@1 on VerilogEval v2 and RTLLM v1.1, respectively" with one
        cands[i].dataset = None  # of the two names unread: which value is whose is not known
    used = {c.dataset for c in cands if c.dataset}
    return [m.start for m in mentions if m.start not in owned and m.name not in used]


def _own_metric_follows(sentence: str, c: Candidate, metrics) -> bool:
    """The value's metric is written right after it ("and 90.9% classification accuracy for 3D"), so an
    earlier "ImageNet accuracy" names another value's benchmark, not this one's."""
    return any(name == c.metric and s >= c.number.end
               and re.fullmatch(r"\s*(?:[\w\-]+\s+){0,2}", sentence[c.number.end:s]) for s, _, name in metrics)


def _names_follow(sentence: str, position: int, mentions) -> bool:
    """Whether a benchmark is named between ``position`` and "respectively":
    the list the values are paired with is one of benchmarks ("... on A and B,
    respectively"), not of methods ("on ImageNet-1k of A and B ... from 75.2% to
    79% and 79.1% to 83%, respectively")."""
    end = sentence.find("respectively", position)
    return end >= 0 and any(position <= m.start < end for m in mentions)


def _list_after(sentence: str, position: int, mentions) -> list:
    """The benchmarks listed right after ``position`` ("... on AlpacaEval and
    Arena-Hard"): the first must follow an "on"/"in" with at most three words
    before it, the rest follow each other with "," or "and"."""
    after = [m for m in mentions if m.start >= position]
    if not after or not re.fullmatch(r"\s*(?:[\w@%-]+\s+){0,3}?(?:on|in)\s+(?:the\s+)?",
                                     sentence[position:after[0].start]):
        return []
    names = [after[0]]
    for m in after[1:]:
        if not LIST_JOIN.fullmatch(sentence[names[-1].end:m.start]):
            break
        names.append(m)
    return names


def _listed_before(sentence: str, position: int, mentions) -> bool:
    """Whether a benchmark named before ``position`` is one item of a list
    ("on the LIBERO benchmark and real-world robotic tasks ... 97.4% and 70.0%,
    respectively"): the values of a "respectively" list after it are paired
    with that list, whose other items were not read as benchmarks."""
    return any(m.end <= position and re.match(r"(?:\s+(?:dataset|benchmark|suite)s?)?\s*(?:,|and\b)", sentence[m.end:])
               for m in mentions)


_JOIN_BEFORE_NAME = re.compile(LIST_JOIN.pattern + r"(?=[A-Z])")


def _unread_item_follows(sentence: str, position: int, mentions) -> bool:
    """Whether the first benchmark named after ``position`` (in its clause) is
    listed with a name that was not read as one ("on RoboCasa and RoboTwin 2.0
    benchmarks"): which of a list of values is whose is then not known."""
    clause_end = sentence.find(";", position)
    after = [m for m in mentions if position <= m.start and (clause_end < 0 or m.start < clause_end)]
    if not after:
        return False
    nxt = _JOIN_BEFORE_NAME.match(sentence, after[0].end)
    return nxt is not None and not any(m.start == nxt.end() for m in mentions)


def _one_list(sentence: str, mentions) -> bool:
    """Whether the sentence names two or more benchmarks, all in one list ("HumanEval and MBPP")."""
    return len(mentions) > 1 and all(LIST_JOIN.fullmatch(sentence[a.end:b.start])
                                     for a, b in zip(mentions, mentions[1:]))


def in_clause(sentence: str, position: int, starts: list[int]) -> bool:
    """Whether one of ``starts`` lies in the clause (between ";") holding
    ``position``, at the same parenthesis depth ("(PEGASUS: 47.21 on XSUM)"
    beside "(46.35 ROUGE-1, 77 BERTScore)" is another aside)."""
    lo = sentence.rfind(";", 0, position) + 1
    hi = sentence.find(";", position)
    return any(lo <= s < (len(sentence) if hi < 0 else hi) and _same_parenthesis(sentence, position, s)
               for s in starts)


def _opens_clause(sentence: str, mention: int, position: int) -> bool:
    """Whether the dataset mention starting at ``mention`` opens the clause
    (after a ";" or ":") holding ``position``: "On X,", "In X,", "On the
    challenging X benchmark,"."""
    start = max(sentence.rfind(";", 0, position), sentence.rfind(":", 0, position)) + 1
    return start <= mention and re.fullmatch(r"\s*(?i:on|in|for)\s+(?:(?:the|a|an)\s+)?(?:[a-z][\w-]*\s+){0,3}",
                                             sentence[start:mention]) is not None


def _opener_lists_more(sentence: str, mention, position: int) -> bool:
    """Whether the clause-opening phrase of ``mention`` names more than it ("On
    PaperBench and RE-Bench, ARA raises ... from 72.4% to 93.7% and ... from
    57.4% to 64.4%"): which value was measured on which is then not known."""
    phrase = re.match(r"[^,;:()]*,", sentence[mention.end:position])  # up to the comma that closes it
    return phrase is not None and re.search(r"\band\b|&", phrase.group()) is not None


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
