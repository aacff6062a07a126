"""Enricher module `name` (being written)."""

ENRICHERS: list = []
