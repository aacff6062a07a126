"""The app's view of the store: one SQLite connection per worker thread behind
one object, and a small cache of computed rankings.

SQLite connections belong to the thread that opened them, while FastAPI runs
request handlers on a pool of threads. ``ThreadLocalStore`` looks like one
store (the search engine and the rank functions hold it for the app's life)
and hands each call to the calling thread's own connection.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

from ..store import open_store


class ThreadLocalStore:
    """A ``Store`` whose calls go to a connection of the calling thread."""

    def __init__(self, url: str):
        self._url = url
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._generation = 0  # grows on close(): connections from before are reopened
        self.url = self.current().url  # opens (and migrates) once, now

    def current(self):
        store = getattr(self._local, "store", None)
        if store is None or self._local.generation != self._generation:
            store = open_store(self._url)
            with self._lock:
                self._local.store, self._local.generation = store, self._generation
                self._all.append(store)
        return store

    def __getattr__(self, name: str):
        value = getattr(self.current(), name)
        if inspect.ismethod(value):  # a method: bind to the thread that calls it, not the one that looked it up
            def call(*args, **kwargs):
                return getattr(self.current(), name)(*args, **kwargs)
            return call
        return value

    def close(self) -> None:
        """Close every thread's connection (at shutdown)."""
        with self._lock:
            stores, self._all = self._all, []
            self._generation += 1
        for store in stores:
            try:
                store.close()
            except Exception:  # another thread's connection: best effort at shutdown
                pass


class Memo:
    """Computed values keyed by their arguments, kept while their ``stamp``
    (the store's revision, a reader's library version) is unchanged, and for
    ``fresh_seconds`` even when it changed, so a running ingest does not make
    every request recompute a ranking. Bounded (least recently used out)."""

    def __init__(self, fresh_seconds: float = 30.0, size: int = 256,
                 clock: Callable[[], float] = time.monotonic):
        self.fresh_seconds = fresh_seconds
        self.size = size
        self.clock = clock
        self._items: OrderedDict[Hashable, tuple[Any, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, stamp: Any, compute: Callable[[], Any]) -> Any:
        """The value for ``key``: cached while current; else computed by one
        caller while the others are served the previous value (or wait for the
        first one, when there is none)."""
        with self._lock:
            item = self._items.get(key)
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        if item is not None:
            old_stamp, at, value = item
            if old_stamp == stamp or self.clock() - at < self.fresh_seconds:
                return value
            if not key_lock.acquire(blocking=False):
                return value  # being recomputed: the previous value meanwhile
        else:
            key_lock.acquire()
        try:
            hit = self._lookup(key, stamp)
            if hit is not None:
                return hit[0]
            value = compute()
            with self._lock:
                self._items[key] = (stamp, self.clock(), value)
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    old, _ = self._items.popitem(last=False)
                    self._key_locks.pop(old, None)
            return value
        finally:
            key_lock.release()

    def peek(self, key: Hashable, stamp: Any) -> Any:
        """The cached value when it may be served as it is (None otherwise): for
        callers that answer from the cache in place and compute elsewhere."""
        hit = self._lookup(key, stamp)
        return hit[0] if hit is not None else None

    def _lookup(self, key: Hashable, stamp: Any) -> tuple[Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            old_stamp, at, value = item
            if old_stamp == stamp or self.clock() - at < self.fresh_seconds:
                self._items.move_to_end(key)
                return (value,)
            return None

    def forget(self, predicate: Callable[[Hashable], bool]) -> None:
        """Drop entries whose key matches (a reader's, after they changed their library)."""
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                del self._items[key]
