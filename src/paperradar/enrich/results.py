"""Enricher ``results``: headline results claimed in the abstract.

Output: ``{"claims": [{"method", "metric", "value", "value_text", "unit",
"dataset", "baseline", "baseline_value", "sentence", "qualifier"}]}`` and one
key ``"dataset:<key>"`` per dataset (``results_datasets.dataset_key``), so a
leaderboard finds the papers with ``store.pks_with_key("results", key)``.
Rule-based and offline; precision first (see ``results_extract``).

A headline result is a value tied to a named benchmark: values the extractor
read without a dataset ("95% success in real-world tasks") are not stored. On
the judged samples (BENCHMARKS.md) claims with a dataset were right 104 times
in 105, those without 30 times in 43, and on unseen abstracts the dataset-less
ones were most of the errors: mostly right values whose benchmark was named
where the extractor did not read it (a sentence earlier, say).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .base import EnrichContext, Enrichment
from .results_datasets import dataset_key
from .results_extract import extract_claims
from .results_text import is_name

if TYPE_CHECKING:
    from ..models import Paper

#: Bump when the same abstract would give other claims.
VERSION = "27"


def paper_name(paper: Paper) -> str | None:
    """The paper's own method name, to credit claims whose sentence says "we"
    or "our method": the ``name`` enricher's output when it ran, else a
    name-like title prefix ("BEiT: BERT Pre-Training..." -> "BEiT")."""
    found = (paper.enrichments.get("name") or {}).get("name")
    if found:
        return str(found)
    head = re.match(r"\s*([^:]{2,40}):", paper.title or "")
    if head:
        words = head.group(1).split()
        if (len(words) == 1 and is_name(words[0])) or (
                len(words) == 2 and any(re.search(r"[a-z][A-Z]|[A-Z]{2}|\d", w) for w in words)):
            return head.group(1).strip()
    return None


def dataset_keys(claims: list[dict]) -> list[str]:
    """The ``dataset:<key>`` lookup keys of a paper's claims."""
    keys = {dataset_key(c.get("dataset")) for c in claims if c.get("dataset")}
    return sorted(f"dataset:{k}" for k in keys if k)


class ResultsEnricher:
    name = "results"
    version = VERSION
    requires = ("name",)  # optional: its output names "we"-claims; not needed to run
    description = "headline results: metric values on named datasets, with the method and compared baseline"

    def prepare(self, ctx: EnrichContext) -> str | None:
        return None

    def enrich(self, papers: list[Paper], ctx: EnrichContext) -> list[Enrichment | None]:
        return [self.enrich_one(paper) for paper in papers]

    def enrich_one(self, paper: Paper) -> Enrichment | None:
        """The claims of one paper, or None when its abstract states none."""
        claims = [c.as_dict() for c in extract_claims(paper.abstract, fallback_method=paper_name(paper))
                  if c.dataset]
        if not claims:
            return None
        return Enrichment(data={"claims": claims}, keys=dataset_keys(claims))


ENRICHERS = [ResultsEnricher()]
