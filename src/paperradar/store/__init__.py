"""The store: the only code that knows SQL and paths.

``open_store(url)`` picks the backend from the URL: a file path (SQLite, the
default) or ``postgresql://`` (PostgreSQL + pgvector, ``pip install
'paperradar[postgres]'``).
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import BatchResult, PaperQuery, Store

__all__ = ["BatchResult", "PaperQuery", "Store", "default_db_path", "open_store"]


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("paperradar", appauthor=False) / "paperradar.db"


def open_store(url: str | os.PathLike | None = None) -> Store:
    """Open (creating and migrating if needed) the store at ``url``.

    ``None`` means ``$PAPERRADAR_DB`` or the user's data directory.
    """
    url = str(url) if url else os.environ.get("PAPERRADAR_DB") or str(default_db_path())
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///"):]
    from .sqlite import SQLiteStore

    return SQLiteStore(url)
