"""The ``name`` enricher: the method's short name or acronym (BEiT, DEEPCTRL,
EpmVG, DiG), so that a paper without a title still gets a display name.

Output: ``{"name": "BEiT", "from": "title" | "abstract"}``. No keys.

Precision first: a name is returned only from a pattern that states it --
the head of a ``Name: subtitle`` title (a coined-looking word, or a phrase
the abstract spells the same way or abbreviates), or in the abstract a
sentence about the paper's own work that defines it ("we propose Regularized
BN (RBN)", "called Distributional Graphormer (DiG)", "we present GEN3C, a
...", "our approach, Themis, ..."), or an acronym the abstract defines and
keeps using (DEEPCTRL). Generic acronyms (LLM, AI, OOD), common words and
catalog dataset/model names are never returned from the abstract.
"""

from __future__ import annotations

import re

from ..models import Paper
from .base import EnrichContext, Enrichment
from .name_abstract import acceptable, kept_acronym, name_from_abstract
from .name_patterns import (STOP_NAMES, TITLE_STARTERS, clean_latex, is_abbreviation, is_capitalised_word,
                            is_strict_name, used_as_common_word, uses_word)

_TITLE_HEAD = re.compile(r"^\s*([^:]{1,60}?)\s*:\s+\S")
_NOT_A_METHOD = re.compile(r"\b(?:Survey|Review|Overview|Mapping Study|Tutorial|Position Paper|Perspective"
                           r"|Primer|Lessons|History)\b", re.I)
_REPORT_TITLE = re.compile(r"^\s*(\S+)\s+(?:Technical Report|Tech Report|System Card|Model Card)\b", re.I)


def name_from_title(title: str | None, abstract: str | None) -> str | None:
    """The name a ``Name: subtitle`` (or ``Name Technical Report``) title gives."""
    if not title:
        return None
    title, abstract = clean_latex(title), clean_latex(abstract or "")
    m = _TITLE_HEAD.match(title) or _REPORT_TITLE.match(title)
    if not m:
        return None
    head = m.group(1).strip()
    tokens = head.split()
    if "," in head:  # "SPARSE Data, Rich Results: ..."
        return None
    if len(tokens) == 1:
        token = tokens[0]
        if is_strict_name(token):
            return token
        if (is_capitalised_word(token) and token not in TITLE_STARTERS and uses_word(abstract, token)
                and not used_as_common_word(token, abstract)):  # Morphy, Moebius; not "Testing"
            return token
        return _defined_acronym(token, abstract)
    if len(tokens) > 4 or any(t[0].islower() for t in tokens) or tokens[0] in TITLE_STARTERS:
        return None
    strict = [t for t in tokens if is_strict_name(t)]
    if strict and len(tokens) <= 3 and uses_word(abstract, head):  # "Quant VideoGen", "FG-CLIP 2"
        return head
    if strict:  # "Use Your INSTINCT: ..." -> INSTINCT, when the abstract uses it too
        return strict[0] if len(strict) == 1 and uses_word(abstract, strict[0]) else None
    if len(tokens) > 3 or not abstract or _NOT_A_METHOD.search(title):
        return None
    return _defined_acronym(head, abstract) or (head if head in abstract else None)


def _defined_acronym(phrase: str, abstract: str) -> str | None:
    """``Generative Visual Prompt (PromptGen)`` in the abstract -> PromptGen."""
    m = re.search(re.escape(phrase) + r"\s*\(([^()\s]{2,40})\)", abstract, re.I)
    if m and is_strict_name(m.group(1)) and is_abbreviation(m.group(1), phrase):
        return m.group(1)
    return None


def paper_name(paper: Paper) -> dict | None:
    """``{"name", "from"}`` for a paper, or None when no name is certain."""
    name = name_from_title(paper.title, paper.abstract)
    if name and name not in STOP_NAMES:
        return {"name": name, "from": "title"}
    name = name_from_abstract(paper.abstract)
    if name:
        return {"name": name, "from": "abstract"}
    name = _title_word_in_abstract(paper.title, paper.abstract)
    if name:
        return {"name": name, "from": "title"}
    name = kept_acronym(clean_latex(paper.abstract or ""))
    return {"name": name, "from": "abstract"} if name else None


def _title_word_in_abstract(title: str | None, abstract: str | None) -> str | None:
    """The one coined word of a title that the abstract uses at least twice
    ("Fooling ... with CLIPMasterPrints")."""
    if not title or not abstract:
        return None
    title, abstract = clean_latex(title), clean_latex(abstract)
    coined = {t.strip(".,?!") for t in title.split()}
    coined = [t for t in coined if is_strict_name(t) and acceptable(t)
              and re.search(r"[a-z]{3}", t) and re.search(r"[A-Z]", t[1:])  # camel case, not LHC, Al2O3
              and not re.search(r"[A-Z]s$", t)]  # nor a plural (VideoLLMs)
    if len(coined) != 1:
        return None
    uses = re.findall(r"(?<![\w-])" + re.escape(coined[0]) + r"(?![\w-])", abstract)
    return coined[0] if len(uses) >= 2 else None


class NameEnricher:
    """The method's short name, from the title or the abstract."""

    name = "name"
    version = "1"
    requires: tuple[str, ...] = ()
    description = "the method's short name or acronym (BEiT, DiG), from the title or abstract"

    def prepare(self, ctx: EnrichContext) -> str | None:
        return None

    def enrich(self, papers: list[Paper], ctx: EnrichContext) -> list[Enrichment | None]:
        out = []
        for paper in papers:
            found = paper_name(paper)
            out.append(Enrichment(data=found) if found else None)
        return out


ENRICHERS = [NameEnricher()]
