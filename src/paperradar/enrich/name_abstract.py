"""The abstract side of the ``name`` enricher: sentences about the paper's
own work that name its method ("we propose Regularized BN (RBN)", "called
Distributional Graphormer (DiG)", "we present GEN3C, a ...", "our approach,
Themis, ..."), and acronyms the abstract defines and keeps using."""

from __future__ import annotations

import re

from .links_catalog import catalog_names
from .name_patterns import (STOP_NAMES, TITLE_STARTERS, TRIGGER, clean_latex, first_person, is_abbreviation,
                            is_capitalised_word, is_strict_name, long_form_before, sentences,
                            used_as_common_word)

_TOKEN = r"[^\s,;:()\[\]\"“”‘’']+"
_PAREN = re.compile(r"\(\s*([^()\s]{2,40})\s*\)")
_CUE = re.compile(r"\b(?:called|dubbed|named|termed|coined|known as|referred to as|denoted as"
                  r"|we (?:term|call|name|dub))\s+(?:as\s+)?[\"'“‘`]*")
_NAME_AFTER_TRIGGER = re.compile(rf"\s+(?:here\s+)?[\"'“‘]?({_TOKEN}(?:\s+{_TOKEN}){{0,2}}?)[\"'”’]?"
                                 r"(?=\s*(?:,|\(|:|–|—|\s-{1,2}\s|\s+which\b|\s+that\b))")
_OUR_THING = re.compile(r"\b[Oo]ur (?:approach|method|model|framework|system|tool|algorithm|technique|solution"
                        rf"|agent|network|architecture),?\s+({_TOKEN})\s*,")
_METHOD_NOUN = re.compile(r"\s*(?:network|framework|method|model|approach|algorithm|architecture|module"
                          r"|strategy|scheme|system|mechanism|technique|pipeline|loss|paradigm)\b")
_PRIOR_WORK = re.compile(r"\b(?:proposed|existing|previous|prior|recent|popular|widely|commonly|classical"
                         r"|standard|conventional|traditional)\b", re.I)
_GAP_BREAKERS = re.compile(r"\b(?:based on|of|for|with|in|on|using|from|via|by|about|between|and|or)\b", re.I)
_DETERMINER_BEFORE = re.compile(r"\b(?:a|an|the|our)\s+(?:[\w-]+\s+){0,2}$", re.I)
_CATALOG = catalog_names()


def name_from_abstract(abstract: str | None) -> str | None:
    """The name the abstract gives the paper's own method (None if unsure)."""
    if not abstract:
        return None
    abstract = clean_latex(abstract)
    for sentence in sentences(abstract):
        if not (first_person(sentence) or TRIGGER.search(sentence)):
            continue
        found = sorted(_definitions(sentence) + _cued(sentence, abstract) + _introduced(sentence, abstract))
        for _, name in found:
            if acceptable(name):
                return name
    return None


def _definitions(sentence: str) -> list[tuple[int, str]]:
    """"we propose Long Form (SHORT)" -> SHORT; "we propose SHORT (Long Form)" -> SHORT."""
    out = []
    triggers = list(TRIGGER.finditer(sentence))
    if not (triggers and first_person(sentence)):
        return out
    for m in _PAREN.finditer(sentence, triggers[0].end()):
        short = m.group(1).strip(".,")
        if is_strict_name(short):
            long = long_form_before(sentence, m.start(), short)
            if long and _is_defining(long, sentence, m) and _object_of(triggers, sentence, m.start() - len(long)):
                out.append((m.start(), short))
                continue
        before = re.search(rf"({_TOKEN})\s*$", sentence[:m.start()])
        if before and is_strict_name(before.group(1)) and is_abbreviation(before.group(1), m.group(1)):
            out.append((before.start(1), before.group(1)))
    return out


def _object_of(triggers: list[re.Match], sentence: str, start: int) -> bool:
    """The long form is what the trigger verb proposes ("we propose a novel
    X"), not something it builds on ("a model based on the X")."""
    before = [t for t in triggers if t.end() <= start]
    if not before:
        return False
    gap = sentence[before[-1].end():start]
    return len(gap.split()) <= 5 and not _GAP_BREAKERS.search(gap)


