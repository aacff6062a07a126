"""Writing stored papers out: JSON lines, BibTeX, CSV.

Each format re-imports into paperradar without loss (see the sources).
"""

from __future__ import annotations

from typing import IO, Callable, Iterable

import orjson

from .codec import paper_to_dict
from .models import Paper


def write_jsonl(papers: Iterable[Paper], out: IO[str]) -> int:
    n = 0
    for paper in papers:
        out.write(orjson.dumps(paper_to_dict(paper)).decode())
        out.write("\n")
        n += 1
    return n


def write_bibtex(papers: Iterable[Paper], out: IO[str]) -> int:
    from .sources.bibtex import format_bibtex

    papers = list(papers)
    out.write(format_bibtex(papers))
    return len(papers)


def write_csv_file(papers: Iterable[Paper], out: IO[str]) -> int:
    from .sources.csvfile import write_csv

    papers = list(papers)
    write_csv(papers, out)
    return len(papers)


EXPORTERS: dict[str, Callable[[Iterable[Paper], IO[str]], int]] = {
    "jsonl": write_jsonl,
    "bibtex": write_bibtex,
    "csv": write_csv_file,
}
