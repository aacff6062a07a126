"""Benchmark: the SQLite store and the PostgreSQL store side by side, in one run.

1. Import of N records in the arXiv snapshot layout (benchmarks/make_snapshot.py),
   each backend in a fresh process (``paperradar.pipeline.ingest``; PostgreSQL
   writes by COPY and keeps its tsvector + GIN index up to date on the way).
2. Index builds: the tantivy keyword index read from each store; vectors
   (synthetic, clustered, 384-d: the bundled model would take longer than the
   rest together on 2 cores) saved into each store, then faiss HNSW (the
   product's index: M 32, efConstruction 200) and pgvector HNSW (m 16,
   ef_construction 64).
3. Queries: vector search recall@10 against exact search, and latency;
   keyword search, tantivy BM25 against PostgreSQL's ts_rank; hybrid
   (tantivy + faiss against tantivy + pgvector, fused, top papers read from
   the store) p50/p99. Query embedding time is left out (the same for both).
4. Concurrent readers during an ingest: M more records are ingested while
   reader processes look papers up and list a category; reader latency and
   the ingest rate are reported.

The machine is shared: load averages are recorded at each phase.

    python benchmarks/bench_postgres.py [--lines 100000] [--more 20000] [--queries 200]

At 1,000,000 records the run takes hours on 2 cores; ``--keep DIR`` keeps the
stores, the cluster and the finished phases there, so the same command run
again resumes after the last finished phase (``--stop-after PHASE`` stops
early on purpose).

Writes bench-out/postgres.json and prints a Markdown table.
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
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_snapshot_import import IMPORT  # noqa: E402  (the same import, in a fresh process)
MODEL, DIM = "bench-synthetic", 384
CATEGORIES = ["cs.LG", "cs.CV", "cs.CL", "cs.AI", "stat.ML"]

READER = r"""
import json, os, random, sys, time
from paperradar.store import PaperQuery, open_store
store = open_store(sys.argv[1]); stop = sys.argv[2]; ids = json.loads(sys.argv[3])
rng = random.Random(os.getpid()); get, listing = [], []
while not os.path.exists(stop):
    t = time.perf_counter(); store.get(rng.choice(ids)); get.append(time.perf_counter() - t)
    t = time.perf_counter()
    list(store.papers(PaperQuery(category=rng.choice(%r), limit=20))); listing.append(time.perf_counter() - t)
