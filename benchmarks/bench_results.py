"""Precision and recall of the ``results`` enricher on hand-judged abstracts.

Data: benchmarks/data/judged_results.jsonl — real abstracts from
../shared/seeds, ../shared/fixtures/hf-daily and the arXiv snapshot head,
each with every headline claim a careful reader would extract, labelled by
hand before the extractor was written (fields: method, metric, value,
value_text, unit, dataset, baseline, baseline_value), split about half
"dev" (rules were built looking at these) and half "test" (measured only).
Split "blind2": 120 further hf-daily abstracts (seeded sample, not in dev/test),
labelled by hand before the extractor was run on any of them.
Split "blind3": 150 more (seed 20261124: 100 with metric words or a percent
sign, 50 from the rest), labelled the same way by someone who never saw the
extractor's code or output, after version 2 was frozen; claims the labeller
was unsure of carry ``"doubt": true`` and are left out of both counts (also
reported counted as ordinary claims).
Split "blind4": 150 more, the same way (seed 20261125, none in any other
split), labelled after version 3 was frozen. Split "blind5": 150 more
(seed 20261126), labelled after version 4 was frozen. Split "blind6": 150
more (seed 20261127), labelled after version 6 was frozen. Split "blind7":
150 more (seed 20261128), labelled after version 7 was frozen. Split
"blind8": 150 more (seed 20261129), labelled after version 8 was frozen.
Split "blind9": 150 more (seed 20261130), labelled after version 11 was frozen.
Split "blind10": 150 more (seed 20261201), labelled the same way, version 11.
Split "blind11": 150 more (seed 20261202), labelled after version 12 was frozen.
Split "blind12": 150 more (seed 20261203), labelled after version 13 was frozen.
Split "blind13": 150 more (seed 20261204), labelled the same way, version 13.
Split "blind14": 150 more (seed 20261205), labelled after version 14 was frozen.
Split "blind15": 150 more (seed 20261206), labelled the same way, version 14.
Split "blind16": 150 more (seed 20261207), labelled the same way, version 14.
Split "blind17": 150 more (seed 20261208), labelled after version 15 was frozen.
Split "blind18": 150 more (seed 20261209), labelled after version 16 was frozen.
Split "blind19": 150 more (seed 20261210), labelled after version 17 was frozen.
Split "blind20": 150 more (seed 20261211), labelled after version 18 was frozen.
Split "blind21": 150 more (seed 20261212), labelled after version 19 was frozen.
Split "blind22": 150 more (seed 20261213), labelled after version 20 was frozen.
Split "blind23": 150 more (seed 20261214), labelled after version 21 was frozen.
Splits "blind24" and "blind25": 150 more each (seeds 20261215, 20261216), labelled after version 22 was frozen.
Splits "blind26" and "blind27": 150 more each (seeds 20261217, 20261218), labelled after version 23 was frozen.
Splits "blind28" and "blind29": 150 more each (seeds 20261219, 20261220), labelled after version 24 was frozen.
Splits "blind30" and "blind31": 150 more each (seeds 20261221, 20261222), labelled after version 25 was frozen.
Splits "blind32" to "blind35": 150 more each (seeds 20261223 to 20261226), labelled after version 26 was frozen.

Labelling guide used: a claim is an absolute value of a metric the paper
reports for a method (its own or a named baseline's), e.g. "83.2% top-1
accuracy on ImageNet-1K". Not claims: improvements and gaps ("by 3%",
"+2.67 BLEU", "17% lower error"), speed-ups, compression and memory ratios,
shares of data or of a reference's performance ("96% of full fine-tuning"),
counts, sizes, background numbers about other work. Baseline values written
beside a claim ("outperforming DeiT (81.8%)") are the claim's baseline, not
claims of their own. "dataset" is the benchmark the sentence ties the number
to, else null.

Matching: a predicted claim matches a judged one (one to one) when the values
are equal and the datasets agree: both absent, or the same dataset key, or one
key extending the other ("imagenet" / "imagenet-1k"). For matched claims the
metric, method and baseline fields are compared loosely (case and punctuation
folded; one containing the other counts).

Run: .venv/bin/python benchmarks/bench_results.py [--split dev|test|blind2|blind3|blind4|blind5|blind6|blind7|blind8|blind9|blind10|blind11|blind12|blind13|blind14|blind15|blind16|blind17|blind18|blind19|blind20|blind21|blind22|blind23|blind24|blind25|blind26|blind27|blind28|blind29|blind30|blind31|blind32|blind33|blind34|blind35|all] [--errors]
Writes bench-out/results.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from datetime import date
from pathlib import Path

from paperradar.enrich.results import ResultsEnricher
from paperradar.enrich.results_datasets import dataset_key
from paperradar.models import Paper

ROOT = Path(__file__).resolve().parents[1]
JUDGED = ROOT / "benchmarks" / "data" / "judged_results.jsonl"
OUT = ROOT / "bench-out" / "results.json"
_SYNONYMS = {"em": "exactmatch", "solvingrate": "solverate", "wr": "winrate", "auc": "auroc"}


def _fold(text) -> str:
    text = re.sub(r"[^a-z0-9@]", "", str(text or "").lower())
    return _SYNONYMS.get(text, text)


def loose_equal(a, b) -> bool:
    """Field agreement: both empty, or one folded string containing the other."""
    fa, fb = _fold(a), _fold(b)
    if not fa or not fb:
        return fa == fb
    return fa in fb or fb in fa


def datasets_agree(a: str | None, b: str | None) -> bool:
    ka, kb = dataset_key(a) if a else "", dataset_key(b) if b else ""
    if not ka or not kb:
        return ka == kb
    return ka == kb or ka.startswith(kb + "-") or kb.startswith(ka + "-")


def match(predicted: list[dict], judged: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one pairs (predicted, judged) with equal values and agreeing datasets."""
    pairs, used = [], set()
    for p in predicted:
        for j, g in enumerate(judged):
            if j not in used and abs(p["value"] - g["value"]) < 1e-9 and datasets_agree(p["dataset"], g["dataset"]):
                used.add(j)
                pairs.append((p, g))
                break
    return pairs


