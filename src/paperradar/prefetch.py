"""Read ahead from an iterator on a background thread.

SQLite releases the GIL while it writes, so parsing the next records on a
thread overlaps with committing the previous batch: on two cores an import
runs about as fast as its slower half instead of the sum of both.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterator, TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


def prefetch(items: Iterator[T], chunk: int = 256, depth: int = 8) -> Iterator[T]:
    """Yield what ``items`` yields, produced ahead on a daemon thread.

    Items travel in chunks to keep queue overhead small; an exception raised
    by ``items`` is re-raised here, after the items before it.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        buf: list = []
        try:
            for item in items:
                buf.append(item)
                if len(buf) >= chunk:
                    q.put(buf)
                    buf = []
                    if stop.is_set():
                        return
            if buf:
                q.put(buf)
            q.put(_DONE)
        except BaseException as exc:  # handed to the consumer, not lost
            if buf:
                q.put(buf)
            q.put(_Failure(exc))

    thread = threading.Thread(target=produce, name="paperradar-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            got = q.get()
            if got is _DONE:
                return
            if isinstance(got, _Failure):
                raise got.exc
            yield from got
    finally:
        stop.set()
        # Unblock a producer waiting on a full queue so it can see `stop`.
        while thread.is_alive():
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
