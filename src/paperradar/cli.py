"""The ``paperradar`` command: a thin shell over the library.

Each command parses arguments, calls one library function, and prints the
result: ``--json`` for machines, Rich tables and progress bars for people.
Domain errors become one clear line on stderr and exit status 1.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Callable

import click
import orjson

from .codec import paper_to_dict
from .errors import PaperradarError
from .models import Paper
from .store import PaperQuery, open_store

log = logging.getLogger(__name__)

DB_HELP = "Store: a SQLite file path (default: $PAPERRADAR_DB, else the user data directory)."


def emit_json(obj) -> None:
    click.echo(orjson.dumps(obj).decode())


def domain_errors(fn: Callable) -> Callable:
    """Map paperradar's documented errors to a one-line message and exit 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PaperradarError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def json_option(fn: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (lines) for machines.")(fn)


def stdout_console():
    from rich.console import Console

    return Console(soft_wrap=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="PAPERRADAR_DB", metavar="PATH", help=DB_HELP)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="paperradar")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: int) -> None:
    """paperradar: collect, merge and search research papers from every source."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"db": db}


def store_from(ctx: click.Context):
    store = open_store(ctx.obj["db"])
    ctx.call_on_close(store.close)
    return store


def _filters(fn: Callable) -> Callable:
    fn = click.option("--since", metavar="DATE", help="Only papers dated on or after DATE.")(fn)
    fn = click.option("--until", metavar="DATE", help="Only papers dated on or before DATE.")(fn)
    fn = click.option("--category", metavar="CAT", help="Only papers in this category (cs.LG).")(fn)
    fn = click.option("--source", metavar="NAME", help="Only papers seen in this source (hf-daily).")(fn)
    fn = click.option("--author", metavar="NAME", help="Only papers with an author matching NAME.")(fn)
    fn = click.option("--has-code/--no-code", "has_code", default=None,
                      help="Only papers with (or without) a code link.")(fn)
    return fn


from .cli_ingest import ingest_command, run_command  # noqa: E402
from .cli_search import index_command, related_command, search_command  # noqa: E402
from .cli_eval import eval_group  # noqa: E402
from .cli_enrich import enrich_command  # noqa: E402

for _command in (ingest_command, run_command, search_command, related_command, index_command,
                 eval_group, enrich_command):
    cli.add_command(_command)


@cli.command("list")
@_filters
@click.option("--limit", default=20, show_default=True, help="How many papers (0: all).")
@json_option
@click.pass_context
@domain_errors
def list_command(ctx, since, until, category, source, author, has_code, limit, as_json):
    """List stored papers, newest first."""
    store = store_from(ctx)
    query = PaperQuery(since=since, until=until, category=category, source=source,
                       author=author, has_code=has_code, limit=limit or None)
    papers = store.papers(query)
    if as_json:
        for paper in papers:
            emit_json(paper_to_dict(paper))
        return
    from .views import papers_table

    stdout_console().print(papers_table(list(papers), total=store.count()))


@cli.command("show")
@click.argument("paper_id")
@json_option
@click.pass_context
@domain_errors
def show_command(ctx, paper_id, as_json):
    """Show one paper by id, arXiv id (any version) or DOI."""
    paper: Paper = store_from(ctx).get(paper_id)
    if as_json:
        emit_json(paper_to_dict(paper))
        return
    from .views import paper_panel

    stdout_console().print(paper_panel(paper))


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "bibtex", "csv"]), default="jsonl",
              show_default=True, help="Output format; each re-imports without loss.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
@_filters
@json_option
@click.pass_context
@domain_errors
def export_command(ctx, fmt, output, since, until, category, source, author, has_code, as_json):
    """Export stored papers as JSON lines, BibTeX or CSV."""
    from .exporters import EXPORTERS

    store = store_from(ctx)
    papers = store.papers(PaperQuery(since=since, until=until, category=category, source=source,
                                     author=author, has_code=has_code))
    with click.open_file(output, "w", encoding="utf-8", atomic=output != "-") as out:
        n = EXPORTERS[fmt](papers, out)
    if as_json:
        emit_json({"exported": n, "format": fmt, "output": output})
    elif output != "-":
        click.echo(f"exported {n} papers to {output}", err=True)


def main() -> None:
    cli(prog_name="paperradar")
