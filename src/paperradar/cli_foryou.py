"""``for-you`` and ``topics``: recommendations for a reader, and a period's topics."""

from __future__ import annotations

import click

from .cli_common import domain_errors, emit_json, json_option, stdout_console, store_from
from .cli_library import period_bounds, period_options, reader_option
from .codec import paper_to_dict
from .rank import library as lib


def recommendation_to_dict(rec) -> dict:
    out = paper_to_dict(rec.paper)
    out.update(score=round(rec.score, 4), relevance=round(rec.relevance, 4), novelty=round(rec.novelty, 4),
               reasons=rec.reasons, terms=rec.terms,
               close_to=[{"pk": m.pk, "title": m.title, "similarity": round(m.similarity, 4), "how": m.how}
                         for m in rec.close_to])
    return out


@click.command("for-you")
@reader_option
@click.option("--tag", metavar="TAG", help="Recommend for one of your tags.")
@period_options
@click.option("--limit", default=20, type=click.IntRange(min=0), show_default=True, help="How many papers.")
@click.option("--novelty", "novelty_weight", type=click.FloatRange(0, 1), default=None,
              help="Weight of novelty in the score, 0..1 (default 0.1: relevance first).")
@click.option("--sort", type=click.Choice(["score", "relevance", "novelty"]), default="score",
              show_default=True, help="Order by the blended score, relevance or novelty.")
@json_option
@click.pass_context
@domain_errors
def for_you_command(ctx, reader, tag, day, week, since, until, limit, novelty_weight, sort, as_json):
    """Papers for you, each with why: learnt from your likes, saves, tags and interests.

    Without a period, ranks the store's latest week of papers.
    """
    from .rank.foryou import latest_window, recommend
    from .rank.foryou_model import DEFAULT_NOVELTY_WEIGHT
    from .store import PaperQuery

    store = store_from(ctx)
    start, end = period_bounds(day, week, since, until)
    query = PaperQuery(since=start, until=end) if (start or end) else latest_window(store)
    weight = DEFAULT_NOVELTY_WEIGHT if novelty_weight is None else novelty_weight
    recs = recommend(store, lib.reader_name(reader), tag=tag, limit=limit, query=query,
                     novelty_weight=weight, sort=sort)
    if as_json:
        for rec in recs:
            emit_json(recommendation_to_dict(rec))
        return
    if not recs:
        click.echo(f"no papers to recommend between {query.since or 'the start'} and {query.until or 'now'} "
                   "(none stored, or all already in your library)", err=True)
        return
    from rich.table import Table

    title = f"for {lib.reader_name(reader)}" + (f", tag {tag!r}" if tag else "") + \
        f": {query.since or '…'} to {query.until or '…'}"
    table = Table(title=title, expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title", ratio=2)
    table.add_column("rel.", justify="right")
    table.add_column("novel", justify="right")
    table.add_column("why", ratio=2, style="dim")
    for i, rec in enumerate(recs, 1):
        table.add_row(str(i), rec.paper.id or "", rec.paper.display_title(), f"{rec.relevance:.0%}",
                      f"{rec.novelty:.0%}", "; ".join(rec.reasons))
    stdout_console().print(table)


@click.command("topics")
@period_options
@click.option("--k", type=int, default=None, help="Number of topics (default: chosen from the papers).")
@json_option
@click.pass_context
@domain_errors
def topics_command(ctx, day, week, since, until, k, as_json):
    """Group a day's or week's papers into labelled topics, with a 2-D map.

    Without a period, the store's latest week. The map (coordinates per
    paper) and the counts per day or week are saved for the web app.
    """
    from .rank.foryou import latest_window
    from .rank.topics import map_path, topics

    store = store_from(ctx)
    start, end = period_bounds(day, week, since, until)
    if not (start and end):
        window = latest_window(store)
        start, end = start or window.since, end or window.until
    if not (start and end):
        click.echo("no dated papers in the store", err=True)
        return
    result = topics(store, start, end, k=k)
    if as_json:
        emit_json(result.as_dict())
        return
    from rich.table import Table

    table = Table(title=f"topics {start} to {end}: {len(result.points)} papers", expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("papers", justify="right")
    table.add_column("label", ratio=1, style="bold")
    table.add_column("terms", ratio=2, style="dim")
    for topic in result.topics:
        table.add_row(str(topic.id), str(topic.size), topic.label, ", ".join(topic.terms))
    stdout_console().print(table)
    click.echo(f"map saved to {map_path(store, start, end)}", err=True)
