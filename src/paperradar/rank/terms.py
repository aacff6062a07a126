"""The words of papers, for labels and reasons: unigrams and bigrams of title
and abstract, with function words and academic filler left out.

Shared by topic labels (class-based TF-IDF) and the "top terms" reason of a
recommendation. Pure functions; no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..models import Paper

#: Words (hyphenated ones whole), and the punctuation that ends a phrase (a bigram never spans it).
_TOKEN = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*|[.,;:!?()\[\]{}\"]")

#: Function words, plus the words every abstract uses (they label nothing).
STOPWORDS = frozenset("""
a about above across after again against all almost along also although always am among an and
another any are around as at be because been before being below between both but by can cannot
could did do does doing done down due during each either else enough especially etc even ever
every few for from further given had has have having he her here hers him his how however i if
in into is it its itself just least less let like made make makes many may me might more most
much must my neither no nor not now of off often on once one only onto or other others otherwise
our ours out over own per rather same several she should since so some such than that the their
theirs them themselves then there therefore these they this those though through thus to too
toward towards under until up upon us use used uses using very via was we well were what whatever
when where whether which while who whom whose why will with within without would yet you your
abstract achieve achieves achieving across addition additionally address addresses approach
approaches based benchmark benchmarks best better can challenge challenges challenging code
comprehensive consistently demonstrate demonstrates design designed despite different directly
effective effectively efficient enable enables existing experiment experimental experiments
extensive first framework further furthermore github high https improve improved improves
improving including introduce introduces key large leverage leverages level limited method
methods moreover new novel often outperform outperforms paper performance powerful present
presents previous problem propose proposed provide provides publicly recent remains result
results release released show shows significant significantly simple specifically state
strong study superior task tasks three two various work works available com www org
ability abilities capability capabilities content findings flexible downstream mechanism multiple
fine-grained high-quality pre-trained state-of-the-art sota remarkable remarkably set pipeline
first second generally extensively notably broad wide widely crucial critical robust
shown shown involving involves meticulously fields effectiveness efficiency diverse advantage
process absence accurate enabling unifying achieved reducing removing research precise
""".split())

#: Words too common in machine-learning papers to say what one is about on their own
#: (they still take part in bigrams: "diffusion models", "training data").
GENERIC = frozenset("""
model models learning training trained train data dataset datasets network networks neural deep
system systems accuracy evaluation evaluate evaluated analysis information quality generate
generated generating inference time real world tasks large language image images text
""".split())


def paper_terms(paper: Paper, bigrams: bool = True) -> list[str]:
    """Unigrams and (adjacent, stopword-free) bigrams of a paper's title and abstract.

    The title counts twice: it names what the paper is about.
    """
    out: list[str] = []
    for text, times in ((paper.title, 2), (paper.abstract, 1)):
        for _ in range(times):
            out.extend(text_terms(text or "", bigrams))
    return out


def text_terms(text: str, bigrams: bool = True) -> list[str]:
    """Unigrams and bigrams of a text (bigrams never span a stopword or punctuation)."""
    out: list[str] = []
    previous = None
    for token in _TOKEN.findall(text.lower()):
        if len(token) > 2 and token not in STOPWORDS:
            out.append(token)
            if bigrams and previous and previous != token:
                out.append(f"{previous} {token}")
            previous = token
        else:
            previous = None
    return out


def document_frequency(docs: Iterable[Iterable[str]]) -> Counter:
    """In how many documents each term occurs."""
    df: Counter = Counter()
    for doc in docs:
        df.update(set(doc))
    return df


def without_overlaps(ranked: list[str], limit: int) -> list[str]:
    """The first ``limit`` terms, skipping a word already inside a chosen bigram and
    a bigram whose both words were already chosen."""
    chosen: list[str] = []
    covered: set[str] = set()
    for term in ranked:
        parts = term.split()
        if len(parts) == 1 and term in covered:
            continue
        if len(parts) == 2 and all(p in covered for p in parts):
            continue
        if len(parts) == 2:  # a bigram replaces its words chosen before it
            chosen = [c for c in chosen if c not in parts]
        chosen.append(term)
        covered.update(parts)
        if len(chosen) == limit:
            break
    return chosen
