"""Which numbers of a sentence are results: each number becomes a candidate
with the metric written beside it, or is excluded (a gain, a share, a size,
a year, a range), or is marked as the value of a compared baseline."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .results_text import LIST_JOIN, Number
from .results_vocab import lower_is_better

_DELTA_LEFT = re.compile(r"(?:\bby(?:\s+an?\s+(?:[\w@\-]+\s+){0,3}?of)?|\+|\b(?:boost|improv|increas|rais|enhanc|lift)ing|\bgains?(?:\s+(?:of|are|were))?|"
                         r"\bimprovements?\s+(?:of|are|were)|\bincreases?\s+of|\bboosts?\s+of|"
                         r"\bmargins?\s+of|\bdrops?\s+of|\breductions?\s+of|\bdecreases?\s+of|\bgaps?\s+of|"
                         r"\bdegradation\s+of)\s*(?:(?:up\s+to|about|over|nearly|roughly|approximately|around|"
                         r"more\s+than|at\s+least|only|just|~|an\s+average\s+of)\s*)?(?:an?\s+)?$", re.I)
# ("by an average accuracy of 0.77%", "a minimal accuracy reduction of only 0.2%")
# "substantial segmentation gains on three benchmarks (e.g., over 6% and 4% on ADE20K": gains, unless a metric
# follows the value ("significant improvements (76% CIDEr on YouCook2, ...)" are scores)
_GAINS_PAREN = re.compile(r"\b(?:gains?|improvements?|boosts?)\b[^;()]{0,80}\(\s*(?:(?:e\.g\.|i\.e\.|for\s+example),?\s*)?"
                          r"(?:over|up\s+to|about|around|nearly|roughly|more\s+than)\s*$", re.I)
# "outperforms the popular CoOp with around 10% on average": a margin, unless a metric follows the value
_MARGIN_WITH = re.compile(r"\b(?:outperform|surpass|exceed|beat)\w*\s+(?:[\w\-]+\s+){0,5}?with\s+"
                          r"(?:(?:around|about|nearly|roughly|approximately|over|up\s+to)\s+)?$", re.I)
_DELTA_RIGHT = re.compile(r"\s*(?:absolute\s+|relative\s+)?(?:(?:performance|accuracy)\s+(?:improvements?|gains?|"
                          r"increases?|boosts?)\b|improvements?|gains?|increases?|boosts?|higher|"
                          r"lower|better|worse|reductions?|decreases?|drops?|more|less|fewer|faster|slower|"
                          r"speed-?ups?|larger|smaller|lift|margins?|relative|absolute|lead|advantage|over|above|"
                          r"below|times|fold|of|gap|degradation|ahead|behind)\b", re.I)
_DELTA_AFTER_METRIC = re.compile(r"\s*(?:improvements?|gains?|increases?|boosts?|drops?|reductions?|decreases?|"
                                 r"degradation|loss(?:es)?|gaps?|lead|margin|higher|lower|better|worse)\b", re.I)
_LEFT_CONNECTOR = re.compile(r"\s*(?:values?|scores?|rates?|results?|performance)?\s*(?:\(\w+\)\s*)?"
                             r"(?:of|=|:|is|was|were|reaching|reaches|at|to|around|about|from|"
                             r"of\s+[\w.+\-]+(?:\s[\w.+\-]+)?\s+to)?\s*"
                             r"(?:a\s+peak\s+of|approximately|about|around|roughly|over|nearly|up\s+to|more\s+than|"
                             r"at\s+least|just|only|~|≈)?\s*$", re.I)
_RIGHT_GAP = re.compile(r"\s*(?:[\w.+\-']+\s+){0,3}?")
_GAP_STOPWORDS = re.compile(r"\b(?:on|in|for|and|or|with|than|of|to|at|by|from|while|vs|compared|over|under|"
                            r"after|before|is|are|was|were|which|that|when|using)\b", re.I)
_LIST_GAP = re.compile(r"\s*(?:%|points?)?\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|/\s*)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_AFTER_DELTA = re.compile(r"\s*(?:%|points?|pp)?\s*(?:(?:absolute\s+|relative\s+)?(?:performance\s+|accuracy\s+)?"
                          r"(?:gains?|improvements?|increases?|boosts?|drops?|reductions?)\s+)?"
                          r"(?:(?:over|against)\s+[^,;()]{1,40}?\s+)?"  # "improvement over the base model on GSM8K"
                          r"(?:(?:on|in|for)\s+[^,;()]{1,50}?)?\s*(?:\([^()]{1,40}\)\s*)?(?:,\s*(?:and\s+)?|and\s+)"
                          r"(?:(?:up\s+to|about|over|nearly|roughly|around|approximately|more\s+than)\s+)?")
# ("by 29.1% on COCO (detection), 22.1%", "up to 152% performance improvement on ScienceWorld and up to 19.8%")
_CHANGED_METRIC = re.compile(r"\b(?:increas|improv|boost|rais|enhanc|reduc|decreas|lower|cut|drop|gain|lift)\w*\s+"
                             r"(?:[\w@\-]+\s+){0,4}?$", re.I)
_RELATIVE = re.compile(r"\b(?:retain\w*|maintain\w*|preserv\w*|recover\w*|keep\w*)\s+(?:\w+\s+){0,2}?$|"
                       r"\b(?:decreas|reduc|drop|fell|fall|declin|lower|degrad)\w*\b[^,;]*\bto\s+(?:just\s+|only\s+|"
                       r"about\s+|around\s+)?$", re.I)
_BOUND_ABOVE = re.compile(r"\b(?:less|fewer|lower|smaller|worse)\s+than\s*$|\b(?:under|below|<|≤)\s*$", re.I)
_COUNTED = re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:epochs?|images?|samples?|examples?|tokens?|parameters?|params|"
                      r"hours?|days?|years?|months?|weeks?|minutes?|seconds?|GPUs?|steps?|layers?|frames?|questions?|"
                      r"tasks?|languages?|classes|categories|videos?|pairs?|dialog(?:ue)?s?|conversations?|documents?|"
                      r"authors?|subjects?|disciplines?|datasets?|benchmarks?|models?|experts?|patches|pixels?|"
                      r"trajector(?:y|ies)|papers?|annotators?|shots?|runs?|seeds?|times|settings?|domains?|sensors?|"
                      r"objects?|prompts?|environments?|problems?|instances?|users?|participants?|nodes?|edges?|"
                      r"graphs?|points?\s+clouds?|clusters?|rounds?|iterations?|turns?|calls?|vulnerabilit(?:y|ies)|"
                      r"million|billion|thousand|[KMBT]\b|(?-i:[A-Z]*LMs)\b)", re.I)
_COMPARED_BEFORE = re.compile(r"(?:compared\s+(?:to|with)|vs\.?|v\.s\.?|versus|(?<!more\s)(?<!less\s)(?<!fewer\s)"
                              r"(?<!greater\s)(?<!rather\s)than|against|previously)\s*(?:the\s+)?$",
                              re.I)
_COMPARED_PAREN = re.compile(r"(?:outperform|surpass|beat|than|compared|over|previous|prior|vs|v\.s|exceed)\w*"
                             r"[^()]*\([^()]*$", re.I)


@dataclass
class Candidate:
    """A number of a sentence and what is known about it."""

    number: Number
    metric: str | None = None
    dataset: str | None = None
    on_named: bool = False  # written as "<value> on <dataset>" / "<dataset> (<value>)" / "<dataset> from a to <value>"
    baseline_of: int | None = None  # index of the candidate this is the baseline value of
    excluded: bool = False
    delta: bool = False  # a gain or gap ("by 3%", "17% lower"), and the values listed after it
    count: bool = False  # a count of things ("18 VLMs", "500 images"): no value, and owns no benchmark


def _previous_outside_parentheses(sentence: str, cands: list[Candidate], k: int) -> tuple[Candidate, str] | None:
    """The value before value ``k`` that is not inside a parenthesis closed between them, with the text
    between them, parentheses left out: "29.2% absolute improvement over the base model on GSM8K (+2.9 pp
    vs. instruction-tuned, +6.6 pp vs. Self-Instruct), 8.7% on MATH" gives 29.2% for the 8.7%."""
    for j in range(k - 1, -1, -1):
        gap = re.sub(r"\([^()]*\)", "", sentence[cands[j].number.end : cands[k].number.start])
        if ")" not in gap:
            return cands[j], gap
    return None


