"""Category prediction accuracy on real papers whose arXiv category is known.

    python benchmarks/bench_category.py                 # held-out 20% + 5-fold CV
    python benchmarks/bench_category.py --folds 0       # held-out split only

Labelled data (all offline, ../shared): the arXiv listing CSV of 2023-09-21
(one day, all fields), the 100-entry arXiv API answer, the first 200 lines of
the arXiv metadata snapshot, the OAI ListRecords answers and the seeds' tagged
digest. They are ingested through paperradar's own sources into a temporary
store and embedded with the default embedder (the vectors the enricher uses).

Label = primary category. The probe is trained exactly as the ``category``
enricher trains it (rare classes folded into their archive on the *training*
part only, temperature fitted on a split of the training part) and scored on
a stratified held-out 20% (fixed seed):

- top-1 exact: the top class is the true primary category;
- top-1 / top-3 as learnt: against the class the probe can know (``math.CT`` ->
  ``math``); a held-out paper whose class the training part lacks counts wrong;
- the same on papers whose primary category is cs.*;
- zero-shot (class descriptions) on the same held-out papers, against the
  description label a category counts as;
- the majority class of the training part, as a baseline.

Writes bench-out/category.json and prints a Markdown table with machine and date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERRADAR_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))

from paperradar.enrich.category import CONFIDENT, labelled_papers, zero_shot_classifier
from paperradar.enrich.category_labels import zero_shot_label
from paperradar.enrich.category_probe import (
    class_map,
    stratified_folds,
    stratified_split,
    train_probe,
)
from paperradar.index.engine import SearchEngine
from paperradar.pipeline import ingest
from paperradar.store import open_store


def inputs() -> list[str]:
    fixtures = SHARED / "fixtures"
    return [str(SHARED / "data" / "arxiv-listing-2023-09-21.csv"), str(fixtures / "api_query_100.xml"),
            str(fixtures / "arxiv-snapshot-head200.jsonl"),
            *sorted(str(p) for p in fixtures.glob("oai_*listrecords*.xml")),
            *sorted(str(p) for p in (SHARED / "seeds").glob("*.txt"))]


def labelled_vectors(store) -> tuple[np.ndarray, list[str], float]:
    """(vectors, primary categories) of the store's labelled papers; embedding seconds."""
    engine = SearchEngine(store)
    start = time.perf_counter()
    engine.embed_missing()
    seconds = time.perf_counter() - start
    labels, _ = labelled_papers(store)
    vectors, names, seen = [], [], set()
    for pk, chash, _, blob in store.embeddings(engine.embedder.name):
        if pk in labels and chash not in seen:
            seen.add(chash)
            vectors.append(np.frombuffer(blob, np.float32))
            names.append(labels[pk])
    return np.vstack(vectors), names, seconds


def _is_cs(category: str) -> bool:
    return category.startswith("cs.")


def score(ranked: list[list[str]], truth: list[str | None], primaries: list[str]) -> dict:
    """Top-1 exact / as learnt and top-3 as learnt, overall, on cs.* papers, and
    on cs.* papers of a class the classifier can name exactly (``cs_known``)."""
    def rate(hits: list[bool]) -> float | None:
        return round(float(np.mean(hits)), 4) if hits else None

    out = {}
    for scope in ("all", "cs", "cs_known"):
        rows = [(r, t, p) for r, t, p in zip(ranked, truth, primaries)
                if scope == "all" or (_is_cs(p) and (scope == "cs" or t == p))]
        out[scope] = {
            "n": len(rows),
            "top1_exact": rate([r[0] == p for r, _, p in rows]),
            "top1": rate([r[0] == t for r, t, _ in rows]),
            "top3": rate([t in r[:3] for r, t, _ in rows]),
        }
    return out


def evaluate_probe(vectors, names, train, test, fraction: float = 1.0, seed: int = 13) -> dict:
    """Train as the enricher does on ``train`` (optionally a stratified fraction) and score on ``test``."""
    if fraction < 1.0:
        keep, _ = stratified_split([names[i] for i in train], 1.0 - fraction, seed)
        train = train[keep]
    mapping = class_map([names[i] for i in train])
    used = [i for i in train if names[i] in mapping]
    start = time.perf_counter()
    probe = train_probe(vectors[used], [mapping[names[i]] for i in used])
    seconds = time.perf_counter() - start
    probs = probe.probabilities(vectors[test])
    order = np.argsort(-probs, axis=1)[:, :3]
    ranked = [[probe.classes[j] for j in row] for row in order]
    truth = [mapping.get(names[i]) for i in test]
    result = score(ranked, truth, [names[i] for i in test])
    confident = probs.max(axis=1) >= CONFIDENT
    right = np.array([r[0] == t for r, t in zip(ranked, truth)])
    result.update(train=len(used), classes=len(probe.classes), temperature=round(probe.temperature, 3),
                  train_seconds=round(seconds, 2),
                  confident_share=round(float(confident.mean()), 4),
                  confident_precision=round(float(right[confident].mean()), 4) if confident.any() else None,
                  per_class_cs={c: [int(sum(1 for i, r in zip(test, ranked) if names[i] == c and r[0] == c)),
                                    int(sum(1 for i in test if names[i] == c))]
                                for c in sorted({names[i] for i in test if _is_cs(names[i])})})
    return result


