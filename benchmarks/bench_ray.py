"""Embedding through paperradar's Ray job vs in this process, on synthetic abstracts.

    python benchmarks/bench_ray.py --n 2000 --engines local ray          # CPU: both on the same texts
    python benchmarks/bench_embed_gpu.py --n 1000000 --engine ray        # GPU: the same code, torch-fp16

``ray`` is ``paperradar.batch.embed_job.run_embed_job``, the code path of
``paperradar index --engine ray``: the texts go to Ray Data as Arrow blocks,
an actor pool embeds them (GPU actors for a torch embedder when the cluster
has GPUs, else one single-threaded CPU actor per CPU), and the driver gets
every vector back and hands it to the sink (``--store``: a SQLite store's
``save_embeddings``; default: dropped after conversion to stored bytes).
``local`` is what ``SearchEngine.embed_missing`` does: ``embedder.embed`` in
batches of 128 in this process (all cores).

Texts: whole-word pieces of the MiniLM vocabulary, so each word is one token,
with token counts drawn from the real distribution of the 8,666 Hugging Face
Daily Papers abstracts (``bench_embed_gpu.LENGTH_QUANTILES``); a pool of at most
50,000 distinct texts is cycled (an encoder's cost depends on lengths only).
Reports abstracts/s, the Ray start-up and time to first results, and the
model's FLOP bound when the peak of the device is known.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

POOL = 50_000


def synthetic_texts(n: int, lengths: list[int], seed: int = 0) -> list[str]:
    """``n`` texts cycling through one text per length in ``lengths`` (the pool):
    ``length - 2`` whole-word vocabulary pieces each, plus [CLS]/[SEP] = ``length`` tokens."""
    from tokenizers import Tokenizer

    from paperradar.index.embed_models import minilm_tokenizer_json

    vocab = Tokenizer.from_str(minilm_tokenizer_json()).get_vocab()
    words = sorted(w for w in vocab if w.isalpha() and w.isascii() and len(w) > 2)
    rng = random.Random(seed)
    pool = [" ".join(rng.choices(words, k=max(1, length - 2))) for length in lengths]
    return [pool[i % len(pool)] for i in range(n)]


def measured_tokens(texts: list[str], sample: int = 2000) -> float:
    """Mean token count (truncated at 256, with [CLS]/[SEP]) of a sample of the texts."""
    from tokenizers import Tokenizer

    from paperradar.index.embed_models import minilm_tokenizer_json

    tok = Tokenizer.from_str(minilm_tokenizer_json())
    tok.enable_truncation(256)
    picked = texts[:: max(1, len(texts) // sample)][:sample]
    return sum(len(e.ids) for e in tok.encode_batch(picked)) / max(1, len(picked))


def sink_for(store_path: str | None):
    """The ``save`` callable: a store's ``save_embeddings``, or one that drops the rows."""
    if not store_path:
        return lambda model, rows: None, None
    from paperradar.store import open_store

    store = open_store(store_path)
    return store.save_embeddings, store


def run_local(texts: list[str], embedder_name: str, store_path: str | None) -> dict:
    """``SearchEngine.embed_missing``'s loop over the texts, in this process."""
    from paperradar.index.embed import get_embedder
    from paperradar.index.engine import EMBED_BATCH

    save, store = sink_for(store_path)
    started = time.perf_counter()
    embedder = get_embedder(embedder_name)
    loaded = time.perf_counter()
    for start in range(0, len(texts), EMBED_BATCH):
        vectors = embedder.embed(texts[start:start + EMBED_BATCH])
        save(embedder.name, [(f"{start + i:016x}", v.tobytes()) for i, v in enumerate(vectors)])
    seconds = time.perf_counter() - loaded
    if store is not None:
        store.close()
    return {"engine": "local", "load_seconds": round(loaded - started, 2), "seconds": round(seconds, 2),
            "abstracts_per_s": round(len(texts) / seconds, 1)}


