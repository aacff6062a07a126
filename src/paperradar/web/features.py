"""The parts of paperradar the app shows when they are installed: trending,
for-you, topics, digests. Each is imported when first asked for; a missing
module or function becomes a clear "not available" note instead of an error,
so the app works with whatever this install has."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger(__name__)

#: What each optional feature is: (module, function, what the reader is told is missing).
FEATURES = {
    "trending": ("paperradar.rank.trending", "rank_trending", "trending ranking"),
    "latest_day": ("paperradar.rank.trending", "latest_day", "trending ranking"),
    "foryou": ("paperradar.rank.foryou", "recommend", "for-you recommendations"),
    "topics": ("paperradar.rank.topics", "topics", "the topic map"),
    "library_import": ("paperradar.rank.library", "import_library", "library import"),
    "library_export": ("paperradar.rank.library", "export_library", "library export"),
    "digest": ("paperradar.publish", "render_digest", "digest previews"),
    "leaderboard": ("paperradar.enrich.results_board", "leaderboard", "leaderboards"),
    "dataset_counts": ("paperradar.enrich.results_board", "dataset_counts", "leaderboards"),
}


@dataclass
class Feature:
    name: str
    fn: Callable[..., Any] | None
    missing: str = ""  # why it is not available

    @property
    def available(self) -> bool:
        return self.fn is not None


def feature(name: str) -> Feature:
    """The feature's function, or why this install does not have it."""
    module_name, attr, what = FEATURES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        log.debug("%s not available: %s", name, exc)
        detail = f" (needs {exc.name})" if exc.name and not module_name.startswith(exc.name) else ""
        return Feature(name, None, f"{what} is not available in this install yet{detail}")
    fn = getattr(module, attr, None)
    if not callable(fn):
        return Feature(name, None, f"{what} is not available in this install yet")
    return Feature(name, fn)


def module_attr(module_name: str, attr: str, default: Any = None) -> Any:
    """An attribute of an optional module, or ``default``."""
    try:
        return getattr(importlib.import_module(module_name), attr, default)
    except ImportError:
        return default
