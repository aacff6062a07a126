"""Benchmark: search at scale. Index build, hybrid query latency, ANN recall, memory.

- **Corpus.** N documents grown from the 8,666 real ML papers in shared/fixtures/hf-daily. Each document
  reuses a real paper's authors and date, and has synthetic title and abstract text drawn from the real
  vocabulary at the real lengths.
- **Vectors.** The bundled model embeds the real papers' title and abstract (a sample). Each document's
  vector mixes two random real vectors (weights 0.5–1 and the rest) plus Gaussian noise, normalised. That
  keeps the real model's geometry without near-duplicate clusters.
- **Measurements.** Keyword index build (tantivy) and vector index build (faiss HNSW) time and size. For 200
  queries drawn from real titles: p50/p99 latency of keyword, semantic (query embedding plus ANN) and
  hybrid (both plus tmm fusion). Recall@10 of the HNSW search against exact search. Peak RSS.

    python benchmarks/bench_search_scale.py --n 1000000 [--sample 4000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "fixtures" / "hf-daily"


def real_papers() -> list[dict]:
    papers = []
    for f in sorted(CORPUS.glob("*.json")):
        for item in json.loads(f.read_text()):
            p = item.get("paper") or {}
            if p.get("title") and p.get("summary"):
                papers.append({"title": " ".join(p["title"].split()),
                               "abstract": " ".join(p["summary"].split()),
                               "authors": [a.get("name", "") for a in p.get("authors") or []][:20],
                               "date": (p.get("publishedAt") or "")[:10] or None})
    return papers


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=4000, help="real papers embedded by the model")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.35)
    ap.add_argument("--workdir", type=Path, default=HERE.parent / "bench-out" / "search-scale")
    args = ap.parse_args()

    from paperradar.index.embed import default_embedder
    from paperradar.index.fusion import fuse_default
    from paperradar.index.keyword import KeywordDoc, KeywordIndex
    from paperradar.index.vectors import VectorIndex

    rng = random.Random(7)
    nrng = np.random.default_rng(7)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    papers = real_papers()
    words = [w for p in papers[:3000] for w in p["abstract"].split()[:80]]
    result: dict = {"n": args.n, "real_papers": len(papers), "date": date.today().isoformat(),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "python": platform.python_version()}

    embedder = default_embedder()
    sample = papers[: args.sample]
    t = time.perf_counter()
    real_vecs = embedder.embed([f"{p['title']}. {p['abstract']}" for p in sample])
    result["embed_sample_per_s"] = round(len(sample) / (time.perf_counter() - t), 1)
    print(f"embedded {len(sample)} real papers", file=sys.stderr)

    # Keyword index.
    kw = KeywordIndex(args.workdir / "keyword")
    t = time.perf_counter()
    batch = []
    for i in range(args.n):
        base = papers[i % len(papers)]
        n_title = max(3, len(base["title"].split()))
        n_abs = max(30, len(base["abstract"].split()))
        batch.append(KeywordDoc(
            pk=i + 1,
            title=base["title"] if i < len(papers) else " ".join(rng.choices(words, k=n_title)),
            abstract=base["abstract"] if i < len(papers) else " ".join(rng.choices(words, k=n_abs)),
            authors=base["authors"], date=base["date"], categories=["cs.LG"],
            sources=["hf-daily"], has_code=i % 3 == 0))
        if len(batch) == 50_000:
            kw.upsert(batch)
            batch = []
    kw.upsert(batch)
    kw.commit({"rev": 1})
    result["keyword_build_s"] = round(time.perf_counter() - t, 1)
    result["keyword_index_mb"] = round(sum(f.stat().st_size for f in (args.workdir / "keyword").rglob("*")
                                           if f.is_file()) / 2**20)
    print("keyword index built", file=sys.stderr)

    # Vector index.
    vi = VectorIndex(args.workdir / "vectors", embedder.dim)
    t = time.perf_counter()
    chunk = 100_000
    for start in range(0, args.n, chunk):
        idx = np.arange(start, min(args.n, start + chunk))
        # A mix of two random real vectors plus noise: no near-duplicate
        # clusters (which would make "the exact top 10" a pick among ties).
        a = real_vecs[nrng.integers(0, len(real_vecs), len(idx))]
        b = real_vecs[nrng.integers(0, len(real_vecs), len(idx))]
        w = nrng.uniform(0.5, 1.0, (len(idx), 1)).astype(np.float32)
        v = w * a + (1 - w) * b + args.noise / np.sqrt(embedder.dim) * \
            nrng.standard_normal((len(idx), embedder.dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        vi.add((idx + 1).tolist(), (idx + 1).tolist(), v, rev=1, seq=1)
    result["vector_build_s"] = round(time.perf_counter() - t, 1)
    result["vector_index_mb"] = round(sum(f.stat().st_size for f in (args.workdir / "vectors").iterdir())
                                      / 2**20)
    result["ann"] = vi.graph is not None
    print("vector index built", file=sys.stderr)

    queries = [" ".join(p["title"].split()[:rng.randint(2, 4)]) for p in rng.sample(papers, args.queries)]
    lat = {"keyword": [], "semantic": [], "hybrid": []}
    recall = []
    for q in queries:
        t0 = time.perf_counter()
        khits = kw.search(q, limit=50, explain=False)
        t1 = time.perf_counter()
        qv = embedder.embed_query(q)
        vhits = vi.search(qv, limit=50)
        t2 = time.perf_counter()
        fuse_default({"keyword": [(h.pk, h.score) for h in khits],
                      "semantic": [(h.pk, h.similarity) for h in vhits]}, limit=20)
        t3 = time.perf_counter()
        lat["keyword"].append((t1 - t0) * 1000)
        lat["semantic"].append((t2 - t1) * 1000)
        lat["hybrid"].append((t3 - t0) * 1000)
        if len(recall) < 100:
            approx = {h.pk for h in vi.search(qv, 10)}
            exact = {h.pk for h in vi.search(qv, 10, exact=True)}
            recall.append(len(approx & exact) / 10)
    result["latency_ms"] = {k: {"p50": round(statistics.median(v), 2), "p99": round(percentile(v, 99), 2)}
                            for k, v in lat.items()}
    result["ann_recall_at_10"] = round(float(np.mean(recall)), 3)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    (args.workdir.parent / f"search_scale_{args.n}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
