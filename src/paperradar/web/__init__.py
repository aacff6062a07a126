"""The web app and JSON API (``paperradar serve``): ``create_app(store_url, settings)``."""

from __future__ import annotations


def create_app(store_url: str, settings=None):
    """The FastAPI app over the store at ``store_url`` (needs ``paperradar[web]``)."""
    from .app import create_app as _create_app

    return _create_app(store_url, settings)


__all__ = ["create_app"]
