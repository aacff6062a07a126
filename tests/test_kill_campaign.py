"""Crash safety: `paperradar ingest`, `index`, `enrich` and `send` are killed (SIGKILL) at
random moments, many times, on a SQLite file and on PostgreSQL; each is re-run to
completion; after every kill and at the end the store passes `db check`'s checks
(store, indexes, sent log) and what each command promises holds:

- ingest (real Hugging Face Daily and arXiv snapshot records, 1,563 in the first round,
  batches of 50; later rounds bring more days, then the same days with changed upvotes):
  no committed paper ever disappears, and in the end every record's paper is there once;
- index (16 papers, 8 more a round, the real embedding model): keyword and vector indexes
  never disagree with the store, and in the end hold every paper's current text;
- enrich (the same store): in the end every paper has every enricher's output;
- send (daily digests of that store to new subscribers, through a real aiosmtpd server in
  its own process that logs each message it accepts, with its papers): no subscriber ever
  gets a paper twice; an issue whose sender died before the server could have it is sent
  by the re-run; one whose sender died after handing it over is reported by `db check`
  (in doubt) and never re-sent unless `db settle --not-delivered` says the server's log
  lacks it; in the end every subscriber has had its issue exactly once.

PAPERRADAR_KILL_RUNS=N kills each command N times per backend (default 3: the CI budget);
PAPERRADAR_KILL_SEED replays a campaign (its seed is in the summary); PAPERRADAR_KILL_REPORT
names a file that gets one JSON line per campaign. Each campaign prints one summary line
(pytest -s).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FIXTURES, need

from paperradar.index.check import index_problems
from paperradar.pipeline import ingest
from paperradar.publish.send_claims import unfinished_sends
from paperradar.store import PaperQuery, open_store

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("PAPERRADAR_KILL_RUNS") or 3)
SEED = int(os.environ.get("PAPERRADAR_KILL_SEED") or random.SystemRandom().randrange(1 << 32))
MIN_DELAY = 0.3  # seconds; below, the interpreter is still starting
SPAN_GROWTH = 1.15  # kill delays reach this much further after each kill
HF_DAYS = sorted((FIXTURES / "hf-daily").glob("*.json"))
SNAPSHOT = FIXTURES / "arxiv-snapshot-head200.jsonl"
SUBSCRIBERS_PER_ROUND = 4
DEAD_SENDER = "died before the SMTP server had it"
IN_DOUBT = "is in doubt"


@dataclass
class Campaign:
    """Kills one command again and again at random moments, re-runs it, counts."""

    target: str
    backend: str
    db: str
    env: dict
    logs: Path
    span: float  # kill delays are uniform in [MIN_DELAY, span]: grows after a kill, a finished run sets it
    rng: random.Random = field(init=False)
    kills: int = 0
    finished_first: int = 0  # runs that ended before their kill came
    mid_work: int = 0  # kills after which the store or an index visibly changed (a lower bound)
    reruns: int = 0
    rounds: int = 0
    runs: int = 0
    noted: dict = field(default_factory=dict)  # remarks kills leave by design: {kind: {remark}}
    problems: list = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    cpu: float = field(default_factory=lambda: _children_cpu())

    def __post_init__(self):
        self.rng = random.Random(f"{SEED}-{self.target}-{self.backend}")

    def _popen(self, args: list[str]) -> tuple[subprocess.Popen, Path]:
        self.runs += 1
        log = self.logs / f"{self.target}-{self.runs}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "paperradar", "--db", self.db, *args],
                                    stdout=out, stderr=subprocess.STDOUT, env=self.env)
        return proc, log

    def attempt(self, args: list[str]) -> bool:
        """Run ``args`` and SIGKILL it after a random delay; False if it finished first."""
        delay = self.rng.uniform(MIN_DELAY, max(self.span, MIN_DELAY + 0.1))
        proc, log = self._popen(args)
        began = time.monotonic()
        try:
            code = proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.kills += 1
            self.span *= SPAN_GROWTH  # until a run finishes first, reach later into the runs
            return True
        if code:
            self.fail(f"{args} failed after {self.kills} kills", log)
        self.finished_first += 1
        self.span = max(time.monotonic() - began, MIN_DELAY + 0.1)
        return False

    def complete(self, args: list[str], rerun: bool = True) -> str:
        """Run ``args`` to completion (a re-run, unless ``rerun`` is false); its output."""
        proc, log = self._popen(args)
        code = proc.wait(timeout=600)
        self.reruns += rerun
        if code:
            self.fail(f"{args} failed on a re-run after {self.kills} kills", log)
        return log.read_text()

    def fail(self, what: str, log: Path):
        """A command failed: say so in the summary, and stop the campaign."""
        self.problems.append(what)
        self.summary()
        pytest.fail(f"{self.target} on {self.backend}: {what} (seed {SEED}):\n{log.read_text()[-3000:]}")

    def check(self, noting: bool = True) -> list[str]:
        """`db check`'s problems, less the remarks a kill leaves by design (a dead
        sender's claim, an issue in doubt: counted when ``noting``)."""
        store = open_store(self.db)
        try:
            problems = store.integrity_problems() + index_problems(store)
            for problem in unfinished_sends(store)[0]:
                kind = DEAD_SENDER if DEAD_SENDER in problem else IN_DOUBT if IN_DOUBT in problem else None
                if kind is None:
                    problems.append(problem)
                elif noting:
                    self.noted.setdefault(kind, set()).add(problem)
        finally:
            store.close()
        self.problems += [f"after kill {self.kills}: {p}" for p in problems]
        return problems

    def run(self, prepare, after_kill=None, finish_args=None, min_rounds: int = 1, progress=None) -> None:
        """Rounds of work (``prepare(round)`` makes some and gives the command) until
        ``KILLS`` kills and ``min_rounds`` rounds; after each kill the checks and
        ``after_kill()``; a round not finished by a run of its own is re-run to
        completion (``finish_args(round)``, else the same command). ``progress()``
        sums up what the command has written: a kill after it changed counts as
        one that landed mid-work (not while the interpreter was starting)."""
        while self.kills < KILLS or self.rounds < min_rounds:
            args = prepare(self.rounds)
            finished, before = False, progress() if progress else None
            while self.kills < KILLS and not finished:
                finished = not self.attempt(args)
                if not finished:
                    self.check()
                    if after_kill:
                        after_kill()
                    if progress and (now := progress()) != before:
                        self.mid_work += 1
                        before = now
            if not finished:
                self.complete(finish_args(self.rounds) if finish_args else args)
            self.rounds += 1

    def summary(self, **figures) -> str:
        figures = {**{k.replace(" ", "_"): len(v) for k, v in self.noted.items()}, **figures}
        cpu = _children_cpu() - self.cpu
        line = (f"kill campaign {self.target} on {self.backend}: seed {SEED}, {self.kills} kills "
                f"({self.mid_work} after the command had written) in {self.rounds} rounds "
                f"({self.finished_first} runs finished before their kill), "
                f"{self.reruns} re-runs to completion, {len(self.problems)} problems"
                + "".join(f", {k} {v}" for k, v in figures.items())
                + f"; {time.monotonic() - self.started:.1f} s, commands' CPU {cpu:.1f} s")
        report = os.environ.get("PAPERRADAR_KILL_REPORT")
        if report:
            with open(report, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"target": self.target, "backend": self.backend, "seed": SEED,
                                     "kills": self.kills, "mid_work": self.mid_work, "rounds": self.rounds,
                                     "reruns": self.reruns,
                                     "finished_before_kill": self.finished_first, "problems": self.problems,
                                     **figures, "seconds": round(time.monotonic() - self.started, 1),
                                     "cpu_seconds": round(cpu, 1)}) + "\n")
        print(line, flush=True)
        return line


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- set-up -------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request, tmp_path, monkeypatch):
    """(backend, --db, environment for the commands): a SQLite file, or a fresh
    PostgreSQL database (its indexes under PAPERRADAR_DATA_DIR)."""
    need(FIXTURES / "hf-daily" / "2026-06-19.json")
    need(SNAPSHOT)
    monkeypatch.setenv("PAPERRADAR_DATA_DIR", str(tmp_path / "artifacts"))
    db = request.getfixturevalue("pg_url") if request.param == "postgresql" else str(tmp_path / "radar.db")
    (tmp_path / "logs").mkdir()
    return request.param, db, dict(os.environ)


