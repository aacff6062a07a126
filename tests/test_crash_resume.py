"""kill -9 in the middle of an import loses nothing committed; a re-run completes it."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import orjson
import pytest

from paperradar.store import open_store

N = 30_000


def make_input(path):
    with open(path, "wb") as fh:
        for i in range(N):
            fh.write(orjson.dumps({
                "id": f"rec-{i}",
                "title": f"Synthetic study number {i} of crash safe imports",
                "abstract": f"Record {i}. " + "We measure what survives a kill. " * 20,
                "authors": [f"Author {i % 97}", f"Author {i % 89}"],
                "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            }) + b"\n")


def committed(db):
    if not os.path.exists(db):
        return 0
    try:
        con = sqlite3.connect(db, timeout=5)
        return con.execute("SELECT count(*) FROM papers").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def run_ingest(db, src, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "paperradar", "--db", str(db), "ingest", "--batch-size", "200",
         str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


@pytest.mark.slow
def test_kill_minus_nine_then_rerun_completes(tmp_path):
    src = tmp_path / "big.jsonl"
    make_input(src)
    db = tmp_path / "radar.db"
    proc = run_ingest(db, src)
    deadline = time.monotonic() + 120
    while committed(db) < 2000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = committed(db)
    assert 0 < before < N, "the kill should land mid-import"
    store = open_store(db)
    assert store.integrity_problems() == []
    store.close()
    saved = sqlite3.connect(db).execute("SELECT state FROM checkpoints").fetchall()
    assert len(saved) == 1 and orjson.loads(saved[0][0])["records"] == before

    rerun = run_ingest(db, src)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert b"resumed an interrupted import" in err
    store = open_store(db)
    assert store.count() == N
    assert store.integrity_problems() == []
    # Every committed paper is still there, exactly once.
    ids = {s.source_id for p in store.papers() for s in p.sources}
    assert ids == {f"rec-{i}" for i in range(N)}
    store.close()
    # And a third run changes nothing.
    third = run_ingest(db, src)
    out, _ = third.communicate(timeout=300)
    assert b"added 0, merged 0, unchanged 30000" in out
