"""Enricher module `tldr` (being written)."""

ENRICHERS: list = []
