"""A local PostgreSQL cluster from the binaries that the ``pgserver`` package
ships (PostgreSQL 16 with pgvector), for tests, benchmarks and a one-machine
setup.

``LocalCluster(directory).start()`` runs ``initdb`` once and starts the
server on a free loopback port (and a Unix socket inside ``directory``);
``stop()`` shuts it down. ``throwaway_cluster()`` is a context manager for a
cluster that lives in a temporary directory and is deleted afterwards.

PostgreSQL refuses to run as root. When paperradar runs as root (containers,
CI), the server runs as the unprivileged user ``nobody``; its directory is
handed to that user, and the binaries are copied to a readable place when
their own path is not reachable by it.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import StoreError

log = logging.getLogger(__name__)

RUN_AS_WHEN_ROOT = "nobody"
#: For throwaway clusters (tests): durability off, which is safe for data
#: that is thrown away and makes every commit cheap.
THROWAWAY_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
START_TIMEOUT_S = 120


def pg_bin_dir() -> Path:
    """The directory of the bundled PostgreSQL binaries (``pip install pgserver``)."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")  # only its files are used, not its code
    if spec is None or not spec.submodule_search_locations:
        raise StoreError("a local PostgreSQL needs the bundled server: "
                         "pip install 'paperradar[postgres]'")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _run_as() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    import pwd

    entry = pwd.getpwnam(RUN_AS_WHEN_ROOT)
    return entry.pw_uid, entry.pw_gid


def _reachable_by_others(path: Path) -> bool:
    """True when every directory up to ``path`` lets other users through."""
    for part in [path, *path.parents]:
        if not os.stat(part).st_mode & 0o001:
            return False
    return True


@dataclass
class LocalCluster:
    """One PostgreSQL data directory and the server running on it."""

    directory: Path
    port: int | None = None
    host: str = "127.0.0.1"
    settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.directory = Path(self.directory).resolve()
        self._ids = _run_as()
        self.bin = pg_bin_dir()

    @property
    def pgdata(self) -> Path:
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{dbname}"

    # -- running the bundled binaries ----------------------------------------------

    def _binary(self, name: str) -> str:
        if self._ids and not _reachable_by_others(self.bin):
            self.bin = _public_copy(self.bin)
        return str(self.bin / name)

    def _exec(self, args: list[str], timeout: float = START_TIMEOUT_S) -> str:
        ids = self._ids

        def demote():  # pragma: no cover - runs in the child
            if ids:
                os.setgid(ids[1])
                os.setgroups([])
                os.setuid(ids[0])

        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = env["LANG"] = "C.UTF-8"
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                                  preexec_fn=demote if ids else None, env=env, cwd="/")
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StoreError(f"{Path(args[0]).name} failed: {exc}; see {self.log_file}") from exc
        if done.returncode:
            tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise StoreError(f"{Path(args[0]).name} failed ({done.returncode}): "
                             f"{done.stderr.strip() or done.stdout.strip()}\n{tail}")
        return done.stdout

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._ids:
            if not _reachable_by_others(self.directory.parent):
                raise StoreError(
                    f"running as root, the server runs as {RUN_AS_WHEN_ROOT!r}, which cannot reach "
                    f"{self.directory}; put the cluster under a directory others may enter "
                    "(for example /var/lib/paperradar or /tmp)")
            os.chown(self.directory, *self._ids)
            if self.pgdata.exists():
                os.chown(self.pgdata, *self._ids)
        os.chmod(self.directory, 0o700)

    def initdb(self) -> None:
        """Create the data directory (once)."""
        self._prepare_directory()
        if (self.pgdata / "PG_VERSION").exists():
            return
        self._exec([self._binary("initdb"), "-D", str(self.pgdata), "-U", "postgres",
                    "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])

    def running_port(self) -> int | None:
        """The port of a server already running on this directory, if any."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            pid, port = int(lines[0]), int(lines[3])
            os.kill(pid, 0)
        except (IndexError, ValueError, ProcessLookupError, PermissionError):
            return None
        return port

    def start(self) -> str:
        """Start the server (initialising it first if needed); returns its URL."""
        self.initdb()
        running = self.running_port()
        if running:
            self.port = running
            return self.url()
        self.port = self.port or free_port(self.host)
        options = [f"-h {self.host}", f"-p {self.port}", f"-k {self.directory}"]
        options += [f"-c {k}={v}" for k, v in self.settings.items()]
        self._exec([self._binary("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file),
                    "-w", "-t", str(START_TIMEOUT_S), "-o", " ".join(options), "start"])
        self._wait_ready()
        log.info("PostgreSQL running on %s:%s (%s)", self.host, self.port, self.directory)
        return self.url()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise StoreError(f"PostgreSQL did not start on port {self.port}; see {self.log_file}")

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended)."""
        if not self.running_port():
            return
        self._exec([self._binary("pg_ctl"), "-D", str(self.pgdata), "-w", "-m", "fast", "stop"])

    def __enter__(self) -> "LocalCluster":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _public_copy(bin_dir: Path) -> Path:
    """A copy of the bundled installation where an unprivileged user can run it.

    The binaries find their shared libraries (libpq and friends, in the wheel's
    ``pgserver.libs`` beside the package) by a path relative to themselves, so the
    copy keeps the wheel's layout: ``pgserver/pginstall`` and ``pgserver.libs``."""
    install = bin_dir.parent
    libs = install.parent.parent / "pgserver.libs"
    target = Path(tempfile.gettempdir()) / f"paperradar-pgserver-{os.stat(install).st_mtime_ns}"
    copied_bin = target / "pgserver" / "pginstall" / "bin"
    if not (copied_bin / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix="paperradar-pgserver-"))
        shutil.copytree(install, staging / "root" / "pgserver" / "pginstall", symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, staging / "root" / "pgserver.libs", symlinks=True)
        for directory in (staging / "root", staging / "root" / "pgserver"):
            os.chmod(directory, 0o755)
        try:
            (staging / "root").rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(staging / "root", ignore_errors=True)
        staging.rmdir()
    return copied_bin


@contextmanager
def throwaway_cluster(settings: dict[str, str] | None = None) -> Iterator[LocalCluster]:
    """A running cluster in a new temporary directory, removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="paperradar-pg-"))
    os.chmod(directory, 0o755)
    cluster = LocalCluster(directory / "cluster", settings={**THROWAWAY_SETTINGS, **(settings or {})})
    try:
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(directory, ignore_errors=True)
