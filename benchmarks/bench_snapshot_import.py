"""Benchmark: import a file in the arXiv snapshot layout, against parsing it only.

For each size (default 100,000 and 1,000,000 lines) it generates the file
(benchmarks/make_snapshot.py), then runs, each in a fresh process:

* the baseline: read the same lines and ``orjson.loads`` each, nothing else;
* ``paperradar ingest`` of the file into a new SQLite store (the library
  call the CLI makes, without the progress bar).

It reports the median wall time of ``--repeats`` runs, papers/s, the ratio
to the baseline, and each process's peak RSS (memory should stay flat as the
file grows). Results are printed as a Markdown table and saved as JSON.

    python benchmarks/bench_snapshot_import.py [--sizes 100000 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent

PARSE_ONLY = r"""
import json, resource, sys, time
import orjson
t = time.perf_counter(); n = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        orjson.loads(line); n += 1
print(json.dumps({"seconds": time.perf_counter() - t, "records": n,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IMPORT = r"""
import json, resource, sys, time
from paperradar.pipeline import ingest
from paperradar.store import open_store
store = open_store(sys.argv[2])
t = time.perf_counter()
summary = ingest(store, [sys.argv[1]])
seconds = time.perf_counter() - t
assert not summary.rejected, summary.rejected[:3]
print(json.dumps({"seconds": seconds, "records": summary.added,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_db(workdir: Path) -> Path:
    db = workdir / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=HERE.parent / "bench-out")
    ap.add_argument("--keep", action="store_true", help="keep generated files")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        src = args.workdir / f"snapshot-{size}.jsonl"
        if not src.exists():
            print(f"generating {src} ...", file=sys.stderr)
            subprocess.run([sys.executable, str(HERE / "make_snapshot.py"), str(src),
                            "--lines", str(size)], check=True)
        parse_runs, import_runs = [], []
        for i in range(args.repeats):
            parse_runs.append(run_child(PARSE_ONLY, str(src)))
            import_runs.append(run_child(IMPORT, str(src), str(fresh_db(args.workdir))))
            print(f"{size}: run {i + 1}: parse {parse_runs[-1]['seconds']:.1f} s, "
                  f"import {import_runs[-1]['seconds']:.1f} s", file=sys.stderr)
        db_size = sum(os.path.getsize(p) for p in args.workdir.glob("bench.db*"))
        parse_s = statistics.median(r["seconds"] for r in parse_runs)
        import_s = statistics.median(r["seconds"] for r in import_runs)
        rows.append({
            "lines": size,
            "file_mb": round(src.stat().st_size / 2**20),
            "parse_only_s": round(parse_s, 2),
            "import_s": round(import_s, 2),
            "papers_per_s": round(size / import_s),
            "ratio": round(import_s / parse_s, 1),
            "parse_peak_rss_mb": round(max(r["peak_rss_mb"] for r in parse_runs)),
            "import_peak_rss_mb": round(max(r["peak_rss_mb"] for r in import_runs)),
            "store_mb": round(db_size / 2**20),
            "repeats": args.repeats,
        })
        if not args.keep:
            src.unlink()
    meta = {"date": date.today().isoformat(), "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores", "results": rows}
    (args.workdir / "snapshot_import.json").write_text(json.dumps(meta, indent=2))
    print(f"\n{meta['date']}, {meta['machine']}, Python {meta['python']}\n")
    print("| lines | file MB | parse only (s) | import (s) | papers/s | ratio | "
          "peak RSS parse / import (MB) | store MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['lines']:,} | {r['file_mb']} | {r['parse_only_s']} | {r['import_s']} | "
              f"{r['papers_per_s']:,} | {r['ratio']}× | {r['parse_peak_rss_mb']} / "
              f"{r['import_peak_rss_mb']} | {r['store_mb']} |")
    shutil.rmtree(args.workdir / "tmp", ignore_errors=True)


if __name__ == "__main__":
    main()