def candidates(sentence: str, numbers: list[Number], metrics, taken: list[tuple[int, int]]) -> list[Candidate]:
    """Candidates with exclusions and adjacent metrics; lists share their metric."""
    cands = [Candidate(n) for n in numbers]
    for k, c in enumerate(cands):
        n = c.number
        left, right = sentence[max(0, n.start - 200) : n.start], sentence[n.end : n.end + 200]
        before = _previous_outside_parentheses(sentence, cands, k)
        after_delta = before is not None and before[0].delta and _AFTER_DELTA.fullmatch(before[1]) is not None
        beside = metric_beside(sentence, n, metrics)
        c.delta = (_DELTA_LEFT.search(left) is not None or _DELTA_RIGHT.match(right) is not None or after_delta
                   or (beside is None and (_MARGIN_WITH.search(left) or _GAINS_PAREN.search(left)) is not None))
        c.count = n.unit is None and _COUNTED.match(right) is not None
        c.excluded = (c.delta or any(a <= n.start < b for a, b in taken) or _BOUND_ABOVE.search(left) is not None
                      or _RELATIVE.search(left) is not None
                      or re.match(r"\s*[-–]\s*\d", right) is not None
                      or (n.unit is None and _YEAR.fullmatch(n.text) is not None)
                      or c.count
                      or (n.unit == "%" and n.value > 100) or re.search(r"\d\s*[-–]\s*$", left) is not None)
        c.metric = beside
        before = [m for m in metrics if m[1] <= n.start]
        if c.metric and before and before[-1][2] == c.metric and not re.search(
                r"(?:\b(?<!up\s)to|\bfrom|\breach\w*)\s*(?:\w+\s+){0,2}$", sentence[before[-1][1]:n.start]) \
                and _CHANGED_METRIC.search(sentence[: before[-1][0]]):
            c.delta = c.excluded = True  # "increasing citation F1 up to 5.3 points"
    for group in list_groups(sentence, cands):
        if any(cands[i].excluded for i in (group[0], group[-1])):
            for i in group:
                cands[i].excluded = True
        shared = cands[group[-1]].metric or cands[group[0]].metric
        for i in group:
            cands[i].metric = cands[i].metric or shared
    return cands


