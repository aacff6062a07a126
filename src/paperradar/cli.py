"""The ``paperradar`` command: a thin shell over the library.

Each command parses arguments, calls one library function, and prints the
result: ``--json`` for machines, Rich tables and progress bars for people.
Domain errors become one clear line on stderr and exit status 1.
"""

from __future__ import annotations

import logging

import click

from .cli_common import (  # noqa: F401  (re-exported for command modules and plugins)
    DB_HELP, _filters, domain_errors, emit_json, json_option, stdout_console, store_from)
from .codec import paper_to_dict
from .models import Paper
from .store import PaperQuery

log = logging.getLogger(__name__)

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


from .cli_ingest import ingest_command, run_command  # noqa: E402
from .cli_search import index_command, related_command, search_command  # noqa: E402
from .cli_eval import eval_group  # noqa: E402
from .cli_enrich import enrich_command  # noqa: E402
from .cli_results import results_command  # noqa: E402
from .cli_publish import COMMANDS as PUBLISH_COMMANDS  # noqa: E402
from .cli_library import (  # noqa: E402
    dislike_command, interests_command, library_group, like_command, save_command, tag_command)
from .cli_foryou import for_you_command, topics_command  # noqa: E402
from .cli_web import serve_command, user_group  # noqa: E402
from .cli_db import db_group, migrate_command  # noqa: E402

for _command in (ingest_command, run_command, search_command, related_command, index_command,
                 eval_group, enrich_command, results_command):
    cli.add_command(_command)
for _command in (*PUBLISH_COMMANDS, like_command, dislike_command, save_command, tag_command,
                 library_group, interests_command, for_you_command, topics_command, serve_command,
                 user_group, db_group, migrate_command):
    cli.add_command(_command)


@cli.command("list")
@_filters
@click.option("--limit", default=20, type=click.IntRange(min=0), show_default=True,
              help="How many papers (0: all).")
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
