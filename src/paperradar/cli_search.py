"""``paperradar search``, ``related`` and ``index``: finding papers."""

from __future__ import annotations

import click

from .cli_common import _filters, domain_errors, emit_json, json_option, stdout_console, store_from
from .cli_enrich import check_engine, engine_options
from .codec import paper_to_dict
from .index import MODES, SearchEngine, SearchHit
from .store import PaperQuery


def engine_from(ctx: click.Context, embedder: str | None = None) -> SearchEngine:
    engine = SearchEngine(store_from(ctx), embedder=embedder)
    ctx.call_on_close(engine.close)
    return engine


def hit_to_dict(hit: SearchHit) -> dict:
    out = paper_to_dict(hit.paper)
    out["score"] = hit.score
    out["retrievers"] = {name: {"rank": w.rank, "score": w.score, "why": w.detail}
                         for name, w in hit.retrievers.items()}
    return out


def print_hits(hits: list[SearchHit], title: str) -> None:
    from rich.table import Table

    table = Table(title=title, expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("title", ratio=1)
    table.add_column("why", ratio=1, style="dim")
    for i, hit in enumerate(hits, 1):
        why = "; ".join(f"{name} #{w.rank} ({w.detail})" for name, w in hit.retrievers.items())
        table.add_row(str(i), hit.paper.id or "", hit.paper.date or "",
                      hit.paper.display_title(), why)
    stdout_console().print(table)


def _sync_for_search(engine: SearchEngine, mode: str, as_json: bool) -> None:
    engine.sync_keyword()
    if mode == "keyword":
        return
    engine.sync_vectors()
    missing = engine.not_embedded()
    if missing and not as_json:
        click.echo(f"note: {missing} papers have no vector yet; semantic results skip them "
                   "(run `paperradar index`)", err=True)


@click.command("search")
@click.argument("query")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True,
              help="Keyword (BM25), semantic (embeddings) or both fused.")
@click.option("--limit", default=20, type=click.IntRange(min=0), show_default=True, help="How many papers.")
@click.option("--operators", is_flag=True,
              help="Read AND/OR/NOT, -word, \"phrases\" and field:word in the query.")
@_filters
@json_option
@click.pass_context
@domain_errors
def search_command(ctx, query, mode, limit, operators, since, until, category, source, author,
                   has_code, as_json):
    """Search stored papers; Chinese queries find English papers too.

    By default the query is plain text: quotes, operators and brackets are
    just words. Each hit says which retriever found it and why.
    """
    engine = engine_from(ctx)
    _sync_for_search(engine, mode, as_json)
    filters = PaperQuery(since=since, until=until, category=category, source=source,
                         author=author, has_code=has_code)
    results = engine.search(query, mode=mode, limit=limit, filters=filters, operators=operators)
    if as_json:
        for hit in results:
            emit_json(hit_to_dict(hit))
        return
    if results.read_as:
        click.echo(f"note: query read as {results.read_as!r}", err=True)
    print_hits(results.hits, f"{mode} search: {query}")


@click.command("related")
@click.argument("paper_id")
@click.option("--limit", default=10, type=click.IntRange(min=0), show_default=True, help="How many papers.")
@json_option
@click.pass_context
@domain_errors
def related_command(ctx, paper_id, limit, as_json):
    """Papers most like one paper (by id, arXiv id or DOI)."""
    engine = engine_from(ctx)
    engine.sync_vectors()
    hits = engine.related(paper_id, limit=limit)
    if as_json:
        for hit in hits:
            emit_json(hit_to_dict(hit))
    else:
        print_hits(hits, f"related to {paper_id}")


@click.command("index")
@click.option("--embed/--no-embed", default=True, show_default=True,
              help="Also embed papers that have no vector yet (slow on CPU for big stores).")
@click.option("--embedder", metavar="NAME", help="Embedding model (default: the bundled one).")
@engine_options
@json_option
@click.pass_context
@domain_errors
def index_command(ctx, embed, embedder, engine, address, as_json):
    """Bring the search indexes up to date with the store (safe to re-run)."""
    check_engine(ctx, engine)
    search = engine_from(ctx, embedder)
    if engine == "ray":  # embedding as a Ray Data job; the indexes are built here
        from .batch import embed_missing_ray
        from .index.embed import DEFAULT_EMBEDDER
        from .index.engine import SyncReport

        report = SyncReport(keyword=search.sync_keyword())
        if embed:
            name = search.embedder_name or DEFAULT_EMBEDDER
            job = embed_missing_ray(search.store, name, address=address)
            report.embedded = job.embedded.get(name, 0)
            for notice in job.notices:
                click.echo(f"note: {notice}", err=True)
            report.vectors = search.index_vectors(report.embedded)
    else:
        report = search.sync(embed=embed)
    data = {"keyword_indexed": report.keyword, "embedded": report.embedded,
            "vectors_added": report.vectors}
    if as_json:
        emit_json(data)
    else:
        click.echo(f"keyword index: {report.keyword} papers updated; embedded {report.embedded}; "
                   f"vector index: {report.vectors} added")
