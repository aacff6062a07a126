"""``paperradar enrich --engine ray``: the driver side (see the package docstring).

Enrichers are taken in run order. Each is prepared on the driver; those that
can run without the store form a *stage*, one Ray Data job over the union of
their to-do lists (a paper travels once, with a bit mask of the enrichers it
needs). An enricher that needs the store flushes the pending stage, then runs
on the driver with the local runner's code, so it sees everything before it.
Consequence: ``prepare`` of an enricher in a stage runs before the earlier
enrichers of the same stage have stored this run's output (no built-in
enricher's ``prepare`` reads other enrichers' output).
"""

from __future__ import annotations

import logging
import pickle
import time
from dataclasses import dataclass

from ..enrich.base import EnrichContext, Enricher
from ..enrich.registry import select
from ..enrich.runner import BATCH, EnricherReport, EnrichSummary, Progress, _enrich_chunk, load_pairs
from ..errors import PaperradarError
from .enrich_worker import BatchOutcome, DetachedStore, EnrichActor, StoreNeeded
from .session import arrow_blocks, cluster_shape, job_errors, ray_session

log = logging.getLogger(__name__)

#: Papers loaded on the driver and handed to Ray per job (bounds driver and object-store memory).
WINDOW = 100_000
#: Papers a driver-side probe runs an enricher on, to see whether it touches the store.
PROBE = 8
#: Enrichers whose ``prepare`` embeds what is missing with the default embedder:
#: the Ray engine does that embedding as a Ray job first.
NEEDS_VECTORS = ("category",)
#: Enrichers per Ray job (a paper's to-do list travels as the bits of an int64).
MAX_STAGE = 62


@dataclass
class _Plan:
    name: str
    enricher: Enricher
    version: str
    todo: list[tuple[int, str]]
    report: EnricherReport
    shipped: bytes | None = None


def run_enrichers_ray(store, only=None, *, redo: bool = False, settings: dict | None = None,
                      progress: Progress | None = None, batch: int = BATCH, pks: list[int] | None = None,
                      address: str | None = None, window: int = WINDOW) -> EnrichSummary:
    """``run_enrichers`` with the work done by Ray actors (a local Ray, or the
    cluster at ``address``); same arguments, same stored results, same summary."""
    ctx = EnrichContext(store=store, settings=dict(settings or {}))
    summary = EnrichSummary()
    selected = select(only)
    with ray_session(address) as ray:
        if any(name in selected for name in NEEDS_VECTORS):
            from .embed_job import embed_missing_ray

            try:
                embed_missing_ray(store)
            except PaperradarError as exc:  # the enricher's prepare will say why it skips
                log.warning("embedding before category failed: %s", exc)
        stage: list[_Plan] = []
        for name, enricher in selected.items():
            plan = _prepare(store, name, enricher, ctx, redo, pks)
            summary.reports.append(plan.report)
            if not plan.todo:
                continue
            plan.shipped = _shippable(store, plan, ctx.settings)
            if plan.shipped is not None:
                stage.append(plan)
                if len(stage) == MAX_STAGE:
                    _run_stage(ray, store, stage, ctx, batch, window, progress)
                    stage = []
                continue
            _run_stage(ray, store, stage, ctx, batch, window, progress)
            stage = []
            log.info("enricher %s runs on the driver (it needs the store)", name)
            _run_on_driver(store, plan, plan.todo, ctx, batch, progress)
        _run_stage(ray, store, stage, ctx, batch, window, progress)
    summary.notices = list(dict.fromkeys(ctx.notices))
    return summary


def _prepare(store, name: str, enricher: Enricher, ctx: EnrichContext, redo: bool,
             pks: list[int] | None) -> _Plan:
    """Prepare one enricher on the driver and list its to-do (as the local runner does)."""
    report = EnricherReport(name)
    plan = _Plan(name, enricher, enricher.version, [], report)
    try:
        reason = enricher.prepare(ctx)
    except PaperradarError as exc:
        reason = str(exc)
    if reason:
        report.skipped = reason
        return plan
    plan.version = enricher.version
    plan.todo = store.enrichment_todo(name, ("redo-" + plan.version) if redo else plan.version, pks=pks)
    report.up_to_date = not plan.todo
    return plan


def _shippable(store, plan: _Plan, settings: dict) -> bytes | None:
    """The prepared enricher pickled for the workers, or None when it must stay
    on the driver: it cannot be pickled, or it touches the store on a probe."""
    from ray import cloudpickle

    try:
        shipped = cloudpickle.dumps(plan.enricher)
    except Exception as exc:  # holds a connection, a lock, a model session...
        log.debug("enricher %s cannot be pickled (%s)", plan.name, exc)
        return None
    probe = load_pairs(store, plan.todo[:PROBE])
    ctx = EnrichContext(store=DetachedStore(), settings=dict(settings))  # type: ignore[arg-type]
    try:
        plan.enricher.enrich([paper for _, paper in probe], ctx)  # results discarded
    except StoreNeeded:
        return None
    except Exception:  # its own failures are handled per paper on the workers
        pass
    return shipped


