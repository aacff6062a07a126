"""Coverage-guided fuzzing (atheris) of every parser and the search query path, bounded.

Each harness in fuzz/ runs in its own subprocess for PAPERRADAR_FUZZ_RUNS inputs
(default 10,000) from libFuzzer's seed PAPERRADAR_FUZZ_SEED (default 1), under
libFuzzer's limits (a timeout per input, a memory ceiling); any crash, timeout or
out-of-memory fails the test, naming the saved input. The fixed seed makes it the
same mutations on every run (only code that reads the clock can still steer it a
little), so a commit passes or fails it for good, not by luck.
PAPERRADAR_EXPLORE=1 makes it a new campaign of PAPERRADAR_FUZZ_SECONDS (default 2)
per target instead. All targets together take under a minute on 2 cores. Longer
campaigns: ``python fuzz/run.py --seconds 300`` (see fuzz/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="the fuzz extra: pip install 'paperradar[fuzz]'")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conftest import EXPLORE  # noqa: E402
from fuzz.run import NAMES, run_target  # noqa: E402
from fuzz.run import _own_peak_rss as _fork_not_vfork  # noqa: E402

pytestmark = pytest.mark.slow

SECONDS = int(os.environ.get("PAPERRADAR_FUZZ_SECONDS", "2"))
RUNS = None if EXPLORE else int(os.environ.get("PAPERRADAR_FUZZ_RUNS", "10000"))
SEED = None if EXPLORE else int(os.environ.get("PAPERRADAR_FUZZ_SEED", "1"))
#: With a fixed number of inputs, the time is only a ceiling.
CEILING = SECONDS if EXPLORE else 120
#: Harnesses run side by side (the CI machine has 2 cores).
JOBS = int(os.environ.get("PAPERRADAR_FUZZ_JOBS", "2"))


def test_every_harness_runs_its_budget_without_a_finding():
    assert len(NAMES) == 12, NAMES
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        outcomes = list(pool.map(lambda name: run_target(name, CEILING, runs=RUNS, seed=SEED,
                                                         rss_limit_mb=2048, timeout=10), NAMES))
    print(f"\natheris, {SECONDS} s per target:" if RUNS is None
          else f"\natheris, {RUNS:,} inputs per target from seed {SEED}:")
    for outcome in outcomes:
        print(outcome.line())
    print(f"{sum(o.executions for o in outcomes):,} executions in all")
    found = [f"{o.target}: {o.finding} ({o.detail}); input kept at {o.artifact}"
             for o in outcomes if o.finding]
    assert not found, "\n".join(found)
    least = RUNS if RUNS is not None else 11  # every input run, or (exploring) more than the seeds
    assert all(o.executions >= least for o in outcomes), [(o.target, o.executions) for o in outcomes]


# One planted fault per harness, so that a mutation of one seed cannot set off another kind.
_SELF_TEST = '''
import sys, time
import atheris

PLANTED = {planted!r}

def run(data):
    if not data.startswith(PLANTED):
        return
    if PLANTED == b"crash":
        raise RuntimeError("planted crash")
    if PLANTED == b"hang":
        time.sleep(30)
    if PLANTED == b"hog":
        hog = bytearray(900 << 20)
        hog[::4096] = b"x" * len(hog[::4096])
        time.sleep(3)

atheris.Setup(sys.argv, run)
atheris.Fuzz()
'''


@pytest.mark.parametrize("seed, finding", [(b"crash", "crash"), (b"hang", "timeout"),
                                           (b"hog", "oom")])
def test_the_runner_reports_crashes_timeouts_and_memory_blowups(tmp_path, seed, finding):
    """The campaign above can fail: a planted crash, hang and memory hog are each caught."""
    harness = tmp_path / "fuzz_selftest.py"
    harness.write_text(_SELF_TEST.replace("{planted!r}", repr(seed)))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed").write_bytes(seed)
    # The runner runs in a small process of its own: Linux hands a child its parent's peak
    # RSS, and libFuzzer holds that against -rss_limit_mb; this test session may have
    # used more than the 400 MB the self-test allows (fuzz/run.py forks for the same reason).
    code = ("import dataclasses, json, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
            "from fuzz.run import run_target; "
            "o = run_target('selftest', 20, rss_limit_mb=400, timeout=2, shared=None, harness=Path(sys.argv[2]), "
            "corpus=Path(sys.argv[3]), artifacts=Path(sys.argv[4])); print(json.dumps(dataclasses.asdict(o)))")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT), str(harness), str(corpus), str(tmp_path / "found")],
                          capture_output=True, text=True, timeout=120, preexec_fn=_fork_not_vfork)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["finding"] == finding, outcome
    assert outcome["artifact"] and Path(outcome["artifact"]).read_bytes().startswith(seed)
