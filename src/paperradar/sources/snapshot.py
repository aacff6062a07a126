"""The arXiv metadata snapshot (Kaggle's ``arxiv-metadata-oai-snapshot.json``).

Not a FileFormat of its own: the JSON-lines reader decodes each line and
hands records that ``is_snapshot_record`` recognises to ``snapshot_record``.

This is a hot path (a full snapshot has millions of lines), so the mapping
uses plain ``str`` methods, small caches and no regular expressions on the
common path; LaTeX conversion runs only on names that need it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..models import Author, Link, Paper
from ..normalize import latex_to_text, normalize_doi, parse_arxiv_id, parse_date
from .base import MAX_FIELD_CHARS

SOURCE = "snapshot"

#: Keys only the snapshot has (hyphenated, or its own names).
_MARKERS = ("authors_parsed", "update_date", "journal-ref", "report-no")
_KNOWN = frozenset({
    "id", "submitter", "authors", "title", "comments", "journal-ref", "doi", "report-no",
    "categories", "license", "abstract", "versions", "update_date", "authors_parsed",
})
_MONTHS = {m: f"{i:02d}" for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_DAYS = {key: f"{d:02d}" for d in range(1, 32) for key in (str(d), f"{d:02d}")}
#: 'Mon, 2 Apr 2007 ...'[5:16] -> '2007-04-02'; a snapshot has ~12k distinct days.
_DATE_CACHE: dict[str, str] = {}

# Paper(...) with positional arguments is about twice as fast as with keywords;
# use it only while the field order is the one written here.
_ORDER = ("title", "abstract", "authors", "affiliations", "date", "updated", "categories",
          "arxiv_id", "arxiv_version", "doi", "links", "comments", "journal_ref",
          "translations", "source", "source_id", "source_fields", "extra")
if tuple(f.name for f in dataclasses.fields(Paper))[: len(_ORDER)] == _ORDER:
    _new_paper = Paper
else:  # pragma: no cover - guards against a reordered model
    def _new_paper(*values: Any) -> Paper:
        return Paper(**dict(zip(_ORDER, values)))


def is_snapshot_record(obj: dict) -> bool:
    """True for a decoded line of the arXiv metadata snapshot."""
    for key in _MARKERS:
        if key in obj:
            return True
    return "versions" in obj and "id" in obj and "categories" in obj


def snapshot_record(obj: dict) -> Paper:
    """One snapshot record -> Paper. Raises ValueError saying why it is unusable."""
    raw_id = obj.get("id")
    if type(raw_id) is not str or not raw_id:
        raise ValueError('no arXiv "id" in the record')
    title = obj.get("title")
    if title is not None:
        if type(title) is not str:
            raise _not_text(raw_id, "title", title)
        title = collapse_space(title)
    abstract = obj.get("abstract")
    if abstract is not None:
        if type(abstract) is not str:
            raise _not_text(raw_id, "abstract", abstract)
        abstract = collapse_space(abstract)
    if not title and not abstract:
        raise ValueError(f"record {raw_id} has no title and no abstract")
    if len(raw_id) in (9, 10) and raw_id[4] == "." and raw_id.isascii() and raw_id[:4].isdigit() \
            and raw_id[5:].isdigit():
        arxiv_id, version = raw_id, None  # the common new-style id, without a regex
    else:
        arxiv_id, version = parse_arxiv_id(raw_id)
        if arxiv_id is None:
            raise ValueError(f"record id {raw_id!r} is not an arXiv identifier")
    versions = obj.get("versions")
    first_date, last_version = _versions(versions, raw_id) if versions else (None, version)
    links = [Link("https://arxiv.org/abs/" + arxiv_id, "abstract"),
             Link("https://arxiv.org/pdf/" + arxiv_id, "pdf")]
    doi = obj.get("doi")
    if doi:
        if type(doi) is not str:
            raise _not_text(raw_id, "doi", doi)
        first = doi.split(None, 1)[0]  # "10.1/a 10.1/b": several DOIs, the first wins
        doi = first.lower() if first.startswith("10.") else normalize_doi(first)
        if doi:
            links.append(Link("https://doi.org/" + doi, "doi"))
    categories = obj.get("categories")
    if categories:
        if type(categories) is not str:
            raise _not_text(raw_id, "categories", categories)
        categories = categories.split()
        if len(categories) > 1:
            categories = list(dict.fromkeys(categories))
    else:
        categories = []
    fields = {}
    value = obj.get("submitter")
    if value:
        fields["submitter"] = value
    value = obj.get("license")
    if value:
        fields["license"] = value
    value = obj.get("report-no")
    if value:
        fields["report_no"] = value
    updated = obj.get("update_date")
    comments = obj.get("comments")
    journal_ref = obj.get("journal-ref")
    return _new_paper(
        title, abstract, _authors(obj, raw_id), [], first_date,
        updated if type(updated) is str and updated else None,
        categories, arxiv_id, last_version, doi or None, links,
        _text(raw_id, "comments", comments) if comments else None,
        _text(raw_id, "journal-ref", journal_ref) if journal_ref else None,
        {}, SOURCE, arxiv_id, fields,
        {} if obj.keys() <= _KNOWN else {k: obj[k] for k in obj.keys() - _KNOWN},
    )


def collapse_space(text: str) -> str | None:
    """``normalize.clean_space`` plus clipping, with a fast path for ASCII text.

    Snapshot texts are wrapped at 80 columns and indented by spaces; a few
    ``str.replace`` passes undo that faster than split/join.
    """
    if text.isascii() and "\t" not in text and "\r" not in text and "\f" not in text \
            and "\v" not in text:
        text = text.strip(" \n")
        if "\n" in text:
            text = text.replace("\n", " ")
        while "  " in text:
            text = text.replace("  ", " ")
    else:
        text = " ".join(text.split())
    if len(text) > MAX_FIELD_CHARS:
        text = text[:MAX_FIELD_CHARS]
    return text or None


def _not_text(raw_id: str, key: str, value: Any) -> ValueError:
    return ValueError(f'record {raw_id}: "{key}" is a {type(value).__name__}, not text')


def _text(raw_id: str, key: str, value: Any) -> str | None:
    if type(value) is not str:
        raise _not_text(raw_id, key, value)
    return collapse_space(value)


def _versions(versions: Any, raw_id: str) -> tuple[str | None, int | None]:
    """(date of v1 as ISO, highest version number) from ``versions``."""
    try:
        count = len(versions)
        first = versions[0]
        if first["version"] == "v1" and versions[-1]["version"] == f"v{count}":
            return _created_date(first["created"]), count  # the usual v1..vN
        highest = 0
        first_created = None
        for entry in versions:
            digits = entry["version"].lstrip("v")
            if not (digits.isascii() and digits.isdigit() and len(digits) <= 9):  # the store keeps 64-bit numbers
                raise ValueError(digits)
            number = int(digits)
            if number > highest:
                highest = number
            if number == 1:
                first_created = entry["created"]
        if first_created is None:
            first_created = versions[0]["created"]
    except (TypeError, KeyError, ValueError, AttributeError, IndexError):
        raise ValueError(f'record {raw_id}: "versions" is not a list of '
                         '{"version": "vN", "created": DATE}') from None
    return _created_date(first_created), highest or None


def _created_date(created: Any) -> str | None:
    """'Mon, 2 Apr 2007 19:18:42 GMT' -> '2007-04-02' (cached by day)."""
    if type(created) is not str:
        return None
    key = created[5:16]
    iso = _DATE_CACHE.get(key)
    if iso is None:
        parts = created.split(None, 4)
        month = _MONTHS.get(parts[2]) if len(parts) > 3 else None
        day = _DAYS.get(parts[1]) if month else None
        if day and len(parts[3]) == 4 and parts[3].isascii() and parts[3].isdigit() and parts[0].endswith(","):
            iso = f"{parts[3]}-{month}-{day}"
        else:
            return parse_date(created)
        if len(_DATE_CACHE) > 100_000:
            _DATE_CACHE.clear()
        _DATE_CACHE[key] = iso
    return iso


def _authors(obj: dict, raw_id: str) -> list[Author]:
    parsed = obj.get("authors_parsed")
    if parsed:
        try:  # the common case: [last, first, ""] entries of plain text
            names = [first + " " + last if first else last for last, first, suffix in parsed
                     if not suffix]
            blob = "|".join(names)
        except (TypeError, ValueError):
            names = None
        if names and len(names) == len(parsed):
            if not ("\\" in blob or "{" in blob or "\n" in blob or "  " in blob or " -" in blob
                    or "" in names):
                return [Author(name, []) for name in names]
        try:
            out = []
            for entry in parsed:
                if type(entry) is not list:
                    raise TypeError(entry)
                last, first = entry[0], entry[1]
                if not first:
                    if not last:
                        continue
                    name = last
                else:
                    if " -" in first:  # arXiv's parser turns "C.-P." into "C. -P."
                        first = first.replace(". -", ".-")
                    name = first + " " + last
                size = len(entry)
                if size > 2 and entry[2]:
                    name = name + " " + entry[2]
                if "\n" in name or "  " in name:
                    name = " ".join(name.split())
                if "\\" in name or "{" in name:
                    name = latex_to_text(name)
                out.append(Author(name, _affiliations(entry[3:]) if size > 3 else []))
            return out
        except (TypeError, IndexError, AttributeError):
            raise ValueError(f'record {raw_id}: "authors_parsed" is not a list of '
                             "[last, first, suffix] lists") from None
    names = obj.get("authors")
    if not names:
        return []
    if type(names) is not str:
        raise _not_text(raw_id, "authors", names)
    return [Author(name) for name in split_author_string(names)]


def _affiliations(values: list) -> list[str]:
    """Affiliations from the 4th+ items, without footnote markers like '1 and 2'."""
    out = []
    for value in values:
        if not isinstance(value, str):
            continue
        value = " ".join(value.split())
        if value and not value.replace("and", "").replace(",", "").replace(" ", "").isdigit():
            out.append(latex_to_text(value))
    return out


def split_author_string(names: str) -> list[str]:
    """'A. One, B. Two and C. Three' -> names, LaTeX turned to Unicode."""
    names = " ".join(names.split())
    if "\\" in names or "{" in names:
        names = latex_to_text(names) or names
    out = []
    for part in names.replace(" and ", ", ").split(","):
        part = part.strip()
        if part.startswith("and "):
            part = part[4:]
        if part and part.lower() not in ("et al", "et al.", "others"):
            out.append(part)
    return out
