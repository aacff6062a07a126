"""CPU embedding benchmark: paperradar's default embedder vs sentence-transformers' plain encode.

    python benchmarks/bench_embed.py                     # 1,000 abstracts, 3 timed runs each
    python benchmarks/bench_embed.py --n 2000 --runs 5 --embedders all-MiniLM-L6-v2/onnx-int8w

Both embedders run the same model (all-MiniLM-L6-v2) in the same process; their
timed runs are interleaved (A, B, A, B, ...) so a busy machine slows both alike.
Speed: abstracts/s (median of the runs) on the first ``--n`` real abstracts of
../shared/fixtures/hf-daily/ (title + ". " + abstract). Quality: SciRepEval
search_dev nDCG@10 (rerank 10 candidates by cosine) and citation-triplet accuracy,
plus how close each embedder's vectors are to the baseline's (cosine). Prints a
Markdown table with the machine and date; writes the numbers as JSON.
Needs the [embed] and [torch] extras.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERRADAR_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))

from paperradar import evaluate
from paperradar.index.embed import DEFAULT_EMBEDDER, get_embedder, paper_text

BASELINE = "all-MiniLM-L6-v2/torch-fp32"


def real_abstracts(n: int) -> list[str]:
    """The first n papers of the HF Daily Papers fixtures, as retrieval texts."""
    texts = []
    for day in sorted((SHARED / "fixtures" / "hf-daily").glob("*.json")):
        for item in json.loads(day.read_text(encoding="utf-8")):
            paper = item.get("paper") or item
            texts.append(paper_text(paper.get("title") or item.get("title"), paper.get("summary")))
            if len(texts) == n:
                return texts
    return texts


def quality(embedder, search_set, triplets) -> dict:
    """nDCG@10 on SciRepEval search and citation-triplet accuracy of one embedder."""

    def scorer(query, candidates):
        docs = embedder.embed([paper_text(p.title, p.abstract) for p in candidates])
        return (docs @ embedder.embed_query(query)).tolist()

    ndcg = statistics.fmean(evaluate.rerank_ndcg(scorer, search_set))
    papers = [p for t in triplets for p in (t.query, t.positive, t.negative)]
    vectors = embedder.embed([paper_text(p.title, p.abstract) for p in papers])
    by_id = {id(p): v for p, v in zip(papers, vectors)}
    acc = evaluate.citation_accuracy(lambda a, b: float(by_id[id(a)] @ by_id[id(b)]), triplets)
    return {"search_ndcg10": round(ndcg, 4), "triplet_accuracy": acc.accuracy}


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def versions() -> str:
    out = []
    for name in ("onnxruntime", "torch", "sentence_transformers", "tokenizers"):
        try:
            out.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            pass
    return ", ".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="real abstracts to embed per timed run")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per embedder (median reported)")
    ap.add_argument("--embedders", nargs="*", default=[], help="more embedders to measure")
    ap.add_argument("--json", default=str(ROOT / "bench-out" / "embed_cpu.json"))
    ap.add_argument("--pool", action="store_true",
                    help="also the default embedder on one single-threaded process per core (index/embed_pool.py)")
    args = ap.parse_args(argv)

    names = [DEFAULT_EMBEDDER, BASELINE] + [e for e in args.embedders if e not in (DEFAULT_EMBEDDER, BASELINE)]
    texts = real_abstracts(args.n)
    search_set = evaluate.load_scirepeval_search(SHARED / "eval" / "scirepeval" / "search_dev.jsonl")
    triplets = evaluate.load_citation_triplets(SHARED / "eval" / "scirepeval" / "citation_triplets_dev.json")
    load_before = os.getloadavg()[0]
    rows = {}
    pools = {}
    if args.pool:
        from paperradar.index.embed_pool import EmbedPool, pool_size

        pool = EmbedPool(DEFAULT_EMBEDDER, pool_size())
        pools[f"{DEFAULT_EMBEDDER} x{pool.processes} processes"] = pool
        names.append(next(iter(pools)))
    for name in names:
        t0 = time.perf_counter()
        emb = pools[name] if name in pools else get_embedder(name)
        if name in pools:  # quality: the same model's vectors (checked below against the baseline)
            emb.embed(texts[:64])
            rows[name] = {"load_s": round(time.perf_counter() - t0, 2)}
            continue
        rows[name] = {"load_s": round(time.perf_counter() - t0, 2), **quality(emb, search_set, triplets)}
        emb.embed(texts[:64])  # warm-up
        print(f"{name}: loaded and scored", file=sys.stderr)
    times = {name: [] for name in names}
    vectors = {}
    for run in range(args.runs):
        for name in names:
            t0 = time.perf_counter()
            vectors[name] = (pools[name] if name in pools else get_embedder(name)).embed(texts)
            times[name].append(time.perf_counter() - t0)
        print(f"run {run + 1}/{args.runs}: " + ", ".join(f"{n} {times[n][-1]:.1f} s" for n in names),
              file=sys.stderr)
    base_rate = len(texts) / statistics.median(times[BASELINE])
    for name in names:
        rate = len(texts) / statistics.median(times[name])
        cos = np.einsum("ij,ij->i", vectors[name], vectors[BASELINE])
        rows[name].update(abstracts_per_s=round(rate, 1), speedup=round(rate / base_rate, 2),
                          runs_s=[round(t, 2) for t in times[name]],
                          cosine_to_baseline_mean=round(float(cos.mean()), 4),
                          cosine_to_baseline_min=round(float(cos.min()), 4))
    for name, pool in pools.items():
        pool.close()
        diff = float(np.abs(vectors[name] - vectors[DEFAULT_EMBEDDER]).max())
        rows[name]["max_abs_diff_to_single_process"] = diff
        if diff < 1e-5:  # the same vectors: the same quality
            rows[name].update({k: rows[DEFAULT_EMBEDDER][k] for k in ("search_ndcg10", "triplet_accuracy")})
        else:
            rows[name].update(search_ndcg10=float("nan"), triplet_accuracy=float("nan"))
    result = {"date": dt.date.today().isoformat(), "machine": machine(), "versions": versions(),
              "n_abstracts": len(texts), "runs": args.runs,
              "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
              "embedders": rows}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(markdown(result))
    return 0


def markdown(result: dict) -> str:
    title = (f"Embedding throughput, {result['date']}, {result['machine']} ({result['versions']}); "
             f"{result['n_abstracts']:,} real abstracts (hf-daily), median of {result['runs']} interleaved runs; "
             f"load average before/after {result['load_average_before_after']}.")
    header = ("| embedder | abstracts/s | × baseline | SciRepEval search nDCG@10 | citation triplets acc. "
              "| cosine to baseline (mean / min) | load s |")
    lines = [title, "", header, "|---|---|---|---|---|---|---|"]
    for name, r in result["embedders"].items():
        tag = " (baseline: plain `encode`)" if name == BASELINE else (" (default)" if name == DEFAULT_EMBEDDER else "")
        lines.append(f"| `{name}`{tag} | {r['abstracts_per_s']:.1f} | {r['speedup']:.2f} | {r['search_ndcg10']:.4f} "
                     f"| {r['triplet_accuracy']:.2f} | {r['cosine_to_baseline_mean']:.4f} / "
                     f"{r['cosine_to_baseline_min']:.4f} | {r['load_s']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
