"""For-you recommendations: quality against arxiv-sanity's method, and speed.

    .venv/bin/python benchmarks/bench_foryou.py [--output bench-out/foryou.json] [--no-speed]

Quality, on real data, every method measured in the same run on the same splits:

- SciRepEval citation triplets (shared/eval/scirepeval/citation_triplets_dev.json, 100):
  the query paper is a one-paper library; a method wins a triplet when it ranks the
  cited paper above the uncited one. Unrated papers: the 299 other papers.
- Category readers (shared/data/arxiv-listing-2023-09-21.csv, 551 real arXiv papers
  with their subjects): a reader likes N papers of one primary category (N = 5, 10);
  the other papers of that category are held out. AUC = how often a held-out liked
  paper ranks above a paper outside the category (1.0 perfect, 0.5 random), over
  10 random splits per reader and size.

Methods: paperradar's for-you model (rank/foryou_model.py; relevance parts alone and
together, and with the default novelty blend), and arxiv-sanity-lite's method: TF-IDF
(its compute.py settings: uni+bigrams, English stopwords, sublinear tf, max_df 0.5; min_df
2 for these small corpora instead of 5) and a LinearSVC (class_weight balanced, C=0.01,
tol 1e-6) trained with the liked papers as positives and every other paper as a negative,
as its serve.py does. C in {0.1, 1} is reported too, so the baseline is not held to one
setting. scikit-learn is used here only, never in paperradar.

Speed: a store of real HF Daily papers with their vectors already stored (as after
`paperradar index`): ``recommend()`` for a 100-paper library over 1,000 candidate
papers, limit 20, reasons included; cold (first call in the process) and warm; and
``topics()`` over the same 1,000 papers. On a machine whose cores are busy with other
work, OpenBLAS's own threads slow the small matrix products down several times: run
with OPENBLAS_NUM_THREADS=1 there (the report records the setting and the load).

Writes JSON (default bench-out/foryou.json) and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from paperradar.evaluate import load_citation_triplets
from paperradar.index.embed import default_embedder, paper_text
from paperradar.models import Paper
from paperradar.rank.foryou_model import (
    DEFAULT_NOVELTY_WEIGHT,
    ReaderModel,
    TrainingSet,
)
from paperradar.sources import Input, read_input

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERRADAR_SHARED", ROOT.parent / "shared"))
OUT = ROOT / "bench-out"
READERS = ("cs.CV", "cs.LG", "cs.CL", "cs.RO", "math.OC", "hep-th")
TRAIN_SIZES = (5, 10)
SPLITS = 10


# -- embeddings (cached by text, so re-runs are quick) ---------------------------------

def embed_texts(texts: list[str], cache_path: Path) -> np.ndarray:
    cache: dict[str, np.ndarray] = {}
    if cache_path.exists():
        with np.load(cache_path) as data:
            cache = dict(zip(data["keys"].tolist(), data["vectors"]))
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    todo = [i for i, k in enumerate(keys) if k not in cache]
    if todo:
        print(f"embedding {len(todo)} texts ...", file=sys.stderr)
        vectors = default_embedder().embed([texts[i] for i in todo])
        cache.update({keys[i]: v for i, v in zip(todo, vectors)})
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_path, keys=np.array(list(cache)), vectors=np.stack(list(cache.values())))
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def text_of(paper: Paper) -> str:
    return paper_text(paper.title, paper.abstract)


# -- the methods: each returns scores for all rows given positives (indices) -------------

def tfidf_matrix(texts: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    v = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace",
                        strip_accents="unicode", lowercase=True, analyzer="word",
                        stop_words="english", token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
                        ngram_range=(1, 2), max_features=20000, norm="l2", use_idf=True,
                        smooth_idf=True, sublinear_tf=True, max_df=0.5, min_df=2)
    return v.fit_transform(texts)


def svm_scores(x, positives: list[int], c: float) -> np.ndarray:
    from sklearn import svm

    y = np.zeros(x.shape[0])
    y[positives] = 1
    clf = svm.LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=c)
    clf.fit(x, y)
    return clf.decision_function(x)


def ours_scores(vectors: np.ndarray, positives: list[int], part: str = "both",
                novelty_weight: float = 0.0) -> np.ndarray:
    mask = np.ones(len(vectors), dtype=bool)
    mask[positives] = False
    data = TrainingSet(vectors[positives], np.zeros((0, vectors.shape[1]), np.float32), vectors[mask])
    return ReaderModel(data, part=part).scores(vectors, novelty_weight).score


def methods(vectors: np.ndarray, tfidf) -> dict:
    out = {
        "paperradar (classifier + neighbours, novelty 0)": lambda p: ours_scores(vectors, p),
        f"paperradar default (novelty {DEFAULT_NOVELTY_WEIGHT})":
            lambda p: ours_scores(vectors, p, novelty_weight=DEFAULT_NOVELTY_WEIGHT),
        "paperradar classifier only": lambda p: ours_scores(vectors, p, "classifier"),
        "paperradar neighbours only": lambda p: ours_scores(vectors, p, "neighbours"),
        "embeddings + LinearSVC C=0.01 (ablation)": lambda p: svm_scores(vectors, p, 0.01),
    }
    for c in (0.01, 0.1, 1.0):
        label = f"TF-IDF + LinearSVC C={c:g}" + (" (arxiv-sanity)" if c == 0.01 else "")
        out[label] = lambda p, c=c: svm_scores(tfidf, p, c)
    return out


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties half."""
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


