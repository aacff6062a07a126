"""Enricher module `translate` (being written)."""

ENRICHERS: list = []
