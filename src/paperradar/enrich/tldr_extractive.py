"""Extractive TL;DR: the abstract's most central sentence that says what the
paper does, trimmed to one short line.

Each sentence gets a score: its centrality (cosine of its vector to the mean
of the other sentences' vectors, from the embedding model, or TF-IDF vectors
when no model is installed), plus a bonus when it states the contribution
("we propose ...", "this paper presents ..."; a smaller one for "we show
..."), minus a slight preference for earlier sentences and penalties for a
background-only opening sentence, number-heavy result sentences, and very
short or very long ones. ``benchmarks/bench_tldr.py`` measures these choices
against Hugging Face's one-line ``ai_summary``: centrality and the
contribution cue carry the gain over the first sentence; the penalties
change little on those abstracts and stay as guards.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .sentences import split_sentences

LIMIT = 200
ELLIPSIS = "…"

_SUBJECT = (r"\b(?:we|this (?:paper|work|study|article|letter|report)|our (?:work|paper|method|approach"
            r"|model|framework|system))\b[^.;]{0,60}?\b")
_CONTRIBUTION = re.compile(_SUBJECT + r"(?:propose|present|introduce|develop|design|describe|devise|formulate|"
                           r"build|release|contribute|construct|create|curate|collect|train|offer|provide)"
                           r"(?:s|d|ed)?\b", re.IGNORECASE)
_FINDING = re.compile(_SUBJECT + r"(?:show|demonstrate|find|establish|prove|derive|report|study|investigate|"
                      r"explore|address|tackle|analy[sz]e|evaluate)(?:s|d|ed)?\b", re.IGNORECASE)
_OWN = re.compile(r"\b(?:we|our|us|this (?:paper|work|study|article)|here)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+|\d+(?:\.\d+)?%?|[\u4e00-\u9fff]")
_LEADING_CONNECTIVE = re.compile(
    r"^(?:moreover|furthermore|additionally|in addition|finally|specifically|to this end|"
    r"to address (?:this|these) (?:issue|issues|problem|problems|challenges?|limitations?)|"
    r"therefore|thus|hence|however|here|in this (?:paper|work|study|article)|in particular|"
    r"concretely|overall|as a result|consequently|notably|importantly|for example|for instance|"
    r"in summary|in short|in conclusion|to summari[sz]e),\s+", re.IGNORECASE)
_CITATION = re.compile(r"\s*\[(?:\d+(?:\s*[,–-]\s*\d+)*)\]")
_CITING_ASIDE = re.compile(r"\s*\((?=[^()]*(?:\bet al\.|[A-Z][A-Za-z\-]+,? (?:19|20)\d\d\b))[^()]*\)")
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s+|\s(?=(?:which|that|while|where|whereas|and thus|"
                           r"thereby|by|using|with|without|via|through|based on|in order to)\s)")
STOPWORDS = frozenset(["a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "by", "from", "as", "at", "is", "are", "was", "were", "be", "been", "being", "this", "that", "these", "those", "it", "its", "we", "our", "us", "their", "they", "them", "which", "who", "whom", "whose", "what", "when", "where", "while", "can", "could", "may", "might", "will", "would", "shall", "should", "do", "does", "did", "has", "have", "had", "not", "no", "but", "than", "then", "so", "such", "into", "over", "under", "about", "between", "among", "across", "via", "using", "based", "also", "both", "each", "more", "most", "other", "some", "any", "all", "only", "very", "well", "new", "show", "shows", "shown", "propose", "proposed", "paper", "work", "approach", "method", "results"])


@dataclass(frozen=True)
class Weights:
    """How much each feature counts (see ``benchmarks/bench_tldr.py``)."""

    centrality: float = 1.0
    contribution: float = 0.15
    finding: float = 0.05
    background_first: float = 0.10
    numbers: float = 0.15
    short: float = 0.20
    long: float = 0.10
    position: float = 0.1


DEFAULT_WEIGHTS = Weights()
CENTRALITY_ONLY = Weights(1.0, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Extract:
    """The chosen sentence and its trimmed TL;DR text."""

    text: str
    sentence: str
    index: int
    cut: bool


def sentence_features(sentence: str, index: int) -> dict[str, float]:
    """The non-centrality features of one sentence (0..1 each)."""
    words = sentence.split()
    tokens = _WORD.findall(sentence)
    digits = sum(1 for t in tokens if _NUMBER.search(t))
    return {
        "contribution": 1.0 if _CONTRIBUTION.search(sentence) else 0.0,
        "finding": 1.0 if _FINDING.search(sentence) else 0.0,
        "background_first": 1.0 if index == 0 and not _OWN.search(sentence) else 0.0,
        "numbers": min(1.0, 4 * digits / max(1, len(tokens))),
        "short": 1.0 if len(words) < 8 and not _is_cjk(sentence) else 0.0,
        "long": 1.0 if len(words) > 55 else 0.0,
    }


def centrality(vectors: list[list[float]] | object) -> list[float]:
    """Cosine of each (L2-normalised) vector to the mean of the others; [1.0] for one."""
    if hasattr(vectors, "shape"):  # numpy
        total = vectors.sum(axis=0)
        rest = total[None, :] - vectors
        norms = (((rest * rest).sum(axis=1)) ** 0.5) * (((vectors * vectors).sum(axis=1)) ** 0.5)
        sims = (vectors * rest).sum(axis=1) / (norms + 1e-12)
        return [float(x) for x in sims] if len(vectors) > 1 else [1.0] * len(vectors)
    rows = [list(map(float, v)) for v in vectors]
    n = len(rows)
    if n <= 1:
        return [1.0] * n
    dim = len(rows[0])
    total = [sum(r[k] for r in rows) for k in range(dim)]
    out = []
    for r in rows:
        rest = [total[k] - r[k] for k in range(dim)]
        norm = math.sqrt(sum(x * x for x in rest)) or 1.0
        rnorm = math.sqrt(sum(x * x for x in r)) or 1.0
        out.append(sum(a * b for a, b in zip(r, rest)) / (norm * rnorm))
    return out


def tfidf_vectors(sentences: list[str]) -> list[list[float]]:
    """L2-normalised TF-IDF vectors of the sentences (IDF over these sentences)."""
    docs = [[w for w in (t.lower() for t in _WORD.findall(s)) if w not in STOPWORDS and not w[0].isdigit()]
            for s in sentences]
    vocab = sorted({w for d in docs for w in d})
    index = {w: i for i, w in enumerate(vocab)}
    df = Counter(w for d in docs for w in set(d))
    n = len(docs)
    out = []
    for d in docs:
        vec = [0.0] * len(vocab)
        for w, tf in Counter(d).items():
            vec[index[w]] = (1 + math.log(tf)) * (math.log((1 + n) / (1 + df[w])) + 1)
        norm = math.sqrt(sum(x * x for x in vec)) or 1.0
        out.append([x / norm for x in vec])
    return out


def scores(sentences: list[str], vectors, weights: Weights = DEFAULT_WEIGHTS) -> list[float]:
    """Each sentence's TL;DR score: weighted centrality, cues and penalties."""
    cent = centrality(vectors) if weights.centrality else [0.0] * len(sentences)
    out = []
    for i, sentence in enumerate(sentences):
        f = sentence_features(sentence, i)
        out.append(weights.centrality * cent[i] + weights.contribution * f["contribution"]
                   + weights.finding * f["finding"] * (1 - f["contribution"])
                   - weights.background_first * f["background_first"] - weights.numbers * f["numbers"]
                   - weights.short * f["short"] - weights.long * f["long"]
                   - weights.position * i / max(1, len(sentences) - 1))
    return out


