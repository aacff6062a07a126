"""Cross-lingual queries: turn a Chinese (or mixed Chinese/English) query into
an English one, so that English papers can be found with English retrievers.

The translation is a curated zh->en glossary of machine-learning vocabulary
(``data/ml_glossary_zh_en.tsv``, shipped in the package; no model, no
dependency) and a longest-match segmenter: the Chinese runs of the query are
cut into glossary terms, preferring the cut that leaves the fewest characters
untranslated and then the fewest (so the longest) pieces; Latin words such as
``Transformer`` or ``BERT`` are kept as they are. Untranslated pieces are
reported, never guessed. Traditional characters are first mapped to their
simplified forms (``data/zh_hant_to_hans.tsv``, made with OpenCC for the
glossary's characters).

    >>> translate_query("图像超分辨率").english
    'image super-resolution'
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

GLOSSARY_FILE = "ml_glossary_zh_en.tsv"
TRADITIONAL_FILE = "zh_hant_to_hans.tsv"


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FA1F)


def _script(ch: str) -> str | None:
    o = ord(ch)
    if _is_han(ch):
        return "han"
    if 0x3040 <= o <= 0x30FF:
        return "kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x0400 <= o <= 0x04FF:
        return "cyrillic"
    if 0x0600 <= o <= 0x06FF:
        return "arabic"
    if 0x0370 <= o <= 0x03FF:
        return "greek"
    if 0x0E00 <= o <= 0x0E7F:
        return "thai"
    if 0x0900 <= o <= 0x097F:
        return "devanagari"
    if ch.isalpha():
        return "latin"
    return None


_SCRIPT_LANGUAGE = {"kana": "ja", "hangul": "ko", "han": "zh", "cyrillic": "ru", "arabic": "ar",
                    "greek": "el", "thai": "th", "devanagari": "hi", "latin": "en"}


def detect_language(text: str) -> str:
    """The language of a query, judged by its script: ``'zh'`` when it holds
    any Chinese character (and no kana), ``'ja'`` with kana, ``'ko'`` with
    Hangul, ``'ru'``, ``'ar'``, ``'el'``, ``'th'``, ``'hi'`` for their scripts,
    ``'en'`` for Latin letters (other Latin-script languages are not told
    apart), ``'und'`` when there is no letter at all.

    A mixed query such as ``基于Transformer的检测`` is ``'zh'``: its Chinese
    part is what needs translating."""
    counts: dict[str, int] = {}
    for ch in unicodedata.normalize("NFKC", text):
        script = _script(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    for script in ("kana", "hangul", "han"):
        if counts.get(script):
            return _SCRIPT_LANGUAGE[script]
    if not counts:
        return "und"
    return _SCRIPT_LANGUAGE[max(counts, key=lambda s: counts[s])]


@dataclass(frozen=True)
class Glossary:
    """Chinese term -> English term (an empty English term: a function word
    that is dropped, such as 的)."""

    terms: dict[str, str]

    @property
    def longest(self) -> int:
        return max(map(len, self.terms), default=0)

    def segment(self, han: str) -> list[tuple[str, str | None]]:
        """Cut a run of Chinese characters into ``(piece, english)`` pairs,
        ``english`` None for an untranslated piece (consecutive unknown
        characters are kept together). Among all cuts, the one with the fewest
        untranslated characters wins, then the one with the fewest pieces."""
        n, longest = len(han), self.longest
        # best[i] = (unknown chars, pieces) for han[i:], and the first piece's length
        best: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        step = [1] * (n + 1)
        for i in range(n - 1, -1, -1):
            unknown, pieces = best[i + 1]
            choice, length = (unknown + 1, pieces + 1), 1
            for j in range(min(n, i + longest), i, -1):
                if han[i:j] in self.terms:
                    u, p = best[j]
                    if (u, p + 1) < choice:
                        choice, length = (u, p + 1), j - i
            best[i], step[i] = choice, length
        out: list[tuple[str, str | None]] = []
        i = 0
        while i < n:
            piece = han[i:i + step[i]]
            english = self.terms.get(piece)
            if english is None and out and out[-1][1] is None:
                out[-1] = (out[-1][0] + piece, None)
            else:
                out.append((piece, english))
            i += step[i]
        return out


def read_glossary(path: str | Path) -> Glossary:
    """A glossary from a TSV file of ``chinese<TAB>english`` lines (``#``
    starts a comment line; an empty English column marks a dropped function
    word). A later line for the same Chinese term replaces an earlier one."""
    terms: dict[str, str] = {}
    text = Path(path).read_text(encoding="utf-8")
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        zh, sep, en = line.partition("\t")
        zh = unicodedata.normalize("NFKC", zh.strip())
        if not sep or not zh or not all(_is_han(c) for c in zh):
            raise ValueError(f"{path}:{lineno}: expected 'chinese<TAB>english', got {line!r}")
        terms[zh] = " ".join(en.split())
    return Glossary(terms)


def _data_text(name: str) -> str:
    return (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The machine-learning glossary shipped with paperradar."""
    ref = resources.files(__package__) / "data" / GLOSSARY_FILE
    with resources.as_file(ref) as path:
        return read_glossary(path)


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    table = {}
    for line in _data_text(TRADITIONAL_FILE).splitlines():
        if line and not line.startswith("#"):
            trad, _tab, simp = line.partition("\t")
            table[ord(trad)] = simp
    return table


def to_simplified(text: str) -> str:
    """Traditional Chinese characters of the glossary's vocabulary turned
    into their simplified forms (other characters are left alone)."""
    return text.translate(_traditional_to_simplified())


@dataclass(frozen=True)
class QueryVariants:
    """A query and its English form.

    ``english`` is the text itself for an English (Latin-script) query, the
    glossary translation for a Chinese or mixed one, and None when nothing of
    it could be translated (or for a language without a glossary). ``unknown`` lists the Chinese pieces left untranslated."""

    original: str
    english: str | None
    language: str
    unknown: tuple[str, ...] = ()

    @property
    def texts(self) -> list[str]:
        """The distinct texts worth searching: the original, then the English."""
        return [self.original] + ([self.english] if self.english and self.english != self.original
                                  else [])


def _runs(text: str):
    """Split text into (is_han, run) pieces."""
    run, han = "", None
    for ch in text:
        h = _is_han(ch)
        if han is not None and h != han:
            yield han, run
            run = ""
        run += ch
        han = h
    if run:
        yield han, run


def translate_query(text: str, glossary: Glossary | None = None) -> QueryVariants:
    """The English form of a (Chinese, mixed or English) query; see
    :class:`QueryVariants`."""
    language = detect_language(text)
    if language in ("en", "und"):
        return QueryVariants(text, text.strip() or None, language)
    if language != "zh":  # no glossary for it: the original query is all there is
        return QueryVariants(text, None, language)
    glossary = glossary or default_glossary()
    words: list[str] = []
    unknown: list[str] = []
    for is_han, run in _runs(to_simplified(unicodedata.normalize("NFKC", text))):
        if not is_han:
            # Latin words, numbers and hyphens stay; CJK and other punctuation become spaces.
            kept = "".join(c if c.isalnum() or c in "-+.'_/" else " " for c in run)
            words.extend(w for w in kept.split() if any(c.isalnum() for c in w))
            continue
        for piece, english in glossary.segment(run):
            if english is None:
                unknown.append(piece)
            else:
                words.extend(english.split())
    if unknown:
        log.debug("untranslated query pieces: %s", unknown)
    return QueryVariants(text, " ".join(words) or None, language, tuple(unknown))
