"""Who a claim is about: the method named near a result, and the compared
baseline. Heuristics over one sentence; None when unsure."""

from __future__ import annotations

import re

from .results_text import LIST_JOIN, is_name, name_tokens

_RESULT_VERB = re.compile(
    r"\b(?:achiev\w*|attain\w*|obtain\w*|reach\w*|scor(?:es|ed|ing)|yield\w*|deliver\w*|record\w*|sets?|gets?|"
    r"surpass\w*|outperform\w*|improv\w*|boost\w*|push\w*|establish\w*|perform\w*|solv\w*|fix\w*|"
    r"exceed\w*|increas\w*|rais\w*|hits?|leads?|ranks?)\b", re.I)
_PRONOUN_SUBJECT = re.compile(r"\b(?:we|our\s+(?:\w+[\s-]){0,2}?(?:method|approach|model|framework|system|agent|"
                              r"network|pipeline|technique|algorithm|strategy|baseline)s?|it|they|this|these)\b"
                              r"(?:[\s-]+\w+){0,3}\s*$", re.I)
_OWN_SUBJECT = re.compile(r"[,;]\s*(?:we|our\s+(?:\w+[\s-]){0,2}?(?:method|approach|model|framework|system|agent|"
                          r"network|pipeline|technique|algorithm|strategy|baseline)s?|it|they)\b", re.I)
_ARTICLE = re.compile(r"^(?:the|a|an|our|their|its)\s+", re.I)


#: Returned by ``method_before`` when the result is about models in general ("LLMs now achieve ...").
GENERIC_SUBJECT = "<generic>"
_GENERIC_SUBJECT = re.compile(r"\b(?:LLMs|VLMs|MLLMs|LMMs|models|methods|approaches|systems|agents|humans|"
                              r"baselines|competitors)\b|"  # "the best-performing model achieves only 52.4%": unnamed
                              r"\b(?:best|strongest|top|leading)(?:[- ]performing)?\s+(?:[\w-]+\s+)?"
                              r"(?:model|agent|system|method|LLM|VLM|MLLM)\b", re.I)
_APPOSITIVE = re.compile(r"\b(?:best|strongest|top|leading)(?:[- ]performing)?\s+(?:[\w-]+\s+){0,2}?"
                         r"(?:model|agent|system|method|LLM|VLM|MLLM)s?\s*,\s*"
                         r"(?P<name>[A-Za-z][\w.\-]*(?:\s+(?:[A-Z0-9][\w.\-]*|\([A-Z]\w*\)))*)")
_COMPARED_NAME = re.compile(r"\b(?:compared\s+(?:to|with)|than|vs\.?|versus|over|against|from|on|upon|to|into|"
                            r"improv(?:es|ing)|boost(?:s|ing)|enhanc(?:es|ing)|rais(?:es|ing)|lift(?:s|ing)|"
                            r"increas(?:es|ing))"  # "improves Qwen3's Pass@1": the object, not the subject
                            r"\s+(?:the\s+|an?\s+)?(?:[\w.\-]+\s+){0,2}$|"
                            r"\b(?:outperform\w*|surpass\w*|beat\w*|exceed\w*)\s+(?:the\s+|an?\s+)?"
                            r"(?:[\w.\-]+\s+){0,4}$|"
                            # "outperforming RFT (53.6%) and GPT-4 (35.6%)": the rest of a compared list
                            r"\b(?:than|vs\.?|versus|against|outperform\w*|surpass\w*|beat\w*|exceed\w*)\s+(?:the\s+)?"
                            r"(?:[\w.\-]+(?:\s+[\w.\-]+)?\s*(?:\([^()]*\)\s*)?(?:,\s*(?:and\s+)?|and\s+|or\s+)){1,4}$",
                            re.I)
_EXAMPLES = re.compile(r"\(\s*(?:e\.g\.|i\.e\.|such\s+as|like|namely|including)", re.I)


