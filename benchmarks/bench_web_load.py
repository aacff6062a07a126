"""Load on the web app over loopback: requests/s and latency percentiles for
the Today, Search and Paper pages with 100,000 papers stored, while an ingest
and an enrich write to the same store (issue 6's load goal, issue 8 item 5).

The store (built once, cached in bench-out/web-load/base-N/, stage by stage;
build.json has each stage's time and the load average):
  papers   the real Hugging Face Daily Papers days (shared/fixtures/hf-daily,
           8,666 papers with upvotes: Today's trending page) plus papers in
           the arXiv snapshot layout from make_snapshot.py up to --papers;
           keyword index.
  vectors  synthetic vectors for every stored paper, made as
           bench_search_scale.py makes them (real vectors of the bundled model
           mixed, plus covariance-shaped noise; embedding 100k abstracts on this
           CPU takes over an hour), written where the model's would be: the
           store's embeddings under the default model's name, and title vectors
           under the model name + TITLE_SUFFIX, keyed by content hash. The
           app's SearchEngine finds them current and embeds nothing.
  enriched the offline enrichers (category, links, name, results, tldr) over
           every stored paper.
  indexed  keyword index caught up with the enrichments; the vector indexes
           (HNSW above 50,000 rows; titles exact) built by SearchEngine.sync_vectors.
  more     100,000 further snapshot records in files of 2,000 for the
           concurrent ingest (new papers on every run), with their vectors
           stored beforehand (as if `paperradar index` had run), so the
           concurrent enrich's category enricher does not embed them.

A run (one per --clients value, each on a fresh copy of the store):
`paperradar serve` in its own process; warm-up; a check that Search answers in
the mode asked for (hybrid: hits found by the keyword and the semantic
retriever); the server's CPU time per request of each page, one at a time;
then the load: the clients ask for Today, Search and Paper in turn for
3 x --seconds while two writer processes loop until the load ends (bounded):
`paperradar ingest` over the "more" files, one file per run (once all are in,
later runs merge what is stored: ingest papers/s is given over the window and
over the runs that added papers), and `paperradar enrich` (--enrichers, by
default every offline one) over what is not enriched yet, the newly ingested
papers. The enrich runs one enricher at a time over its backlog, so new
papers/s are given per enricher; when the store has grown by a tenth the
category probe retrains and its new version redoes every paper's category
first (rows written, new + redone, are given too). Every answer must be a 200
and a complete page (a marker of the page and the closing </html>); anything
else counts as an error. Searches use distinct queries (title prefixes of real
papers) and Paper pages distinct papers, so the app's caches answer few of them.
Writes bench-out/bench_web_load.json (--out).

    python benchmarks/bench_web_load.py                    # 100k, 2 and 8 clients, 30 s per page
    python benchmarks/bench_web_load.py --papers 20000 --clients 2 8 --seconds 10   # a quick run
    python benchmarks/bench_web_load.py --build-only       # build (and time) the store only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import numpy as np
import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench-out"
WORK = OUT / "web-load"
HF_DAYS = ROOT.parent / "shared" / "fixtures" / "hf-daily"
WARM_QUERIES = ["diffusion models", "knowledge distillation", "video generation",
                "reinforcement learning from human feedback", "vision transformer",
                "large language model reasoning", "image super resolution",
                "graph neural network", "speech recognition", "retrieval augmented generation",
                "3d gaussian splatting", "contrastive learning", "mixture of experts", "robot manipulation",
                "benchmark evaluation", "图像超分辨率", "quantization", "multimodal agents", "protein structure",
                "code generation"]
GOALS_MS = {"today": 100, "paper": 100, "search": 200}
OFFLINE_ENRICHERS = ["category", "links", "name", "results", "tldr"]
MORE_RECORDS, MORE_FILE = 100_000, 2_000
NOISE, TITLE_NOISE = 0.45, 0.75  # bench_search_scale's cov synthesis; a title vector is its text's plus this
STAGES = ("papers", "vectors", "enriched", "indexed", "more")

sys.path.insert(0, str(HERE))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


# -- the store, built once per size --------------------------------------------------------------

def snapshot_lines(path: Path, start: int, count: int, seed: int) -> None:
    from make_snapshot import corpus_stats, fallback_stats, record

    rng = random.Random(seed)
    stats = corpus_stats(HF_DAYS) if HF_DAYS.exists() else fallback_stats(rng)
    with open(path, "wb") as fh:
        fh.writelines(orjson.dumps(record(i, rng, stats)) + b"\n" for i in range(start, start + count))


class Build:
    """The cached store of one size: stages done (markers), their times (build.json)."""

    def __init__(self, papers: int):
        self.papers = papers
        self.dir = WORK / f"base-{papers}"
        legacy = WORK / "base"  # an earlier build of this benchmark (papers + keyword index): reused
        if not self.dir.exists() and (legacy / f"built-{papers}").exists():
            legacy.rename(self.dir)
            (self.dir / f"built-{papers}").rename(self.dir / "stage-papers")
        self.db = self.dir / "web-load.db"
        self.info_path = self.dir / "build.json"

    def done(self, stage: str) -> bool:
        marker = self.dir / f"stage-{stage}"
        if stage == "more":  # topped up when MORE_RECORDS grew
            return marker.exists() and len(self.more_files) >= MORE_RECORDS // MORE_FILE
        return marker.exists()

    def record(self, stage: str, seconds: float, **extra) -> None:
        info = json.loads(self.info_path.read_text()) if self.info_path.exists() else {}
        info[stage] = {"seconds": round(seconds, 1), "load_after": loadavg(), "date": time.strftime("%Y-%m-%d"),
                       **extra}
        self.info_path.write_text(json.dumps(info, indent=2))
        (self.dir / f"stage-{stage}").touch()
        log(f"build {self.papers:,}: {stage} in {seconds:.0f} s {extra or ''}")

    @property
    def more_files(self) -> list[Path]:
        return sorted((self.dir / "more").glob("more-*.jsonl"))

    def info(self) -> dict:
        return json.loads(self.info_path.read_text()) if self.info_path.exists() else {}


def build_store(papers: int) -> Build:
    """Every stage not done yet for this size (see the module docstring)."""
    from paperradar.store import open_store

    b = Build(papers)
    if not b.done("papers"):
        shutil.rmtree(b.dir, ignore_errors=True)
        b.dir.mkdir(parents=True)
    for stage in STAGES:
        if b.done(stage):
            continue
        load_before = loadavg()
        t = time.perf_counter()
        store = open_store(str(b.db))
        try:
            extra = STAGE_FUNCTIONS[stage](b, store)
        finally:
            store.close()
        b.record(stage, time.perf_counter() - t, load_before=load_before, **(extra or {}))
    return b


def stage_papers(b: Build, store) -> dict:
    from paperradar.index import SearchEngine
    from paperradar.pipeline import ingest

    ingest(store, [str(HF_DAYS)])
    bulk = b.dir / "bulk.jsonl"
    snapshot_lines(bulk, 0, max(0, b.papers - store.count()), seed=1)
    ingest(store, [str(bulk)])
    bulk.unlink()
    engine = SearchEngine(store)
    engine.sync_keyword()
    engine.close()
    return {"papers": store.count()}


def stage_more(b: Build, store) -> dict:
    """Fresh records for the concurrent ingest (numbered past the stored ones;
    files already made are kept), with synthetic vectors stored for them before
    they are ingested: the category enricher of the concurrent enrich finds them
    and embeds nothing, as after `paperradar index`."""
    from paperradar.index import SearchEngine

    folder = b.dir / "more"
    folder.mkdir(exist_ok=True)
    start = max(150_000, 2 * b.papers)
    made_before = len(b.more_files)
    for k in range(MORE_RECORDS // MORE_FILE):
        path = folder / f"more-{k:03d}.jsonl"
        if not path.exists():  # written aside, then renamed: an interrupted build leaves no short file
            snapshot_lines(path.with_suffix(".part"), start + k * MORE_FILE, MORE_FILE, seed=100 + k)
            path.with_suffix(".part").rename(path)
    engine = SearchEngine(store)
    text_model = engine.embedder.name
    embedded = {h for (h,) in store.db.execute("SELECT content_hash FROM embeddings WHERE model = ?", (text_model,))}
    hashes = [h for h in dict.fromkeys(more_hashes(b.more_files)) if h not in embedded]
    save_synthetic_vectors(store, engine, hashes, seed=1000 + made_before)
    engine.close()
    return {"records": len(b.more_files) * MORE_FILE, "files": len(b.more_files), "files_before": made_before,
            "vectors_added": len(hashes)}


def more_hashes(files: list[Path]) -> list[str]:
    """Content hashes of the papers in these files, parsed as the ingest parses them."""
    from paperradar.models import Paper
    from paperradar.sources import read_input
    from paperradar.sources.base import Input
    from paperradar.store.dedupe import content_hash

    return [content_hash(item) for f in files for item in read_input(Input.from_path(f))
            if isinstance(item, Paper)]


def save_synthetic_vectors(store, engine, hashes: list[str], seed: int) -> int:
    """Text and title vectors for these content hashes, stored under the
    default model's names (bench_search_scale's synthesis from real vectors)."""
    from bench_search_scale import real_papers, real_vectors, synth_vectors

    if not hashes:
        return 0
    real = real_vectors(real_papers(), 4000)  # cached in bench-out/search-scale-real-vectors.npy
    text = synth_vectors(real, len(hashes), "cov", NOISE, seed=seed)
    title = text + TITLE_NOISE * synth_vectors(real, len(hashes), "cov", NOISE, seed=seed + 1)
    title /= np.linalg.norm(title, axis=1, keepdims=True)
    for at in range(0, len(hashes), 5000):
        part = hashes[at:at + 5000]
        store.save_embeddings(engine.embedder.name, [(h, v.tobytes()) for h, v in zip(part, text[at:at + 5000])])
        store.save_embeddings(engine.title_model, [(h, v.tobytes()) for h, v in zip(part, title[at:at + 5000])])
    return len(hashes)


def stage_vectors(b: Build, store) -> dict:
    """Synthetic text and title vectors for every stored paper."""
    from paperradar.index import SearchEngine

    engine = SearchEngine(store)
    hashes = list(dict.fromkeys(h for h, _ in store.texts_to_embed(engine.embedder.name)))
    saved = save_synthetic_vectors(store, engine, hashes, seed=7)
    engine.close()
    return {"vectors": saved, "models": [engine.embedder.name, engine.title_model]}


def stage_enriched(b: Build, store) -> dict:
    from paperradar.enrich import run_enrichers

    summary = run_enrichers(store, OFFLINE_ENRICHERS)
    return {"enrichers": summary.as_dict()["enrichers"]}


def stage_indexed(b: Build, store) -> dict:
    from paperradar.index import SearchEngine

    engine = SearchEngine(store)
    t = time.perf_counter()
    engine.sync_keyword()
    keyword_s = time.perf_counter() - t
    engine.sync_vectors()
    out = {"keyword_s": round(keyword_s, 1), "vector_index_s": round(time.perf_counter() - t - keyword_s, 1),
           "vectors": len(engine.vectors), "title_vectors": len(engine.title_vectors),
           "hnsw": engine.vectors.graph is not None}
    engine.close()
    return out


STAGE_FUNCTIONS = {"papers": stage_papers, "more": stage_more, "vectors": stage_vectors,
                   "enriched": stage_enriched, "indexed": stage_indexed}


# -- one run: server, writers, clients -----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WRITER_LOOP = """
import json, subprocess, sys, time
log_path, deadline, args, files = sys.argv[1], time.time() + float(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4:]
i = 0
while time.time() < deadline:
    cmd = [sys.executable, "-m", "paperradar", *args] + ([files[i % len(files)]] if files else [])
    t = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True)
    with open(log_path, "a") as fh:
        fh.write(json.dumps({"run": i, "rc": done.returncode, "start": t, "seconds": round(time.time() - t, 2),
                             "out": done.stdout[-8000:], "err": done.stderr[-1000:] if done.returncode else ""}) + "\\n")
    i += 1
