"""``paperradar eval search FILE``: search quality through the product's own retrievers.

FILE is recognised by its content:

* judged queries (``{"query": [[substring, grade], ...]}``) over papers in the
  store, or in the files given with ``--corpus`` (loaded into a scratch store);
* SciRepEval ``search`` JSON lines: rerank each query's 10 candidates;
* SciRepEval citation triplets: is the cited paper closer than the uncited one?
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from . import evaluate
from .cli_common import domain_errors, emit_json, json_option, store_from
from .errors import InputError
from .index import SearchEngine
from .index.fusion import fuse_default
from .models import Paper
from .pipeline import ingest
from .store import open_store
from .store.dedupe import paper_text

MODES = ("keyword", "semantic", "hybrid")


def file_kind(path: Path) -> str:
    head = path.read_text(encoding="utf-8", errors="replace")[:4096].lstrip()
    if head.startswith("{") and '"candidates"' in head:
        return "rerank"
    if head.startswith("[") and '"pos"' in head and '"neg"' in head:
        return "triplets"
    if head.startswith("{"):
        return "qrels"
    raise InputError(str(path), "not a judged-query file, SciRepEval search JSON lines, or "
                                "citation triplets")


def eval_qrels(engine: SearchEngine, path: Path) -> dict:
    judged = evaluate.load_dev_qrels(path)
    engine.sync()
    corpus = list(engine.store.papers())

    def search(query: str, mode: str, limit: int) -> list[Paper]:
        return [hit.paper for hit in engine.search(query, mode=mode, limit=limit)]

    metrics = evaluate.evaluate_qrels(search, judged, MODES, corpus=corpus)
    return {mode: {"ndcg@10": round(m.ndcg10, 4), "recall@20": round(m.recall20, 4),
                   "queries": {q: {"ndcg@10": round(s.ndcg10, 4), "recall@20": round(s.recall20, 4)}
                               for q, s in m.per_query.items()}}
            for mode, m in metrics.items()}


def load_candidates(engine: SearchEngine, data: list[evaluate.RerankQuery]) -> None:
    """Store every query's candidates (once each) and index them."""
    records, keys = [], set()
    for q in data:
        for cand in q.candidates:
            key = f"s2-{cand.source_id or len(keys)}"
            if key not in keys:
                keys.add(key)
                cand.id = key
                cand.source = cand.source or "scirepeval"
                records.append(cand)
    engine.store.ingest_batch(records)
    engine.sync()


def rerank_runs(engine: SearchEngine, query: str, candidates) -> tuple[list[int], dict]:
    """The candidates' pks and each retriever's run over them (best first)."""
    pks = [engine.store.pk_of(c.id) for c in candidates]
    keyword = {h.pk: h.score for h in engine.keyword.search(query, limit=engine.store.count())}
    qv = engine.embedder.embed_query(query)
    semantic = {pk: sim for pk, (sim, _) in engine.semantic_scores(qv, pks).items()}
    runs = {
        "keyword": sorted(((pk, keyword[pk]) for pk in pks if pk in keyword), key=lambda kv: -kv[1]),
        "semantic": sorted(((pk, semantic[pk]) for pk in pks), key=lambda kv: -kv[1]),
    }
    return pks, runs


def mode_scores(pks: list[int], runs: dict, mode: str) -> list[float]:
    """One score per candidate under ``mode`` (-inf where the retriever missed it)."""
    fused = {h.key: h.score for h in fuse_default(runs)} if mode == "hybrid" else dict(runs[mode])
    return [fused.get(pk, float("-inf")) for pk in pks]


def eval_rerank(engine: SearchEngine, path: Path) -> dict:
    data = evaluate.load_scirepeval_search(path)
    load_candidates(engine, data)

    def scorer(mode: str):
        def score(query: str, candidates: list[Paper]) -> list[float]:
            return mode_scores(*rerank_runs(engine, query, candidates), mode)
        return score

    ndcg = evaluate.evaluate_rerank({mode: scorer(mode) for mode in MODES}, data)
    return {mode: {"ndcg@10": round(value, 4)} for mode, value in ndcg.items()}


def eval_triplets(engine: SearchEngine, path: Path) -> dict:
    triplets = evaluate.load_citation_triplets(path)
    cache: dict[str, object] = {}

    def vector(paper: Paper):
        text = paper_text(paper.title, paper.abstract)
        if text not in cache:
            cache[text] = engine.embedder.embed([text])[0]
        return cache[text]

    acc = evaluate.citation_accuracy(lambda a, b: float(vector(a) @ vector(b)), triplets)
    return {"semantic": {"accuracy": round(acc.accuracy, 4), "correct": acc.correct,
                         "ties": acc.ties, "triplets": acc.total}}


@click.group("eval")
def eval_group():
    """Measure paperradar's quality on judged data."""


@eval_group.command("search")
@click.argument("qrels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("corpus", nargs=-1)
@json_option
@click.pass_context
@domain_errors
def eval_search_command(ctx, qrels, corpus, as_json):
    """nDCG@10 and recall@20 per mode (keyword, semantic, hybrid).

    Judged queries are run over the CORPUS files if given (loaded into a
    scratch store), else over the store. QRELS is a judged-query JSON file, SciRepEval search JSON lines (each
    query's candidates are reranked), or SciRepEval citation triplets
    (accuracy of the embedding model).
    """
    kind = file_kind(qrels)
    with tempfile.TemporaryDirectory(prefix="paperradar-eval-") as scratch:
        if kind == "qrels" and not corpus:
            store = store_from(ctx)
        else:
            store = open_store(Path(scratch) / "eval.db")
            if corpus:
                ingest(store, list(corpus))
        engine = SearchEngine(store)
        try:
            result = {"qrels": eval_qrels, "rerank": eval_rerank,
                      "triplets": eval_triplets}[kind](engine, qrels)
        finally:
            engine.close()
            if kind != "qrels" or corpus:
                store.close()
    if as_json:
        emit_json({"file": str(qrels), "kind": kind, "results": result})
        return
    click.echo(f"{qrels} ({kind})")
    for mode, values in result.items():
        shown = ", ".join(f"{k} {v}" for k, v in values.items() if k != "queries")
        click.echo(f"  {mode:9s} {shown}")

