"""``paperradar ingest`` and ``paperradar run``: bringing papers in."""

from __future__ import annotations

import sys

import click

from .cli_common import domain_errors, emit_json, json_option, stdout_console, store_from
from .pipeline import IngestSummary, ingest
from .jobs import DEFAULT_CATEGORIES, run_job


def _progress(enabled: bool):
    """A Rich progress display on a terminal; nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(),
        TextColumn("records"), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )
    tasks: dict[str, int] = {}

    def update(label: str, n: int) -> None:
        if label not in tasks:
            tasks[label] = progress.add_task(label[-60:], total=None)
        if n % 200 == 0 or n < 200:
            progress.update(tasks[label], completed=n)

    return progress, update


def sync_keyword_index(store) -> int:
    """Keep the keyword index in step with the store after a write."""
    from .index import SearchEngine

    engine = SearchEngine(store)
    try:
        return engine.sync_keyword()
    finally:
        engine.close()


def print_summary(summary: IngestSummary, max_problems: int = 30) -> None:
    notices = [n for n in summary.notices if not n.message.startswith("read as ")]
    if len(summary.notices) - len(notices) <= 10:  # which layout each input was read as
        notices = summary.notices
    for notice in notices:
        click.echo(f"note: {notice}", err=True)
    for problem in summary.rejected[:max_problems]:
        click.echo(f"rejected: {problem}", err=True)
    if len(summary.rejected) > max_problems:
        click.echo(f"rejected: … and {len(summary.rejected) - max_problems} more "
                   "(use --json for all)", err=True)
    if summary.resumed:
        click.echo(f"resumed an interrupted import of: {', '.join(summary.resumed)}", err=True)
    click.echo(
        f"added {summary.added}, merged {summary.merged}, unchanged {summary.unchanged}, "
        f"rejected {len(summary.rejected)}"
    )


@click.command("ingest")
@click.argument("sources", nargs=-1, required=True)
@click.option("--batch-size", default=1000, show_default=True, help="Records per transaction.")
@click.option("--index/--no-index", "update_index", default=True, show_default=True,
              help="Bring the keyword index up to date afterwards.")
@json_option
@click.pass_context
@domain_errors
def ingest_command(ctx, sources, batch_size, update_index, as_json):
    """Bring papers in from files, directories, - (stdin) or online sources.

    \b
    Files are recognised by their content: pasted listings (digest posts,
    keyword listings, trending pages, abstract dumps), JSON lines (paperradar's
    export, the arXiv metadata snapshot, any objects with a title or abstract),
    BibTeX, CSV, Hugging Face Daily Papers JSON, arXiv Atom/RSS and OAI-PMH XML.

    \b
    Online sources:
      arxiv:QUERY        arXiv query API       (arxiv:"all:diffusion")
      arxiv-new:CATS     new submissions feed  (arxiv-new:cs.LG+cs.CV)
      oai:SET[:FROM]     OAI-PMH bulk harvest  (oai:cs:2026-11-01), resumable
      hf:DATE            Hugging Face Daily Papers (hf:2026-11-20, hf:today)

    Re-running is safe: papers already stored are merged, never duplicated,
    and an interrupted import resumes where it stopped.
    """
    from .sources.http import Http

    store = store_from(ctx)
    progress, update = _progress(not as_json)
    http = Http()
    try:
        if progress:
            with progress:
                summary = ingest(store, sources, http=http, progress=update, batch_size=batch_size)
        else:
            summary = ingest(store, sources, http=http, batch_size=batch_size)
    finally:
        http.close()
    indexed = sync_keyword_index(store) if update_index and summary.seen else 0
    if as_json:
        emit_json({**summary.as_dict(), "indexed": indexed})
    else:
        print_summary(summary)
    if summary.seen == 0 and summary.rejected:
        sys.exit(1)


@click.command("run")
@click.option("--category", "categories", multiple=True, metavar="CAT",
              help=f"arXiv categories to follow (default: $PAPERRADAR_CATEGORIES or "
                   f"{' '.join(DEFAULT_CATEGORIES)}).")
@click.option("--date", metavar="DATE", help="Day to fetch from Hugging Face (default: today).")
@click.option("--from", "from_paths", multiple=True, metavar="PATH",
              help="Also ingest these files or directories (works offline).")
@click.option("--offline", is_flag=True, help="Do not touch the network.")
@click.option("--no-enrich", is_flag=True, help="Skip the enrich stage.")
@json_option
@click.pass_context
@domain_errors
def run_command(ctx, categories, date, from_paths, offline, no_enrich, as_json):
    """The main job: fetch today's papers, store, index and enrich them, and show the day.

    Without network it says so plainly and works from what is stored, or
    from files given with --from.
    """
    from .sources.http import Http

    store = store_from(ctx)
    http = None if offline else Http()
    try:
        report = run_job(store, categories=categories, date=date, from_paths=from_paths, http=http,
                         enrich=not no_enrich)
    finally:
        if http is not None:
            http.close()
    if as_json:
        emit_json(report.as_dict())
        return
    for line in report.messages:
        click.echo(line, err=True)
    print_summary(report.ingest)
    from .views import papers_table

    stdout_console().print(papers_table(report.papers, total=report.stored,
                                        title=f"Latest papers ({report.day or 'none yet'})"))
