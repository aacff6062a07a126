"""Enrichment: each paper's field, links, headline results, name, TL;DR and
translations, computed by small registered enrichers (see ``base``)."""

from .base import EnrichContext, Enricher, Enrichment, filter_categories, has_code, predicted_categories
from .registry import all_enrichers, select
from .runner import EnrichSummary, run_enrichers

__all__ = ["EnrichContext", "EnrichSummary", "Enricher", "Enrichment", "all_enrichers",
           "filter_categories", "has_code", "predicted_categories", "run_enrichers", "select"]
