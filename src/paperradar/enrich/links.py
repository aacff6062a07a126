"""The ``links`` enricher: code and project links written in a paper's
abstract and comments, and the datasets and models it names.

Output (see ``base``): ``{"links": [{"url", "kind", "where"}], "datasets":
[...], "introduced": [...], "models": [...]}``. ``kind`` is code | project |
other (rules in ``links_urls``: Hugging Face models and datasets are
resources, "other"; a Hugging Face Space is a demo, "project"). Links a
source already gave (``paper.links``) are not repeated. ``datasets`` holds
catalog names (canonical spelling) and names the text marks as datasets;
``introduced`` the datasets/benchmarks the paper says it introduces.

Keys: ``"code"`` when the paper has a code link, given or found (what
``base.has_code`` reads); ``"dataset:<name in lowercase>"`` for each dataset,
known or introduced.
"""

from __future__ import annotations

import logging

from ..models import Paper
from .base import EnrichContext, Enrichment
from .links_mentions import find_mentions
from .links_urls import URL_IN_TEXT, FoundUrl, find_urls, normalize_url, prepare_text

log = logging.getLogger(__name__)

#: Hosts whose pages are the paper itself (arXiv, Hugging Face paper page).
_SELF_PREFIXES = ("https://arxiv.org/abs/", "https://arxiv.org/pdf/", "https://huggingface.co/papers/")


def found_links(paper: Paper) -> list[tuple[str, FoundUrl]]:
    """(where, link) for the URLs in the abstract and then the comments,
    each address once, leaving out links a source already gave."""
    given = {u for u in (normalize_url(link.url) for link in paper.links) if u}
    out, seen = [], set(given)
    for where, text in (("abstract", paper.abstract), ("comments", paper.comments)):
        for link in find_urls(text):
            if link.url in seen or link.url.startswith(_SELF_PREFIXES):
                continue
            seen.add(link.url)
            out.append((where, link))
    return out


def links_enrichment(paper: Paper) -> Enrichment | None:
    """What the links enricher says about one paper (None: nothing at all)."""
    links = found_links(paper)
    text = "\n".join(t for t in (paper.title, paper.abstract, paper.comments) if t)
    # names inside addresses (github.com/x/TEG-Benchmark) are not mentions
    text = URL_IN_TEXT.sub(" ", prepare_text(text))
    mentions = find_mentions(text, [link.url for _, link in links])
    given_code = any(link.kind == "code" for link in paper.links)
    if not (links or mentions.datasets or mentions.introduced or mentions.models or given_code):
        return None
    data = {
        "links": [{"url": link.url, "kind": link.kind, "where": where} for where, link in links],
        "datasets": mentions.datasets,
        "introduced": mentions.introduced,
        "models": mentions.models,
    }
    keys = []
    if given_code or any(link.kind == "code" for _, link in links):
        keys.append("code")
    for name in mentions.datasets + mentions.introduced:
        key = "dataset:" + name.lower()
        if key not in keys:
            keys.append(key)
    return Enrichment(data=data, keys=keys)


class LinksEnricher:
    """Code/project links, datasets and models found in the text."""

    name = "links"
    version = "1"
    requires: tuple[str, ...] = ()
    description = ("code and project links in abstracts and comments (LaTeX-wrapped too), "
                   "datasets and models named")

    def prepare(self, ctx: EnrichContext) -> str | None:
        return None

    def enrich(self, papers: list[Paper], ctx: EnrichContext) -> list[Enrichment | None]:
        return [links_enrichment(paper) for paper in papers]


ENRICHERS = [LinksEnricher()]