def campaign(target: str, where, tmp_path: Path, span: float) -> Campaign:
    backend, db, env = where
    return Campaign(target, backend, db, dict(env), tmp_path / "logs", span)


def hf_ids(path: Path) -> set[str]:
    return {item["paper"]["id"] for item in json.loads(path.read_text())}


def upvoted(day: Path, more: int, directory: Path) -> Path:
    """A real day again, ``more`` upvotes on each paper: every record merges into its
    stored paper and changes it (its source row, its revision, its keyword document)."""
    items = json.loads(day.read_text())
    for item in items:
        item["paper"]["upvotes"] = int(item["paper"].get("upvotes") or 0) + more
    directory.mkdir(exist_ok=True)
    (directory / day.name).write_text(json.dumps(items))
    return directory / day.name


def store_revision(db: str) -> int:
    store = open_store(db)
    try:
        return store.revision()
    finally:
        store.close()


def keyword_mark(db: str):
    """The keyword index's recorded state (its metadata file), or None."""
    from paperradar.index.keyword import META_FILE

    store = open_store(db)
    try:
        meta = store.artifact_dir("keyword") / META_FILE
        return meta.read_text() if meta.exists() else None
    finally:
        store.close()


def index_state(db: str) -> tuple:
    """What `paperradar index` writes: stored vectors, and the indexes' metadata."""
    from paperradar.index.embed import DEFAULT_EMBEDDER

    store = open_store(db)
    try:
        vectors = store.artifact_dir("vectors")
        metas = tuple(sorted(p.read_text() for p in vectors.glob("*/meta.json")))
        return len(store.texts_to_embed(DEFAULT_EMBEDDER)), metas
    finally:
        store.close()