"""


def start_writer(kind: str, db: Path, run_dir: Path, seconds: float, files: list[Path],
                 enrichers: list[str] = OFFLINE_ENRICHERS) -> subprocess.Popen:
    args = ["--db", str(db), "ingest", "--json", "--batch-size", "500"] if kind == "ingest" else \
        ["--db", str(db), "enrich", "--json", *[x for name in enrichers for x in ("--only", name)]]
    return subprocess.Popen([sys.executable, "-c", WRITER_LOOP, str(run_dir / f"writer-{kind}.jsonl"), str(seconds),
                             json.dumps(args), *map(str, files)], start_new_session=True)


def stop(proc: subprocess.Popen | None, grace: float = 5.0) -> None:
    """End a process we started, and its children (its own session)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def writer_runs(path: Path, since: float, until: float) -> list[dict]:
    """The writer's runs that started within [since, until]."""
    if not path.exists():
        return []
    return [r for r in map(json.loads, path.read_text().splitlines()) if since <= r["start"] <= until]


def ingest_added(out: str) -> int:
    """Papers added by one `paperradar ingest --json` run, from its output."""
    lines = [line for line in out.splitlines() if line.startswith("{")]
    try:
        return int(json.loads(lines[-1]).get("added", 0)) if lines else 0
    except ValueError:
        return 0


