"""Normalising identifiers, titles, dates and categories. Pure functions."""

from __future__ import annotations

import email.utils
import hashlib
import re
import unicodedata
from datetime import date, datetime, timezone
from functools import lru_cache

_NEW_ID = re.compile(r"(?<![\w.])(\d{4}\.\d{4,5})(?:v(\d{1,9}))?(?![\d])")
_OLD_ID = re.compile(r"(?<![\w.])([a-z][a-z\-]{1,20}(?:\.[A-Z]{2})?/\d{7})(?:v(\d{1,9}))?(?!\d)")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)


def parse_arxiv_id(text: str | None) -> tuple[str | None, int | None]:
    """Find an arXiv identifier in an id, URL or DOI: ('2106.08254', 2).

    Handles new-style ids (``2106.08254v2``), old-style ids
    (``hep-th/9901001v1``), abs/pdf URLs, ``arXiv:`` prefixes and
    ``10.48550/arXiv.`` DOIs. Returns (None, None) when there is none.
    """
    if not text:
        return None, None
    text = text.strip()
    m = _ARXIV_DOI.match(text)
    if m:
        text = m.group(1)
    m = _NEW_ID.search(text) or _OLD_ID.search(text)
    if not m:
        return None, None
    return m.group(1), (int(m.group(2)) if m.group(2) else None)


def normalize_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip()
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
    doi = doi.split()[0] if doi.split() else ""
    return doi.lower() if doi.startswith("10.") else None


_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?|[{}$^_~\\]")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def _fold(text: str) -> str:
    """Casefold and strip accents; cheap for the common all-ASCII case."""
    text = text.casefold()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


# ASCII punctuation -> space, by table: far cheaper than a regex on long text.
_ASCII_PUNCT = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def _words(folded: str) -> list[str]:
    """Alphanumeric words of casefolded text."""
    if folded.isascii():
        return folded.translate(_ASCII_PUNCT).split()
    return _NON_WORD.sub(" ", folded).split()


def normalize_title(title: str | None) -> str | None:
    """A key for matching titles: case, accents, LaTeX and punctuation removed.

    Returns None for titles too short or generic to identify a paper.
    """
    if not title:
        return None
    text = _fold(title)
    if "\\" in text or "{" in text or "$" in text:
        text = _LATEX_CMD.sub(" ", text)
    words = _words(text)
    text = " ".join(words)
    if len(text) < 8 or len(words) < 2:
        return None
    return text


#: Words of an abstract that identify it (enough to be unique, cheap to key).
ABSTRACT_KEY_WORDS = 40


def abstract_key(abstract: str | None) -> str | None:
    """A key for matching records by abstract text (title-less records).

    Uses the first words only, normalised like titles, so a key costs the
    same for any abstract length and survives a truncated tail.
    """
    if not abstract:
        return None
    words = _words(_fold(abstract[: ABSTRACT_KEY_WORDS * 14]))[:ABSTRACT_KEY_WORDS]
    if len(words) < 8:
        return None
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:20]


