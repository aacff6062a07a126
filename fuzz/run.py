"""Run the atheris harnesses for a bounded time each and report executions and findings.

    python fuzz/run.py --seconds 60                # every target, 60 s each
    python fuzz/run.py --seconds 300 --only bibtex,csv --jobs 2
    python fuzz/run.py --runs 10000 --seed 1         # the same inputs every time (what CI runs)

Each target runs in its own subprocess under libFuzzer's limits: a total time
(``-max_total_time``) or a number of inputs (``-runs``; with a fixed ``-seed`` the
same campaign on every run, as CI wants it), a time per input (``-timeout``) and a
memory ceiling (``-rss_limit_mb``, also the largest single allocation). The working corpus
starts from ``fuzz/corpus/<target>/`` (plus the matching real files under
../shared when present) in a temporary directory, so the repository's corpus
is never changed. A crash, timeout or out-of-memory leaves its input in the
artifacts directory; run ``python fuzz/fuzz_<target>.py FILE`` to replay it.
Exits 1 when any target found something.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
ROOT = FUZZ_DIR.parent
DEFAULT_SHARED = ROOT.parent / "shared"
NAMES = sorted(p.stem[len("fuzz_"):] for p in FUZZ_DIR.glob("fuzz_*.py"))
#: Seconds a harness may take to start and stop on top of its fuzzing time.
STARTUP_GRACE = 90
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
_KINDS = (("timeout", "timeout"), ("out-of-memory", "oom"), ("malloc(", "oom"),
          ("Uncaught Python exception", "crash"), ("deadly signal", "crash"), ("leak", "leak"))


@dataclass
class Outcome:
    """What one target's run did."""

    target: str
    seconds: float  # wall time of the subprocess, start-up included
    fuzz_seconds: int  # time libFuzzer reports it fuzzed
    executions: int
    new_units: int
    peak_rss_mb: int
    finding: str | None  # None, or crash / timeout / oom / leak / error
    artifact: str | None
    detail: str

    def line(self) -> str:
        rate = self.executions / max(self.fuzz_seconds, 1)
        result = "ok" if self.finding is None else f"{self.finding.upper()}: {self.detail}"
        return (f"{self.target:<12} {self.executions:>10,} execs {rate:>8,.0f}/s "
                f"{self.new_units:>5} new {self.peak_rss_mb:>5} MB {self.seconds:6.1f} s  {result}")


def _stat(output: str, name: str) -> int:
    m = re.search(rf"stat::{name}:\s+(\d+)", output)
    return int(m.group(1)) if m else 0


def _fuzz_seconds(output: str) -> int:
    m = re.search(r"^Done \d+ runs in (\d+) second", output, re.MULTILINE)
    return int(m.group(1)) if m else 0


def _executions(output: str) -> int:
    """Executions from the final stats, else from the last status line (a crash cuts stats)."""
    done = _stat(output, "number_of_executed_units")
    if done:
        return done
    counts = re.findall(r"^#(\d+)\s", output, re.MULTILINE)
    return int(counts[-1]) if counts else 0