# -- the tasks -----------------------------------------------------------------------------

def triplet_task(cache: Path) -> dict:
    triplets = load_citation_triplets(SHARED / "eval/scirepeval/citation_triplets_dev.json")
    papers = [p for t in triplets for p in (t.query, t.positive, t.negative)]
    texts = [text_of(p) for p in papers]
    vectors, tfidf = embed_texts(texts, cache), tfidf_matrix(texts)
    results = {}
    for name, scorer in methods(vectors, tfidf).items():
        wins = 0
        for i in range(len(triplets)):
            s = scorer([3 * i])
            wins += s[3 * i + 1] > s[3 * i + 2]
        results[name] = wins / len(triplets)
    return {"triplets": len(triplets), "accuracy": results}


def category_papers() -> list[Paper]:
    path = SHARED / "data/arxiv-listing-2023-09-21.csv"
    return [p for p in read_input(Input.from_path(path)) if isinstance(p, Paper) and p.categories]


def category_task(cache: Path) -> dict:
    papers = category_papers()
    texts = [text_of(p) for p in papers]
    vectors, tfidf = embed_texts(texts, cache), tfidf_matrix(texts)
    scorers = methods(vectors, tfidf)
    rows: dict[str, dict[str, list[float]]] = {name: {} for name in scorers}
    for reader in READERS:
        members = [i for i, p in enumerate(papers) if p.categories[0] == reader]
        outside = np.array([i for i, p in enumerate(papers) if reader not in p.categories])
        for size in TRAIN_SIZES:
            if len(members) < size + 5:
                continue
            for split in range(SPLITS):
                rng = np.random.default_rng(split)
                liked = sorted(rng.choice(members, size=size, replace=False).tolist())
                held = np.array([i for i in members if i not in liked])
                for name, scorer in scorers.items():
                    s = scorer(liked)
                    rows[name].setdefault(f"{reader} n={size}", []).append(auc(s[held], s[outside]))
    per_reader = {name: {k: float(np.mean(v)) for k, v in r.items()} for name, r in rows.items()}
    mean = {name: float(np.mean(list(r.values()))) for name, r in per_reader.items()}
    return {"papers": len(papers), "readers": list(READERS), "train_sizes": list(TRAIN_SIZES),
            "splits": SPLITS, "mean_auc": mean, "auc_per_reader": per_reader}


# -- speed ---------------------------------------------------------------------------------

SPEED_PAPERS = 3200  # 100 library + 1,000 candidates + the rest for the background sample


