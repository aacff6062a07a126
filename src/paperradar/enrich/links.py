"""Enricher module `links` (being written)."""

ENRICHERS: list = []