def evaluate_zero_shot(store, vectors, names, test) -> dict:
    from paperradar.index.embed import default_embedder

    classifier = zero_shot_classifier(store, default_embedder())
    tops = classifier.top(vectors[test])
    ranked = [[p["category"] for p in top] for top in tops]
    return score(ranked, [zero_shot_label(names[i]) for i in test], [names[i] for i in test])


def majority(names, train, test) -> dict:
    mapping = class_map([names[i] for i in train])
    common = Counter(mapping[names[i]] for i in train if names[i] in mapping).most_common(3)
    ranked = [[c for c, _ in common]] * len(test)
    result = score(ranked, [mapping.get(names[i]) for i in test], [names[i] for i in test])
    cs_common = Counter(names[i] for i in train if _is_cs(names[i])).most_common(1)[0][0]
    result["cs"]["top1_majority_cs_class"] = round(float(np.mean(
        [names[i] == cs_common for i in test if _is_cs(names[i])])), 4)
    result["class"] = common[0][0]
    return result


def cross_validate(vectors, names, k: int) -> dict:
    folds = stratified_folds(names, k)
    runs = []
    for fold in folds:
        train = np.setdiff1d(np.arange(len(names)), fold)
        runs.append(evaluate_probe(vectors, names, train, fold))
    mean = {scope: {m: round(float(np.mean([r[scope][m] for r in runs])), 4)
                    for m in ("top1_exact", "top1", "top3")} for scope in ("all", "cs", "cs_known")}
    for scope in ("all", "cs", "cs_known"):
        mean[scope]["n"] = sum(r[scope]["n"] for r in runs)
    mean["folds"] = k
    return mean


def markdown(report: dict) -> str:
    h, p, z, b = report["held_out"], report["probe"], report["zero_shot"], report["majority"]
    title = (f"Category prediction, {report['date']}, {report['machine']}; {report['labelled']} labelled "
             f"papers, train {p['train']} / held-out {h['test']} (cs.*: {p['cs']['n']}), "
             f"{p['classes']} classes")
    header = ("| method | top-1 exact | top-1 | top-3 | cs.* top-1 exact | cs.* top-1 | cs.* top-3 "
              "| cs.* known-class top-1 (n) |")
    lines = [title, "", header, "|---|---|---|---|---|---|---|---|"]
    rows = [("linear probe (held-out 20%)", p), ("zero-shot (class descriptions)", z),
            (f"majority class ({b['class']})", b)]
    if report.get("cv"):
        rows.insert(1, (f"linear probe ({report['cv']['folds']}-fold CV mean)", report["cv"]))
    for name, r in rows:
        lines.append(f"| {name} | {r['all']['top1_exact']} | {r['all']['top1']} | {r['all']['top3']} | "
                     f"{r['cs']['top1_exact']} | {r['cs']['top1']} | {r['cs']['top3']} | {r['cs_known']['top1']} "
                     f"({r['cs_known'].get('n', '')}) |")
    confidence = (f"Probe confidence >= {CONFIDENT}: {p['confident_share']:.0%} of held-out papers, "
                  f"{p['confident_precision']} of them right; temperature {p['temperature']}.")
    lines += ["", confidence,
              "Learning curve (cs.* top-1 exact by share of the training part): "
              + ", ".join(f"{k}: {v}" for k, v in report["learning_curve"].items()),
              "Per cs class (right/held-out): "
              + ", ".join(f"{c} {a}/{n}" for c, (a, n) in p["per_class_cs"].items())]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
    parser.add_argument("--out", default=str(ROOT / "bench-out" / "category.json"))
    parser.add_argument("--store", help="keep the ingested, embedded store here (reused when it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.store) if args.store else Path(tmp) / "bench.db"
        fresh = not path.exists()
        store = open_store(str(path))
        if fresh:
            ingest(store, inputs())
        vectors, names, embed_seconds = labelled_vectors(store)
        train, test = stratified_split(names, 0.2)
        report = {
            "date": dt.date.today().isoformat(),
            "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores, "
                       f"{platform.system()} {platform.release()}".replace("  ", " "),
            "papers": store.count(), "labelled": len(names), "embed_seconds": round(embed_seconds, 1),
            "held_out": {"train": len(train), "test": len(test)},
            "probe": evaluate_probe(vectors, names, train, test),
            "zero_shot": evaluate_zero_shot(store, vectors, names, test),
            "majority": majority(names, train, test),
            "learning_curve": {f"{f:.0%}": evaluate_probe(vectors, names, train, test, f)["cs"]["top1_exact"]
                               for f in (0.25, 0.5, 1.0)},
        }
        if args.folds:
            report["cv"] = cross_validate(vectors, names, args.folds)
        store.close()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(markdown(report))


if __name__ == "__main__":
    main()