def evaluate(rows: list[dict], doubtful: str = "ignore") -> dict:
    """Precision and recall over ``rows``. Claims the labeller marked ``doubt``
    are left out of both counts (``doubtful="ignore"``: a prediction matching
    one is neither right nor wrong) or counted as ordinary claims ("count")."""
    enricher = ResultsEnricher()
    n_pred = n_gold = 0
    fields = {"metric": 0, "method": 0, "baseline": 0, "baseline_value": 0}
    pairs_all, errors = [], []
    started = time.perf_counter()
    for row in rows:
        found = enricher.enrich_one(Paper(title=row["title"], abstract=row["abstract"]))
        predicted = found.data["claims"] if found else []
        sure = [c for c in row["claims"] if doubtful == "count" or not c.get("doubt")]
        pairs = match(predicted, sure)
        if len(sure) < len(row["claims"]):
            unsure = [c for c in row["claims"] if c.get("doubt")]
            paired = [id(p) for p, _ in pairs]
            neither = match([p for p in predicted if id(p) not in paired], unsure)
            predicted = [p for p in predicted if id(p) not in {id(q) for q, _ in neither}]
        n_pred += len(predicted)
        n_gold += len(sure)
        pairs_all += pairs
        for p, g in pairs:
            fields["metric"] += loose_equal(p["metric"], g["metric"])
            fields["method"] += loose_equal(p["method"], g["method"])
            fields["baseline"] += loose_equal(p["baseline"], g["baseline"])
            fields["baseline_value"] += p["baseline_value"] == g["baseline_value"]
        matched_p = [id(p) for p, _ in pairs]
        matched_g = [id(g) for _, g in pairs]
        for p in predicted:
            if id(p) not in matched_p:
                errors.append({"id": row["id"], "kind": "false positive", "claim": _short(p)})
        for g in sure:
            if id(g) not in matched_g:
                errors.append({"id": row["id"], "kind": "missed", "claim": _short(g)})
    seconds = time.perf_counter() - started
    tp = len(pairs_all)
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_gold if n_gold else 1.0
    return {
        "abstracts": len(rows), "abstracts_with_claims": sum(1 for r in rows if r["claims"]),
        "judged_claims": n_gold, "predicted_claims": n_pred, "matched": tp,
        "precision": round(precision, 3), "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
        "field_accuracy": {k: round(v / tp, 3) if tp else None for k, v in fields.items()},
        "seconds": round(seconds, 3), "errors": errors,
    }


def _short(c: dict) -> dict:
    return {k: c.get(k) for k in ("method", "metric", "value", "unit", "dataset", "baseline", "baseline_value")}


def markdown(results: dict) -> str:
    lines = ["| split | abstracts | judged claims | predicted | matched | precision | recall | F1 "
             "| metric acc. | method acc. | baseline acc. |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for split, r in results.items():
        f = r["field_accuracy"]
        lines.append(f"| {split} | {r['abstracts']} ({r['abstracts_with_claims']} with claims) | {r['judged_claims']} "
                     f"| {r['predicted_claims']} | {r['matched']} | {r['precision']:.3f} | {r['recall']:.3f} "
                     f"| {r['f1']:.3f} | {f['metric']} | {f['method']} | {f['baseline']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="all",
                        choices=["dev", "test", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9", "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16", "blind17", "blind18", "blind19", "blind20", "blind21", "blind22", "blind23", "blind24", "blind25", "blind26", "blind27", "blind28", "blind29", "blind30", "blind31", "blind32", "blind33", "blind34", "blind35", "all"])
    parser.add_argument("--errors", action="store_true", help="Print the false positives and misses.")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in JUDGED.read_text(encoding="utf-8").splitlines() if line.strip()]
    splits = ["dev", "test", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9", "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16", "blind17", "blind18", "blind19", "blind20", "blind21", "blind22", "blind23", "blind24", "blind25", "blind26", "blind27", "blind28", "blind29", "blind30", "blind31", "blind32", "blind33", "blind34", "blind35"] if args.split == "all" else [args.split]
    results = {s: evaluate([r for r in rows if r["split"] == s]) for s in splits}
    for split in ("blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9", "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16", "blind17", "blind18", "blind19", "blind20", "blind21", "blind22", "blind23", "blind24", "blind25", "blind26", "blind27", "blind28", "blind29", "blind30", "blind31", "blind32", "blind33", "blind34", "blind35"):  # the splits with claims marked doubt
        if split in splits:
            results[f"{split}, doubtful counted"] = evaluate([r for r in rows if r["split"] == split], "count")
    if args.split == "all":
        results["all"] = evaluate(rows)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"date": date.today().isoformat(), "machine": platform.platform(),
                               "python": sys.version.split()[0], "results": results}, indent=1), encoding="utf-8")
    print(markdown(results))
    if args.errors:
        for split in splits:
            for e in results[split]["errors"]:
                print(f"{split} {e['kind']:15} {e['id']}: {e['claim']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
