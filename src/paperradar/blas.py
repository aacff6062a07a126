"""One BLAS thread for the small matrix products of ranking and probes.

OpenBLAS's own threads make products of a few thousand rows many times slower
on a busy 2-core machine (measured: a 60-paper probe 40x, for-you 0.5 s vs
0.9–3.3 s). ``threadpoolctl`` (in the [embed] extra) sets the limit; without
it nothing changes but speed.
"""

from __future__ import annotations

import contextlib


def single_blas_thread():
    """A context manager limiting BLAS to one thread (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
