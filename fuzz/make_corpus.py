"""Rebuild fuzz/corpus/<target>/ from the real test data in ../shared.

Each corpus file is a small snippet (a few KB) of a real seed or fixture, so a
harness starts from realistic inputs without needing ../shared at run time.
Run from the repository root: ``python fuzz/make_corpus.py [--shared DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from paperradar.codec import paper_to_dict  # noqa: E402
from paperradar.models import Paper, SourceSeen  # noqa: E402
from paperradar.sources import Input  # noqa: E402
from paperradar.sources.csvfile_writer import write_csv  # noqa: E402
from paperradar.sources.hf_daily import parse as parse_hf  # noqa: E402

CORPUS = ROOT / "fuzz" / "corpus"
SNIPPET_BYTES = 3000
# Zotero's CSV export header (the columns it always writes, in its order).
ZOTERO_HEADER = ["Key", "Item Type", "Publication Year", "Author", "Title", "Publication Title",
                 "ISBN", "ISSN", "DOI", "Url", "Abstract Note", "Date", "Date Added",
                 "Date Modified", "Access Date", "Pages", "Num Pages", "Issue", "Volume",
                 "Journal Abbreviation", "Short Title", "Publisher", "Language", "Extra",
                 "Manual Tags", "Automatic Tags"]


def lines_window(data: bytes, start: int = 0, size: int = SNIPPET_BYTES) -> bytes:
    """Whole lines of ``data`` from about ``start``, about ``size`` bytes."""
    if start:
        start = data.index(b"\n", start) + 1
    end = data.rfind(b"\n", start, start + size) + 1 or start + size
    return data[start:end]


def xml_with_first(data: bytes, element: bytes, count: int, closing: bytes) -> bytes:
    """The XML up to the end of its ``count``-th ``element``, then ``closing``."""
    end = 0
    for _ in range(count):
        end = data.index(b"</" + element + b">", end) + len(element) + 3
    return data[:end] + b"\n" + closing


def atom_entry_as_rss(atom: bytes) -> bytes:
    """The first entry of the real Atom feed, written as the RSS 2.0 variant arXiv also serves."""
    text = atom.decode()
    entry = re.search(r"<entry>(.*?)</entry>", text, re.DOTALL).group(1)
    field = {name: re.search(rf"<{name}[^>]*>(.*?)</{name}>", entry, re.DOTALL).group(1)
             for name in ("id", "title", "summary", "arxiv:announce_type", "dc:creator")}
    link = re.search(r'<link href="([^"]+)"', entry).group(1)
    terms = re.findall(r'<category term="([^"]+)"', entry)
    cats = "".join(f"<category>{c}</category>" for c in terms)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>\n'
            '<title>cs updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs</link>\n'
            f'<item><title>{field["title"]}</title><link>{link}</link>'
            f'<description>{field["summary"]}</description><guid isPermaLink="false">'
            f'{field["id"]}</guid>{cats}<pubDate>Wed, 20 Aug 2025 00:00:00 -0400</pubDate>'
            f'<arxiv:announce_type>{field["arxiv:announce_type"]}</arxiv:announce_type>'
            f'<dc:creator>{field["dc:creator"]}</dc:creator></item>\n</channel></rss>\n').encode()


def hf_papers(shared: Path, count: int) -> list[Paper]:
    found = parse_hf(Input.from_path(shared / "fixtures/hf-daily/2025-01-21.json"))
    papers = [p for p in found if isinstance(p, Paper)][:count]
    for n, paper in enumerate(papers, 1):  # as the store hands them to the export
        paper.id = f"p{n:06d}"
        paper.sources = [SourceSeen("hf-daily", paper.source_id, "2025-01-21", "2025-01-22",
                                    dict(paper.source_fields))]
    return papers


def zotero_csv(shared: Path) -> bytes:
    """Two real entries of the d2l bibliography in Zotero's CSV export layout."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(ZOTERO_HEADER)
    rows = [("VSP7TQ2A", "conferencePaper", "2017",
             ("Vaswani, Ashish; Shazeer, Noam; Parmar, Niki; Uszkoreit, Jakob; Jones, Llion; "
              "Gomez, Aidan N; Kaiser, Łukasz; Polosukhin, Illia"), "Attention is all you need",
             "Advances in Neural Information Processing Systems", "", "", "",
             "https://arxiv.org/abs/1706.03762", "", "2017", "2024-03-01 10:12:40",
             "2024-03-01 10:12:40", "", "5998-6008"),
            ("Q3MB8C9E", "journalArticle", "2015", "LeCun, Yann; Bengio, Yoshua; Hinton, Geoffrey",
             "Deep learning", "Nature", "", "1476-4687", "10.1038/nature14539", "", "", "2015",
             "2024-03-01 10:13:02", "2024-03-01 10:13:02", "", "436-444")]
    for row in rows:
        writer.writerow(list(row) + [""] * (len(ZOTERO_HEADER) - len(row)))
    return out.getvalue().encode("utf-8-sig")