def _run_stage(ray, store, stage: list[_Plan], ctx: EnrichContext, batch: int, window: int,
               progress: Progress | None) -> None:
    """One Ray Data job per window over the union of the stage's to-do lists."""
    if not stage:
        return
    import ray.data

    hashes: dict[int, str] = {}
    masks: dict[int, int] = {}
    for index, plan in enumerate(stage):
        for pk, chash in plan.todo:
            hashes.setdefault(pk, chash)
            masks[pk] = masks.get(pk, 0) | (1 << index)
    order = sorted(masks)
    shipped = [(plan.name, plan.shipped) for plan in stage]
    totals = {plan.name: len(plan.todo) for plan in stage}
    counted = {plan.name: 0 for plan in stage}
    bounced: dict[str, list[int]] = {}
    actors = min(cluster_shape(ray).cpus, max(1, -(-len(order) // batch)))
    log.info("enrich on Ray: %d papers, enrichers %s, %d actors", len(order), ", ".join(totals), actors)
    for start in range(0, len(order), window):
        began = time.perf_counter()
        blocks = arrow_blocks(_columns(store, order[start:start + window], hashes, masks), batch)
        loaded = time.perf_counter()
        dataset = ray.data.from_arrow(blocks).map_batches(
            EnrichActor, fn_constructor_args=(shipped, ctx.settings), batch_size=batch,
            batch_format="numpy", num_cpus=1, compute=ray.data.ActorPoolStrategy(size=actors))
        first = None
        with job_errors("enrich " + ", ".join(totals)):
            for out in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                first = first or time.perf_counter()
                for blob in out["outcome"]:
                    _store_outcome(store, stage, pickle.loads(blob), ctx, bounced, counted, totals, progress)
        log.info("window of %d papers: loaded in %.1f s, first results after %.1f s, done after %.1f s",
                 min(window, len(order) - start), loaded - began, (first or loaded) - loaded,
                 time.perf_counter() - loaded)
    for plan in stage:  # what the workers handed back, in run order
        if bounced.get(plan.name):
            _run_on_driver(store, plan, [(pk, hashes[pk]) for pk in sorted(set(bounced[plan.name]))],
                           ctx, batch, None)


def _columns(store, pks: list[int], hashes: dict[int, str], masks: dict[int, int]) -> dict:
    """Arrow columns of one window: the papers loaded here, pickled for the workers."""
    out = {"pk": [], "content_hash": [], "paper": [], "mask": []}
    for start in range(0, len(pks), 500):
        for pk, paper in load_pairs(store, [(pk, hashes[pk]) for pk in pks[start:start + 500]]):
            out["pk"].append(pk)
            out["content_hash"].append(hashes[pk])
            out["paper"].append(pickle.dumps(paper, protocol=pickle.HIGHEST_PROTOCOL))
            out["mask"].append(masks[pk])
    return out


def _store_outcome(store, stage: list[_Plan], outcome: BatchOutcome, ctx: EnrichContext,
                   bounced: dict[str, list[int]], counted: dict[str, int], totals: dict[str, int],
                   progress: Progress | None) -> None:
    """Write one worker batch: one ``save_enrichments`` transaction per enricher, in run order."""
    if outcome.error is not None:
        raise pickle.loads(outcome.error)
    for plan in stage:
        rows = outcome.rows.get(plan.name)
        failures = outcome.failures.get(plan.name, [])
        if rows:
            store.save_enrichments(plan.name, plan.version, rows)
            plan.report.done += len(rows)
            plan.report.found += sum(1 for _, _, data, _ in rows if data)
        plan.report.failures += failures
        bounced.setdefault(plan.name, []).extend(outcome.bounced.get(plan.name, []))
        if progress and (rows or failures):
            counted[plan.name] += len(rows or []) + len(failures)
            progress(plan.name, counted[plan.name], totals[plan.name])
    ctx.notices.extend(outcome.notices)


def _run_on_driver(store, plan: _Plan, todo: list[tuple[int, str]], ctx: EnrichContext, batch: int,
                   progress: Progress | None) -> None:
    """The local runner's loop for one enricher (it needs the store)."""
    for start in range(0, len(todo), batch):
        rows = _enrich_chunk(store, plan.enricher, todo[start:start + batch], ctx, plan.report)
        store.save_enrichments(plan.name, plan.version, rows)
        plan.report.done += len(rows)
        plan.report.found += sum(1 for _, _, data, _ in rows if data)
        if progress:
            progress(plan.name, min(start + batch, len(todo)), len(todo))
