"""Writing paperradar's CSV export; ``csvfile.parse`` reads it back without loss.

Simple fields are plain cells; lists and mappings are JSON in their cell.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any, Iterable

from ..codec import source_to_dict
from ..models import Paper

#: The columns of paperradar's CSV export, in order.
CSV_COLUMNS = (
    "id", "title", "abstract", "authors", "affiliations", "date", "updated", "categories",
    "arxiv_id", "arxiv_version", "doi", "links", "comments", "journal_ref", "translations",
    "sources", "extra",
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def paper_row(paper: Paper) -> list[str]:
    """One paper as the cells of CSV_COLUMNS."""
    authors = [{"name": a.name, "affiliations": a.affiliations} if a.affiliations else a.name
               for a in paper.authors]
    cells = {
        "id": paper.id or "",
        "title": paper.title or "",
        "abstract": paper.abstract or "",
        "authors": _json(authors),
        "affiliations": _json(paper.affiliations),
        "date": paper.date or "",
        "updated": paper.updated or "",
        "categories": _json(paper.categories),
        "arxiv_id": paper.arxiv_id or "",
        "arxiv_version": "" if paper.arxiv_version is None else str(paper.arxiv_version),
        "doi": paper.doi or "",
        "links": _json([{"url": link.url, "kind": link.kind} for link in paper.links]),
        "comments": paper.comments or "",
        "journal_ref": paper.journal_ref or "",
        "translations": _json(paper.translations),
        "sources": _json([source_to_dict(s) for s in paper.sources]),
        "extra": _json(paper.extra),
    }
    return [cells[c] for c in CSV_COLUMNS]


def write_csv(papers: Iterable[Paper], fh: IO[str]) -> int:
    """Write paperradar's CSV export (header + one row per paper); returns the row count.

    Open ``fh`` with ``newline=""`` so cells with line breaks survive.
    """
    writer = csv.writer(fh)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for paper in papers:
        writer.writerow(paper_row(paper))
        n += 1
    return n