def run_ray(texts: list[str], embedder_name: str, store_path: str | None, *, address: str | None = None,
            gpus_per_actor: float = 1.0, threads: int | None = None, batch: int | None = None) -> dict:
    """The Ray job of ``paperradar index --engine ray`` over the texts (one window)."""
    from paperradar.batch.embed_job import run_embed_job
    from paperradar.batch.session import cluster_shape, ray_session

    save, store = sink_for(store_path)
    started = time.perf_counter()
    with ray_session(address) as ray:
        connected = time.perf_counter()
        shape = cluster_shape(ray)
        tiny = run_embed_job(ray, [[(embedder_name, "start-up", texts[0])]], embedder_name,
                             lambda model, rows: None, batch=batch, gpus_per_actor=gpus_per_actor, threads=threads)
        window = [(embedder_name, f"{i:016x}", text) for i, text in enumerate(texts)]
        report = run_embed_job(ray, [window], embedder_name, save, batch=batch,
                               gpus_per_actor=gpus_per_actor, threads=threads)
    if store is not None:
        store.close()
    first = report.first_result_seconds[0] if report.first_result_seconds else 0.0
    return {"engine": "ray", "address": address or "local", "cluster_cpus": shape.cpus, "cluster_gpus": shape.gpus,
            "ray_start_seconds": round(connected - started, 2),
            "job_start_seconds": round(tiny.seconds, 2),  # a job of one text: actor start and model load
            "actors": report.actors, "gpu_actors": report.gpu,
            "seconds": round(report.seconds, 2), "abstracts_per_s": round(len(texts) / report.seconds, 1),
            "first_result_seconds": first,  # start-up plus the first batch
            # the job's time less a start-up as long as the one-text job's
            "abstracts_per_s_without_start_up": round(len(texts) / max(1e-9, report.seconds - tiny.seconds), 1),
            "notices": report.notices}


def default_embedder_for_device() -> str:
    """torch-fp16 when CUDA is here, else the bundled CPU default."""
    from paperradar.index.embed import DEFAULT_EMBEDDER

    try:
        import torch

        return "all-MiniLM-L6-v2/torch-fp16" if torch.cuda.is_available() else DEFAULT_EMBEDDER
    except ImportError:
        return DEFAULT_EMBEDDER


def run(args) -> dict:
    """Both or one engine on the same texts; returns (and writes) the JSON result."""
    import bench_embed_gpu as gpu
    import torch

    gen = torch.Generator().manual_seed(0)
    lengths = gpu.sample_lengths(min(args.n, POOL), gen)  # the pool the texts cycle through
    mean_len, mean_sq = float(lengths.double().mean()), float((lengths.double() ** 2).mean())
    flops = gpu.flops_per_abstract(mean_len, mean_sq)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or "cpu"
    peak = args.peak_tflops or next((v for k, v in gpu.PEAK_DENSE_TFLOPS.items() if k in device.lower()), None)
    embedder = args.embedder or default_embedder_for_device()
    made = time.perf_counter()
    texts = synthetic_texts(args.n, lengths.tolist())
    result = {"benchmark": "bench_ray", "date": dt.datetime.now().isoformat(timespec="seconds"),
              "device": device, "cpu_cores": os.cpu_count(), "load_average_before": os.getloadavg()[0],
              "python": platform.python_version(), "embedder": embedder, "n": args.n,
              "texts_made_seconds": round(time.perf_counter() - made, 1),
              "mean_tokens_planned": round(mean_len, 1), "mean_tokens_measured": round(measured_tokens(texts), 1),
              "gflop_per_abstract": round(flops / 1e9, 3), "peak_dense_tflops": peak,
              "flop_bound_abstracts_per_s": round(peak * 1e12 / flops) if peak else None, "runs": []}
    for engine in args.engines:
        if engine == "local":
            run_result = run_local(texts, embedder, args.store)
        else:
            run_result = run_ray(texts, embedder, args.store, address=args.address,
                                 gpus_per_actor=args.gpus_per_actor, threads=args.threads, batch=args.batch)
        if peak:
            run_result["fraction_of_flop_bound"] = round(run_result["abstracts_per_s"] * flops / (peak * 1e12), 4)
        result["runs"].append(run_result)
        print(f"{engine}: {run_result['abstracts_per_s']:,.1f} abstracts/s ({run_result['seconds']} s for {args.n:,})",
              file=sys.stderr)
    result["load_average_after"] = os.getloadavg()[0]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return result


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of the Ray/local engines (shared with bench_embed_gpu.py)."""
    ap.add_argument("--embedder", help="default: all-MiniLM-L6-v2/torch-fp16 with CUDA, else the bundled one")
    ap.add_argument("--address", help="Ray cluster address (default: a local Ray on this machine)")
    ap.add_argument("--gpus-per-actor", type=float, default=1.0, help="e.g. 0.25: four actors share a GPU")
    ap.add_argument("--threads", type=int, help="inference threads per CPU actor (default 1)")
    ap.add_argument("--batch", type=int, help="texts per actor call (default 128 on CPU, 4096 on GPU)")
    ap.add_argument("--store", help="save the vectors into this store (default: convert and drop)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="synthetic abstracts")
    ap.add_argument("--engines", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    ap.add_argument("--peak-tflops", type=float, help="dense peak of the device, for the FLOP bound")
    ap.add_argument("--out", default="bench-out/embed_ray.json")
    add_arguments(ap)
    run(ap.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
