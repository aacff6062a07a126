"""Batch work on Ray Data: ``paperradar enrich --engine ray`` and
``paperradar index --engine ray`` (embedding), on a local Ray by default or on
a cluster by address (``--address`` / ``PAPERRADAR_RAY_ADDRESS``).

How a job runs:

- **The driver owns the store.** Workers never open it (a cluster's workers
  may not see a SQLite file, or may not be allowed into the database). The
  driver reads the to-do list with the same store calls the local path uses
  (``store.enrichment_todo`` for enrichers, ``store.texts_to_embed`` for
  vectors), loads the papers or texts in windows (``window`` rows at a time),
  and turns each window into a Ray Dataset of Arrow blocks.
- **Actors do the work.** ``map_batches`` with a callable class: an actor pool
  of ``EnrichActor`` (the prepared enrichers, shipped pickled) or
  ``EmbedActor`` (the embedder, built once per actor). Embedding actors take
  one GPU each (``num_gpus``) when the cluster has GPUs and the embedder can
  use one (the ``torch`` ones, e.g. ``all-MiniLM-L6-v2/torch-fp16``); else
  they are CPU actors, one per cluster CPU, one inference thread each.
  Enrichers are pure-Python text work: always CPU actors.
- **Results come back to the driver** through ``iter_batches``, and each
  worker batch is written in one transaction through the very calls the local
  path uses (``store.save_enrichments``, ``store.save_embeddings``). Those are
  keyed upserts (paper and enricher; content hash and model), so a job that
  fails or is killed keeps what it wrote, and a re-run computes only what is
  still missing, without duplicates.

Enrichers that need the store while enriching cannot run on a worker: an
enricher whose prepared state cannot be pickled (``category`` holds the
store), or that touches the store on a probe batch (an LLM ``tldr`` or
``translate`` reads its reply cache), runs on the driver exactly as in the
local runner, in its place in the run order. A worker that still reaches for
the store gets ``StoreNeeded``; that batch is handed back and done on the
driver. ``category`` needs paper vectors: the Ray engine embeds what is
missing as a Ray job first.

Nothing here imports Ray until a job runs; without it, ``--engine ray`` says
``pip install 'paperradar[ray]'``.
"""

from __future__ import annotations

RAY_EXTRA_HINT = "pip install 'paperradar[ray]'"
ENGINES = ("local", "ray")


def run_enrichers_ray(*args, **kwargs):
    """``run_enrichers`` on Ray Data (see ``batch.enrich_job.run_enrichers_ray``)."""
    from .enrich_job import run_enrichers_ray as run

    return run(*args, **kwargs)


def embed_missing_ray(*args, **kwargs):
    """``SearchEngine.embed_missing`` on Ray Data (see ``batch.embed_job.embed_missing_ray``)."""
    from .embed_job import embed_missing_ray as run

    return run(*args, **kwargs)


__all__ = ["ENGINES", "RAY_EXTRA_HINT", "embed_missing_ray", "run_enrichers_ray"]
