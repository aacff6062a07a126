"""Benchmark: search at scale. Index build, query latency per mode, ANN recall, memory.

- **Corpus.** N documents grown from the 8,666 real ML papers in shared/fixtures/hf-daily: real authors
  and dates, synthetic title and abstract text drawn from the real vocabulary at the real lengths.
- **Vectors.** The bundled model embeds a seeded random sample of real papers once (cached in
  bench-out/search-scale-real-vectors.npy). Each document's vector mixes two random real vectors
  (weights 0.5-1 and the rest) plus Gaussian noise of norm ``--noise``, normalised. ``--synthesis cov``
  (default) draws the noise with the real vectors' sample covariance, ``iso`` isotropically (every
  direction of the 384, which inflates the intrinsic dimension and makes ANN recall pessimistic).
- **Queries.** 2-4 word prefixes of real titles of papers outside the vector sample, embedded by the model.

Phases (``--phase``, default ``build`` then ``measure`` in a fresh process):
  build    corpus, tantivy keyword index, vector index (vectors.py parameters); times, sizes, peak RSS
  measure  loads the built indexes; p50/p99 of keyword, semantic, hybrid (engine path, sequential, and
           keyword in a thread beside the semantic side), recall@10 against exact, RSS
  check    nearest-neighbour cosine and intrinsic dimension (TwoNN) of real vs synthetic vectors
  sweep    ANN parameters (HNSW M / efConstruction / efSearch, HNSW-SQ8 + rerank, IVF) on N vectors
Every phase records the load average before and after: this machine is shared.

    python benchmarks/bench_search_scale.py --n 1000000 [--phase build|measure|check|sweep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "bench-out"
CORPUS = HERE.parent.parent / "shared" / "fixtures" / "hf-daily"
REAL_CACHE = OUT / "search-scale-real-vectors.npy"
SEED = 7


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


def order(papers: list[dict]) -> list[int]:
    """A seeded permutation: its head is the vector sample, its tail gives the queries."""
    perm = list(range(len(papers)))
    random.Random(SEED).shuffle(perm)
    return perm


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def summary(values) -> dict:
    return {"p50": round(statistics.median(values), 2), "p99": round(percentile(values, 99), 2),
            "mean": round(statistics.fmean(values), 2)}


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def rss_mb(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return -1


def peak_rss_mb() -> int:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent that started it)."""
    return rss_mb("VmHWM")


def dir_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def real_vectors(papers: list[dict], sample: int) -> np.ndarray:
    """The model's vectors of the first ``sample`` papers of ``order``; embedded once, then cached."""
    from paperradar.index.embed import default_embedder, paper_text

    name = default_embedder().name
    meta_path = REAL_CACHE.with_suffix(".json")
    if REAL_CACHE.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta["embedder"] == name and meta["count"] >= sample and meta["papers"] == len(papers):
            return np.load(REAL_CACHE)[:sample]
    chosen = [papers[i] for i in order(papers)[:sample]]
    t = time.perf_counter()
    vecs = default_embedder().embed([paper_text(p["title"], p["abstract"]) for p in chosen])
    OUT.mkdir(exist_ok=True)
    np.save(REAL_CACHE, vecs)
    meta_path.write_text(json.dumps({"embedder": name, "count": sample, "papers": len(papers),
                                     "seed": SEED, "per_s": round(sample / (time.perf_counter() - t), 1)}))
    return vecs


def query_texts(papers: list[dict], count: int) -> list[str]:
    rng = random.Random(SEED)
    return [" ".join(papers[i]["title"].split()[:rng.randint(2, 4)]) for i in order(papers)[-count:]]


def query_vectors(texts: list[str]) -> np.ndarray:
    """Query embeddings, cached by text (for the phases that do not time the embedding)."""
    from paperradar.index.embed import default_embedder

    path = OUT / "search-scale-query-vectors.npz"
    cache = dict(np.load(path)) if path.exists() else {}
    missing = [t for t in texts if t not in cache]
    for t in missing:
        cache[t] = default_embedder().embed_query(t)
    if missing:
        np.savez(path, **cache)
    return np.stack([cache[t] for t in texts])