def stored_ids(db: str) -> Counter:
    store = open_store(db)
    try:
        return Counter(p.arxiv_id for p in store.papers())
    finally:
        store.close()


# -- ingest -------------------------------------------------------------------------

DAYS_PER_ROUND = 100  # ~1,900 records; with the snapshot's 200, ~2,100 in the first round


def test_killed_ingest_keeps_every_committed_paper_once(where, tmp_path):
    c = campaign("ingest", where, tmp_path, span=5.0)
    expected: set[str] = set()
    seen: set[str] = set()

    def prepare(round_: int) -> list[str]:
        files = [HF_DAYS[(round_ * DAYS_PER_ROUND + i) % len(HF_DAYS)] for i in range(DAYS_PER_ROUND)]
        for f in files:
            expected.update(hf_ids(f))
        if round_ * DAYS_PER_ROUND >= len(HF_DAYS):  # every day is in: now changes to merge
            files = [upvoted(f, round_, tmp_path / f"round-{round_}") for f in files]
        args = ["ingest", "--batch-size", "50", *map(str, files)]
        if round_ == 0:
            expected.update(json.loads(line)["id"] for line in SNAPSHOT.read_text().splitlines())
            args.append(str(SNAPSHOT))
        return args

    def nothing_committed_is_lost():
        now = set(stored_ids(c.db))
        if seen - now:
            c.problems.append(f"after kill {c.kills}: {len(seen - now)} committed papers lost")
        seen.update(now)

    c.run(prepare, nothing_committed_is_lost,
          progress=lambda: (len(seen), store_revision(c.db), keyword_mark(c.db)))
    c.check()
    ids = stored_ids(c.db)
    c.summary(records=len(expected), papers=sum(ids.values()))
    assert not c.problems, c.problems
    assert set(ids) == expected and sum(ids.values()) == len(expected), "every record's paper, once"


# -- index, enrich, send: one small store ----------------------------------------------

SMALL_DAYS = [d for d in HF_DAYS if d.stem in ("2026-06-18", "2026-06-19")]
PAPERS_PER_SMALL_DAY = 8  # the embedding model does ~20 abstracts a second on 2 cores
EARLIER_DAYS = [d for d in reversed(HF_DAYS) if d.stem < "2026-06-18"]
ENRICHERS = {"category", "links", "name", "results", "tldr"}  # translate needs a translator backend