def store_counts(db: Path) -> dict:
    """Papers, and enrichment rows per enricher."""
    con = sqlite3.connect(db, timeout=60)
    try:
        out = {"papers": con.execute("SELECT count(*) FROM papers").fetchone()[0]}
        out.update(dict(con.execute("SELECT enricher, count(*) FROM enrichments GROUP BY enricher")))
        return out
    finally:
        con.close()


def rows_written(db: Path, since: float, until: float) -> dict:
    """Enrichment rows written (new or redone) per enricher between two times."""
    def iso(t: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))

    con = sqlite3.connect(db, timeout=60)
    try:
        return dict(con.execute("SELECT enricher, count(*) FROM enrichments WHERE updated_at >= ? AND "
                                "updated_at < ? GROUP BY enricher", (iso(since), iso(until))))
    finally:
        con.close()


def page_complete(name: str, body: str, mode: str) -> str | None:
    """Why an answer with status 200 is not a whole page (None when it is)."""
    if not body.rstrip().endswith("</html>"):
        return "page cut short"
    marker = {"today": 'class="papers"', "paper": "</article>", "search": f" · {mode}</p>"}[name]
    return None if marker in body else f"no {marker!r} in the page"


def percentiles(seconds: list[float], elapsed: float, errors: list[str]) -> dict:
    ms = sorted(x * 1000 for x in seconds)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1) if ms else float("nan")

    return {"requests": len(ms), "rps": round(len(ms) / elapsed, 1), "p50_ms": pct(50), "p90_ms": pct(90),
            "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": round(ms[-1], 1) if ms else None,
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None, "errors": len(errors),
            "error_rate": round(len(errors) / len(ms), 5) if ms else None, "error_examples": errors[:5]}