def metric_beside(sentence: str, n: Number, metrics: list[tuple[int, int, str]]) -> str | None:
    """A metric written right after the value ("83.2% top-1 accuracy") or
    right before it ("an AUROC of 99.6%", "recall@1=71%")."""
    for start, end, name in metrics:
        if start >= n.end:
            gap = sentence[n.end:start]
            if _RIGHT_GAP.fullmatch(gap) and not _GAP_STOPWORDS.search(gap) and not re.search(r"[,;()]|(?<![A-Za-z])\d",
                                                                                               gap):
                return None if _DELTA_AFTER_METRIC.match(sentence[end:]) else name
            break
    for start, end, name in reversed(metrics):
        if end <= n.start:
            return name if _LEFT_CONNECTOR.fullmatch(sentence[end:n.start]) else None
    return None


def list_groups(sentence: str, cands: list[Candidate]) -> list[list[int]]:
    """Runs of numbers written as a list ("20.8% and 25.08% mIoU", "63.6%, 95.0%, and 47.3%")."""
    groups: list[list[int]] = []
    for i, c in enumerate(cands):
        if groups and _LIST_GAP.fullmatch(sentence[cands[groups[-1][-1]].number.end : c.number.start]):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def link_from_to(sentence: str, cands: list[Candidate], metrics, mentions) -> None:
    """"from 35.6% to 46.7%": the first is the baseline value of the second;
    "SWE-bench Verified from 43.0 to 64.4": the second is on that benchmark;
    "StereoSet (57% to 90.0%)": a change written in parentheses, the same;
    "reduces ... from 78% to 0%" of a higher-is-better metric is no result."""
    for i in range(len(cands) - 1):
        a = cands[i]
        left = sentence[max(0, a.number.start - 200) : a.number.start]
        frm = re.search(r"(?:\bfrom|\()\s*(?:about\s+|approximately\s+)?$", left, re.I)
        last = i  # "from 76% and 61% to 0%": each value of the list starts the same change
        while frm and last + 2 < len(cands) and LIST_JOIN.fullmatch(
                sentence[cands[last].number.end : cands[last + 1].number.start]):
            last += 1
        b = cands[last + 1]
        if not frm or not re.fullmatch(r"\s*(?:\([^()]{1,60}\)\s*)?"  # "from 9.3% (SFT-only baseline) to 15.8%"
                                       r"(?:to|->|→)\s*(?:a\s+peak\s+of\s+|about\s+|approximately\s+|over\s+|"
                                       r"nearly\s+)?", sentence[cands[last].number.end : b.number.start]):
            continue
        for k in range(i, last + 1):
            cands[k].baseline_of = last + 1
        # a metric written before an earlier value is that value's ("GenEval accuracy improves from 69%
        # to 96% and PickScore increases from 20.46 to 23.81": not an accuracy)
        since = cands[i - 1].number.end if i else 0
        before = [name for start, end, name in metrics if since <= start and end <= a.number.start]
        b.metric = b.metric or a.metric or (before[-1] if before else None)
        at = a.number.start - len(left) + frm.start()  # where "from" stands in the sentence
        named = [m for m in mentions if m.end <= at and not sentence[m.end : at].strip()]
        if named and any(LIST_JOIN.fullmatch(sentence[m.end : named[-1].start])
                         for m in mentions):
            named = []  # "average accuracy across AIME24, AIME25, and LiveCodeBench from 57.8% to 72.8%"
        if named and not b.dataset:
            b.dataset, b.on_named = named[-1].name, True
        if re.search(r"\brang\w*\s+from\s*$", left, re.I) or (
                re.search(r"\b(?:reduc|decreas|drop|lower|degrad|fall|fell)\w*\b[^.;]*$", left, re.I)
                and not lower_is_better(b.metric)):
            a.excluded = b.excluded = True


