"""Keyword engines at scale: SQLite FTS5 against tantivy (paperradar's KeywordIndex).

Builds N synthetic abstracts from the real Hugging Face Daily Papers in
../shared/fixtures/hf-daily/ (titles, abstracts and authors reused with
variations: title words swapped with other titles' words, abstract sentences
shuffled with one sentence of another paper, authors mixed, random dates,
categories and code links), indexes them in both engines in the same run and
times realistic queries (2-4 word phrases cut from real titles), OR semantics,
top-20, plus one filtered query type (category + date range).

    .venv/bin/python benchmarks/bench_keyword.py --docs 200000 --queries 200

Prints a Markdown table (machine, date, both engines) to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from importlib import metadata

from paperradar import evaluate
from paperradar.index.keyword import KeywordDoc, KeywordFilters, KeywordIndex
from paperradar.index.query_text import STOPWORDS, date_interval, query_words
from paperradar.models import Paper
from paperradar.sources import Input, read_input

SHARED = pathlib.Path(__file__).resolve().parents[1].parent / "shared"
HF_DAILY = SHARED / "fixtures" / "hf-daily"
#: Field boosts (title, abstract, authors) compared on the judged queries.
WEIGHTINGS = [(1, 1, 1), (2, 1, 0.5), (3, 1, 0.5), (5, 1, 0.5), (3, 1, 0), (3, 1, 1)]
CATEGORIES = ["cs.CV"] * 30 + ["cs.CL"] * 25 + ["cs.LG"] * 20 + ["cs.AI"] * 10 + [
    "stat.ML", "cs.RO", "eess.IV", "cs.IR", "cs.SD", "eess.AS", "cs.CR", "cs.HC", "q-bio.NC", "math.OC"]
SOURCES = ["arxiv", "hf_daily", "pasted", "bibtex"]
FILTER = {"category": "cs.CV", "since": "2023-01-01", "until": "2024-12-31"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def load_papers(folder: pathlib.Path) -> list[dict]:
    """Title, abstract, author names and date of each real paper in the fixture days."""
    papers = []
    for path in sorted(folder.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            paper = item.get("paper", {})
            papers.append({
                "title": paper.get("title") or item.get("title") or "",
                "abstract": paper.get("summary") or item.get("summary") or "",
                "authors": [a.get("name", "") for a in paper.get("authors", [])],
                "date": (paper.get("publishedAt") or "")[:10] or None,
                "has_code": bool(paper.get("githubRepo")),
            })
    return papers


def synthetic_docs(papers: list[dict], n: int, rng: random.Random) -> list[KeywordDoc]:
    """``n`` docs: the real papers first, then variations of them."""
    title_words = [p["title"].split() for p in papers]
    sentences = [_SENTENCE.split(p["abstract"]) for p in papers]
    start, days = dt.date(2015, 1, 1).toordinal(), (dt.date(2026, 6, 30) - dt.date(2015, 1, 1)).days
    docs = []
    for pk in range(n):
        i = pk % len(papers)
        base = papers[i]
        cats = rng.sample(CATEGORIES, rng.randint(1, 3))
        cats = list(dict.fromkeys(cats))
        if pk < len(papers):
            title, abstract, authors, date = base["title"], base["abstract"], base["authors"], base["date"]
        else:
            other = rng.randrange(len(papers))
            words = [w if rng.random() > 0.3 else rng.choice(title_words[other] or ["model"])
                     for w in title_words[i]]
            title = " ".join(words)
            parts = sentences[i][:]
            rng.shuffle(parts)
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(sentences[other]))
            abstract = " ".join(parts)
            authors = rng.sample(base["authors"], min(3, len(base["authors"]))) + \
                papers[other]["authors"][:2]
            date = dt.date.fromordinal(start + rng.randrange(days)).isoformat()
            if rng.random() < 0.02:
                date = date[:4]
        docs.append(KeywordDoc(pk=pk, title=title, abstract=abstract, authors=authors, date=date,
                               categories=cats, sources=[rng.choice(SOURCES)],
                               has_code=rng.random() < 0.3))
    return docs


def title_phrases(papers: list[dict], count: int, rng: random.Random) -> list[str]:
    """``count`` 2-4 word phrases cut from real titles (at least one non-stopword)."""
    phrases: list[str] = []
    while len(phrases) < count:
        words = re.findall(r"[A-Za-z][A-Za-z-]+", rng.choice(papers)["title"])
        size = rng.randint(2, 4)
        if len(words) < size:
            continue
        at = rng.randrange(len(words) - size + 1)
        window = [w.lower() for w in words[at:at + size]]
        if sum(w not in STOPWORDS for w in window) >= 2:
            phrases.append(" ".join(window))
    return phrases


class Fts5Engine:
    """SQLite FTS5 (contentless, porter stemming), bm25() with column weights 3/1/0.5."""

    name = "SQLite FTS5 " + sqlite3.sqlite_version

    def __init__(self, folder: pathlib.Path):
        self.path = folder / "fts.db"
        self.db = sqlite3.connect(self.path)

    def build(self, docs: list[KeywordDoc]) -> None:
        db = self.db
        db.executescript("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
            CREATE TABLE docs(pk INTEGER PRIMARY KEY, date_lo INT, date_hi INT, has_code INT);
            CREATE TABLE doc_cats(cat TEXT, pk INT, PRIMARY KEY(cat, pk)) WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(title, abstract, authors, content='',
                tokenize='porter unicode61 remove_diacritics 2');
        """)
        with db:
            for d in docs:
                lo, hi = date_interval(d.date) or (None, None)
                db.execute("INSERT INTO docs VALUES (?,?,?,?)", (d.pk, lo, hi, int(d.has_code)))
                db.executemany("INSERT OR IGNORE INTO doc_cats VALUES (?,?)",
                               [(c.lower(), d.pk) for c in d.categories])
                db.execute("INSERT INTO fts(rowid, title, abstract, authors) VALUES (?,?,?,?)",
                           (d.pk, d.title, d.abstract, "; ".join(d.authors)))
        with db:
            db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob("fts.db*"))

    @staticmethod
    def _match(query: str) -> str:
        return " OR ".join(f'"{w}"' for w in query_words(query))

    def search(self, query: str) -> list[int]:
        return [r[0] for r in self.db.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 3.0, 1.0, 0.5) LIMIT 20",
            (self._match(query),))]

    def search_filtered(self, query: str) -> list[int]:
        since, until = date_interval(FILTER["since"])[0], date_interval(FILTER["until"])[1]
        return [r[0] for r in self.db.execute(
            "SELECT fts.rowid FROM fts JOIN docs ON docs.pk = fts.rowid "
            "WHERE fts MATCH ? AND docs.date_hi >= ? AND docs.date_lo <= ? AND EXISTS "
            "(SELECT 1 FROM doc_cats c WHERE c.cat = ? AND c.pk = docs.pk) "
            "ORDER BY bm25(fts, 3.0, 1.0, 0.5) LIMIT 20",
            (self._match(query), since, until, FILTER["category"].lower()))]


