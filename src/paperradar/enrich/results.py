"""Enricher module `results` (being written)."""

ENRICHERS: list = []
