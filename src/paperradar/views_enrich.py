"""Rich rows for what the enrichers found about a paper (used by ``show``)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from .enrich.base import predicted_categories
from .models import Paper


def category_text(paper: Paper) -> str | None:
    """Given categories as they are; predicted ones marked with their confidence."""
    if paper.categories:
        return " ".join(paper.categories) + " (given)"
    predicted = predicted_categories(paper)
    if not predicted:
        return None
    method = (paper.enrichments.get("category") or {}).get("method", "model")
    shown = ", ".join(f"{p['category']} {p.get('confidence', 0):.0%}" for p in predicted[:3])
    return f"predicted ({method}): {shown}"


def claim_text(claim: dict) -> str:
    value = f"{claim.get('value')}{claim.get('unit') or ''}"
    text = f"{claim.get('method') or '?'}: {claim.get('metric') or 'result'} {value}"
    if claim.get("dataset"):
        text += f" on {claim['dataset']}"
    if claim.get("baseline"):
        base = claim.get("baseline_value")
        text += f" (vs {claim['baseline']}" + (f" {base}{claim.get('unit') or ''}" if base is not None else "") + ")"
    return text


def add_enrichment_rows(meta: Table, paper: Paper) -> None:
    """Rows for the meta grid of ``paper_panel``: category, name, TL;DR, links, results."""
    found = paper.enrichments
    cats = category_text(paper)
    if cats:
        meta.add_row("categories", cats)
    name = (found.get("name") or {}).get("name")
    if name:
        meta.add_row("name", name)
    tldr = (found.get("tldr") or {}).get("text")
    if tldr:
        meta.add_row("TL;DR", Text(tldr, style="italic"))
    given = {link.url for link in paper.links}
    links = found.get("links") or {}
    for link in links.get("links") or []:
        if link.get("url") not in given:
            meta.add_row(f"{link.get('kind', 'other')} (found)", link.get("url", ""))
    for label in ("datasets", "models"):
        if links.get(label):
            meta.add_row(label, ", ".join(links[label]))
    for claim in (found.get("results") or {}).get("claims") or []:
        meta.add_row("result", claim_text(claim))


def enriched_translations(paper: Paper) -> dict[str, dict]:
    """Translations from the translator backend, for languages no source gave."""
    made = found if isinstance(found := paper.enrichments.get("translate"), dict) else {}
    backend = made.get("backend", "translator")
    return {lang: dict(fields, backend=backend) for lang, fields in made.items()
            if isinstance(fields, dict) and lang not in paper.translations}