SMTP_SERVER = r'''
import asyncio, email, json, os, re, sys, time
from email import policy
from aiosmtpd.controller import Controller

port, log_path, pause = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
IDS = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(pause)  # a server that takes its time: kills land mid-exchange
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(pause / 2)
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        text = msg.get_body(("plain",)).get_content()
        record = {"to": envelope.rcpt_tos, "message_id": str(msg["Message-ID"]),
                  "subject": str(msg["Subject"]), "papers": sorted(set(IDS.findall(text)))}
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        await asyncio.sleep(pause / 2)  # accepted, and the sender does not know yet
        return "250 Message accepted for delivery"


controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
'''


@pytest.fixture
def smtp_server(tmp_path):
    """An aiosmtpd server in its own process; yields (port, the file it logs each accepted message to)."""
    pytest.importorskip("aiosmtpd")
    script, log = tmp_path / "smtp_server.py", tmp_path / "smtp-received.jsonl"
    script.write_text(SMTP_SERVER)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(script), str(port), str(log), "0.15"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stdout.read()
        yield port, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def received(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def first_papers(day: Path, directory: Path) -> Path:
    """The first PAPERS_PER_SMALL_DAY papers of a real day, as a file of their own."""
    directory.mkdir(exist_ok=True)
    path = directory / day.name
    path.write_text(json.dumps(json.loads(day.read_text())[:PAPERS_PER_SMALL_DAY]))
    return path


def test_killed_index_enrich_and_send(where, tmp_path, smtp_server):
    store = open_store(where[1])
    ingest(store, [str(first_papers(day, tmp_path / "days")) for day in SMALL_DAYS])
    store.close()
    lines = [killed_index(where, tmp_path), killed_enrich(where, tmp_path),
             killed_send(where, tmp_path, *smtp_server)]
    assert all(" 0 problems" in line for line in lines), lines


def killed_index(where, tmp_path) -> str:
    from paperradar.index.embed import DEFAULT_EMBEDDER
    from paperradar.index.engine import TITLE_SUFFIX, _safe_name
    from paperradar.index.keyword import KeywordIndex
    from paperradar.index.vectors import VectorIndex

    c = campaign("index", where, tmp_path, span=8.0)

    def prepare(round_: int) -> list[str]:
        if round_:  # more papers to embed and index
            day = EARLIER_DAYS[(round_ - 1) % len(EARLIER_DAYS)]
            store = open_store(c.db)
            ingest(store, [str(first_papers(day, tmp_path / "more"))])
            store.close()
        return ["index"]

    c.run(prepare, progress=lambda: (index_state(c.db), keyword_mark(c.db)))
    c.check()
    store = open_store(c.db)
    try:
        vectors = store.artifact_dir("vectors")
        counts = {"papers": store.count(),
                  "keyword documents": KeywordIndex(store.artifact_dir("keyword")).count(),
                  "vectors": len(VectorIndex(vectors / _safe_name(DEFAULT_EMBEDDER), 384)),
                  "title vectors": len(VectorIndex(vectors / _safe_name(DEFAULT_EMBEDDER + TITLE_SUFFIX), 384))}
        unembedded = len(store.texts_to_embed(DEFAULT_EMBEDDER))
    finally:
        store.close()
    line = c.summary(**counts)
    assert not c.problems, c.problems
    assert unembedded == 0 and counts["keyword documents"] == counts["vectors"] == counts["papers"], counts
    return line


def killed_enrich(where, tmp_path) -> str:
    c = campaign("enrich", where, tmp_path, span=6.0)
    def enriched() -> tuple:
        """How many enrichment rows, and the latest written (``--redo`` rewrites them)."""
        store = open_store(c.db)
        try:
            sql = "SELECT count(*), max(updated_at) FROM enrichments"
            return tuple((store.conn if hasattr(store, "conn") else store.db).execute(sql).fetchone())
        finally:
            store.close()

    c.run(lambda round_: ["enrich", "--redo"] if round_ else ["enrich"], finish_args=lambda _: ["enrich"],
          progress=lambda: (enriched(), index_state(c.db)))
    c.check()
    store = open_store(c.db)
    try:
        pks = sorted(store.pks_matching(PaperQuery()))
        have = store.enrichments_of(pks)
        incomplete = [pk for pk in pks if not ENRICHERS <= set(have.get(pk, {}))]
    finally:
        store.close()
    line = c.summary(papers=len(pks), incomplete=len(incomplete))
    assert not c.problems, c.problems
    assert not incomplete, f"papers missing enrichments: {incomplete[:10]}"
    return line


SEND_DAYS = ("2026-06-18", "2026-06-19")  # Friday's window holds Thursday's papers: none may come twice


def killed_send(where, tmp_path, port: int, log: Path) -> str:
    c = campaign("send", where, tmp_path, span=5.0)
    c.env.update(PAPERRADAR_SMTP_HOST="127.0.0.1", PAPERRADAR_SMTP_PORT=str(port),
                 PAPERRADAR_MAIL_FROM="paperradar <radar@example.org>",
                 PAPERRADAR_BASE_URL="https://radar.example.org")

    def prepare(round_: int) -> list[str]:
        if round_ % 2 == 0:  # new subscribers: Thursday's issue, then (next round) Friday's
            store = open_store(c.db)
            for i in range(SUBSCRIBERS_PER_ROUND):
                name = f"reader-{round_ // 2}-{i}"
                store.subscribe(store.reader(name).id, f"{name}@example.org",
                                {"categories": ["cs.CV"]} if i == 1 else {})
            store.close()
        return ["send", "--date", SEND_DAYS[round_ % 2]]

    def at_most_once():
        pairs = Counter((to, paper) for m in received(log) for to in m["to"] for paper in m["papers"])
        twice = [pair for pair, n in pairs.items() if n > 1]
        if twice:
            c.problems.append(f"after kill {c.kills}: {len(twice)} papers delivered twice, e.g. {twice[:3]}")

    def sent_log() -> list:
        store = open_store(c.db)
        try:
            return [store.issue_claim(sub.id, f"day:{day}") for sub in store.subscriptions() for day in SEND_DAYS]
        finally:
            store.close()

    c.run(prepare, at_most_once, min_rounds=2, progress=lambda: (sent_log(), len(received(log))))
    # The issues left in doubt: reported, never re-sent; settled by what the server's log says.
    delivered = {m["message_id"] for m in received(log)}
    store = open_store(c.db)
    try:
        claims = [store.issue_claim(sub.id, f"day:{day}") for sub in store.subscriptions() for day in SEND_DAYS]
        reported = unfinished_sends(store)[0]
    finally:
        store.close()
    doubts = [cl for cl in claims if cl and cl.status == "delivering"]
    c.problems += [f"{cl} left claimed after a complete re-run" for cl in claims if cl and cl.status == "sending"]
    c.problems += [f"{cl} marked sent, never received" for cl in claims if cl and cl.status == "sent"
                   and cl.holder not in delivered]
    if len(reported) != len(doubts) or not all(IN_DOUBT in p for p in reported):
        c.problems.append(f"db check reports {reported} for the issues in doubt {doubts}")
    for cl in doubts:
        verdict = "--delivered" if cl.holder in delivered else "--not-delivered"
        c.complete(["db", "settle", str(cl.subscription_id), cl.issue, verdict], rerun=False)
    for day in SEND_DAYS:
        c.complete(["send", "--date", day])  # sends what was not delivered, nothing else
    at_most_once()
    messages = received(log)
    store = open_store(c.db)
    try:
        claims = [(sub, store.issue_claim(sub.id, f"day:{day}")) for sub in store.subscriptions() for day in SEND_DAYS]
    finally:
        store.close()
    sent = [cl.holder for _, cl in claims if cl]
    if any(cl.status != "sent" for _, cl in claims if cl) or sorted(sent) != sorted(m["message_id"] for m in messages):
        c.problems.append("in the end every issue is sent and was received exactly once: "
                          f"{len(sent)} issues, {len(messages)} messages")
    if any(cl is None for sub, cl in claims if not sub.topics):  # topic-less subscribers always get papers
        c.problems.append("an issue of a subscriber without topics was never sent")
    check = c.complete(["db", "check"], rerun=False)
    if "store is consistent" not in check:
        c.problems.append(f"db check: {check}")
    line = c.summary(subscribers=len(claims) // len(SEND_DAYS), messages=len(messages), in_doubt=len(doubts),
                     in_doubt_delivered=sum(cl.holder in delivered for cl in doubts))
    assert not c.problems, c.problems
    return line