def snippets(shared: Path) -> dict[str, dict[str, bytes]]:
    seeds, fixtures = shared / "seeds", shared / "fixtures"
    text = {p.name[:3]: p.read_bytes() for p in sorted(seeds.glob("*.txt"))}
    pasted = {f"seed{k}-head.txt": lines_window(v) for k, v in text.items()}
    pasted["seed003-middle.txt"] = lines_window(text["003"], 120_000)
    atom_100 = (fixtures / "api_query_100.xml").read_bytes()
    feed = (fixtures / "arxiv-rss-cs.xml").read_bytes()
    snapshot = (fixtures / "arxiv-snapshot-head200.jsonl").read_bytes().splitlines(keepends=True)
    bib = (fixtures / "d2l-references.bib").read_bytes()
    starts = [m.start() for m in re.finditer(rb"^@", bib, re.MULTILINE)]
    listing = (shared / "data/arxiv-listing-2023-09-21.csv").read_bytes().splitlines(keepends=True)
    papers = hf_papers(shared, 2)
    export_csv = io.StringIO()
    write_csv(papers, export_csv)
    corpus = {
        "pasted": pasted,
        "layouts": pasted,
        "arxiv_atom": {**{p.name: p.read_bytes() for p in sorted(fixtures.glob("api_*.xml"))
                          if p.stat().st_size < 4000},
                       "api_query_100-first2.xml": xml_with_first(atom_100, b"entry", 2,
                                                                  b"</feed>\n")},
        "arxiv_feeds": {"arxiv-rss-cs-first2.xml": xml_with_first(feed, b"entry", 2, b"</feed>\n"),
                        "arxiv-rss-cs-first1-as-rss2.xml": atom_entry_as_rss(feed)},
        "oai": {p.name: p.read_bytes() for p in sorted(fixtures.glob("oai_*.xml"))},
        "snapshot": {f"snapshot-lines-{n + 1}.jsonl": b"".join(snapshot[n:n + 2])
                     for n in (0, 60, 120, 180)},
        "hf_daily": {p: (fixtures / "hf-daily" / p).read_bytes()
                     for p in ("2025-01-21.json", "2025-07-07.json")},
        "bibtex": {f"d2l-entries-{n + 1}.bib": bib[starts[n]:starts[n + 3]]
                   for n in (0, 150, 300, 450)},
        "csv": {"arxiv-listing-head.csv": b"".join(listing[:4]),
                "paperradar-export.csv": export_csv.getvalue().encode(),
                "zotero-export.csv": zotero_csv(shared)},
        "jsonl": {"snapshot-lines-1.jsonl": b"".join(snapshot[:2]),
                  "paperradar-export.jsonl": b"".join(orjson.dumps(paper_to_dict(p)) + b"\n"
                                                      for p in papers),
                  "plain-objects.jsonl": b"".join(orjson.dumps(
                      {"title": p.title, "abstract": p.abstract, "authors": p.author_names,
                       "id": p.arxiv_id, "year": 2025, "url": p.links[0].url}) + b"\n"
                      for p in papers)},
    }
    corpus["sniff"] = {f"{name}-{file}": data for name in
                       ("pasted", "arxiv_atom", "arxiv_feeds", "oai", "hf_daily", "bibtex", "csv",
                        "jsonl") for file, data in list(corpus[name].items())[:2]}
    return corpus


QUERIES = {
    "plain.bin": b"\x00masked autoencoders for time series",
    "explain-limit.bin": b"\xf2diffusion transformer video generation",
    "operators.bin": b'\x04title:diffusion AND -video OR "language models"',
    "and-not.bin": b"\x06vision AND NOT language",
    "filters.bin": b"\x00forecasting\x1f2024\x1f2025-06\x1fcs.LG\x1fDuan\x1fhf-daily",
    "filters-operators.bin": b"\x0cabstract:model*\x1f2024-09-03\x1f\x1f\x1fXu",
    "syntax.bin": b'\x04(((a OR b) AND "c d"~2) title:[a TO z] pk:1 ^2 \\ *',
    "unicode.bin": "\x01知识蒸馏 größer 😀 \u202e".encode() + b"\xff\xfe",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    corpus = snippets(args.shared)
    corpus["query"] = QUERIES
    for name, files in corpus.items():
        folder = CORPUS / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for file, data in files.items():
            (folder / file).write_bytes(data)
        print(f"{name}: {len(files)} files, {sum(map(len, files.values()))} bytes")


if __name__ == "__main__":
    main()