def mark_compared(sentence: str, cands: list[Candidate]) -> None:
    """Values written as a compared baseline's ("compared to 57.5% by GPT-4o",
    "outperforming DeiT (81.8%)", "(previously 52%)") belong to the claim
    before them, with the same metric (or none written); a "previously" value
    with no claim before it belongs to the next one."""
    for j, c in enumerate(cands):
        if c.baseline_of is not None or c.excluded:
            continue
        for i in range(j - 1, max(-1, j - 6), -1):
            mine = cands[i]
            if mine.excluded or mine.baseline_of is not None:
                continue
            between = sentence[mine.number.end : c.number.start][-300:]
            if not (_COMPARED_BEFORE.search(between) or _COMPARED_PAREN.search(between)
                    or re.search(r"\(\s*previously\s*$", between, re.I)):
                continue
            if c.metric and mine.metric and c.metric != mine.metric:
                continue
            c.baseline_of = i
            break
        else:
            if re.search(r"\bpreviously\s*$", sentence[: c.number.start], re.I):
                # "(previously 1.26 FID at 250 steps) improves performance to 1.06 FID": the value before
                # the claim it was improved into, else no claim of its own
                later = next((k for k in range(j + 1, len(cands)) if not (cands[k].excluded or cands[k].count)
                              and (not c.metric or cands[k].metric in (None, c.metric))), None)
                c.baseline_of = later
                c.excluded = later is None


_REACHED = re.compile(r"\b(?:can|could|to|would|will)\s+(?:\w+\s+){0,2}?(?:achiev|reach|attain|obtain)\w*\b", re.I)


def mark_reached(sentence: str, cands: list[Candidate]) -> None:
    """A value on a benchmark that something then "can achieve"/"to achieve" a
    later value on (the same benchmark, or none written, and the same metric
    or none) is where it started: "with a maximum individual resolve rate of
    27.3% on SWE-Bench Lite, can achieve a 34.3% resolve rate with DEI";
    "DeepSeek-R1 that achieves 82.4% on SimpleQA ... to achieve ...: 88.3% on
    SimpleQA". The later value is on the earlier one's benchmark."""
    for i, a in enumerate(cands):
        if a.excluded or a.baseline_of is not None or a.count or not a.dataset:
            continue
        for k in range(i + 1, len(cands)):
            b = cands[k]
            if b.excluded or b.baseline_of is not None or b.count or b.dataset not in (None, a.dataset) \
                    or (a.metric and b.metric and a.metric != b.metric):
                continue
            between = sentence[a.number.end : b.number.start]
            if ";" not in between and _REACHED.search(between):
                a.baseline_of = k
                b.dataset = b.dataset or a.dataset
                b.on_named = b.on_named or a.on_named
            break