class TantivyEngine:
    """paperradar's KeywordIndex: term queries with boosts 3/1/0.5, filters in the query,
    plus the "matched terms" pass each hit carries."""

    name = "tantivy " + metadata.version("tantivy") + " (KeywordIndex)"

    def __init__(self, folder: pathlib.Path):
        self.path = folder / "tantivy"
        self.index = KeywordIndex(self.path)

    def build(self, docs: list[KeywordDoc]) -> None:
        self.index.upsert(docs)
        self.index.commit({"revision": len(docs)})
        self.index.close()  # waits for segment merges, as a finished build would
        self.index = KeywordIndex(self.path)

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def search(self, query: str) -> list[int]:
        return [hit.pk for hit in self.index.search(query, 20)]

    def search_filtered(self, query: str) -> list[int]:
        return [hit.pk for hit in self.index.search(query, 20, filters=KeywordFilters(**FILTER))]

    def search_unexplained(self, query: str) -> list[int]:
        """The same search without the "matched terms" pass (FTS5 is timed without it too)."""
        return [hit.pk for hit in self.index.search(query, 20, explain=False)]

    def search_filtered_unexplained(self, query: str) -> list[int]:
        return [hit.pk for hit in self.index.search(query, 20, filters=KeywordFilters(**FILTER),
                                                    explain=False)]


ENGINES = {"fts5": Fts5Engine, "tantivy": TantivyEngine}


def timed(fn, queries: list[str]) -> tuple[list[float], int]:
    """Per-query milliseconds (after a warm-up pass) and queries that filled the top-20."""
    for q in queries[:20]:
        fn(q)
    times, full = [], 0
    for q in queries:
        t0 = time.perf_counter()
        hits = fn(q)
        times.append((time.perf_counter() - t0) * 1000)
        full += len(hits) == 20
    return times, full


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average at the end {load}")


def keyword_doc(pk: int, paper: Paper) -> KeywordDoc:
    return KeywordDoc(pk=pk, title=paper.title or "", abstract=paper.abstract or "",
                      authors=paper.author_names, date=paper.date, categories=paper.categories)


def seed_papers(folder: pathlib.Path) -> list[Paper]:
    return [item for path in sorted(folder.glob("0*.txt"))
            for item in read_input(Input.from_path(path)) if isinstance(item, Paper)]


