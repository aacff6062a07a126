"""Embedding as a Ray Data job: ``paperradar index --engine ray`` and the GPU benchmark.

``run_embed_job`` is the code path both use: windows of (model, content hash,
text) rows go to an actor pool of ``EmbedActor`` (one embedder per actor), and
the vectors come back to the driver, which hands each batch to ``save`` (for
the store: ``store.save_embeddings``, one transaction per model and batch, a
keyed upsert: a killed job re-run embeds only what is still missing).

Vectors are stored under the embedder's name, so a name must always mean the
same arithmetic: the default (int8 ONNX, a CPU model) runs on CPU actors even
on a GPU cluster; GPU actors run the torch embedders
(``all-MiniLM-L6-v2/torch-fp16``), whose vectors are stored under their own name.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import PaperradarError
from .session import arrow_blocks, cluster_shape, job_errors, ray_session

log = logging.getLogger(__name__)

#: Texts per actor call on CPU actors / on GPU actors.
CPU_BATCH = 128
GPU_BATCH = 4096
#: Texts a torch embedder encodes per forward pass on a GPU.
GPU_ENCODE_BATCH = 256
#: Texts read from the store and handed to Ray per job.
WINDOW = 500_000

Item = tuple[str, str, str]  # (model, content_hash, text)
Save = Callable[[str, list[tuple[str, bytes]]], None]  # (model, [(content_hash, float32 vector bytes)])


@dataclass
class EmbedJobReport:
    """How an embedding job went: counts per model, actors, and where the time went."""

    embedded: dict[str, int] = field(default_factory=dict)
    actors: int = 0
    gpu: bool = False
    windows: int = 0
    seconds: float = 0.0
    #: Seconds from submitting each window to its first results (actor start-up, model load).
    first_result_seconds: list[float] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


class EmbedActor:
    """The ``map_batches`` callable class: one embedder per actor."""

    def __init__(self, name: str, threads: int, gpu: bool):
        if threads:
            os.environ["PAPERRADAR_EMBED_THREADS"] = str(threads)
        from ..index.embed import get_embedder

        self.embedder = get_embedder(name)
        if self.embedder.name != name:
            raise PaperradarError(f"embedder {name!r} builds vectors named {self.embedder.name!r}")
        if gpu and hasattr(self.embedder, "batch_size"):
            self.embedder.batch_size = GPU_ENCODE_BATCH

    def __call__(self, batch: dict) -> dict:
        vectors = self.embedder.embed([str(t) for t in batch["text"]])
        return {"model": batch["model"], "content_hash": batch["content_hash"], "vector": vectors}


def uses_gpu(embedder: str) -> bool:
    """Whether this embedder can run on a CUDA GPU (the torch ones)."""
    from ..index.embed import embedder_specs

    spec = next((s for s in embedder_specs() if s.name == embedder), None)
    return spec is not None and spec.extra == "torch"


def _actor_plan(shape, embedder: str, batch: int | None, gpus_per_actor: float,
                threads: int | None, report: EmbedJobReport) -> tuple[int, int, dict]:
    """(texts per call, threads per actor, Ray resources per actor); sets ``report.gpu``/``actors``."""
    report.gpu = shape.gpus > 0 and uses_gpu(embedder)
    if uses_gpu(embedder) and not report.gpu and not embedder.endswith("fp32"):  # fp16/bf16: CUDA only
        raise PaperradarError(f"embedder {embedder} needs a CUDA GPU and the Ray cluster has none;"
                              " use the default embedder on CPUs")
    if shape.gpus and not report.gpu:
        report.notices.append(f"the cluster has {shape.gpus} GPUs but {embedder} is a CPU model; "
                              "--embedder all-MiniLM-L6-v2/torch-fp16 embeds on the GPUs")
    if report.gpu:
        report.actors = max(1, int(shape.gpus / gpus_per_actor))
        return batch or GPU_BATCH, threads or 0, {"num_gpus": gpus_per_actor}  # no num_cpus: Ray Data warns
    threads = threads or 1
    report.actors = max(1, shape.cpus // threads)
    return batch or CPU_BATCH, threads, {"num_cpus": threads}


def run_embed_job(ray, windows: Iterable[list[Item]], embedder: str, save: Save, *,
                  batch: int | None = None, gpus_per_actor: float = 1.0, threads: int | None = None,
                  progress: Callable[[int], None] | None = None) -> EmbedJobReport:
    """Embed every window with an actor pool on the connected cluster and hand
    the vectors to ``save`` batch by batch. GPU actors when the cluster has GPUs
    and the embedder uses one (``gpus_per_actor`` each); else one CPU actor per
    CPU (``threads`` inference threads each, default 1)."""
    import ray.data

    report = EmbedJobReport()
    batch, threads, resources = _actor_plan(cluster_shape(ray), embedder, batch, gpus_per_actor, threads, report)
    for notice in report.notices:
        log.info("%s", notice)
    started = time.perf_counter()
    done = 0
    for items in windows:
        report.windows += 1
        columns = {"model": [m for m, _, _ in items], "content_hash": [h for _, h, _ in items],
                   "text": [t for _, _, t in items]}
        actors = min(report.actors, max(1, -(-len(items) // batch)))
        dataset = ray.data.from_arrow(arrow_blocks(columns, batch)).map_batches(
            EmbedActor, fn_constructor_args=(embedder, threads, report.gpu), batch_size=batch,
            batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=actors), **resources)
        submitted, first = time.perf_counter(), True
        with job_errors(f"embed with {embedder}"):
            for out in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                if first:
                    report.first_result_seconds.append(round(time.perf_counter() - submitted, 2))
                    first = False
                done += _save_batch(out, save, report)
                if progress:
                    progress(done)
    report.seconds = time.perf_counter() - started
    return report


def _save_batch(out: dict, save: Save, report: EmbedJobReport) -> int:
    """Hand one batch of results to ``save``, one call per model; returns its size."""
    import numpy as np

    vectors = np.ascontiguousarray(out["vector"], dtype=np.float32)
    models = out["model"]
    for model in dict.fromkeys(str(m) for m in models):
        picked = np.flatnonzero(models == model)
        save(model, [(str(out["content_hash"][i]), vectors[i].tobytes()) for i in picked])
        report.embedded[model] = report.embedded.get(model, 0) + len(picked)
    return len(models)


def store_windows(store, models: list[tuple[str, str]], window: int) -> Iterator[list[Item]]:
    """Windows of what ``store`` still lacks vectors for: ``models`` is [(model, field)]
    (field "text" or "title", as ``store.texts_to_embed`` takes). Each window is
    read after the previous one is stored, so the store's own to-do list drives it."""
    last: set[tuple[str, str]] = set()
    while True:
        items: list[Item] = []
        for model, kind in models:
            room = window - len(items)
            if room > 0:
                items += [(model, chash, text) for chash, text in store.texts_to_embed(model, room, field=kind)]
        if not items:
            return
        keys = {(m, h) for m, h, _ in items}
        if keys == last:  # stored, yet still listed as missing: do not loop for ever
            raise PaperradarError(f"{len(keys)} texts were embedded but the store still lists them as missing")
        last = keys
        yield items


def embed_missing_ray(store, embedder: str | None = None, *, address: str | None = None,
                      window: int = WINDOW, progress: Callable[[int], None] | None = None) -> EmbedJobReport:
    """``SearchEngine.embed_missing`` on Ray: vectors for the title-and-abstract and
    the title of every paper that lacks them for ``embedder``, stored as they come."""
    from ..index.embed import DEFAULT_EMBEDDER, UnknownEmbedder, embedder_names
    from ..index.engine import TITLE_SUFFIX

    name = embedder or DEFAULT_EMBEDDER
    if name not in embedder_names():
        raise UnknownEmbedder(name, embedder_names())
    with ray_session(address) as ray:
        windows = store_windows(store, [(name, "text"), (name + TITLE_SUFFIX, "title")], window)
        return run_embed_job(ray, windows, name, store.save_embeddings, progress=progress)