print(json.dumps({"get": get, "list": listing}))
""" % CATEGORIES


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 2) if values else float("nan")


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def snapshot_files(workdir: Path, lines: int, more: int) -> tuple[Path, Path]:
    whole = workdir / f"snapshot-{lines + more}.jsonl"
    if not whole.exists():
        subprocess.run([sys.executable, str(HERE / "make_snapshot.py"), str(whole), "--lines", str(lines + more)],
                       check=True)
    head, tail = workdir / "pg-head.jsonl", workdir / "pg-tail.jsonl"
    with open(whole, "rb") as src, open(head, "wb") as a, open(tail, "wb") as b:
        for i, line in enumerate(src):
            (a if i < lines else b).write(line)
    return head, tail


def unit_centers(rng) -> np.ndarray:
    centers = rng.standard_normal((5000, DIM)).astype(np.float32)
    return centers / np.linalg.norm(centers, axis=1, keepdims=True)


def clustered_vectors(n: int, rng, centers: np.ndarray) -> np.ndarray:
    """Points around random topic centres (cosine to the centre about 0.55),
    a little harder for a graph than uniform clusters of near-duplicates."""
    x = centers[rng.integers(0, len(centers), n)] + rng.normal(0, 0.075, (n, DIM)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def store_size(store) -> dict:
    if hasattr(store, "conn"):
        sizes = dict(store.conn.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname IN"
            " ('papers', 'papers_full_text', 'embeddings') OR relname LIKE 'embeddings_hnsw_%%'").fetchall())
        total = store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        hnsw = sum(v for k, v in sizes.items() if k.startswith("embeddings_hnsw_"))
        return {"total_mb": round(total / 2**20), "gin_mb": round(sizes.get("papers_full_text", 0) / 2**20),
                "hnsw_mb": round(hnsw / 2**20)}
    return {"total_mb": round(sum(p.stat().st_size for p in store.path.parent.glob(store.path.name + "*")
                                  if p.is_file()) / 2**20)}


def save_vectors(store, matrix: np.ndarray, hashes: list[str]) -> float:
    t = time.perf_counter()
    for start in range(0, len(hashes), 5000):
        store.save_embeddings(MODEL, [(h, v.tobytes()) for h, v in
                                      zip(hashes[start:start + 5000], matrix[start:start + 5000])])
    return time.perf_counter() - t


def timed(fn, items) -> tuple[list, list[float]]:
    out, times = [], []
    for item in items:
        t = time.perf_counter()
        out.append(fn(item))
        times.append(time.perf_counter() - t)
    return out, times


def readers_during_ingest(url: str, tail: Path, ids: list[str], n_readers: int, workdir: Path) -> dict:
    stop = workdir / "stop-readers"
    stop.unlink(missing_ok=True)
    procs = [subprocess.Popen([sys.executable, "-c", READER, url, str(stop), json.dumps(ids)],
                              stdout=subprocess.PIPE, text=True) for _ in range(n_readers)]
    time.sleep(2)
    ingest = child(IMPORT, str(tail), url)
    stop.touch()
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    gets = [x for r in results for x in r["get"]]
    lists = [x for r in results for x in r["list"]]
    return {"ingest_papers_per_s": round(ingest["records"] / ingest["seconds"]), "reader_gets": len(gets),
            "get_p50_ms": pct(gets, 0.5), "get_p99_ms": pct(gets, 0.99),
            "list_p50_ms": pct(lists, 0.5), "list_p99_ms": pct(lists, 0.99)}


PHASES = ("import", "keyword", "vectors:sqlite", "vectors:postgresql", "queries", "concurrent")


def pg_settings(lines: int) -> dict[str, str]:
    """Cluster settings; an HNSW graph of a million 384-d vectors needs about
    2 GB of maintenance memory to be built in memory."""
    return {"shared_buffers": "1GB", "maintenance_work_mem": "1GB" if lines <= 200_000 else "6GB",
            "max_wal_size": "8GB", "synchronous_commit": "off", "max_parallel_maintenance_workers": "1"}


def main() -> None:  # noqa: C901 - one linear script
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--more", type=int, default=20_000, help="records ingested while readers read")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=HERE.parent / "bench-out")
    ap.add_argument("--import-only", action="store_true", help="only phase 1 (for 1,000,000 records)")
    ap.add_argument("--keep", type=Path, help="keep stores, cluster and finished phases in this directory; "
                    "run again with the same arguments to resume after the last finished phase")
    ap.add_argument("--stop-after", choices=PHASES, help="stop once this phase is done (with --keep)")
    args = ap.parse_args()
    from paperradar.index.fusion import fuse_default
    from paperradar.index.vectors import VectorIndex
    from paperradar.index import SearchEngine
    from paperradar.store import open_store
    from paperradar.store.pgcluster import LocalCluster
    from paperradar.store.postgres import connect

    args.workdir.mkdir(parents=True, exist_ok=True)
    head, tail = snapshot_files(args.workdir, args.lines, args.more)
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="paperradar-bench-", dir="/tmp"))
    scratch.mkdir(parents=True, exist_ok=True)
    os.chmod(scratch, 0o755)
    state_file = scratch / "state.json"
    state = json.loads(state_file.read_text()) if args.keep and state_file.exists() else None
    if state and (state["result"]["lines"], state["result"]["more"]) != (args.lines, args.more):
        sys.exit(f"{scratch} holds a run of {state['result']['lines']} + {state['result']['more']} records")
    cluster = LocalCluster(scratch / "pg", settings=pg_settings(args.lines))
    result = state["result"] if state else {
        "date": date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(), "lines": args.lines, "more": args.more,
        "load": {"start": load()}, "sqlite": {}, "postgresql": {}}
    done = state["done"] if state else []

    def finished(phase: str) -> bool:
        done.append(phase)
        result["load"][f"after {phase}"] = load()
        state_file.write_text(json.dumps({"result": result, "done": done}, indent=1))
        print(f"phase {phase} done", file=sys.stderr, flush=True)
        return args.stop_after == phase

    try:
        cluster.start()
        urls = {"sqlite": str(scratch / "bench.db"), "postgresql": cluster.url("bench")}
        os.environ["PAPERRADAR_DATA_DIR"] = str(scratch / "pg-artifacts")
        if "import" not in done:
            conn = connect(cluster.url())
            conn.execute("DROP DATABASE IF EXISTS bench")
            conn.execute("CREATE DATABASE bench")
            conn.close()
            Path(urls["sqlite"]).unlink(missing_ok=True)
            open_store(urls["postgresql"]).close()  # migrations outside the timing
            for name, url in urls.items():
                run = child(IMPORT, str(head), url)
                result[name]["import"] = {**run, "papers_per_s": round(run["records"] / run["seconds"])}
                print(f"{name}: import {run['seconds']:.1f} s", file=sys.stderr, flush=True)
                if args.import_only:
                    store = open_store(url)
                    result[name]["size"] = store_size(store)
                    store.close()
            if args.import_only:
                return finish(args, result, f"postgres-import-{args.lines}.json")
            if finished("import"):
                return
        stores = {name: open_store(url) for name, url in urls.items()}
        if "keyword" not in done:
            for name, store in stores.items():
                t = time.perf_counter()
                SearchEngine(store).sync_keyword()
                result[name]["tantivy_build_s"] = round(time.perf_counter() - t, 1)
            if finished("keyword"):
                return
        for name, store in stores.items():
            if f"vectors:{name}" in done:
                continue
            if not (scratch / "hashes.json").exists():  # the same vectors, in the same order, for both stores
                hashes = [h for h, _ in stores["sqlite"].texts_to_embed(MODEL)]
                rng = np.random.default_rng(3)
                centers = unit_centers(rng)
                clustered_vectors(len(hashes), rng, centers)
                queries_v = clustered_vectors(args.queries, rng, centers)
                words = [(p.title or "").split()[:3]
                         for p in stores["sqlite"].papers_by_pk(list(range(1, 2 * args.queries, 2)))]
                np.savez(scratch / "queries.npz", vectors=queries_v,
                         texts=np.array([" ".join(w) for w in words][: args.queries]))
                (scratch / "hashes.json").write_text(json.dumps(hashes))
            hashes = json.loads((scratch / "hashes.json").read_text())
            r = result[name]
            rng = np.random.default_rng(3)
            matrix = clustered_vectors(len(hashes), rng, unit_centers(rng))
            r["save_vectors_s"] = round(save_vectors(store, matrix, hashes), 1)
            del matrix
            t = time.perf_counter()
            rows = list(store.embeddings(MODEL))
            r["read_vectors_s"] = round(time.perf_counter() - t, 1)
            if name == "sqlite":
                t = time.perf_counter()
                mat = np.frombuffer(b"".join(b for *_, b in rows), np.float32).reshape(len(rows), DIM)
                VectorIndex(scratch / "faiss", DIM).add(
                    [pk for pk, *_ in rows], [int(h[:15], 16) for _, h, _, _ in rows], mat, 1, 1)
                r["faiss_hnsw_build_s"] = round(time.perf_counter() - t, 1)
                del mat
            else:
                t = time.perf_counter()
                store.build_ann_indexes()
                r["pgvector_hnsw_build_s"] = round(time.perf_counter() - t, 1)
                store.conn.execute("VACUUM ANALYZE")
            del rows
            print(f"{name}: indexes built", file=sys.stderr, flush=True)
            if finished(f"vectors:{name}"):
                return
        if "queries" not in done:
            saved = np.load(scratch / "queries.npz")
            queries_v, queries_t = saved["vectors"], [str(t) for t in saved["texts"]]
            keyword = {name: SearchEngine(store).keyword for name, store in stores.items()}
            faiss_index = VectorIndex(scratch / "faiss", DIM)
            # Vector search: recall@10 against exact, and latency, over the search breadth.
            from paperradar.index import vectors as faiss_module

            rows = list(stores["sqlite"].embeddings(MODEL))
            pks = np.array([pk for pk, *_ in rows])
            matrix = np.frombuffer(b"".join(b for *_, b in rows), np.float32).reshape(len(rows), DIM)
            del rows
            exact = [set(pks[np.argpartition(-(matrix @ q), 10)[:10]].tolist()) for q in queries_v]
            del matrix
            pg = stores["postgresql"]

            def recall(hits) -> float:
                return round(statistics.mean(len({h.pk for h in hs} & ex) / 10 for hs, ex in zip(hits, exact)), 3)

            product_ef, chosen = faiss_module.ef_search_for(len(pks)), faiss_module.ef_search_for
            for name, breadths in (("sqlite", sorted({64, 128, 256, product_ef})), ("postgresql", (40, 100, 200, 400))):
                sweep = []
                for ef in breadths:
                    if name == "sqlite":
                        faiss_module.ef_search_for = lambda rows, ef=ef: ef
                        hits, times = timed(lambda q: faiss_index.search(q, 10), queries_v)
                    else:
                        hits, times = timed(lambda q, ef=ef: pg.vector_search(MODEL, q, 10, ef_search=ef), queries_v)
                    sweep.append({"ef_search": ef, "recall_at_10": recall(hits), "p50_ms": pct(times, 0.5),
                                  "p99_ms": pct(times, 0.99)})
                default = product_ef if name == "sqlite" else 100  # what the product / the store use
                result[name]["vector"] = {"engine": "faiss HNSW" if name == "sqlite" else "pgvector HNSW",
                                          **next(x for x in sweep if x["ef_search"] == default), "sweep": sweep}
            faiss_module.ef_search_for = chosen
            # Keyword search: tantivy BM25 against PostgreSQL full text (OR of the words).
            _, tantivy_t = timed(lambda q: keyword["sqlite"].search(q, limit=60), queries_t)
            _, ts_t = timed(lambda q: pg.keyword_search(q, limit=60), queries_t)
            result["sqlite"]["keyword"] = {"engine": "tantivy", "p50_ms": pct(tantivy_t, 0.5),
                                           "p99_ms": pct(tantivy_t, 0.99)}
            result["postgresql"]["keyword"] = {"engine": "tsvector ts_rank", "p50_ms": pct(ts_t, 0.5),
                                               "p99_ms": pct(ts_t, 0.99)}
            # Hybrid: tantivy + vectors, fused, the top 20 papers read from the store.
            for name, store in stores.items():
                def hybrid(i, name=name, store=store):
                    runs = {"keyword": [(h.pk, h.score) for h in keyword[name].search(queries_t[i], limit=60)]}
                    hits = faiss_index.search(queries_v[i], 60) if name == "sqlite" else \
                        store.vector_search(MODEL, queries_v[i], 60)
                    runs["semantic"] = [(h.pk, getattr(h, "similarity", getattr(h, "score", 0.0))) for h in hits]
                    return store.papers_by_pk([h.key for h in fuse_default(runs, limit=20)])
                for key in ("hybrid", "hybrid_warm"):  # first pass as it comes, then again with the pages read
                    _, times = timed(hybrid, range(len(queries_t)))
                    result[name][key] = {"p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99)}
            for name, store in stores.items():
                result[name]["size"] = store_size(store)
            if finished("queries"):
                return
        if "concurrent" not in done:
            lines = args.lines
            ids = [p.id for p in stores["sqlite"].papers_by_pk(list(range(1, lines, max(1, lines // 500))))]
            for store in stores.values():
                store.close()
            for name, url in urls.items():
                result[name]["concurrent"] = readers_during_ingest(url, tail, ids, args.readers, args.workdir)
                print(f"{name}: concurrent done", file=sys.stderr, flush=True)
            finished("concurrent")
        finish(args, result, "postgres.json" if args.lines <= 100_000 else f"postgres-{args.lines}.json")
    finally:
        cluster.stop()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


def finish(args, result: dict, name: str) -> None:
    result["load"]["end"] = load()
    (args.workdir / name).write_text(json.dumps(result, indent=2))
    if args.import_only:
        for backend in ("sqlite", "postgresql"):
            r = result[backend]
            print(f"| {backend} | {r['import']['records']:,} | {r['import']['seconds']:.0f} | "
                  f"{r['import']['papers_per_s']:,} | {round(r['import']['peak_rss_mb'])} | {r['size']['total_mb']} |")
    else:
        print(markdown(result))


def sweep(r: dict) -> str:
    return "; ".join(f"{x['ef_search']}: {x['recall_at_10']} {x['p50_ms']} ms" for x in r["vector"]["sweep"])


def markdown(r: dict) -> str:
    s, p = r["sqlite"], r["postgresql"]
    rows = [
        ("import (papers/s)", s["import"]["papers_per_s"], p["import"]["papers_per_s"]),
        ("import peak RSS (MB)", round(s["import"]["peak_rss_mb"]), round(p["import"]["peak_rss_mb"])),
        ("store size (MB)", s["size"]["total_mb"], f"{p['size']['total_mb']} (GIN {p['size']['gin_mb']},"
                                                   f" HNSW {p['size']['hnsw_mb']})"),
        ("tantivy index build from the store (s)", s["tantivy_build_s"], p["tantivy_build_s"]),
        ("save vectors (s)", s["save_vectors_s"], p["save_vectors_s"]),
        ("read all vectors (s)", s["read_vectors_s"], p["read_vectors_s"]),
        ("ANN build (s)", f"faiss {s['faiss_hnsw_build_s']}", f"pgvector {p['pgvector_hnsw_build_s']}"),
        ("vector recall@10 (ef_search)", f"{s['vector']['recall_at_10']} ({s['vector']['ef_search']})",
         f"{p['vector']['recall_at_10']} ({p['vector']['ef_search']})"),
        ("vector p50 / p99 (ms)", f"{s['vector']['p50_ms']} / {s['vector']['p99_ms']}",
         f"{p['vector']['p50_ms']} / {p['vector']['p99_ms']}"),
        ("vector sweep: ef_search recall p50", sweep(s), sweep(p)),
        ("keyword p50 / p99 (ms)", f"tantivy {s['keyword']['p50_ms']} / {s['keyword']['p99_ms']}",
         f"ts_rank {p['keyword']['p50_ms']} / {p['keyword']['p99_ms']}"),
        ("hybrid p50 / p99 (ms)", f"{s['hybrid']['p50_ms']} / {s['hybrid']['p99_ms']}",
         f"{p['hybrid']['p50_ms']} / {p['hybrid']['p99_ms']}"),
        ("hybrid again, warm: p50 / p99 (ms)", *(
            f"{r['hybrid_warm']['p50_ms']} / {r['hybrid_warm']['p99_ms']}" if "hybrid_warm" in r else "-"
            for r in (s, p))),
        ("ingest during reads (papers/s)", s["concurrent"]["ingest_papers_per_s"],
         p["concurrent"]["ingest_papers_per_s"]),
        ("reader get p50 / p99 (ms)", f"{s['concurrent']['get_p50_ms']} / {s['concurrent']['get_p99_ms']}",
         f"{p['concurrent']['get_p50_ms']} / {p['concurrent']['get_p99_ms']}"),
        ("reader list p50 / p99 (ms)", f"{s['concurrent']['list_p50_ms']} / {s['concurrent']['list_p99_ms']}",
         f"{p['concurrent']['list_p50_ms']} / {p['concurrent']['list_p99_ms']}"),
    ]
    out = [f"{r['date']}, {r['machine']}, Python {r['python']}, {r['lines']:,} records "
           f"(+{r['more']:,} during reads); load averages {r['load']}", "",
           "| | SQLite | PostgreSQL |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(out)


if __name__ == "__main__":
    main()
