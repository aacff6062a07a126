"""Split an abstract into sentences without breaking at "e.g.", "et al.",
decimals ("83.2%"), initials ("D. J. Sutherland"), URLs, parentheses or LaTeX
math ("$O(n \\log n)$.").

A boundary is a ``.``, ``!`` or ``?`` (plus closing quotes or brackets) that
is followed by white space and a character that can open a sentence (a
capital, a digit, an opening quote, bracket, ``$`` or ``\\``), and that is not
inside parentheses or ``$...$`` math, nor right after an abbreviation or a
single capital initial. Scraped text that lost its space ("results.We show")
is split too, when a lower-case word meets a capitalised one. Chinese and
Japanese text splits after "。！？".
"""

from __future__ import annotations

import re

#: Lower-cased words that end with a period without ending the sentence.
ABBREVIATIONS = frozenset(["e.g", "eg", "i.e", "ie", "cf", "vs", "viz", "al", "et", "approx", "resp", "fig", "figs", "eq", "eqs", "sec", "secs", "tab", "ref", "refs", "no", "nos", "vol", "pp", "ch", "app", "appx", "def", "thm", "lem", "prop", "cor", "alg", "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "inc", "ltd", "co", "corp", "dept", "univ", "ca", "est", "min", "max", "avg", "std", "var", "incl", "u.s", "u.k", "e.u", "a.k.a", "w.r.t", "i.i.d", "s.t", "wrt", "iid"])

_CLOSERS = "\"'”’)]}»"
_OPENERS = "\"'“‘([{«$\\"
_CJK_END = "。！？"
_NO_SPACE_BOUNDARY = re.compile(r"(?<=[a-z]{3}[.!?])(?=[A-Z][a-z])")
_NEXT_WORD = re.compile(r"[a-z][A-Za-z0-9\-]*")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.\-]*)\.$")
#: A parenthesis or ``$`` left open this long is taken to be unbalanced and ignored.
_MAX_PAREN_SPAN = 400


def split_sentences(text: str | None) -> list[str]:
    """The sentences of ``text``, stripped, in order; empty for empty text."""
    if not text or not text.strip():
        return []
    text = " ".join(text.split())
    pieces: list[str] = []
    for part in _NO_SPACE_BOUNDARY.split(text):
        pieces.extend(_split_spaced(part))
    out: list[str] = []
    for piece in pieces:
        out.extend(_split_cjk(piece))
    return [s for s in (p.strip() for p in out) if s]


def _split_spaced(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    depth = 0
    paren_open_at = -1
    in_math = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:  # an escaped character never ends a sentence
            i += 2
            continue
        if ch == "$" and (in_math or 0 < text.find("$", i + 1) - i <= _MAX_PAREN_SPAN):
            in_math = not in_math  # a lone "$" (a price) opens no math
        elif ch in "([{" and not in_math:
            if depth == 0:
                paren_open_at = i
            depth += 1
        elif ch in ")]}" and not in_math and depth:
            depth -= 1
        if depth and i - paren_open_at > _MAX_PAREN_SPAN:
            depth = 0  # unbalanced: stop protecting
        if ch in ".!?" and not in_math and depth == 0:
            end = i + 1
            while end < n and text[end] in _CLOSERS + ".!?":
                end += 1
            if _is_boundary(text, start, i, end):
                sentences.append(text[start:end])
                start = end
            i = end
            continue
        i += 1
    sentences.append(text[start:])
    return sentences


def _is_boundary(text: str, start: int, mark: int, end: int) -> bool:
    """Whether the punctuation at ``mark`` (closers up to ``end``) ends a sentence."""
    n = len(text)
    if end >= n or text[end] != " ":
        return False
    nxt = end + 1
    if nxt >= n:
        return False
    follower = text[nxt]
    if not (follower.isupper() or follower.isdigit() or follower in _OPENERS
            or _is_lowercase_name(text, nxt)):
        return False
    if text[mark] != ".":
        return True
    word = _WORD_BEFORE.search(text[max(start, mark - 40) : mark + 1])
    if word:
        token = word.group(1).lower().strip(".")
        if token in ABBREVIATIONS:
            return False
        bare = word.group(1)
        if len(bare) == 1 and bare.isupper():  # an initial: "D. J. Sutherland"
            return False
        if "." in bare.strip(".") and len(bare) <= 6 and not follower.isdigit():
            return False  # "U.S." or "a.k.a."
    # "3. 2" is most likely a broken decimal ("Section 3. 2" is rare)
    return not (mark > 0 and text[mark - 1].isdigit() and follower.isdigit())


def _is_lowercase_name(text: str, at: int) -> bool:
    """Whether the word at ``at`` is a lower-case name ("alpha1", "vLLM",
    "iPhone"): digits or capitals inside, unlike an ordinary word."""
    word = _NEXT_WORD.match(text, at)
    return bool(word) and any(ch.isdigit() or ch.isupper() for ch in word.group(0)[1:])


def _split_cjk(text: str) -> list[str]:
    if not any(ch in text for ch in _CJK_END):
        return [text]
    out: list[str] = []
    buf: list[str] = []
    for i, ch in enumerate(text):
        buf.append(ch)
        if ch in _CJK_END and not (i + 1 < len(text) and text[i + 1] in _CLOSERS) or ch in _CLOSERS and i > 0 and text[i - 1] in _CJK_END:
            out.append("".join(buf))
            buf = []
    if buf:
        out.append("".join(buf))
    return out