def hammer(base: str, pages: dict[str, list[str]], seconds: float, clients: int, mode: str) -> dict:
    """``clients`` threads, each with one connection, asking for the pages in
    turn (Today, Search, Paper, Today, ...) for ``seconds``; each path of a page
    is asked once across all clients before any is asked again."""
    names = list(pages)
    latencies: dict[str, list[float]] = {n: [] for n in names}
    errors: dict[str, list[str]] = {n: [] for n in names}
    lock = threading.Lock()
    counters = {n: 0 for n in names}
    stop_at = time.perf_counter() + seconds

    def next_path(name: str) -> str:
        with lock:
            k = counters[name]
            counters[name] += 1
        return pages[name][k % len(pages[name])]

    def worker(k: int) -> None:
        mine = {n: [] for n in names}
        bad = {n: [] for n in names}
        with httpx.Client(base_url=base, timeout=30) as client:
            i = k
            while time.perf_counter() < stop_at:
                name = names[i % len(names)]
                path = next_path(name)
                i += 1
                t = time.perf_counter()
                try:
                    r = client.get(path)
                    body = r.text
                    elapsed = time.perf_counter() - t
                    problem = f"{r.status_code}" if r.status_code != 200 else page_complete(name, body, mode)
                except httpx.HTTPError as exc:
                    elapsed, problem = time.perf_counter() - t, type(exc).__name__
                mine[name].append(elapsed)
                if problem:
                    bad[name].append(f"{problem} {path}")
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