def method_before(sentence: str, position: int, skip: list[tuple[int, int]]) -> str | None:
    """The method a result at ``position`` belongs to: the name-like word
    nearest before the result verb ("base-size BEIT achieves 83.2%" ->
    "BEIT"; "the solving rate of AlphaGeometry2 to 84%" -> "AlphaGeometry2").
    Words inside the ``skip`` spans (dataset and metric names) are no methods.
    None when the subject is "we" / "our method" or there is no name;
    GENERIC_SUBJECT when it is models in general ("LLMs now achieve ...")."""
    offset = max(0, position - 400)
    left = sentence[offset:position]
    own = re.search(r"\bof\s+([\w.+\-]+)\s+(?:to|at|is|was|reaches|reached)\s*(?:\w+\s+){0,2}$", left)
    if own and is_name(own.group(1)):
        return own.group(1)
    verbs = list(_RESULT_VERB.finditer(left))
    if not verbs:  # "Our model urT5 ... with evaluation score (up to 46.35 ROUGE-1)": the sentence's subject
        names = _names(left, skip, offset)
        return _with_neighbours(left, names[0]) if names else None
    for verb in reversed(verbs):
        head = left[: verb.start()]
        names = _names(head, skip, offset)
        pronoun = _PRONOUN_SUBJECT.search(head)
        if names and _OWN_SUBJECT.search(head, names[-1].end()) is None and (
                pronoun is None or names[-1].start() >= pronoun.start()):
            if re.match(r"\s*(?:[\w-]+\s+){0,2}?(?:methods|models|approaches|systems|baselines|agents)\b",
                        head[names[-1].end():]):
                return GENERIC_SUBJECT  # "Retrieval-Augmented Generation methods achieve ..."
            return _with_neighbours(head, names[-1])
        if pronoun or names:
            return None  # "Building on DeepSeek-R1-Distill, our RL approach achieves ...": ours, unnamed
    reported = list(re.finditer(r"\b(?:that|shows?|reveals?|demonstrat\w*|finds?|found)\b", left))
    claim = left[reported[-1].end():] if reported else left  # "We find that even SOTA LLMs achieve ..."
    if re.search(r"\b(?:we|our)\b", claim, re.I) is None and _GENERIC_SUBJECT.search(claim):
        named = _APPOSITIVE.search(claim)  # "the strongest evaluated model, Gemini 3.1 Pro, achieves only ..."
        if named and re.search(r"[A-Z\d]", named.group("name")):
            return named.group("name").strip(" ,")
        return GENERIC_SUBJECT
    return None


def methods_listed_before(sentence: str, position: int, skip: list[tuple[int, int]], count: int) -> list[str] | None:
    """For "A, B, and C achieve 32.5%, 42.2%, and 45.8% respectively": the
    ``count`` names listed as the subject, in order; None when not so written."""
    offset = max(0, position - 400)
    left = sentence[offset:position]
    verbs = list(_RESULT_VERB.finditer(left))
    if not verbs or count < 2:
        return None
    head = left[: verbs[-1].start()]
    names = _names(head, skip, offset)[-count:]
    if len(names) < count:
        return None
    for a, b in zip(names, names[1:]):
        if not LIST_JOIN.fullmatch(head[a.end():b.start()]):
            return None
    if head[names[-1].end():].strip():
        return None
    return [n.group(0) for n in names]


def _names(text: str, skip: list[tuple[int, int]], offset: int = 0) -> list[re.Match]:
    """Name-like words of ``text`` (which starts at ``offset`` of the sentence)
    outside the skip spans and not written as a compared one."""
    asides = _asides(text)
    return [t for t in name_tokens(text) if is_name(t.group(0))
            and not any(a <= t.start() + offset < b for a, b in skip)
            and not any(a < t.start() < b for a, b in asides)
            and not _COMPARED_NAME.search(text[: t.start()])]


