"""paperradar's BibTeX export, which ``bibtex.parse`` reads back without loss.

Standard fields (title, author, year, month, abstract, doi, eprint, url,
keywords...) serve other tools; ``affiliation``, ``x-paperradar-*`` and the
translation fields (``title-zh``, ``abstract-zh``) carry the rest. This
module keeps both directions of each convention together, so they stay each
other's inverse: text (``escape`` / ``plain``), names (``_name`` /
``person_name``), keywords (``category_codes``) and paperradar's own fields
(``paper_fields`` / ``read_own_fields``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable
from urllib.parse import unquote

from ..models import Link, Paper
from ..normalize import clean_space, latex_to_text, normalize_category

#: paperradar's own fields, so that its export reads back without loss.
ID_FIELD = "x-paperradar-id"
LINKS_FIELD = "x-paperradar-links"
AUTHOR_AFFILIATIONS_FIELD = "x-paperradar-author-affiliations"
#: translation fields: "title-zh", "abstract-zh" (the translation's "summary").
TRANSLATED = {"title": "title", "abstract": "summary"}
OWN_FIELDS = {ID_FIELD, LINKS_FIELD, AUTHOR_AFFILIATIONS_FIELD}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")

_TRANSLATION_FIELD = re.compile(r"^(title|abstract)-([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)$")
_TIE = re.compile(r"(?<!\\)~")
_ARCHIVES = {"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th",
             "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"}
_LATEX_SPECIALS = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "%": r"\%", "&": r"\&",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
})
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)")
_URL_UNSAFE = str.maketrans({"%": "%25", "{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20",
                             "\t": "%09", "\n": "%0A", "\r": "%0D"})
_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "via", "from",
              "towards", "toward", "is", "are", "do", "does", "what", "how", "why", "when"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*$")
_SUMMARY_FIELDS = {v: k for k, v in TRANSLATED.items()}  # "summary" -> "abstract"


def escape(text: str) -> str:
    """Plain text -> LaTeX that ``bibtex.plain`` turns back into the same text.

    Specials are escaped, and ``{}`` breaks the ligatures LaTeX would read
    (``--`` en dash, ````` and ``''`` quotes, ``!```, ``?```).
    """
    return _LIGATURE.sub("{}", " ".join(text.split()).translate(_LATEX_SPECIALS))


def plain(value: str | None) -> str | None:
    """A LaTeX value as plain text: accents to Unicode, braces gone, ties and spaces collapsed."""
    if not value:
        return None
    if "~" in value:
        value = _TIE.sub(" ", value)
    return clean_space(latex_to_text(clean_space(value)))


def split_top_level(value: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces (``sep`` " and " is matched case-insensitively)."""
    parts, depth, start, i, n, low = [], 0, 0, 0, len(value), value.lower()
    while i < n:
        ch = value[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and low.startswith(sep, i):
            parts.append(value[start:i])
            i = start = i + len(sep)
            continue
        i += 1
    parts.append(value[start:])
    return parts


def person_name(raw: str) -> str | None:
    """'Last, First' or 'Last, Jr, First' -> 'First Last Jr'; LaTeX to Unicode."""
    raw = clean_space(raw) or ""
    if raw.lower().rstrip(".") in ("others", "et al", "al", ""):
        return None
    parts = [p.strip() for p in split_top_level(raw, ",") if p.strip()]
    if len(parts) == 2:
        raw = f"{parts[1]} {parts[0]}"
    elif len(parts) >= 3:
        raw = f"{parts[2]} {parts[0]} {parts[1]}"
    return plain(raw)


def category_codes(value: str) -> tuple[list[str], list[str]]:
    """Keywords -> (arXiv categories, other keywords)."""
    codes, words = [], []
    for item in re.split(r"[,;]", value):
        word = plain(item)
        if not word:
            continue
        code = normalize_category(word) if "(" in word or "." in word or word in _ARCHIVES else None
        if code and ("." in code or code in _ARCHIVES):
            codes.append(code)
        else:
            words.append(word)
    return codes, words


def affiliation_list(value: str) -> list[str]:
    """'{A; B}; C' -> ['A; B', 'C']."""
    return [a for a in (plain(p) for p in split_top_level(value, ";")) if a]


def read_own_fields(fields: dict[str, str], spelled: dict[str, str], paper: Paper) -> set[str]:
    """Apply paperradar's own fields of an entry to ``paper``; returns the names used."""
    used = {name for name in fields if _TRANSLATION_FIELD.match(spelled[name])}
    for name in sorted(used):
        m = _TRANSLATION_FIELD.match(spelled[name])
        if text := plain(fields[name]):
            paper.translations.setdefault(m.group(2), {})[TRANSLATED[m.group(1).lower()]] = text
    if AUTHOR_AFFILIATIONS_FIELD in fields:
        per_author = split_top_level(clean_space(fields[AUTHOR_AFFILIATIONS_FIELD]) or "", " and ")
        for author, value in zip(paper.authors, per_author):
            author.affiliations = affiliation_list(value)
        on_authors = {a for author in paper.authors for a in author.affiliations}
        paper.affiliations = [a for a in paper.affiliations if a not in on_authors]
    if LINKS_FIELD in fields:
        tokens = fields[LINKS_FIELD].split()
        paper.links = [Link(unquote(url), kind) for kind, url in zip(tokens[::2], tokens[1::2])]
    if ID_FIELD in fields:
        paper.id = plain(fields[ID_FIELD])
    return used | (OWN_FIELDS & fields.keys())


def _url(url: str) -> str:
    """A URL without braces, backslashes or spaces; ``urllib.parse.unquote`` undoes it."""
    return url.strip().translate(_URL_UNSAFE)


def _braced_list(items: Iterable[str]) -> str:
    """'A; B' with each item braced when it holds a separator."""
    return "; ".join(f"{{{escape(a)}}}" if ";" in a or " and " in a.lower() or "," in a
                     else escape(a) for a in items)


def _name(name: str) -> str:
    escaped = escape(name)
    low = name.lower().strip()
    if "," in name or " and " in f" {low} " or low.rstrip(".") in ("others", "et al", "al"):
        return f"{{{escaped}}}"  # braces keep it one name, read as written
    return escaped


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def citation_key(paper: Paper) -> str:
    """First author's last name + year + first title word: 'vaswani2017attention'."""
    words = paper.authors[0].name.replace(",", " ").split() if paper.authors else []
    while len(words) > 1 and words[-1].lower().rstrip(".") in _SUFFIXES:
        words.pop()
    last = _ascii_word(words[-1]) if words else ""
    year = (paper.date or "")[:4]
    word = next((w for w in (_ascii_word(t) for t in (paper.title or "").split())
                 if w and w not in _STOPWORDS), "")
    return (last + year + word) or (paper.arxiv_id or "paper").replace("/", "_")


def _unique(key: str, used: set[str]) -> str:
    if key not in used:
        used.add(key)
        return key
    n = 1
    while True:
        suffix = chr(ord("a") + n) if n < 26 else str(n)
        if key + suffix not in used:
            used.add(key + suffix)
            return key + suffix
        n += 1


def paper_fields(paper: Paper) -> list[tuple[str, str]]:
    """(name, value as written between the braces) for one paper, in output order."""
    out: list[tuple[str, str]] = []
    if paper.title:
        out.append(("title", "{" + escape(paper.title) + "}"))
    if paper.authors:
        out.append(("author", " and ".join(_name(a.name) for a in paper.authors)))
    if paper.date:
        out.append(("year", paper.date[:4]))
        if len(paper.date) >= 7 and paper.date[5:7].isdecimal() and 1 <= int(paper.date[5:7]) <= 12:
            out.append(("month", MONTHS[int(paper.date[5:7]) - 1][:3]))
        if len(paper.date) > 4:
            out.append(("date", paper.date))
    if paper.abstract:
        out.append(("abstract", escape(paper.abstract)))
    if paper.doi:
        out.append(("doi", escape(paper.doi)))
    if paper.arxiv_id:
        version = f"v{paper.arxiv_version}" if paper.arxiv_version else ""
        out += [("eprint", paper.arxiv_id + version), ("archivePrefix", "arXiv")]
        if paper.categories:
            out.append(("primaryClass", escape(paper.categories[0])))
    if paper.links:
        best = next((l for l in paper.links if l.kind == "abstract"), paper.links[0])
        out.append(("url", _url(best.url)))
    if paper.categories:
        out.append(("keywords", escape(", ".join(paper.categories))))
    if paper.journal_ref:
        out.append(("journal", escape(paper.journal_ref)))
    if paper.comments:
        out.append(("note", escape(paper.comments)))
    affiliations = paper.all_affiliations()
    if affiliations:
        out.append(("affiliation", _braced_list(affiliations)))
    if any(a.affiliations for a in paper.authors):
        out.append((AUTHOR_AFFILIATIONS_FIELD, " and ".join(
            _braced_list(a.affiliations) if a.affiliations else "{}" for a in paper.authors)))
    if paper.links:
        out.append((LINKS_FIELD, " ".join(f"{l.kind} {_url(l.url)}" for l in paper.links)))
    if paper.id:
        out.append((ID_FIELD, escape(paper.id)))
    for lang, texts in sorted(paper.translations.items()):
        if not _LANGUAGE.match(lang):
            continue
        for key in ("title", "summary"):
            if texts.get(key):
                out.append((f"{_SUMMARY_FIELDS[key]}-{lang}", escape(texts[key])))
    return out


def format_bibtex(papers: Iterable[Paper]) -> str:
    """paperradar's BibTeX export: one entry per paper with a stable, unique key."""
    used: set[str] = set()
    entries = []
    for paper in papers:
        key = _unique(citation_key(paper), used)
        kind = "article" if paper.journal_ref else "misc"
        lines = [f"@{kind}{{{key},"]
        for name, value in paper_fields(paper):
            if name == "month":
                lines.append(f"  {name} = {value},")
            else:
                lines.append(f"  {name} = {{{value}}},")
        lines[-1] = lines[-1].rstrip(",")
        lines.append("}")
        entries.append("\n".join(lines))
    return "\n\n".join(entries) + ("\n" if entries else "")