def cpu_per_request(base: str, pid: int, paths: list[str]) -> float:
    """Server CPU milliseconds per request, one request at a time (load-independent)."""
    with httpx.Client(base_url=base, timeout=120) as client:
        before = cpu_seconds(pid)
        for path in paths:
            client.get(path)
        return round((cpu_seconds(pid) - before) * 1000 / len(paths), 2)


def mode_check(base: str, mode: str, queries: list[str]) -> dict:
    """Ask the API what mode it searched in and which retrievers found the hits."""
    found = {"keyword": 0, "semantic": 0, "both": 0, "semantic_only": 0, "hits": 0, "modes": set()}
    for q in queries:
        answer = httpx.get(f"{base}/api/search", params={"q": q, "mode": mode, "limit": 20}, timeout=120).json()
        found["modes"].add(answer["mode"])
        for hit in answer["hits"]:
            by = {why.split(":", 1)[0] for why in hit["why"]}
            found["hits"] += 1
            found["keyword"] += "keyword" in by
            found["semantic"] += "semantic" in by
            found["both"] += by >= {"keyword", "semantic"}
            found["semantic_only"] += "semantic" in by and "keyword" not in by
    found["modes"] = sorted(found["modes"])
    if found["modes"] != [mode] or (mode == "hybrid" and not (found["keyword"] and found["semantic"])):
        raise SystemExit(f"search did not run in {mode} mode: {found}")
    return found


def wait_ready(base: str, server: subprocess.Popen) -> None:
    for _ in range(1200):
        if server.poll() is not None:
            raise SystemExit(f"paperradar serve exited with {server.returncode}")
        try:
            if httpx.get(base + "/api/me", timeout=2).status_code in (200, 401):
                return
        except httpx.HTTPError:
            time.sleep(0.25)
    raise SystemExit("paperradar serve did not answer in 5 minutes")


def load_paths(db: Path, mode: str, queries: int) -> dict[str, list[str]]:
    """Paths per page: distinct papers and queries, shuffled (seeded)."""
    from bench_search_scale import query_texts, real_papers

    from paperradar.store import PaperQuery, open_store

    store = open_store(str(db))
    rng = random.Random(7)
    count = store.count()
    ids = [p.id for p in store.papers(PaperQuery(limit=3000, offset=rng.randint(0, max(0, count - 3000))))]
    ids += [p.id for p in store.papers(PaperQuery(source="hf-daily", limit=1000))]
    store.close()
    rng.shuffle(ids)
    texts = list(dict.fromkeys(query_texts(real_papers(), queries)))
    return {"today": ["/", "/?week=2026-W25", "/?date=2026-06-18", "/?date=2026-06-17"],
            "search": [f"/search?{urlencode({'q': q, 'mode': mode})}" for q in texts],
            "paper": [f"/paper/{quote(pid)}" for pid in ids]}