def _asides(text: str) -> list[tuple[int, int]]:
    """Closed parentheses of ``text`` that are descriptive asides (opening with
    a lower-case word): "our WebResummer-30B (a ... version of WebSailor-30B)
    achieves" names WebResummer-30B. Names in parentheses ("the best model (o3)",
    "(DICE)") and examples ("(e.g., GPT-4o)") are no asides."""
    spans, opened = [], []
    for k, ch in enumerate(text):
        if ch == "(":
            opened.append(k)
        elif ch == ")" and opened:
            start = opened.pop()
            first = re.match(r"\(\s*([\w.\-]+)", text[start:k])
            if not _EXAMPLES.match(text, start) and first and first.group(1)[:1].islower() \
                    and not is_name(first.group(1)):
                spans.append((start, k))  # "(a ... version of X)"; not "(DICE)", "(o3)", "(Gemini-2.5 Pro)"
    return spans


def _with_neighbours(text: str, token: re.Match) -> str:
    """A name with the capitalised words it is part of ("GPT-4 Omni", "Kimi-VL")."""
    name = token.group(0)
    rest = text[token.end():]
    m = re.match(r"(?:\s+(?:[A-Z][\w.\-]*|\d[\w.\-]*))+", rest)
    if m and len(m.group(0).split()) <= 2 and not re.search(r"\b(?:On|In|With|For|When)\b", m.group(0)):
        name += m.group(0)
    return name.strip(" ,.;:")


_COMPARE_CUE = re.compile(
    r"(?:compared\s+(?:to|with)|vs\.?|versus|than|against|outperform\w*|surpass\w*|beat\w*|over|"
    r"previous(?:ly)?|prior|baseline|state-of-the-art\s+(?:result|method|model)s?|sota)", re.I)


def baseline_name_around(sentence: str, number_start: int, number_end: int) -> str | None:
    """The name of the baseline whose value is written at this position.

    Handles "outperforming from-scratch DeiT training (81.8%)", "compared to
    57.5% by GPT-4 Omni", "(57.7% box AP ...) achieved by Swin-L",
    "(previously 52%)", "compared to 26.5 for an Adam-trained model".
    """
    left = sentence[max(0, number_start - 300) : number_start]
    right = sentence[number_end : number_end + 200]
    if re.search(r"previous(?:ly)?\s*$", left, re.I) or re.match(r"\s*previously\b", right, re.I) \
            or re.search(r"\(\s*previous(?:ly)?\s*$", left, re.I):
        return "previous"
    named = re.match(r"\s*\(([^()]{2,40})\)\s*(?:to|->|→)\s", right)  # "from 9.3% (SFT-only baseline) to 15.8%"
    if named:
        return _short_name(named.group(1))
    m = re.match(r"[^()]{0,30}?\)?\s*(?:achieved\s+|obtained\s+|reported\s+)?(?:by|of|for|from)\s+(?:the\s+|an?\s+)?"
                 r"((?:[\w.+\-]+\s*){1,4})", right)
    if m and not re.match(r"\s*(?:of|by|for|from)\s+(?:up\s+to|about)\b", right):
        return _short_name(m.group(1))
    paren = left.rfind("(")
    if paren >= 0 and ")" not in left[paren:]:
        head = left[:paren]
        cue = None
        for cue in _COMPARE_CUE.finditer(head):
            pass
        if cue is not None and paren - cue.end() < 80:
            return _short_name(head[cue.end():])
    return None


def _short_name(phrase: str) -> str | None:
    """A name-like word of a phrase ("from-scratch DeiT training" -> "DeiT"),
    else the phrase itself when it is short."""
    phrase = re.split(r"[,;:()]|\b(?:with|on|in|while|and|which|that|at|under|using)\b", phrase.strip())[0].strip()
    phrase = _ARTICLE.sub("", phrase)
    names = [t for t in name_tokens(phrase) if is_name(t.group(0))]
    if names:
        return _with_neighbours(phrase, names[0])
    words = phrase.split()
    if 0 < len(words) <= 4 and not re.match(r"(?:\d|the$|a$)", phrase):
        return " ".join(words)
    return None
