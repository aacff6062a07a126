"""Enricher module `category` (being written)."""

ENRICHERS: list = []
