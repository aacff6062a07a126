"""``like``, ``dislike``, ``save``, ``tag``, ``library``, ``interests``, ``for-you``
and ``topics``: a reader's library and what paperradar makes of it.

Every command acts for ``--reader`` (default: $PAPERRADAR_READER, else "me").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import click

from .cli_common import domain_errors, emit_json, json_option, stdout_console, store_from
from .codec import paper_to_dict
from .errors import InputError
from .rank import library as lib

READER_HELP = "Reader (default: $PAPERRADAR_READER, else \"me\")."


def reader_option(fn: Callable) -> Callable:
    return click.option("--reader", envvar=lib.READER_ENV, default=lib.DEFAULT_READER,
                        show_default=True, metavar="NAME", help=READER_HELP)(fn)


def period_options(fn: Callable) -> Callable:
    fn = click.option("--until", metavar="DATE", help="Papers dated on or before DATE.")(fn)
    fn = click.option("--since", metavar="DATE", help="Papers dated on or after DATE.")(fn)
    fn = click.option("--week", metavar="WEEK", help="One ISO week: 2025-W24, or any date in it.")(fn)
    fn = click.option("--date", "day", metavar="DATE", help="One day's papers (YYYY-MM-DD).")(fn)
    return fn


def period_bounds(day: str | None, week: str | None, since: str | None,
                  until: str | None) -> tuple[str | None, str | None]:
    """(since, until) as ISO dates from ``--date``, ``--week`` (an ISO week or any
    date in it) or ``--since/--until``."""
    from .rank.trending import Period, parse_day

    if sum(bool(x) for x in (day, week, since or until)) > 1:
        raise InputError("--date/--week/--since", "give one of --date, --week or --since/--until")
    if day:
        d = parse_day(day).isoformat()
        return d, d
    if week:
        try:
            inside = datetime.date.fromisoformat(week.strip())
        except ValueError:
            period = Period.week(week)
            return period.start.isoformat(), period.end.isoformat()
        monday = inside - datetime.timedelta(days=inside.weekday())
        return monday.isoformat(), (monday + datetime.timedelta(days=6)).isoformat()
    return (parse_day(since, "--since").isoformat() if since else None,
            parse_day(until, "--until").isoformat() if until else None)


def _rating_command(name: str, rating: int, doc: str):
    @click.command(name, help=doc)
    @click.argument("paper_id")
    @click.option("--undo", is_flag=True, help="Forget the rating instead.")
    @reader_option
    @click.pass_context
    @domain_errors
    def command(ctx, paper_id, undo, reader):
        store = store_from(ctx)
        pk = store.pk_of(paper_id)
        store.rate(lib.reader_of(store, reader).id, pk, 0 if undo else rating)
        click.echo(f"{'unrated' if undo else name + 'd'} {paper_id} for {lib.reader_name(reader)}", err=True)

    return command


like_command = _rating_command("like", 1, "Like a paper (by id, arXiv id or DOI): more like it in for-you.")
dislike_command = _rating_command("dislike", -1, "Dislike a paper: papers like it rank lower for you.")


@click.command("save")
@click.argument("paper_id")
@click.option("--undo", is_flag=True, help="Remove it from the saved papers.")
@reader_option
@click.pass_context
@domain_errors
def save_command(ctx, paper_id, undo, reader):
    """Save a paper in your library (saved papers teach for-you too)."""
    store = store_from(ctx)
    lib.save(store, lib.reader_of(store, reader), paper_id, saved=not undo)
    click.echo(f"{'unsaved' if undo else 'saved'} {paper_id} for {lib.reader_name(reader)}", err=True)


@click.command("tag")
@click.argument("paper_id")
@click.argument("tag_name", metavar="TAG")
@click.option("--remove", is_flag=True, help="Take the tag off instead.")
@reader_option
@click.pass_context
@domain_errors
def tag_command(ctx, paper_id, tag_name, remove, reader):
    """Tag a paper; `for-you --tag TAG` recommends per tag."""
    store = store_from(ctx)
    lib.tag(store, lib.reader_of(store, reader), paper_id, tag_name, on=not remove)
    click.echo(f"{'untagged' if remove else 'tagged'} {paper_id} {tag_name!r}", err=True)


@click.group("library")
def library_group():
    """A reader's library: show it, import a bibliography, export it."""


