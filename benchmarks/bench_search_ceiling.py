"""How far fusion of the product's two retrievers can go on SciRepEval search_dev.

    .venv/bin/python benchmarks/bench_search_ceiling.py

Issue 3 asks the hybrid to beat the best single retriever by 0.03 nDCG@10 on
SciRepEval search_dev. This measures, through the product's own retrievers
(the code behind ``paperradar eval search``; scores tie-aware):

- keyword, semantic and the product's hybrid (tmm, equal weights);
- the per-query ceiling: for every query the better of keyword and semantic
  (and of all three), i.e. what a perfect per-query choice of retriever or of
  fusion weight at its ends would score;
- the best fixed tmm weight on the whole set (tuned on the data it is scored
  on: an upper bound for any single weight);
- a popularity prior: each candidate's citation count (carried by the data),
  ``log1p(citations)`` divided by the query's largest, added to the hybrid
  with a weight chosen by two-fold cross-validation (even / odd queries).

Writes bench-out/search_ceiling.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERRADAR_SHARED", ROOT.parent / "shared"))
WEIGHTS = [i / 20 for i in range(21)]  # semantic weight of tmm; keyword gets 1 - w
PRIOR_WEIGHTS = [i / 20 for i in range(11)]


def features(path: Path) -> list[dict]:
    """Per query: grades, per-retriever scores and citation counts of its candidates."""
    from paperradar import evaluate
    from paperradar.cli_eval import MODES, load_candidates, mode_scores, rerank_runs
    from paperradar.index import SearchEngine
    from paperradar.store import open_store

    data = evaluate.load_scirepeval_search(path)
    with tempfile.TemporaryDirectory(prefix="paperradar-ceiling-") as scratch:
        store = open_store(Path(scratch) / "eval.db")
        engine = SearchEngine(store)
        try:
            load_candidates(engine, data)
            rows = []
            for q in data:
                pks, runs = rerank_runs(engine, q.query, q.candidates)
                row = {"query": q.query, "grades": list(q.grades), "pks": pks, "runs": runs,
                       "citations": [float(c.source_fields.get("n_citations") or 0) for c in q.candidates]}
                for mode in MODES:
                    row[mode] = mode_scores(pks, runs, mode)
                rows.append(row)
        finally:
            engine.close()
            store.close()
    return rows


def weighted(row: dict, w: float, prior: float = 0.0) -> list[float]:
    """The product's tmm fusion with semantic weight ``w`` (keyword ``1 - w``), plus
    ``prior`` times the candidate's log citation count over the query's largest."""
    from paperradar.index.fusion import fuse_scores

    fused = fuse_scores("tmm", row["runs"], weights={"keyword": 1 - w, "semantic": w})
    pop = [math.log1p(c) for c in row["citations"]]
    top = max(pop) or 1.0
    return [fused.get(pk, 0.0) + prior * p / top for pk, p in zip(row["pks"], pop)]


def mean_ndcg(rows: list[dict], scores) -> float:
    from paperradar.evaluate import ndcg_from_scores

    return statistics.mean(ndcg_from_scores(scores(r), r["grades"]) for r in rows)


def measure(rows: list[dict]) -> dict:
    from paperradar.evaluate import ndcg_from_scores

    per = {mode: [ndcg_from_scores(r[mode], r["grades"]) for r in rows] for mode in ("keyword", "semantic", "hybrid")}
    out = {mode: statistics.mean(v) for mode, v in per.items()}
    out["ceiling: better of keyword and semantic per query"] = statistics.mean(
        max(a, b) for a, b in zip(per["keyword"], per["semantic"]))
    out["ceiling: best of all three per query"] = statistics.mean(
        max(a, b, c) for a, b, c in zip(per["keyword"], per["semantic"], per["hybrid"]))
    best_w = max(WEIGHTS, key=lambda w: mean_ndcg(rows, lambda r: weighted(r, w)))
    out[f"best fixed tmm weight on all queries (semantic {best_w:.2f}), tuned on the test data"] = mean_ndcg(
        rows, lambda r: weighted(r, best_w))
    out["citations alone"] = mean_ndcg(rows, lambda r: r["citations"])
    folds = [rows[0::2], rows[1::2]]
    held = []
    chosen = []
    for train, test in ((folds[0], folds[1]), (folds[1], folds[0])):
        p = max(PRIOR_WEIGHTS, key=lambda p: mean_ndcg(train, lambda r: weighted(r, 0.5, p)))
        chosen.append(p)
        held.extend(ndcg_from_scores(weighted(r, 0.5, p), r["grades"]) for r in test)
    out[f"hybrid + citation prior, weight by 2-fold CV ({chosen[0]:.2f} / {chosen[1]:.2f}), held out"] = (
        statistics.mean(held))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(SHARED / "eval" / "scirepeval" / "search_dev.jsonl"))
    ap.add_argument("--json", default=str(ROOT / "bench-out" / "search_ceiling.json"))
    args = ap.parse_args(argv)
    rows = features(Path(args.data))
    result = {"date": dt.date.today().isoformat(), "machine": platform.platform(), "queries": len(rows),
              "ndcg10": {k: round(v, 4) for k, v in measure(rows).items()}}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    best_single = max(result["ndcg10"]["keyword"], result["ndcg10"]["semantic"])
    print(f"SciRepEval search_dev, {len(rows)} queries, nDCG@10 (goal: best single + 0.03 = {best_single + 0.03:.3f})\n")
    print("| scorer | nDCG@10 | vs best single |\n|---|---|---|")
    for name, value in result["ndcg10"].items():
        print(f"| {name} | {value:.4f} | {value - best_single:+.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
