"""Rich renderings of papers for people at a terminal. Rendering only."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .models import Paper
from .views_enrich import add_enrichment_rows, enriched_translations


def papers_table(papers: list[Paper], total: int | None = None, title: str | None = None) -> Table:
    caption = f"{len(papers)} shown of {total} stored" if total is not None else None
    table = Table(title=title, caption=caption, expand=True, show_lines=False)
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("date", no_wrap=True)
    table.add_column("cat", no_wrap=True, style="magenta")
    table.add_column("title", ratio=1)
    table.add_column("sources", no_wrap=True, style="dim")
    for p in papers:
        table.add_row(
            p.id or "",
            p.date or "",
            p.categories[0] if p.categories else "",
            Text(p.display_title(), style="" if p.title else "italic"),
            ", ".join(sorted({s.source for s in p.sources})),
        )
    return table


def paper_panel(paper: Paper) -> Panel:
    parts: list = []
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold")
    meta.add_column()
    meta.add_row("id", paper.id or "")
    if paper.arxiv_id:
        meta.add_row("arXiv", f"{paper.arxiv_id}" + (f"v{paper.arxiv_version}" if paper.arxiv_version else ""))
    if paper.doi:
        meta.add_row("DOI", paper.doi)
    meta.add_row("date", paper.date or "unknown")
    if not paper.enrichments and paper.categories:
        meta.add_row("categories", " ".join(paper.categories))
    if paper.authors:
        meta.add_row("authors", ", ".join(
            a.name + (f" ({'; '.join(a.affiliations)})" if a.affiliations else "") for a in paper.authors))
    if paper.affiliations:
        meta.add_row("affiliations", "; ".join(paper.affiliations))
    for link in paper.links:
        meta.add_row(link.kind, link.url)
    if paper.enrichments:
        add_enrichment_rows(meta, paper)
    for seen in paper.sources:
        extra = ", ".join(f"{k}={v}" for k, v in seen.fields.items()
                          if isinstance(v, (int, float, str)) and len(str(v)) < 60)
        meta.add_row("source", f"{seen.source} {seen.source_id} first seen {seen.first_seen[:10]}, "
                     f"last {seen.last_seen[:10]}" + (f" [{extra}]" if extra else ""))
    parts.append(meta)
    if paper.abstract:
        parts.append(Text("\n" + paper.abstract))
    translations = {lang: dict(fields, backend="source") for lang, fields in paper.translations.items()}
    translations.update(enriched_translations(paper))
    for lang, fields in translations.items():
        label = "" if fields["backend"] == "source" else f" (machine translation, {fields['backend']})"
        text = Text(f"\n[{lang}]{label} ", style="bold")
        if fields.get("title"):
            text.append(fields["title"] + "\n", style="bold")
        if fields.get("summary"):
            text.append(fields["summary"])
        parts.append(text)
    title = Text(paper.display_title(), style="bold" if paper.title else "italic")
    return Panel(Group(*parts), title=title, title_align="left")
