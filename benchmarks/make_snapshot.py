"""Generate a file in the arXiv metadata snapshot layout for benchmarks.

Field layout as in the real snapshot (hyphenated keys, versions with RFC 2822
dates, authors_parsed, abstracts wrapped at ~80 columns with a leading
space). Lengths of titles, abstracts and author lists are drawn from the
real papers in shared/fixtures/hf-daily (8,666 ML papers) when present;
words come from their vocabulary. Deterministic for a given seed.

    python benchmarks/make_snapshot.py OUT.jsonl --lines 1000000
"""

from __future__ import annotations

import argparse
import json
import random
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "fixtures" / "hf-daily"
CATEGORIES = ["cs.LG", "cs.CV", "cs.CL", "cs.AI", "cs.RO", "stat.ML", "cs.IR", "eess.AS",
              "cs.SD", "math.OC", "physics.comp-ph", "q-bio.QM", "hep-ph", "quant-ph"]
FIRST = ["Wei", "Anna", "Jun", "Maria", "Ali", "Yuki", "Pierre", "Sara", "Hao", "Lena",
         "Omar", "Chen", "Ivan", "Priya", "Jose", "Mei", "Tom", "Elif", "Kofi", "Zoe"]
LAST = ["Zhang", "Müller", "García", "Smith", "Wang", "Nguyen", "Kowalski", "Rossi",
        "Tanaka", "Li", "Dubois", "Haddad", "Ivanova", "Kim", "Silva", "Chen"]
LATEX_LAST = ["Bal\\'azs", "M{\\\"u}ller", "Erd\\H{o}s"]  # LaTeX accents, as arXiv has them


def corpus_stats(corpus: Path):
    titles, abstracts, n_authors, words = [], [], [], []
    for f in sorted(corpus.glob("*.json"))[:600]:
        for item in json.loads(f.read_text()):
            p = item.get("paper") or {}
            t, a = p.get("title") or "", p.get("summary") or ""
            titles.append(len(t.split()))
            abstracts.append(len(a.split()))
            n_authors.append(len(p.get("authors") or []))
            words.extend(a.split()[:60])
    return titles, abstracts, n_authors, words


def fallback_stats(rng: random.Random):
    words = ("we propose a novel method for learning representations of large language "
             "models diffusion vision transformer benchmark results show state-of-the-art "
             "performance on datasets with efficient training and inference").split()
    return ([rng.randint(5, 18) for _ in range(1000)], [rng.randint(90, 300) for _ in range(1000)],
            [rng.randint(1, 15) for _ in range(1000)], words)


def wrap(words: list[str], per_line: int, indent: str = "") -> str:
    """Break text into lines like arXiv's 80-column wrapping (cheaper than textwrap)."""
    return ("\n" + indent).join(
        " ".join(words[i : i + per_line]) for i in range(0, len(words), per_line))


def record(i: int, rng: random.Random, stats) -> dict:
    titles, abstracts, n_authors, words = stats
    year_month = 1501 + (i // 20000) % 12 + 100 * ((i // 240000) % 10)
    arxiv_id = f"{year_month:04d}.{i % 100000:05d}"
    authors_parsed = [[rng.choice(LATEX_LAST if rng.random() < 0.005 else LAST),
                       rng.choice(FIRST)[0] + ".", ""]
                      for _ in range(max(1, rng.choice(n_authors)))]
    authors = ", ".join(f"{f} {l}" for l, f, _ in authors_parsed)
    title_words = rng.choices(words, k=max(2, rng.choice(titles)))
    title_words[0] = title_words[0].capitalize()
    abstract_words = rng.choices(words, k=max(10, rng.choice(abstracts)))
    created = datetime(2015, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=i * 5)
    versions = [{"version": f"v{v + 1}",
                 "created": format_datetime(created + timedelta(days=30 * v), usegmt=True)}
                for v in range(rng.choice([1, 1, 1, 2, 2, 3]))]
    cats = rng.sample(CATEGORIES, rng.choice([1, 1, 2, 2, 3]))
    return {
        "id": arxiv_id,
        "submitter": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "authors": authors,
        "title": wrap(title_words, 10, "  "),
        "comments": rng.choice([None, "12 pages, 5 figures", "Accepted at NeurIPS 2025"]),
        "journal-ref": rng.choice([None, None, "Phys.Rev.D76:013009,2007"]),
        "doi": rng.choice([None, None, f"10.1000/bench.{i}"]),
        "report-no": None,
        "categories": " ".join(cats),
        "license": rng.choice([None, "http://creativecommons.org/licenses/by/4.0/"]),
        "abstract": "  " + wrap(abstract_words, 12) + "\n",
        "versions": versions,
        "update_date": (created + timedelta(days=60)).date().isoformat(),
        "authors_parsed": authors_parsed,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    stats = corpus_stats(args.corpus) if args.corpus.exists() else fallback_stats(rng)
    with open(args.out, "wb") as fh:
        for i in range(args.lines):
            fh.write(orjson.dumps(record(i, rng, stats)) + b"\n")


if __name__ == "__main__":
    main()
