"""Load on the web app over loopback: requests/s and latency percentiles for
the Today, Search and Paper pages with 100,000 papers stored, while an ingest
writes to the same store.

The store: the real Hugging Face Daily Papers days (shared/fixtures/hf-daily,
8,666 papers with upvotes: Today's trending page) plus papers in the arXiv
snapshot layout from make_snapshot.py up to --papers; keyword index built.
Semantic search is left out at this size: embedding 100k abstracts on this CPU
takes over an hour, so search runs in the best mode available (keyword).

The app runs in its own process (uvicorn, one worker, --threads) over a fresh
copy of the store. First, one request at a time, the server's CPU time per
request of each page (independent of other load on the machine). Then the
load: --clients threads with one HTTP connection each ask for Today, Search
and Paper in turn for 3 x --seconds, so every page sees the same background,
while a second process ingests 20,000 new snapshot records in batches of 500
(then updates the keyword index), and again, until the load ends. Bounded: it
stops by itself.

    python benchmarks/bench_web_load.py                  # build (cached) and measure
    python benchmarks/bench_web_load.py --papers 20000 --seconds 10   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench-out"
HF_DAYS = ROOT.parent / "shared" / "fixtures" / "hf-daily"
QUERIES = ["diffusion models", "knowledge distillation", "video generation", "reinforcement learning from human "
           "feedback", "vision transformer", "large language model reasoning", "image super resolution",
           "graph neural network", "speech recognition", "retrieval augmented generation", "3d gaussian splatting",
           "contrastive learning", "mixture of experts", "robot manipulation", "benchmark evaluation",
           "图像超分辨率", "quantization", "multimodal agents", "protein structure", "code generation"]
GOALS_MS = {"today": 100, "paper": 100, "search": 200}


def snapshot_lines(path: Path, start: int, count: int, seed: int) -> None:
    sys.path.insert(0, str(HERE))
    from make_snapshot import corpus_stats, fallback_stats, record

    rng = random.Random(seed)
    stats = corpus_stats(HF_DAYS) if HF_DAYS.exists() else fallback_stats(rng)
    with open(path, "wb") as fh:
        for i in range(start, start + count):
            fh.write(orjson.dumps(record(i, rng, stats)) + b"\n")


def build_store(directory: Path, papers: int) -> Path:
    """The store (cached in ``directory`` while the size is the same)."""
    from paperradar.index import SearchEngine
    from paperradar.pipeline import ingest
    from paperradar.store import open_store

    db = directory / "web-load.db"
    marker = directory / f"built-{papers}"
    if marker.exists() and db.exists():
        return db
    directory.mkdir(parents=True, exist_ok=True)
    for old in [*directory.glob("web-load.db*"), *directory.glob("built-*")]:
        subprocess.run(["rm", "-rf", str(old)], check=True)
    store = open_store(str(db))
    t = time.perf_counter()
    ingest(store, [str(HF_DAYS)])
    bulk = directory / "bulk.jsonl"
    snapshot_lines(bulk, 0, max(0, papers - store.count()), seed=1)
    ingest(store, [str(bulk)])
    engine = SearchEngine(store)
    engine.sync_keyword()
    engine.close()
    print(f"built a store of {store.count():,} papers in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    store.close()
    bulk.unlink()
    marker.touch()
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = """
import sys, uvicorn
from paperradar.web import create_app
app = create_app(sys.argv[1], {"threads": int(sys.argv[3]), "secret": "bench-secret-0123456789"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""

INGEST_LOOP = """
import sys, time, subprocess
deadline = time.time() + float(sys.argv[3])
n = 0
while time.time() < deadline:
    subprocess.run([sys.executable, "-m", "paperradar", "--db", sys.argv[1], "ingest", "--batch-size", "500",
                    sys.argv[2]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    n += 1
print(n)
"""


def percentiles(seconds: list[float], elapsed: float, errors: list[str]) -> dict:
    ms = sorted(x * 1000 for x in seconds)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1) if ms else float("nan")

    return {"requests": len(ms), "rps": round(len(ms) / elapsed, 1), "p50_ms": pct(50), "p95_ms": pct(95),
            "p99_ms": pct(99), "max_ms": round(ms[-1], 1) if ms else None,
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
            "errors": len(errors), "error_examples": errors[:5]}


def hammer(base: str, pages: dict[str, list[str]], seconds: float, clients: int) -> dict:
    """``clients`` threads, each asking for the pages in turn (Today, Search,
    Paper, Today, ...) for ``seconds``: every page sees the same background."""
    names = list(pages)
    latencies: dict[str, list[float]] = {n: [] for n in names}
    errors: dict[str, list[str]] = {n: [] for n in names}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(k: int) -> None:
        mine = {n: [] for n in names}
        bad = {n: [] for n in names}
        with httpx.Client(base_url=base, timeout=30) as client:
            i = k
            while time.perf_counter() < stop:
                name = names[i % len(names)]
                paths = pages[name]
                path = paths[(i // len(names)) % len(paths)]
                i += 1
                t = time.perf_counter()
                try:
                    r = client.get(path)
                    if r.status_code != 200:
                        bad[name].append(f"{r.status_code} {path}")
                except httpx.HTTPError as exc:
                    bad[name].append(f"{type(exc).__name__} {path}")
                mine[name].append(time.perf_counter() - t)
        with lock:
            for n in names:
                latencies[n].extend(mine[n])
                errors[n].extend(bad[n])

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    return {n: percentiles(latencies[n], elapsed, errors[n]) for n in names}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_request(base: str, pid: int, paths: list[str], n: int = 150) -> float:
    """Server CPU milliseconds per request, one request at a time (load-independent)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        before = cpu_seconds(pid)
        for i in range(n):
            client.get(paths[i % len(paths)])
        return round((cpu_seconds(pid) - before) * 1000 / n, 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=30.0, help="load per page (the pages run mixed)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--threads", type=int, default=16, help="server worker threads")
    ap.add_argument("--no-ingest", action="store_true", help="measure without a concurrent ingest")
    args = ap.parse_args()
    work = OUT / "web-load"
    base_db = build_store(work / "base", args.papers)
    run_dir = work / "run"  # a fresh copy each run: the concurrent ingest adds papers to it
    shutil.rmtree(run_dir, ignore_errors=True)
    shutil.copytree(base_db.parent, run_dir)
    db = run_dir / base_db.name

    from paperradar.store import PaperQuery, open_store

    store = open_store(str(db))
    count = store.count()
    rng = random.Random(7)
    ids = [p.id for p in store.papers(PaperQuery(limit=2000, offset=rng.randint(0, max(0, count - 2000))))]
    ids += [p.id for p in store.papers(PaperQuery(source="hf-daily", limit=500))]
    rng.shuffle(ids)
    store.close()
    more = work / "more.jsonl"
    snapshot_lines(more, 150_000, 20_000, seed=2)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port), str(args.threads)])
    ingester = None
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/api/me", timeout=1).status_code in (200, 401):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        pages = {"today": ["/", "/?week=2026-W25", "/?date=2026-06-18", "/?date=2026-06-17"],
                 "search": [f"/search?q={q}" for q in QUERIES],
                 "paper": [f"/paper/{pid}" for pid in ids]}
        for paths in pages.values():  # warm: first computations and caches, as after any restart
            for path in paths[:20]:
                httpx.get(base + path, timeout=120)
        cpu = {name: cpu_per_request(base, server.pid, paths) for name, paths in pages.items()}
        load_before = os.getloadavg()
        seconds = args.seconds * len(pages)
        if not args.no_ingest:
            ingester = subprocess.Popen([sys.executable, "-c", INGEST_LOOP, str(db), str(more), str(seconds + 5)],
                                        stdout=subprocess.PIPE, text=True)
            time.sleep(3)  # the ingest is under way
        results = hammer(base, pages, seconds, args.clients)
        for name in results:
            results[name]["server_cpu_ms_per_request"] = cpu[name]
        load_after = os.getloadavg()
        ingests = None
        if ingester is not None:
            ingests = int((ingester.communicate(timeout=600)[0] or "0").strip() or 0)
        from paperradar.store import open_store as reopen

        after = reopen(str(db))
        grown = after.count() - count
        after.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        if ingester is not None and ingester.poll() is None:
            ingester.terminate()
    report = {"papers": count, "clients": args.clients, "server_threads": args.threads,
              "seconds_per_page": args.seconds, "concurrent_ingest": not args.no_ingest, "ingest_runs": ingests,
              "papers_added_meanwhile": grown, "cpus": os.cpu_count(),
              "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
              "date": time.strftime("%Y-%m-%d"), "results": results, "goals_ms": GOALS_MS}
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_web_load.json").write_text(json.dumps(report, indent=2))
    print(f"\n{count:,} papers stored; {args.clients} clients for {seconds:.0f} s, pages in turn; "
          f"{f'an ingest running ({grown:,} papers added meanwhile)' if not args.no_ingest else 'no ingest'}; "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    print("| page | requests | req/s | p50 ms | p95 ms | p99 ms | goal p99 | errors | server CPU ms/request |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['requests']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
              f"< {GOALS_MS[name]} | {r['errors']} | {r['server_cpu_ms_per_request']} |")


if __name__ == "__main__":
    main()