def _detail(output: str) -> str:
    """The Python exception (last line of its traceback) or libFuzzer's error line."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if "Uncaught Python exception" in line:
            tail = [l for l in lines[i + 1:] if l.strip() and not l.startswith(("==", "MS:"))]
            trace_end = next((l for l in tail if re.match(r"^\w[\w.]*(Error|Exception|Finding|"
                                                         r"Interrupt|Exit)\b", l)), None)
            return (trace_end or (tail[0] if tail else line)).strip()[:300]
    errors = [l for l in lines if "ERROR: libFuzzer" in l]
    if errors:
        return errors[0].split("ERROR: ", 1)[1].strip()[:300]
    return lines[-1][:300] if lines else ""


def _seed_dir(name: str, workdir: Path, shared: Path | None, corpus: Path) -> list[Path]:
    """The working corpus (writable copy of the repository's) and a dir of real shared files."""
    work = workdir / "corpus"
    shutil.copytree(corpus, work)
    dirs = [work]
    if shared is not None and shared.is_dir():
        sys.path.insert(0, str(ROOT))
        from fuzz.targets import TARGETS  # noqa: E402  (imports paperradar: only here)

        real = workdir / "shared-seeds"
        real.mkdir()
        for pattern in (TARGETS[name].seeds if name in TARGETS else ()):
            for path in sorted(shared.glob(pattern)):
                shutil.copyfile(path, real / path.name)
        dirs.append(real)
    return dirs


def _own_peak_rss() -> None:
    """A ``preexec_fn``: its presence makes subprocess fork rather than vfork. A vforked
    child inherits this process's peak RSS (Linux keeps it across exec), and libFuzzer
    checks ``-rss_limit_mb`` against that peak: a runner that once used 900 MB (a
    test session) would see every target "out of memory" at its first input."""


def run_target(name: str, seconds: int, *, rss_limit_mb: int = 2048, timeout: int = 10,
               max_len: int = 4096, shared: Path | None = DEFAULT_SHARED,
               artifacts: Path | None = None, harness: Path | None = None,
               corpus: Path | None = None, runs: int | None = None,
               seed: int | None = None) -> Outcome:
    """Fuzz one target for ``seconds`` in a subprocess and say what happened.

    With ``runs`` it stops after that many inputs instead (``seconds`` is then only a
    ceiling); with ``seed`` too, libFuzzer mutates the same way every time, so the
    campaign tries the same inputs on every machine and a finding is never luck.
    ``harness`` and ``corpus`` default to ``fuzz/fuzz_<name>.py`` and ``fuzz/corpus/<name>/``.
    """
    workdir = Path(tempfile.mkdtemp(prefix=f"paperradar-fuzz-{name}-"))
    artifacts = artifacts or workdir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    budget = [f"-max_total_time={seconds}"] + ([f"-runs={runs}"] if runs is not None else []) \
        + ([f"-seed={seed}"] if seed is not None else [])
    command = [sys.executable, str(harness or FUZZ_DIR / f"fuzz_{name}.py"), *budget,
               f"-timeout={timeout}", f"-rss_limit_mb={rss_limit_mb}",
               f"-max_len={max_len}", "-print_final_stats=1",
               f"-artifact_prefix={artifacts}/{name}-",
               *map(str, _seed_dir(name, workdir, shared, corpus or FUZZ_DIR / "corpus" / name))]
    started = time.monotonic()
    try:
        # A fixed seed also fixes Python's string hashing: set order must not vary the campaign.
        env = {**os.environ, "PYTHONHASHSEED": "0"} if seed is not None else None
        done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              timeout=seconds + STARTUP_GRACE, cwd=workdir, check=False,
                              preexec_fn=_own_peak_rss, env=env)
        output, rc = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        output = "".join((out or b"").decode(errors="replace") for out in (exc.stdout, exc.stderr))
        output += "\nERROR: libFuzzer: the harness did not stop in time (hang outside one input?)"
        rc = -1
    elapsed = time.monotonic() - started
    artifact = (_ARTIFACT.findall(output) or [None])[-1]
    finding = None
    if rc != 0:
        finding = next((kind for mark, kind in _KINDS if mark in output), "error")
    (workdir / "output.txt").write_text(output)
    if finding is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return Outcome(name, round(elapsed, 1), _fuzz_seconds(output), _executions(output),
                   _stat(output, "new_units_added"),
                   _stat(output, "peak_rss_mb"), finding, artifact,
                   _detail(output) if finding else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run paperradar's atheris fuzz targets.")
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--seconds", type=int, help="fuzzing time per target")
    budget.add_argument("--runs", type=int, help="inputs per target (ceiling: --max-seconds)")
    parser.add_argument("--max-seconds", type=int, default=600, help="time ceiling with --runs")
    parser.add_argument("--seed", type=int, help="libFuzzer's random seed (default: a new one)")
    parser.add_argument("--only", help=f"comma-separated targets (of: {', '.join(NAMES)})")
    parser.add_argument("--jobs", type=int, default=1, help="targets run at once")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    parser.add_argument("--timeout", type=int, default=10, help="seconds allowed per input")
    parser.add_argument("--max-len", type=int, default=4096, help="largest generated input")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="real seeds and fixtures to start from, when present")
    parser.add_argument("--no-shared", action="store_true", help="only fuzz/corpus/ seeds")
    parser.add_argument("--artifacts", type=Path, help="keep crashing inputs here")
    parser.add_argument("--json", action="store_true", help="one JSON object per target")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else NAMES
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; targets are {', '.join(NAMES)}")

    def one(name: str) -> Outcome:
        outcome = run_target(name, args.seconds or args.max_seconds, runs=args.runs, seed=args.seed,
                             rss_limit_mb=args.rss_limit_mb,
                             timeout=args.timeout, max_len=args.max_len,
                             shared=None if args.no_shared else args.shared,
                             artifacts=args.artifacts)
        print(json.dumps(asdict(outcome)) if args.json else outcome.line(), flush=True)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(one, names))
    if not args.json:
        total = sum(o.executions for o in outcomes)
        found = [o for o in outcomes if o.finding]
        print(f"{len(outcomes)} targets, {total:,} executions in "
              f"{sum(o.fuzz_seconds for o in outcomes)} s of fuzzing, {len(found)} with findings"
              + "".join(f"\n  {o.target}: {o.artifact or '(no input saved)'}" for o in found))
    return 1 if any(o.finding for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