@contextmanager
def served(db: Path, threads: int, run_dir: Path):
    """`paperradar serve` over ``db`` in its own process: (base URL, process), stopped afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(run_dir / "server.log", "w") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "paperradar", "--db", str(db), "serve", "--port", str(port),
                                   "--threads", str(threads)], stdout=log_file, stderr=log_file,
                                  start_new_session=True)
        try:
            wait_ready(base, server)
            yield base, server
        finally:
            stop(server, grace=30)


@contextmanager
def writing(b: Build, db: Path, run_dir: Path, seconds: float, args):
    """The writer loops, for ``seconds`` (then stopped in any case); yields when they started."""
    writers: list[subprocess.Popen] = []
    try:
        started = time.time()
        if not args.no_ingest:
            writers.append(start_writer("ingest", db, run_dir, seconds, b.more_files))
        if not args.no_enrich:
            writers.append(start_writer("enrich", db, run_dir, seconds, [], args.enrichers))
        time.sleep(3 if writers else 0)  # the writers are under way
        yield started
    finally:
        for proc in writers:
            stop(proc)


def one_run(b: Build, clients: int, args) -> dict:
    run_dir = WORK / "run"  # a fresh copy each run: the writers change it
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    for part in b.dir.glob("web-load.db*"):
        (shutil.copytree if part.is_dir() else shutil.copy2)(part, run_dir / part.name)
    db = run_dir / b.db.name
    paths = load_paths(db, args.mode, args.queries)
    cpu_paths = {"today": paths["today"] * 10, "search": paths["search"][:100], "paper": paths["paper"][:100]}
    load_pages = {"today": paths["today"], "search": paths["search"][100:], "paper": paths["paper"][100:]}
    seconds = args.seconds * len(paths)
    t = time.perf_counter()
    with served(db, args.threads, run_dir) as (base, server):
        for path in [*paths["today"], *[f"/search?{urlencode({'q': q, 'mode': args.mode})}" for q in WARM_QUERIES],
                     *paths["paper"][-20:]]:  # warm: model, indexes, first rankings, as after any restart
            httpx.get(base + path, timeout=300)
        ready_s = round(time.perf_counter() - t, 1)
        check = mode_check(base, args.mode, WARM_QUERIES[:8])
        cpu = {name: cpu_per_request(base, server.pid, p) for name, p in cpu_paths.items()}
        load_before = loadavg()
        with writing(b, db, run_dir, seconds + 5, args) as writer_start:
            counts_before, t0 = store_counts(db), time.time()
            samples: list[float] = []
            sampling = threading.Event()

            def sample_load() -> None:
                while not sampling.wait(2.0):
                    samples.append(loadavg())

            threading.Thread(target=sample_load, daemon=True).start()
            results = hammer(base, load_pages, seconds, clients, args.mode)
            sampling.set()
            counts_after, t1 = store_counts(db), time.time()
            load_after = loadavg()
    for name in results:
        results[name]["server_cpu_ms_per_request"] = cpu[name]
    writes = writer_figures(run_dir, db, args.enrichers, (writer_start, t0, t1), (counts_before, counts_after))
    server_errors = [line for line in (run_dir / "server.log").read_text().splitlines()
                     if "Traceback" in line or "ERROR" in line or "unexpected error" in line]
    return {"clients": clients, "papers": counts_before["papers"], "mode": args.mode, "mode_check": check,
            "ready_s": ready_s, "seconds": round(seconds, 1), "writes": writes,
            "load_average": {"before": load_before, "during_mean": round(statistics.fmean(samples), 2)
                             if samples else None, "during_max": max(samples, default=None), "after": load_after},
            "server_log_errors": server_errors[:10], "results": results,
            "distinct_paths": {name: len(p) for name, p in load_pages.items()}}


def writer_figures(run_dir: Path, db: Path, enrichers: list[str], times: tuple, counts: tuple) -> dict:
    """What the writers did within the load window [t0, t1]."""
    writer_start, t0, t1 = times
    counts_before, counts_after = counts
    span = t1 - t0
    writes: dict = {"window_s": round(span, 1)}
    for kind in ("ingest", "enrich"):
        runs = writer_runs(run_dir / f"writer-{kind}.jsonl", writer_start, t1)
        writes[f"{kind}_runs"] = len(runs)
        writes[f"{kind}_failed_runs"] = [r["err"][-300:] for r in runs if r["rc"] != 0]
    writes["papers_added"] = counts_after["papers"] - counts_before["papers"]
    writes["ingest_papers_per_s"] = round(writes["papers_added"] / span, 1)
    # Once the fresh records are all in, later runs merge what is stored: the rate of the runs that added papers.
    adding = [(r["seconds"], added) for r in writer_runs(run_dir / "writer-ingest.jsonl", writer_start, t1)
              if r["rc"] == 0 and (added := ingest_added(r["out"]))]
    writes["ingest_runs_adding"] = len(adding)
    writes["ingest_papers_per_s_while_adding"] = round(sum(a for _, a in adding) / sum(s for s, _ in adding), 1) \
        if adding else None
    new_rows = {e: counts_after.get(e, 0) - counts_before.get(e, 0) for e in enrichers}
    writes["enrichment_rows_added"] = new_rows
    # The enrich runs one enricher at a time over its whole backlog: per enricher, new papers per second.
    writes["enrich_new_papers_per_s"] = {e: round(n / span, 1) for e, n in new_rows.items()}
    writes["papers_enriched"] = min(new_rows.values()) if new_rows else 0  # through every enricher of the run
    writes["enrich_papers_per_s"] = round(writes["papers_enriched"] / span, 1)
    written = rows_written(db, t0, t1)
    writes["enrichment_rows_written"] = written  # new and redone (a retrained category probe redoes all)
    writes["enrichment_rows_per_s"] = round(sum(written.values()) / span, 1)
    writes["enrich_notices"] = sorted({n for r in writer_runs(run_dir / "writer-enrich.jsonl", writer_start, t1)
                                       if r["rc"] == 0 for line in r["out"].splitlines() if line.startswith("{")
                                       for n in json.loads(line).get("notices", [])})[:10]
    return writes


def markdown(report: dict) -> str:
    lines = [("| clients | page | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | goal p99 | errors | "
              "error rate | server CPU ms/req |"), "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        for name, r in run["results"].items():
            lines.append(f"| {run['clients']} | {name} | {r['requests']} | {r['rps']} | {r['p50_ms']} | "
                         f"{r['p90_ms']} | {r['p99_ms']} | {r['max_ms']} | < {GOALS_MS[name]} | {r['errors']} | "
                         f"{r['error_rate']} | {r['server_cpu_ms_per_request']} |")
    lines += ["", ("| clients | ingest papers/s (per run while adding) | enrich new papers/s per enricher | "
                   "through all of them /s | enrichment rows written/s (new + redone) | writer runs done "
                   "(ingest / enrich) | failed runs | load avg before / during (mean, max) / after |"),
              "|---|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        w, la = run["writes"], run["load_average"]
        failed = len(w.get("ingest_failed_runs", [])) + len(w.get("enrich_failed_runs", []))
        per = ", ".join(f"{e} {v}" for e, v in w["enrich_new_papers_per_s"].items())
        lines.append(f"| {run['clients']} | {w['ingest_papers_per_s']} ({w['ingest_papers_per_s_while_adding']} "
                     f"in {w['ingest_runs_adding']} runs adding) | {per} | {w['enrich_papers_per_s']} | "
                     f"{w['enrichment_rows_per_s']} | "
                     f"{w.get('ingest_runs')} / {w.get('enrich_runs')} | {failed} | {la['before']} / "
                     f"{la['during_mean']}, {la['during_max']} / {la['after']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=30.0, help="load per page (the pages run mixed)")
    ap.add_argument("--clients", type=int, nargs="+", default=[2, 8], help="one run per value")
    ap.add_argument("--threads", type=int, default=16, help="server worker threads")
    ap.add_argument("--mode", choices=["hybrid", "keyword"], default="hybrid", help="search mode asked for")
    ap.add_argument("--queries", type=int, default=2000, help="distinct search queries (title prefixes)")
    ap.add_argument("--no-ingest", action="store_true", help="no concurrent ingest")
    ap.add_argument("--no-enrich", action="store_true", help="no concurrent enrich")
    ap.add_argument("--enrichers", nargs="+", choices=OFFLINE_ENRICHERS, default=OFFLINE_ENRICHERS,
                    help="what the concurrent enrich runs (default: every offline enricher)")
    ap.add_argument("--build-only", action="store_true", help="build (and time) the store, then stop")
    ap.add_argument("--out", type=Path, default=OUT / "bench_web_load.json")
    args = ap.parse_args()
    b = build_store(args.papers)
    if args.build_only:
        print(json.dumps(b.info(), indent=2))
        return
    report = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "papers": args.papers,
              "server_threads": args.threads, "seconds_per_page": args.seconds, "mode": args.mode,
              "ingest": not args.no_ingest, "enrich": not args.no_enrich and args.enrichers,
              "build": b.info(), "runs": [],
              "goals_ms": GOALS_MS}
    for clients in args.clients:
        log(f"run: {clients} clients, {args.seconds * 3:.0f} s, mode {args.mode}")
        report["runs"].append(one_run(b, clients, args))
        args.out.write_text(json.dumps(report, indent=2))
    shutil.rmtree(WORK / "run", ignore_errors=True)
    print(f"\n{report['runs'][0]['papers']:,} papers stored; search mode {args.mode}; "
          f"{'an ingest' if report['ingest'] else 'no ingest'} and {'an enrich' if report['enrich'] else 'no enrich'}"
          f" running; {os.cpu_count()} CPUs\n")
    print(markdown(report))


if __name__ == "__main__":
    main()