def clean_space(text: str | None) -> str | None:
    """Collapse runs of whitespace (arXiv wraps titles and abstracts at 80 columns)."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def parse_date(value: str | None) -> str | None:
    """An ISO date from ISO 8601 or RFC 2822: ``YYYY-MM-DD``.

    A bare year or year-month stays partial (``2016``, ``2016-05``) rather
    than inventing a day; partial dates still sort correctly as text.
    """
    if not value:
        return None
    value = value.strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: "Mon, 22…22 Apr 2007"
        parsed = None
    if parsed is not None:
        return parsed.date().isoformat()
    m = re.match(r"^(\d{4})(?:-(\d{2}))?$", value)
    if m:
        return f"{m[1]}-{m[2]}" if m[2] else m[1]
    return None


def link_kind(url: str, label: str = "") -> str:
    """The kind of a link from its address (and label): abstract, pdf, code, project, doi, other."""
    low = url.lower()
    label = label.lower()
    if "arxiv.org/pdf" in low or low.endswith(".pdf"):
        return "pdf"
    if "arxiv.org/abs" in low:
        return "abstract"
    if "doi.org/" in low:
        return "doi"
    if "github.com/" in low or "gitlab.com/" in low or "code" in label:
        return "code"
    if "project" in label or "page" in label:
        return "project"
    return "other"


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


#: Short tags used by digest posts and listings -> arXiv categories.
SHORT_CATEGORIES = {
    "AI": "cs.AI", "CL": "cs.CL", "CV": "cs.CV", "LG": "cs.LG", "RO": "cs.RO",
    "IR": "cs.IR", "NE": "cs.NE", "MA": "cs.MA", "CR": "cs.CR", "HC": "cs.HC",
    "SD": "cs.SD", "AS": "eess.AS", "IV": "eess.IV", "SP": "eess.SP", "SY": "eess.SY",
    "GR": "cs.GR", "DC": "cs.DC", "DB": "cs.DB", "SE": "cs.SE", "CY": "cs.CY",
    "GT": "cs.GT", "MM": "cs.MM", "IT": "cs.IT", "DS": "cs.DS", "PL": "cs.PL",
    "ML": "stat.ML", "ME": "stat.ME", "CO": "stat.CO", "OC": "math.OC",
}

_CATEGORY = re.compile(r"^[a-z\-]+\.[A-Za-z\-]+$")
#: arXiv categories that have no dotted subject class.
BARE_CATEGORIES = {
    "astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph",
    "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph",
}
_PAREN_CODE = re.compile(r"\(([a-z\-]+(?:\.[A-Za-z\-]+)?)\)\s*$")


def normalize_category(tag: str | None) -> str | None:
    """'[CV]' or 'CV' -> 'cs.CV'; 'Numerical Analysis (math.NA)' -> 'math.NA'."""
    if not tag:
        return None
    tag = tag.strip().strip("[]").strip()
    if tag.upper() in SHORT_CATEGORIES and tag.isupper():
        return SHORT_CATEGORIES[tag.upper()]
    m = _PAREN_CODE.search(tag)
    if m:
        return m.group(1)
    if _CATEGORY.match(tag) or tag in BARE_CATEGORIES:
        return tag
    return None


def split_categories(value: str | None) -> list[str]:
    """'cs.CL cs.LG' or 'Name (cs.CL); Name (cs.LG)' -> ['cs.CL', 'cs.LG']."""
    if not value:
        return []
    parts = value.split(";") if ";" in value or "(" in value else value.split()
    out: list[str] = []
    for part in parts:
        cat = normalize_category(part)
        if cat and cat not in out:
            out.append(cat)
    return out


@lru_cache(maxsize=1)
def _latex_converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a",
}
_SYMBOLS = {"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ",
            "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
# \'a  \'{a}  {\'a}  \"{\i}  \c{c}  \v s  \ss{}  {\o}
_SIMPLE_LATEX = re.compile(
    r"\{?\\(?:([\'`^\"~=.])\s*\{?\s*(\\[ij]|[A-Za-z])\}?"
    r"|([uvHckr])(?:\{\s*(\\[ij]|[A-Za-z])\}|\s+([A-Za-z]))"
    r"|(ss|aa|AA|ae|AE|oe|OE|o|O|l|L)(?![A-Za-z])(?:\{\})?)\}?"
)


def _simple_latex(m: re.Match) -> str:
    if m.group(6):
        return _SYMBOLS[m.group(6)]
    accent = m.group(1) or m.group(3)
    base = m.group(2) or m.group(4) or m.group(5)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + _ACCENTS[accent])


def latex_to_text(text: str | None) -> str | None:
    """Turn LaTeX accents and braces into Unicode (``Bal\\'azs`` -> ``Balázs``).

    Common accents are handled by a fast table; anything else goes through
    pylatexenc. Math (``$...$``) is kept verbatim. Text without a backslash
    or brace is returned unchanged, so this is cheap on plain text.
    """
    if text is None or ("\\" not in text and "{" not in text):
        return text
    simple = _SIMPLE_LATEX.sub(_simple_latex, text)
    if "\\" not in simple and "$" not in simple:
        return simple.replace("{", "").replace("}", "")
    try:
        return _latex_converter().latex_to_text(text)
    except Exception:  # pylatexenc is lenient; never let a name break an import
        return text


# One plain mailbox, local@domain: dot-atom local part, host name labels. No display
# names, lists, comments, quoted parts or literals: nothing that could add a recipient.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_MAILBOX = re.compile(_ATOM + r"(?:\." + _ATOM + r")*@" + _LABEL + r"(?:\." + _LABEL + r")*")


def is_mailbox(address: str | None) -> bool:
    """True when ``address`` is one plain mailbox (``name@example.org``) and nothing
    more: no second recipient, display name or RFC 2047 encoded word (the email
    package decodes those when it writes a header)."""
    address = address or ""
    return (len(address) <= 254 and len(address.rpartition("@")[0]) <= 64
            and _MAILBOX.fullmatch(address) is not None and "=?" not in address)
