"""Search: keyword (BM25), semantic (bundled embedding model + vector index),
hybrid fusion, and cross-lingual queries. See ``engine.SearchEngine``."""

from .engine import MODES, SearchEngine, SearchHit, SearchResults, SyncReport, Why

__all__ = ["MODES", "SearchEngine", "SearchHit", "SearchResults", "SyncReport", "Why"]