def _is_defining(long: str, sentence: str, paren: re.Match) -> bool:
    """A capitalised long form names a method; a lowercase one only as "a
    once-for-all (OFA) network", not "for out-of-distribution (OOD) detection"."""
    if long[0].isupper():
        return True
    start = sentence.rfind(long, 0, paren.start())
    return bool(_DETERMINER_BEFORE.search(sentence[:start]) and _METHOD_NOUN.match(sentence[paren.end():]))


def _cued(sentence: str, abstract: str) -> list[tuple[int, str]]:
    """"called X", "dubbed X", "named X (SHORT)", "known as 'X'"."""
    out = []
    if not (TRIGGER.search(sentence) and first_person(sentence)):
        return out
    for m in _CUE.finditer(sentence):
        rest = sentence[m.end():]
        if re.match(rf"{_TOKEN}['’]s\b", rest):  # "called Occam's razor"
            continue
        words = re.match(rf"({_TOKEN})(?:\s+({_TOKEN}))?(?:\s+({_TOKEN}))?", rest)
        if not words:
            continue
        paren = re.match(rf"((?:{_TOKEN}\s+){{0,7}}?{_TOKEN})\s*\(([^()\s]{{2,40}})\)", rest)
        if paren and is_strict_name(paren.group(2)) and is_abbreviation(paren.group(2), paren.group(1)) \
                and paren.group(1)[0].isupper():
            out.append((m.end(), paren.group(2)))
            continue
        name = _name_at(words, abstract)
        if name:
            out.append((m.end(), name))
    return out


def _introduced(sentence: str, abstract: str) -> list[tuple[int, str]]:
    """"we present GEN3C, a ..." / "our approach, Themis, ..."."""
    out = []
    if first_person(sentence):
        for trigger in TRIGGER.finditer(sentence):
            m = _NAME_AFTER_TRIGGER.match(sentence, trigger.end())
            if m:
                words = re.match(rf"({_TOKEN})(?:\s+({_TOKEN}))?(?:\s+({_TOKEN}))?", m.group(1))
                name = _name_at(words, abstract, whole=True)
                if name:
                    out.append((m.start(1), _short_form_after(name, sentence[m.end(1):]) or name))
    for m in _OUR_THING.finditer(sentence):
        token = m.group(1)
        if is_strict_name(token) or (is_capitalised_word(token) and not used_as_common_word(token, abstract)):
            out.append((m.start(1), token))
    return out


def _short_form_after(name: str, rest: str) -> str | None:
    """"Prior-Data Fitted Networks (PFNs)" -> PFNs."""
    m = re.match(r"[\"'”’]?\s*\(([^()\s]{2,40})\)", rest)
    if m and " " in name and is_strict_name(m.group(1)) and is_abbreviation(m.group(1), name):
        return m.group(1)
    return None


def _name_at(words: re.Match, abstract: str, whole: bool = False) -> str | None:
    """A coined token, or 1-3 capitalised words, at the start of ``words``
    (all of them when ``whole``)."""
    tokens = [t.strip(".,") for t in words.groups() if t]
    if not tokens:
        return None
    if is_strict_name(tokens[0]) and (not whole or len(tokens) == 1):
        return tokens[0]
    run = []
    for token in tokens:
        if not (is_capitalised_word(token) or is_strict_name(token)):
            break
        run.append(token)
    if whole and len(run) != len(tokens):
        return None
    if len(run) == 1 and (used_as_common_word(run[0], abstract) or run[0] in TITLE_STARTERS):
        return None
    return " ".join(run) or None


def kept_acronym(abstract: str) -> str | None:
    """A long acronym (5+ letters) the abstract defines and then keeps
    using (DEEPCTRL), when no sentence names the method outright; not one
    the sentence presents as prior or standard work."""
    for sentence in sentences(abstract):
        for m in _PAREN.finditer(sentence):
            short = m.group(1)
            if (len(short) < 5 or not is_strict_name(short) or re.search(r"[a-z]s$", short)
                    or not acceptable(short) or _PRIOR_WORK.search(sentence)):
                continue
            long = long_form_before(sentence, m.start(), short)
            uses = re.findall(r"(?<![\w-])" + re.escape(short) + r"(?![\w-])", abstract)
            if long and long[0].isupper() and len(uses) >= 4:
                return short
    return None


def acceptable(name: str) -> bool:
    return (2 <= len(name) <= 40 and name not in STOP_NAMES and name not in _CATALOG
            and bool(re.search(r"[A-Za-z]", name)))