@library_group.command("show")
@click.option("--tag", metavar="TAG", help="Only papers with this tag.")
@reader_option
@json_option
@click.pass_context
@domain_errors
def library_show(ctx, tag, reader, as_json):
    """List the papers you liked, disliked, saved or tagged."""
    store = store_from(ctx)
    items = lib.library_items(store, lib.reader_of(store, reader), tag)
    if as_json:
        for item in items:
            emit_json({**paper_to_dict(item.paper), "rating": item.entry.rating,
                       "saved": item.entry.saved, "tags": item.entry.tags})
        return
    from rich.table import Table

    table = Table(title=f"library of {lib.reader_name(reader)}: {len(items)} papers", expand=True)
    for name, kw in (("id", {"style": "cyan", "no_wrap": True}), ("", {}), ("title", {"ratio": 1}),
                     ("tags", {"style": "dim"})):
        table.add_column(name, **kw)
    marks = {1: "♥", -1: "✗", 0: ""}
    for item in items:
        e = item.entry
        table.add_row(item.paper.id or "", marks[e.rating] + ("★" if e.saved else ""),
                      item.paper.display_title(), ", ".join(e.tags))
    stdout_console().print(table)


@library_group.command("import")
@click.argument("path", metavar="FILE")
@click.option("--tag", metavar="TAG", help="Tag every imported paper.")
@click.option("--keywords-as-tags", is_flag=True, help="BibTeX keywords become tags too.")
@reader_option
@json_option
@click.pass_context
@domain_errors
def library_import(ctx, path, tag, keywords_as_tags, reader, as_json):
    """Import a bibliography (BibTeX, or a Zotero BibTeX or CSV export) as saved papers.

    Papers already stored are matched by arXiv id, DOI or title; Zotero's manual
    tags become your tags. Re-importing the same file changes nothing.
    """
    store = store_from(ctx)
    summary = lib.import_library(store, lib.reader_of(store, reader), path, tag, keywords_as_tags)
    if as_json:
        emit_json(summary.as_dict())
        return
    for problem in summary.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"read {summary.read} papers: {summary.saved} newly saved, {summary.already} already "
               f"saved, {summary.added_to_store} new to the store, {summary.tagged} tags added", err=True)


@library_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["bibtex", "csv", "jsonl"]), default="bibtex",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
@click.option("--tag", metavar="TAG", help="Only papers with this tag.")
@reader_option
@click.pass_context
@domain_errors
def library_export(ctx, fmt, output, tag, reader):
    """Export your library (BibTeX by default: Zotero and other tools read it)."""
    store = store_from(ctx)
    with click.open_file(output, "w", encoding="utf-8", atomic=output != "-") as out:
        n = lib.export_library(store, lib.reader_of(store, reader), out, fmt, tag)
    if output != "-":
        click.echo(f"exported {n} papers to {output}", err=True)


@click.command("interests")
@click.argument("text", required=False)
@click.option("--clear", is_flag=True, help="Forget the interest statement.")
@reader_option
@click.pass_context
@domain_errors
def interests_command(ctx, text, clear, reader):
    """Set (or, without TEXT, show) what you are interested in, in English or Chinese.

    For-you starts from it while your library is empty, and keeps using it.
    """
    store = store_from(ctx)
    who = lib.reader_of(store, reader)
    if text is None and not clear:
        click.echo(who.interests or f"(no interests set for {who.name})")
        return
    store.set_interests(who.id, "" if clear else text)
    click.echo(f"interests of {who.name} {'cleared' if clear else 'saved'}", err=True)