def speed_store(cache: Path):
    """A store of real HF Daily papers (newest days first) with their vectors stored."""
    from paperradar.index import SearchEngine
    from paperradar.pipeline import ingest
    from paperradar.store import open_store
    from paperradar.store.dedupe import content_hash

    path = OUT / "foryou-speed.db"
    for old in OUT.glob("foryou-speed.db*"):
        if old.is_file():
            old.unlink()
        else:
            import shutil

            shutil.rmtree(old)
    store = open_store(path)
    for day in sorted((SHARED / "fixtures/hf-daily").glob("*.json"), reverse=True):
        ingest(store, [str(day)])
        if store.count() >= SPEED_PAPERS:
            break
    papers = list(store.papers())
    vectors = embed_texts([text_of(p) for p in papers], cache)
    model = default_embedder().name
    store.save_embeddings(model, [(content_hash(p), v.tobytes()) for p, v in zip(papers, vectors)])
    SearchEngine(store).sync_vectors()  # as after `paperradar index`
    return store, papers


def speed_task(cache: Path) -> dict:
    from paperradar.index import SearchEngine
    from paperradar.rank.foryou import recommend
    from paperradar.rank.topics import topics

    store, papers = speed_store(cache)
    newest = papers[:1000]  # papers() is newest first
    rng = np.random.default_rng(0)
    library = rng.choice(len(papers) - 1000, size=100, replace=False) + 1000
    reader = store.reader("bench")
    for i in library:
        store.rate(reader.id, store.pk_of(papers[i].id), 1)
    candidates = [store.pk_of(p.id) for p in newest]
    timings = {}
    t = time.perf_counter()
    recs = recommend(store, reader, papers=candidates, limit=20)
    timings["cold_s (first call: loads the model and the vector index)"] = time.perf_counter() - t
    t = time.perf_counter()
    recommend(store, reader, papers=candidates, limit=20)
    timings["fresh_engine_s (new SearchEngine, model already loaded)"] = time.perf_counter() - t
    engine = SearchEngine(store)
    recommend(store, reader, papers=candidates, limit=20, engine=engine)
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        recommend(store, reader, papers=candidates, limit=20, engine=engine)
        runs.append(time.perf_counter() - t)
    timings["warm_s (engine reused, median of 5)"] = float(np.median(runs))
    since, until = min(p.date[:10] for p in newest), max(p.date[:10] for p in newest)
    t = time.perf_counter()
    found = topics(store, since, until, engine=engine, save=False)
    timings[f"topics_s ({len(found.points)} papers, {len(found.topics)} topics)"] = time.perf_counter() - t
    store.close()
    return {"store_papers": len(papers), "library": 100, "candidates": len(candidates), "limit": 20,
            "timings": timings, "top_reasons": recs[0].reasons if recs else []}


def markdown_speed(speed: dict) -> str:
    lines = [(f"Store of {speed['store_papers']} real HF Daily papers (vectors stored), "
              f"{speed['library']}-paper library, {speed['candidates']} candidates, top {speed['limit']}:"),
             "", "| step | seconds |", "|---|---:|"]
    lines += [f"| {name} | {value:.3f} |" for name, value in speed["timings"].items()]
    return "\n".join(lines)


def markdown_quality(tri: dict, cat: dict) -> str:
    lines = ["| method | citation triplets: accuracy | category readers: mean AUC |",
             "|---|---:|---:|"]
    for name in tri["accuracy"]:
        lines.append(f"| {name} | {tri['accuracy'][name]:.3f} | {cat['mean_auc'][name]:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(OUT / "foryou.json"), help="JSON report (a .md beside it).")
    parser.add_argument("--no-speed", action="store_true", help="Skip the speed part.")
    parser.add_argument("--no-quality", action="store_true", help="Skip the quality part.")
    args = parser.parse_args()
    cache = OUT / "foryou-vectors.npz"
    report = {"date": datetime.date.today().isoformat(), "machine": platform.platform(),
              "cpus": os.cpu_count(), "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
              "load_average_at_start": os.getloadavg()}
    parts = []
    if not args.no_quality:
        report["triplets"], report["category_readers"] = triplet_task(cache), category_task(cache)
        parts.append(markdown_quality(report["triplets"], report["category_readers"]))
    if not args.no_speed:
        report["speed"] = speed_task(cache)
        parts.append(markdown_speed(report["speed"]))
    markdown = "\n\n".join(parts)
    print(markdown)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    output.with_suffix(".md").write_text(markdown + "\n")


if __name__ == "__main__":
    main()
