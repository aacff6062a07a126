"""Connecting to Ray: a local instance by default, a cluster by address.

``ray_session(address)`` yields the ``ray`` module with a connection open, and
closes what it opened (a connection made before, by a test or a notebook, is
used as it is and left open). Addresses are checked before Ray sees them: Ray
itself waits minutes on an address where nothing listens, then exits the
process.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import PaperradarError
from . import RAY_EXTRA_HINT

log = logging.getLogger(__name__)

#: Seconds to wait for a TCP connection to the address before giving up.
PROBE_TIMEOUT = 5.0
CLIENT_HINT = ("ray:// addresses go through Ray Client, which needs `pip install 'ray[client]'`;"
               " or run paperradar on a node of the cluster with --address HEAD:6379 (or auto)")


class RayUnavailable(PaperradarError):
    """Ray is not installed, or the cluster cannot be reached."""


@dataclass(frozen=True)
class ClusterShape:
    """What the connected cluster offers, as Ray counts it."""

    cpus: int
    gpus: int


def require_ray():
    """The ``ray`` module with Ray Data, or ``RayUnavailable`` naming the pip extra."""
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data is the part we use)
    except ImportError as exc:
        raise RayUnavailable(f"the Ray engine needs Ray Data ({exc.name} is missing): {RAY_EXTRA_HINT}") from exc
    return ray


def check_address(address: str) -> None:
    """Raise ``RayUnavailable`` with a fix when ``address`` cannot be a reachable cluster:
    a malformed address, Ray Client missing for ``ray://``, or nothing listening there."""
    if address in ("auto", "local"):
        return
    target = address
    if address.startswith("ray://"):
        if importlib.util.find_spec("grpc") is None:
            raise RayUnavailable(f"cannot use {address}: {CLIENT_HINT}")
        target = address[len("ray://"):]
    elif "://" in address:
        raise RayUnavailable(f"not a Ray address: {address!r}; use HOST:PORT (the head's GCS port, "
                             "6379 by default), ray://HOST:10001, or auto")
    host, _, port = target.rstrip("/").rpartition(":")
    if not host or not (port.isascii() and port.isdigit()):
        raise RayUnavailable(f"not a Ray address: {address!r}; use HOST:PORT (e.g. 10.0.0.5:6379), "
                             "ray://HOST:10001, or auto")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT):
            pass
    except OSError as exc:
        raise RayUnavailable(
            f"cannot reach a Ray cluster at {address} ({exc.strerror or exc}); start one with "
            "`ray start --head` and pass the address it prints, or leave --address out for a local Ray"
        ) from exc


def quiet_data_context() -> None:
    """Ray Data without progress bars, banners and per-job log lines (the CLI has its
    own progress; Ray Data's errors still show)."""
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False


@contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None) -> Iterator:
    """Yield ``ray`` connected to ``address`` (a cluster) or to a local instance
    started here (``num_cpus``: default all cores); shut down afterwards what
    was started here."""
    ray = require_ray()
    address = address or os.environ.get("RAY_ADDRESS") or None  # Ray's own variable, as ``ray.init`` reads it
    if address:
        check_address(address)
    if ray.is_initialized():
        log.debug("using the Ray connection already open")
        quiet_data_context()
        yield ray
        return
    kwargs = {"logging_level": logging.WARNING, "log_to_driver": False}
    if address:
        kwargs["address"] = address
    else:
        kwargs.update(num_cpus=num_cpus, include_dashboard=False)
    try:
        ray.init(**kwargs)
    except (Exception, SystemExit) as exc:  # Ray exits the process when a cluster never answers
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise RayUnavailable(f"cannot start or reach {where}: {type(exc).__name__}: {exc}") from exc
    try:
        quiet_data_context()
        yield ray
    finally:
        ray.shutdown()


class RayJobFailed(PaperradarError):
    """A Ray job failed on the cluster (a worker crashed, or could not import paperradar)."""


@contextmanager
def job_errors(what: str) -> Iterator[None]:
    """Turn Ray's errors from a job into ``RayJobFailed`` (one line and a hint);
    what was stored before the failure stays, and a re-run does the rest."""
    import ray.exceptions

    try:
        yield
    except ray.exceptions.RayError as exc:
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise RayJobFailed(f"the Ray job ({what}) failed: {first.strip()[:300]}; what it stored is kept and a "
                           "re-run does the rest (on a cluster: every node needs paperradar[ray] installed)") from exc


def cluster_shape(ray) -> ClusterShape:
    """CPUs and GPUs of the connected cluster."""
    resources = ray.cluster_resources()
    return ClusterShape(cpus=max(1, int(resources.get("CPU", 1))), gpus=int(resources.get("GPU", 0)))


def arrow_blocks(columns: dict, rows_per_block: int) -> list:
    """A pyarrow table of ``columns`` cut into blocks of ``rows_per_block`` rows
    (zero-copy slices), so an actor pool gets one task per block."""
    import pyarrow as pa

    table = pa.table(columns)
    return [table.slice(start, rows_per_block) for start in range(0, max(table.num_rows, 1), rows_per_block)]