def noise_basis(real: np.ndarray, synthesis: str) -> np.ndarray:
    """B (d x d) such that ``z @ B`` for z ~ N(0, I) is noise of expected squared norm 1:
    isotropic, or with the covariance of the real vectors."""
    d = real.shape[1]
    if synthesis == "iso":
        return np.eye(d, dtype=np.float32) / np.sqrt(d)
    eigval, eigvec = np.linalg.eigh(np.cov(real, rowvar=False).astype(np.float64))
    eigval = np.clip(eigval, 0, None)
    return (np.sqrt(eigval / eigval.sum())[:, None] * eigvec.T).astype(np.float32)


def synth_vectors(real: np.ndarray, count: int, synthesis: str, noise: float, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    basis = noise_basis(real, synthesis)
    out = np.empty((count, real.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        m = min(count, start + 100_000) - start
        a = real[rng.integers(0, len(real), m)]
        b = real[rng.integers(0, len(real), m)]
        w = rng.uniform(0.5, 1.0, (m, 1)).astype(np.float32)
        v = w * a + (1 - w) * b + noise * (rng.standard_normal((m, real.shape[1]), dtype=np.float32) @ basis)
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the exact top ``k`` by inner product, per query (chunked matrix product)."""
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), 200_000):
        s = queries @ vectors[start:start + 200_000].T
        top = np.argpartition(-s, k - 1, axis=1)[:, :k]
        best_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1)
        best_i = np.concatenate([best_i, top + start], 1)
        keep = np.argsort(-best_s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    return best_i


def recall(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def keyword_batches(papers: list[dict], n: int, size: int = 50_000):
    from paperradar.index.keyword import KeywordDoc

    rng = random.Random(SEED)
    words = [w for p in papers[:3000] for w in p["abstract"].split()[:80]]
    for start in range(0, n, size):
        batch = []
        for i in range(start, min(n, start + size)):
            base = papers[i % len(papers)]
            real = i < len(papers)
            batch.append(KeywordDoc(
                pk=i + 1,
                title=base["title"] if real else " ".join(rng.choices(words, k=max(3, len(base["title"].split())))),
                abstract=base["abstract"] if real else " ".join(
                    rng.choices(words, k=max(30, len(base["abstract"].split())))),
                authors=base["authors"], date=base["date"], categories=["cs.LG"],
                sources=["hf-daily"], has_code=i % 3 == 0))
        yield batch


def phase_build(args, papers: list[dict]) -> dict:
    from paperradar.index import vectors as vmod
    from paperradar.index.keyword import KeywordIndex

    res: dict = {"load_before": loadavg()}
    real = real_vectors(papers, args.sample)
    kw = KeywordIndex(args.workdir / "keyword")
    index_s = 0.0
    for batch in keyword_batches(papers, args.n):  # times the index, not the text generation
        t = time.perf_counter()
        kw.upsert(batch)
        index_s += time.perf_counter() - t
    t = time.perf_counter()
    kw.commit({"rev": 1})
    kw.close()
    res["keyword_build_s"] = round(index_s + time.perf_counter() - t, 1)
    res["keyword_index_mb"] = dir_mb(args.workdir / "keyword")
    res["rss_after_keyword_mb"] = rss_mb()
    log(f"keyword index: {res['keyword_build_s']} s")
    vecs = synth_vectors(real, args.n, args.synthesis, args.noise)
    t = time.perf_counter()
    vi = vmod.VectorIndex(args.workdir / "vectors", real.shape[1])
    pks = np.arange(1, args.n + 1)
    vi.add(pks.tolist(), pks.tolist(), vecs, rev=1, seq=1)  # one call, as the first sync does
    res["vector_build_s"] = round(time.perf_counter() - t, 1)
    res["vector_index_mb"] = dir_mb(args.workdir / "vectors")
    res["vector_index"] = {"ann": vi.graph is not None, "kind": type(vi.graph).__name__,
                           **{k: getattr(vmod, k) for k in dir(vmod) if k.startswith(("HNSW_", "ANN_"))}}
    res["synthesis"] = {"mode": args.synthesis, "noise": args.noise, "real_sample": len(real)}
    res["peak_rss_mb"] = peak_rss_mb()
    res["load_after"] = loadavg()
    log(f"vector index: {res['vector_build_s']} s")
    return res


def phase_measure(args, papers: list[dict]) -> dict:
    from paperradar.index.crosslingual import translate_query
    from paperradar.index.embed import default_embedder
    from paperradar.index.engine import MIN_POOL, POOL_FACTOR
    from paperradar.index.fusion import fuse_default
    from paperradar.index.keyword import KeywordIndex
    from paperradar.index.lookup import RowLookup
    from paperradar.index.vectors import VectorIndex

    res: dict = {"load_before": loadavg()}
    embedder = default_embedder()
    # A long-running server has its index files in the page cache (the vectors and the
    # graph are mapped, not read): read them through once, as such a server has.
    t = time.perf_counter()
    for f in sorted((args.workdir / "vectors").iterdir()) + sorted((args.workdir / "keyword").iterdir()):
        if f.is_file():
            with open(f, "rb") as fh:
                while fh.read(1 << 24):
                    pass
    res["page_cache_warm_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    kw = KeywordIndex(args.workdir / "keyword")
    vi = VectorIndex(args.workdir / "vectors", embedder.dim)
    res["load_indexes_s"], res["rss_after_load_mb"] = round(time.perf_counter() - t, 1), rss_mb()
    limit = 20
    pool = max(MIN_POOL, POOL_FACTOR * limit)
    texts = query_texts(papers, args.queries)
    other = ThreadPoolExecutor(1)

    def keyword(text):
        return [(h.pk, h.score) for h in kw.search(text, limit=pool, explain=False)]

    def semantic(text):
        return [(h.pk, h.similarity) for h in vi.search(embedder.embed_query(text), limit=pool)]

    text_rows = RowLookup(vi)
    # The title index stands in as a second matrix of the same shape (its own memory, rows in another order).
    title_rows = RowLookup(SimpleNamespace(pks=vi.pks[::-1].copy(), live=vi.live[::-1].copy(),
                                           vectors=np.ascontiguousarray(vi.vectors[::-1])))

    def semantic_rescored(text, keyword_run):  # SearchEngine.search's semantic side with title rescoring
        qv = embedder.embed_query(text)
        hits = [(h.pk, h.similarity) for h in vi.search(qv, limit=pool)]
        known = dict(hits)
        candidates = list(dict.fromkeys([pk for pk, _ in hits] + [pk for pk, _ in keyword_run]))
        for pk, vec in text_rows.vectors_of([pk for pk in candidates if pk not in known]).items():
            known[pk] = float(vec @ qv)
        for pk, vec in title_rows.vectors_of(candidates).items():
            known[pk] = max(known.get(pk, -1.0), float(vec @ qv))
        return sorted(known.items(), key=lambda kv: -kv[1])

    def finish(query, runs):  # the rest of SearchEngine.search, less the store fetch
        fused = fuse_default(runs, limit=limit)
        kw.matched_words(query, [h.key for h in fused if "keyword" in h.found_by])

    def hybrid(query):
        text = translate_query(query).english or query
        kw_run = keyword(text)
        finish(text, {"keyword": kw_run, "semantic": semantic_rescored(text, kw_run)})

    def hybrid_concurrent(query):
        text = translate_query(query).english or query
        pending = other.submit(keyword, text)
        qv = embedder.embed_query(text)
        hits = vi.search(qv, limit=pool)
        kw_run = pending.result()
        known = {h.pk: h.similarity for h in hits}
        candidates = list(dict.fromkeys([h.pk for h in hits] + [pk for pk, _ in kw_run]))
        for pk, vec in text_rows.vectors_of([pk for pk in candidates if pk not in known]).items():
            known[pk] = float(vec @ qv)
        for pk, vec in title_rows.vectors_of(candidates).items():
            known[pk] = max(known.get(pk, -1.0), float(vec @ qv))
        finish(text, {"keyword": kw_run, "semantic": sorted(known.items(), key=lambda kv: -kv[1])})

    modes = {"keyword": keyword, "semantic": semantic, "embed_query": embedder.embed_query,
             "hybrid": hybrid, "hybrid_concurrent": hybrid_concurrent}
    for text in texts[:10]:  # warm-up
        for fn in modes.values():
            fn(text)
    qvecs = np.stack([embedder.embed_query(t) for t in texts])
    lat: dict[str, list[float]] = {m: [] for m in [*modes, "ann"]}
    names = list(modes)
    for i, (text, qv) in enumerate(zip(texts, qvecs)):
        for mode in names[i % len(names):] + names[:i % len(names)]:  # rotate: no mode always warmest
            fn = modes[mode]
            t = time.perf_counter()
            fn(text)
            lat[mode].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        vi.search(qv, limit=pool)
        lat["ann"].append((time.perf_counter() - t) * 1000)
    res["latency_ms"] = {m: summary(v) for m, v in lat.items()}
    from paperradar.index.vectors import ef_search_for
    res["ef_search"] = ef_search_for(len(vi.pks))
    res["load_mid"] = loadavg()
    assert vi.live.all(), "the benchmark index has no replaced rows: row number = pk - 1"
    truth = vi.pks[exact_top(vi.vectors, qvecs, 10)]
    res["queries"] = len(texts)
    res["recall_at_10"] = round(recall(np.array([[h.pk for h in vi.search(q, 10)] for q in qvecs]), truth), 3)
    res["recall_at_10_in_pool"] = round(recall(
        np.array([[h.pk for h in vi.search(q, pool)] for q in qvecs]), truth), 3)
    if vi.graph is not None:  # recall and ANN latency against efSearch, on this index
        from paperradar.index import vectors as vmod

        chosen, res["ef_sweep"] = vmod.ef_search_for, []
        for ef in args.ef_grid:
            vmod.ef_search_for = lambda rows, ef=ef: ef
            ms = []
            for q in qvecs:
                t = time.perf_counter()
                vi.search(q, limit=pool)
                ms.append((time.perf_counter() - t) * 1000)
            found = np.array([[h.pk for h in vi.search(q, 10)] for q in qvecs])
            res["ef_sweep"].append({"ef_search": ef, "recall_at_10": round(recall(found, truth), 3),
                                    "ann_pool_ms": summary(ms), "load": loadavg()[0]})
            log(json.dumps(res["ef_sweep"][-1]))
        vmod.ef_search_for = chosen
    res["peak_rss_mb"] = peak_rss_mb()
    res["load_after"] = loadavg()
    return res


def nn_cosines(x: np.ndarray) -> np.ndarray:
    g = x @ x.T
    np.fill_diagonal(g, -np.inf)
    return g.max(axis=1)


def two_nn_dimension(x: np.ndarray) -> float:
    """TwoNN intrinsic dimension (Facco et al. 2017) from angular distances."""
    g = np.clip(x @ x.T, -1, 1)
    np.fill_diagonal(g, -np.inf)
    top2 = -np.sort(-g, axis=1)[:, :2]
    r = np.sqrt(np.maximum(2 - 2 * top2, 1e-12))
    mu = r[:, 1] / r[:, 0]
    return float(len(mu) / np.sum(np.log(mu[mu > 1])))


def ks(a: np.ndarray, b: np.ndarray) -> float:
    grid = np.sort(np.concatenate([a, b]))
    return float(np.max(np.abs(np.searchsorted(np.sort(a), grid, "right") / len(a)
                               - np.searchsorted(np.sort(b), grid, "right") / len(b))))


def phase_check(args, papers: list[dict]) -> dict:
    """Real vs synthetic vectors at the same counts, and the synthetic set's density at N against the
    real sets' trend (median nearest-neighbour cosine against log2 of the count, extrapolated)."""
    real = real_vectors(papers, args.sample)
    qv = query_vectors(query_texts(papers, args.queries))
    quant = [5, 25, 50, 75, 95]
    res: dict = {"load_before": loadavg(), "quantiles": quant, "sets": [], "at_n": []}
    variants = [("real", None)] + [(m, x) for m in ("iso", "cov") for x in args.noise_grid]
    counts = [c for c in (500, 1000, 2000, 4000, 8000) if c < len(real)] + [len(real)]
    for count in counts:
        base_nn = nn_cosines(real[:count])
        for synthesis, noise in variants:
            x = real[:count] if synthesis == "real" else synth_vectors(real, count, synthesis, noise, seed=count)
            nn = nn_cosines(x)
            q_top = -np.sort(-(qv @ x.T), axis=1)[:, :10]
            res["sets"].append({
                "count": count, "vectors": synthesis, "noise": noise,
                "nn_cosine": [round(float(v), 3) for v in np.percentile(nn, quant)],
                "ks_vs_real": round(ks(nn, base_nn), 3), "two_nn_dim": round(two_nn_dimension(x), 1),
                "query_sim_1_10": [round(float(np.median(q_top[:, 0])), 3), round(float(np.median(q_top[:, 9])), 3)]})
            log(json.dumps(res["sets"][-1]))
    medians = [(s["count"], s["nn_cosine"][2]) for s in res["sets"] if s["vectors"] == "real"]
    slope, icpt = np.polyfit(np.log2([c for c, _ in medians]), [m for _, m in medians], 1)
    res["real_trend"] = {"per_doubling": round(float(slope), 4), "median_nn_at_n": round(float(slope * np.log2(args.n) + icpt), 3)}
    for synthesis in ("iso", "cov"):
        x = synth_vectors(real, args.n, synthesis, args.noise)
        rows = np.random.default_rng(SEED).choice(args.n, 1000, replace=False)
        top = exact_top(x, x[rows], 2)
        other = np.where(top[:, 0] == rows, top[:, 1], top[:, 0])
        nn = np.einsum("ij,ij->i", x[rows], x[other])
        res["at_n"].append({"vectors": synthesis, "noise": args.noise,
                            "nn_cosine": [round(float(v), 3) for v in np.percentile(nn, quant)]})
        log(json.dumps(res["at_n"][-1]))
    res["load_after"] = loadavg()
    return res


def timed_search(index, queries: np.ndarray, k: int, rerank: np.ndarray | None = None):
    """Rows found per query (top 10 kept), per-query latency in ms, and distances computed per query
    (faiss's own counters: a cost that, unlike time, does not depend on the machine's load)."""
    import faiss

    faiss.cvar.hnsw_stats.reset()
    faiss.cvar.indexIVF_stats.reset()
    found, ms = [], []
    for q in queries:
        t = time.perf_counter()
        _, rows = index.search(q[None, :], k)
        rows = rows[0][rows[0] >= 0]
        if rerank is not None:  # exact scores of the candidates from the float32 matrix
            rows = rows[np.argsort(-(rerank[rows] @ q), kind="stable")]
        ms.append((time.perf_counter() - t) * 1000)
        found.append(np.pad(rows[:10], (0, 10 - len(rows[:10])), constant_values=-1))
    ndis = faiss.cvar.hnsw_stats.ndis + faiss.cvar.indexIVF_stats.ndis
    return np.array(found), ms, round(ndis / len(queries))


def phase_sweep(args, papers: list[dict]) -> dict:
    """Recall@10 and cost of ANN indexes over N synthetic vectors; built indexes are kept in
    bench-out/search-scale-sweep-N-SYNTHESIS-NOISE/ so a later run (a quieter machine) re-times them."""
    import faiss

    real = real_vectors(papers, args.sample)
    vecs = synth_vectors(real, args.n, args.synthesis, args.noise)
    qsets = {"text": query_vectors(query_texts(papers, args.queries)),
             "doc": synth_vectors(real, args.queries, args.synthesis, args.noise, seed=SEED + 1)}
    truth = {name: exact_top(vecs, q, 10) for name, q in qsets.items()}
    res: dict = {"n": args.n, "synthesis": args.synthesis, "noise": args.noise, "load_before": loadavg(), "rows": []}
    keep = OUT / f"search-scale-sweep-{args.n}-{args.synthesis}-{args.noise}"
    keep.mkdir(exist_ok=True)
    d = vecs.shape[1]

    def built(label, make):
        path, meta = keep / f"{label}.faiss", keep / f"{label}.json"
        if path.exists() and meta.exists():
            return faiss.read_index(str(path)), json.loads(meta.read_text())["build_s"]
        t = time.perf_counter()
        index = make()
        build_s = time.perf_counter() - t
        faiss.write_index(index, str(path))
        meta.write_text(json.dumps({"build_s": build_s, "load": loadavg()}))
        return index, build_s

    def measure(label, make, grid, set_ef, rerank=None):
        index, build_s = built(label, make)
        for ef in grid:
            row = {"index": label, "build_s": round(build_s, 1), "search": ef}
            for k in (20, 120):  # VectorIndex.search asks 2 x limit: limit 10, and the hybrid pool of 60
                set_ef(index, ef, k)
                for name, q in qsets.items():
                    found, ms, ndis = timed_search(index, q, k, rerank)
                    if k == 20:
                        row[f"recall_{name}"] = round(recall(found, truth[name]), 3)
                    if name == "text":
                        row[f"k{k}_ms"] = [round(statistics.median(ms), 3), round(percentile(ms, 99), 3)]
                        row[f"k{k}_ndis"] = ndis
            row["load"] = loadavg()[0]
            res["rows"].append(row)
            log(json.dumps(row))

    def set_hnsw(index, ef, k):
        faiss.downcast_index(index).hnsw.efSearch = max(ef, k)

    def hnsw(m, efc, sq8=False):
        def make():
            index = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, m, faiss.METRIC_INNER_PRODUCT) \
                if sq8 else faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = efc
            index.train(vecs[:100_000])
            index.add(vecs)
            return index
        return make

    def ivf(nlist):
        def make():
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
            index.train(vecs[np.random.default_rng(SEED).choice(len(vecs), min(len(vecs), 40 * nlist), False)])
            index.add(vecs)
            return index
        return make

    for m in args.m_grid:
        for efc in args.efc_grid:
            measure(f"HNSWFlat M{m} efC{efc}", hnsw(m, efc), args.ef_grid, set_hnsw)
            if args.sq8:
                measure(f"HNSWSQ8 M{m} efC{efc} +rerank", hnsw(m, efc, True), args.ef_grid, set_hnsw, vecs)
    for nlist in args.ivf_nlist:
        measure(f"IVFFlat {nlist}", ivf(nlist), args.nprobe_grid, lambda ix, p, k: setattr(ix, "nprobe", p))
    res["load_after"] = loadavg()
    return res


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def markdown(result: dict) -> str:
    b, m = result.get("build", {}), result.get("measure", {})
    rows = [("keyword index build / size", f"{b.get('keyword_build_s')} s / {b.get('keyword_index_mb')} MB"),
            ("vector index build / size", f"{b.get('vector_build_s')} s / {b.get('vector_index_mb')} MB"),
            ("build peak RSS", f"{b.get('peak_rss_mb')} MB")]
    for mode, fig in m.get("latency_ms", {}).items():
        rows.append((f"{mode} p50 / p99", f"{fig['p50']} / {fig['p99']} ms"))
    rows += [("recall@10 vs exact (limit 10 / hybrid pool)",
              f"{m.get('recall_at_10')} / {m.get('recall_at_10_in_pool')} ({m.get('queries')} queries)"),
             ("measure RSS after load / peak", f"{m.get('rss_after_load_mb')} / {m.get('peak_rss_mb')} MB"),
             ("load average build (before, after)", f"{b.get('load_before')} {b.get('load_after')}"),
             ("load average measure (before, mid, after)",
              f"{m.get('load_before')} {m.get('load_mid')} {m.get('load_after')}")]
    return "\n".join(["| figure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phase", choices=["all", "build", "measure", "check", "sweep"], default="all")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=4000, help="real papers embedded by the model")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--synthesis", choices=["cov", "iso"], default="cov")
    ap.add_argument("--noise", type=float, default=0.45, help="norm of the noise added to each vector "
                    "(0.45: the cov synthesis closest to the real nearest-neighbour cosines, see --phase check)")
    ap.add_argument("--workdir", type=Path, help="default: bench-out/search-scale-N")
    ap.add_argument("--noise-grid", type=float, nargs="+", default=[0.2, 0.35, 0.5, 0.7])
    ap.add_argument("--m-grid", type=int, nargs="+", default=[16, 32, 48])
    ap.add_argument("--efc-grid", type=int, nargs="+", default=[80, 200])
    ap.add_argument("--ef-grid", type=int, nargs="+", default=[64, 128, 256, 512])
    ap.add_argument("--sq8", action="store_true", help="sweep also HNSW with 8-bit storage plus exact rerank")
    ap.add_argument("--ivf-nlist", type=int, nargs="*", default=[])
    ap.add_argument("--nprobe-grid", type=int, nargs="+", default=[16, 32, 64, 128])
    args = ap.parse_args()
    args.workdir = args.workdir or OUT / f"search-scale-{args.n}"
    papers = real_papers()
    head = {"n": args.n, "date": date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(), "real_papers": len(papers)}
    if args.phase in ("check", "sweep"):
        result = {**head, **(phase_check if args.phase == "check" else phase_sweep)(args, papers)}
        out = OUT / (f"search_scale_sweep_{args.n}_{args.synthesis}_{args.noise}.json" if args.phase == "sweep"
                     else "search_scale_check.json")
        if args.phase == "sweep" and out.exists():  # runs with other grids add to the table
            new = {(r["index"], r["search"]) for r in result["rows"]}
            result["rows"] = [r for r in json.loads(out.read_text())["rows"]
                              if (r["index"], r["search"]) not in new] + result["rows"]
        out.write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
        return
    if args.phase in ("all", "build"):
        args.workdir.mkdir(parents=True, exist_ok=False)  # a fresh directory: never measure a stale build
        (args.workdir / "build.json").write_text(json.dumps({**head, **phase_build(args, papers)}, indent=2))
        if args.phase == "all":  # measure in a fresh process: its memory figures are a server's
            sys.exit(subprocess.call([sys.executable, __file__, *sys.argv[1:], "--phase", "measure"]))
        return
    build = json.loads((args.workdir / "build.json").read_text())
    result = {**head, "build": build, "measure": phase_measure(args, papers)}
    out = OUT / f"search_scale_{args.n}.json"
    history = json.loads(out.read_text()).get("earlier_measures", []) if out.exists() else []
    prior = json.loads(out.read_text()) if out.exists() else None
    if prior and prior.get("build") == build:  # keep earlier measurements of the same build
        history = [*history, prior["measure"]]
    result["earlier_measures"] = history
    out.write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