def weighting_quality(tmp: pathlib.Path, boosts: tuple[float, float, float]) -> tuple[float, float, float]:
    """(dev-qrels nDCG@10 over English queries, recall@20, SciRepEval search_dev nDCG@10)."""
    fields = dict(zip(("title", "abstract", "authors"), boosts))
    corpus = seed_papers(SHARED / "seeds")
    index = KeywordIndex(tmp / f"seeds-{boosts}", field_boosts=fields)
    index.upsert(keyword_doc(pk, p) for pk, p in enumerate(corpus))
    index.commit({})

    def search(query: str, mode: str, limit: int) -> list[Paper]:
        return [corpus[hit.pk] for hit in index.search(query, limit)]

    judged = [j for j in evaluate.load_dev_qrels(SHARED / "eval" / "dev-qrels.json") if j.query.isascii()]
    dev = evaluate.evaluate_qrels(search, judged, modes=("keyword",), corpus=corpus)["keyword"]
    # SciRepEval: all candidates in one index (a real idf), each query's candidates scored by it.
    rerank = evaluate.load_scirepeval_search(SHARED / "eval" / "scirepeval" / "search_dev.jsonl")
    pool = [p for q in rerank for p in q.candidates]
    sci = KeywordIndex(tmp / f"sci-{boosts}", field_boosts=fields)
    sci.upsert(keyword_doc(pk, p) for pk, p in enumerate(pool))
    sci.commit({})
    scores = {}
    for q in rerank:
        scores[q.query] = {hit.pk: hit.score for hit in sci.search(q.query, len(pool))}
    offsets, at = {}, 0
    for q in rerank:
        offsets[q.query] = at
        at += len(q.candidates)
    sci_ndcg = evaluate.evaluate_rerank({"kw": lambda query, cands: [
        scores[query].get(offsets[query] + i, 0.0) for i in range(len(cands))]}, rerank)["kw"]
    index.close()
    sci.close()
    return dev.ndcg10, dev.recall20, sci_ndcg


def quality_table(tmp: pathlib.Path) -> list[str]:
    out = ["", "### Field boosts (title / abstract / authors), KeywordIndex alone", "",
           "| boosts | dev-qrels nDCG@10 (6 English queries) | dev recall@20 | SciRepEval search_dev nDCG@10 (50 queries) |",
           "|---|---:|---:|---:|"]
    for boosts in WEIGHTINGS:
        ndcg, recall, sci = weighting_quality(tmp, boosts)
        out.append(f"| {' / '.join(f'{b:g}' for b in boosts)} | {ndcg:.3f} | {recall:.3f} | {sci:.3f} |")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hf-daily", type=pathlib.Path, default=HF_DAILY)
    parser.add_argument("--engines", nargs="+", choices=sorted(ENGINES), default=sorted(ENGINES))
    parser.add_argument("--quality-only", action="store_true", help="only the field-boost table")
    parser.add_argument("--no-quality", action="store_true", help="skip the field-boost table")
    args = parser.parse_args(argv)
    if args.quality_only:
        with tempfile.TemporaryDirectory(prefix="bench-keyword-") as tmp:
            print("\n".join(quality_table(pathlib.Path(tmp))))
        return
    rng = random.Random(args.seed)
    papers = load_papers(args.hf_daily)
    docs = synthetic_docs(papers, args.docs, rng)
    queries = title_phrases(papers, args.queries, rng)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-keyword-") as tmp:
        for engine_cls in (ENGINES[name] for name in args.engines):
            engine = engine_cls(pathlib.Path(tmp))
            t0 = time.perf_counter()
            engine.build(docs)
            build_s = time.perf_counter() - t0
            plain, plain_full = timed(engine.search, queries)
            filtered, filtered_full = timed(engine.search_filtered, queries)
            rows.append((engine.name, build_s, engine.size() / 2**20, plain, plain_full,
                         filtered, filtered_full))
            if isinstance(engine, TantivyEngine):
                bare, bare_full = timed(engine.search_unexplained, queries)
                bare_f, bare_f_full = timed(engine.search_filtered_unexplained, queries)
                rows.append(("same index, explain=False (no matched terms)", None, None,
                             bare, bare_full, bare_f, bare_f_full))
            print(f"{engine.name}: done", file=sys.stderr)
        quality = [] if args.no_quality else quality_table(pathlib.Path(tmp))
    out = [
        f"## Keyword retrieval, {args.docs:,} abstracts, {len(queries)} queries",
        "",
        (f"Machine: {machine()}. Date: {dt.date.today().isoformat()}. "
         f"Corpus: {len(papers):,} real HF Daily Papers grown to {args.docs:,} with variations; "
         "queries: 2-4 word phrases from real titles, OR semantics, top-20. "
         f"Filtered: category {FILTER['category']} and {FILTER['since']}..{FILTER['until']}."),
        "",
        ("| engine | build s | index MiB | p50 ms | p99 ms | filled top-20 | filtered p50 ms "
         "| filtered p99 ms | filtered filled top-20 |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    n = len(queries)
    for name, build_s, size, plain, pf, filt, ff in rows:
        built = f"{build_s:.1f} | {size:.0f}" if build_s is not None else "— | —"
        with_filter = (f"{pct(filt, 50):.2f} | {pct(filt, 99):.2f} | {ff}/{n}" if filt
                       else "— | — | —")
        out.append(f"| {name} | {built} | {pct(plain, 50):.2f} | {pct(plain, 99):.2f} | {pf}/{n} "
                   f"| {with_filter} |")
    print("\n".join(out + quality))


if __name__ == "__main__":
    main()