def choose(sentences: list[str], vectors, weights: Weights = DEFAULT_WEIGHTS) -> int:
    """Index of the best TL;DR sentence (ties: the earlier one)."""
    best, best_score = 0, -math.inf
    for i, score in enumerate(scores(sentences, vectors, weights)):
        if score > best_score + 1e-9:
            best, best_score = i, score
    return best


def trim(sentence: str, limit: int = LIMIT) -> tuple[str, bool]:
    """``sentence`` as a TL;DR of at most ``limit`` characters: citations ("[3]",
    "(Devlin et al., 2019)") and a leading connective ("Moreover, ") go; when still too long, asides in
    parentheses go, then trailing clauses, then words; "…" marks a cut."""
    text = _CITING_ASIDE.sub("", _CITATION.sub("", sentence)).strip()
    stripped = _LEADING_CONNECTIVE.sub("", text)
    if stripped != text and stripped:
        text = stripped[0].upper() + stripped[1:]
    if len(text) <= limit:
        return text, False
    shorter = _PARENTHETICAL.sub("", text)
    if len(shorter) <= limit:
        return shorter, False
    text = shorter
    room = limit - len(ELLIPSIS)
    cuts = [m.start() for m in _CLAUSE_BREAK.finditer(text) if limit // 3 <= m.start() <= room]
    if cuts:
        head = text[:cuts[-1]]
    else:
        head = text[:room]
        if " " in head[limit // 3:]:
            head = head[:head.rindex(" ")]
    return head.rstrip(" ,;:–—-") + ELLIPSIS, True


def extract(abstract: str | None, embed=None, weights: Weights = DEFAULT_WEIGHTS,
            limit: int = LIMIT) -> Extract | None:
    """The extractive TL;DR of ``abstract``: ``embed(texts) -> vectors`` scores
    sentences (TF-IDF when None). None for an empty abstract."""
    sentences = split_sentences(abstract)
    if not sentences:
        return None
    if len(sentences) == 1:
        index = 0
    else:
        vectors = embed(sentences) if embed is not None else tfidf_vectors(sentences)
        index = choose(sentences, vectors, weights)
    text, cut = trim(sentences[index], limit)
    return Extract(text=text, sentence=sentences[index], index=index, cut=cut)


def _is_cjk(text: str) -> bool:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") > len(text) / 3
