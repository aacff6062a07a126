"""The category filter of a listing, written for the size of the category.

The newest papers of a category come fastest one of two ways. When the category is
common, walk the date index from the newest paper and keep those in the category:
twenty hits are near the top. When it is rare, read the category's few papers and sort
them. Measured at 1,000,000 papers (BENCHMARKS.md): reading and sorting a common category
of 131,000 papers took 0.3–1.1 s and the walk 0.1–0.4 ms; for a category with no papers
the walk took 0.56 s and the read 0.1 ms. Both backends use the same text (``mark`` is
their parameter marker).
"""

from __future__ import annotations

#: A category with at least this many papers (given or predicted) is listed by walking the date index.
WALK_AT_LEAST = 20_000


def category_condition(mark: str, walk: bool, array: bool = False) -> str:
    """SQL true for a paper ``p`` given or predicted in the category (two ``mark`` parameters).
    ``array`` (PostgreSQL): the category's papers are read once into an array and looked
    up by primary key, rather than hashed against a scan of every paper."""
    if array and not walk:
        return (f"p.pk = ANY(ARRAY(SELECT pk FROM paper_categories WHERE category = {mark} UNION"
                f" SELECT pk FROM enrichment_keys WHERE enricher = 'category' AND key = {mark}))")
    if walk:
        return (f"(EXISTS (SELECT 1 FROM paper_categories c WHERE c.category = {mark} AND c.pk = p.pk)"
                f" OR EXISTS (SELECT 1 FROM enrichment_keys k WHERE k.enricher = 'category'"
                f" AND k.key = {mark} AND k.pk = p.pk))")
    return (f"(p.pk IN (SELECT pk FROM paper_categories WHERE category = {mark}) OR p.pk IN"
            f" (SELECT pk FROM enrichment_keys WHERE enricher = 'category' AND key = {mark}))")


def size_sql(mark: str) -> str:
    """SQL counting a category's papers up to WALK_AT_LEAST (two ``mark`` parameters): cheap either way."""
    return (f"SELECT (SELECT count(*) FROM (SELECT 1 FROM paper_categories WHERE category = {mark}"
            f" LIMIT {WALK_AT_LEAST}) a) + (SELECT count(*) FROM (SELECT 1 FROM enrichment_keys"
            f" WHERE enricher = 'category' AND key = {mark} LIMIT {WALK_AT_LEAST}) b)")


def is_common(count_row) -> bool:
    """Whether a listing of the category walks the date index, from ``size_sql``'s row."""
    return count_row is not None and count_row[0] >= WALK_AT_LEAST
