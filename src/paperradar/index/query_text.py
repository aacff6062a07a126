"""Turning what a user typed into safe search input.

A keyword query is never handed to a query parser as typed: ``query_words``
cuts it into plain words (runs of letters and digits), so quotes, ``AND``,
``OR``, ``NOT``, ``NEAR``, ``*``, ``-``, ``field:`` syntax, brackets,
backslashes, control characters and emoji can only ever be text or nothing.
The keyword index builds term queries from these words itself.

Filter values that are dates go through ``date_interval``: ISO dates, full
(``2024-06-01``) or partial (``2024-06``, ``2024``), become the inclusive
range of days they cover, as ``YYYYMMDD`` integers.
"""

from __future__ import annotations

import calendar
import re
import unicodedata

import tantivy
from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

from ..errors import InputError

#: Words past this many are ignored: a pasted page is not a better query than its first lines.
MAX_QUERY_WORDS = 32
#: Characters of a query looked at; the rest is ignored (bounded work for huge inputs).
MAX_QUERY_CHARS = 4000
#: Longest query accepted when the user asks for query operators.
MAX_OPERATOR_QUERY_CHARS = 1000

# A word is a run of letters and digits (underscore is punctuation), as in the
# index's tokenizer, which splits on anything that is not alphanumeric.
_WORD = re.compile(r"[^\W_]+")
# ``field:`` prefixes in operator queries, left out of the words of "why this hit".
_FIELD_PREFIX = re.compile(r"[^\W_]+:")
_AND_NOT = re.compile(r"\bAND\s+NOT\s+")

# Function words that carry no topic; dropped from queries unless nothing else is left.
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "over", "so", "than", "that", "the", "their",
    "then", "there", "these", "this", "those", "to", "via", "vs", "was", "we", "were", "what",
    "when", "where", "which", "while", "with", "without", "not",
})


def query_words(text: str) -> list[str]:
    """The words of a user's query: lowercased, unique, in order, stopwords left out.

    Everything that is not a letter or digit separates words, so query syntax
    becomes plain text. An all-punctuation query gives ``[]``; a query made only
    of stopwords keeps them (searching "the" is odd but not an error).
    """
    text = unicodedata.normalize("NFKC", text[:MAX_QUERY_CHARS])
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text):
        seen.setdefault(match.group().casefold(), None)
        if len(seen) >= MAX_QUERY_WORDS * 4:
            break
    words = list(seen)
    content = [w for w in words if w not in STOPWORDS]
    return (content or words)[:MAX_QUERY_WORDS]


def operator_query_words(text: str) -> list[str]:
    """The plain words of a query written with operators, for "why this hit".

    ``field:`` prefixes and the operators ``AND``/``OR``/``NOT`` are not words
    the user looks for.
    """
    return query_words(_FIELD_PREFIX.sub(" ", text))


def check_operator_query(text: str) -> str:
    """The query as the engine's parser should see it, or InputError if unusable."""
    if len(text) > MAX_OPERATOR_QUERY_CHARS:
        raise InputError(
            "query",
            f"query too long for operator mode ({len(text)} characters, at most "
            f"{MAX_OPERATOR_QUERY_CHARS}); shorten it or search without operators",
        )
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    # tantivy reads "a AND NOT b" as a AND (nothing but NOT b), which matches nothing;
    # "a AND -b" is what the user means. Quoted phrases are left as they are.
    parts = text.split('"')
    parts[::2] = [_AND_NOT.sub("AND -", part) for part in parts[::2]]
    return '"'.join(parts)


def operator_error(query: str, exc: Exception) -> InputError:
    """The InputError for a query the engine's parser (or searcher) refused."""
    return InputError("query", f"cannot read the query {query!r}: {exc}. Quote phrases with "
                      "\"...\", balance brackets, use AND/OR/NOT and title:, abstract:, authors:")


def check_text(**filters: str | None) -> None:
    """InputError naming the first text filter (category, source, author...) that is not
    valid Unicode: lone surrogates, undecodable bytes passed through from a command line."""
    for name, value in filters.items():
        try:
            (value or "").encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(name, f"{value!r} is not valid text (undecodable bytes?)") from None


#: Names of the index's text analysers: stemmed English words, name words, whole keywords.
STEMMED, NAMES, KEYWORDS = "paperradar_en", "paperradar_name", "paperradar_keyword"


def text_analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """The analysers the keyword index indexes with, by name; queries use the same
    ones, so a query word becomes exactly the term the index holds. Words are runs
    of letters and digits, lowercased, accents folded, over 40 characters dropped."""
    def words() -> TextAnalyzerBuilder:
        return (TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40))
                .filter(Filter.lowercase()).filter(Filter.ascii_fold()))

    return {
        STEMMED: words().filter(Filter.stemmer("english")).build(),
        NAMES: words().build(),
        KEYWORDS: TextAnalyzerBuilder(Tokenizer.raw()).filter(Filter.lowercase()).build(),
    }


_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?")


def date_interval(text: str | None) -> tuple[int, int] | None:
    """The days an ISO date covers, as inclusive ``YYYYMMDD`` integers, or None.

    ``"2024-06-01"`` -> (20240601, 20240601); ``"2024-06"`` -> (20240601, 20240630);
    ``"2024"`` -> (20240101, 20241231). A time part is ignored. Text that is no
    date (or an impossible one, like month 13) gives None.
    """
    if not text:
        return None
    match = _ISO_DATE.fullmatch(text.strip())
    if not match:
        return None
    year = int(match.group(1))
    if year < 1:
        return None
    if match.group(2) is None:
        return year * 10000 + 101, year * 10000 + 1231
    month = int(match.group(2))
    if not 1 <= month <= 12:
        return None
    last_day = calendar.monthrange(year, month)[1]
    base = year * 10000 + month * 100
    if match.group(3) is None:
        return base + 1, base + last_day
    day = int(match.group(3))
    if not 1 <= day <= last_day:
        return None
    return base + day, base + day


def filter_days(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """The first and last day (``YYYYMMDD``) a since/until filter allows, None where open.

    A partial date widens the range: ``until="2024"`` allows all of 2024. Text that
    is no date raises InputError naming the filter.
    """
    days = []
    for name, text, end in (("since", since, 0), ("until", until, 1)):
        if text is None or not str(text).strip():
            days.append(None)
            continue
        interval = date_interval(str(text))
        if interval is None:
            raise InputError(name, f"not a date: {text!r}; use YYYY-MM-DD, YYYY-MM or YYYY")
        days.append(interval[end])
    return days[0], days[1]
