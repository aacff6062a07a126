"""Trending and digest speed on a realistic store.

    python benchmarks/bench_trending.py              # 1,000 arXiv papers a day for 5 days
    python benchmarks/bench_trending.py --per-day 3000

The store holds all 513 real Hugging Face Daily Papers days (../shared/fixtures/hf-daily,
8,666 papers with upvotes) plus synthetic arXiv new-submission listings (``arxiv-new``
source, announced Monday to Friday of 2026-W25, ``--per-day`` papers a day, a tenth with a
code link), so a day has ~1,000 candidates and a week ~5,000. Readers' likes: 50 readers
liking 20 papers each. Measured (median of 5 runs, warm page cache):

- ``rank_trending`` of one day and of one ISO week (store queries + scoring);
- ``build_digest`` + Markdown, HTML and RSS rendering of one day (10 entries + 5 more).

Writes bench-out/trending.json and prints a Markdown table with machine and date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERRADAR_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))

from paperradar.models import Link, Paper
from paperradar.pipeline import ingest
from paperradar.publish.digest import build_digest
from paperradar.publish.render_feed import render_rss
from paperradar.publish.render_html import render_html
from paperradar.publish.render_md import render_markdown
from paperradar.rank.trending import Period, rank_trending
from paperradar.store import PaperQuery
from paperradar.store.sqlite import SQLiteStore

WORDS = ["transformer", "diffusion", "agent", "robot", "policy", "benchmark", "video", "language", "vision", "graph", "retrieval", "reasoning", "reward", "alignment", "token", "sparse", "efficient", "scaling", "memory", "planning"]


def synthetic_day(day: dt.date, n: int, rng: random.Random, start: int) -> list[Paper]:
    papers = []
    for i in range(n):
        num = start + i
        words = " ".join(rng.choice(WORDS) for _ in range(8))
        links = [Link(f"https://github.com/lab{num}/code", "code")] if rng.random() < 0.1 else []
        papers.append(Paper(
            title=f"Synthetic {num}: {words}", abstract=f"We study {words}. " * 8, date=day.isoformat(),
            arxiv_id=f"2612.{num:05d}", categories=[rng.choice(["cs.LG", "cs.CV", "cs.CL", "cs.AI"])],
            links=links, source="arxiv-new", source_id=f"2612.{num:05d}",
            source_fields={"announce_type": "new", "announced": day.isoformat()}))
    return papers


def timed(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-day", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        ingest(store, sorted(str(p) for p in (SHARED / "fixtures" / "hf-daily").glob("*.json")))
        monday = dt.date(2026, 6, 15)
        for d in range(5):
            store.ingest_batch(synthetic_day(monday + dt.timedelta(days=d), args.per_day, rng, 10000 + d * args.per_day))
        pks = sorted(store.pks_matching(PaperQuery(since="2026-06-15")))
        for r in range(50):
            reader = store.reader(f"reader{r}")
            for pk in rng.sample(pks, 20):
                store.rate(reader.id, pk, 1)
        day, week = Period.day(dt.date(2026, 6, 19)), Period.week("2026-W25")
        day_n = len(rank_trending(store, day).entries)
        week_n = len(rank_trending(store, week).entries)
        results = {
            "papers_stored": store.count(), "day_candidates": day_n, "week_candidates": week_n,
            "trending_day_s": timed(lambda: rank_trending(store, day)),
            "trending_week_s": timed(lambda: rank_trending(store, week)),
        }

        def digest_all_formats():
            digest = build_digest(store, day)
            render_markdown(digest), render_html(digest), render_rss(digest)

        results["digest_day_md_html_rss_s"] = timed(digest_all_formats)
        store.close()
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    out = ROOT / "bench-out"
    out.mkdir(exist_ok=True)
    (out / "trending.json").write_text(json.dumps({**results, "machine": machine,
                                                   "date": dt.date.today().isoformat()}, indent=2))
    print(f"### Trending and digests ({dt.date.today()}, {machine})\n")
    print(f"Store: {results['papers_stored']:,} papers; a day has {day_n:,} candidates, a week {week_n:,}.\n")
    print("| step | median time |\n|---|---|")
    for key, label in (("trending_day_s", "rank_trending, one day"), ("trending_week_s", "rank_trending, one week"),
                       ("digest_day_md_html_rss_s", "digest of a day + Markdown, HTML, RSS")):
        print(f"| {label} | {results[key] * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
