"""``paperradar enrich``: label stored papers (field, links, results, name, TL;DR, translations)."""

from __future__ import annotations

import sys

import click

from .cli_common import domain_errors, emit_json, json_option, store_from


def _progress_bar(enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    tasks: dict[str, int] = {}

    def update(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = progress.add_task(name, total=total)
        progress.update(tasks[name], completed=done, total=total)

    return progress, update


def print_enrich_summary(summary) -> None:
    for report in summary.reports:
        if report.skipped:
            click.echo(f"{report.name}: skipped: {report.skipped}", err=True)
        elif report.up_to_date:
            click.echo(f"{report.name}: up to date", err=True)
        else:
            click.echo(f"{report.name}: {report.done} papers, found something for {report.found}", err=True)
        for failure in report.failures[:10]:
            click.echo(f"  failed: {failure} (will be retried)", err=True)
    for notice in summary.notices:
        click.echo(f"note: {notice}", err=True)


def engine_options(fn):
    """``--engine [local|ray]`` and ``--address`` (``PAPERRADAR_RAY_ADDRESS``), shared with ``index``."""
    fn = click.option("--address", metavar="ADDRESS", envvar="PAPERRADAR_RAY_ADDRESS",
                      help="Ray cluster for --engine ray: HOST:6379, ray://HOST:10001 or auto "
                           "(default: a local Ray) [env PAPERRADAR_RAY_ADDRESS].")(fn)
    return click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
                        help="Where the work runs: in this process, or as Ray Data batch jobs.")(fn)


def check_engine(ctx: click.Context, engine: str) -> None:
    """--address on the command line only means something with --engine ray (the env var may
    stay set); --engine ray needs Ray installed."""
    from click.core import ParameterSource

    if engine != "ray" and ctx.get_parameter_source("address") == ParameterSource.COMMANDLINE:
        raise click.UsageError("--address needs --engine ray")
    if engine == "ray":  # say so before any work: "pip install 'paperradar[ray]'"
        from .batch.session import require_ray

        require_ray()


@click.command("enrich")
@click.option("--only", multiple=True, metavar="NAME", help="Run only this enricher (repeatable).")
@click.option("--redo", is_flag=True, help="Recompute even what is up to date.")
@click.option("--list", "list_enrichers", is_flag=True, help="List the enrichers and exit.")
@engine_options
@json_option
@click.pass_context
@domain_errors
def enrich_command(ctx, only, redo, list_enrichers, engine, address, as_json):
    """Enrich stored papers: only papers (or enrichers) that changed since the last run."""
    from .enrich import all_enrichers, run_enrichers

    check_engine(ctx, engine)
    run = run_enrichers
    if engine == "ray":
        from functools import partial

        from .batch import run_enrichers_ray

        run = partial(run_enrichers_ray, address=address)

    if list_enrichers:
        for name, enricher in all_enrichers().items():
            if as_json:
                emit_json({"name": name, "version": enricher.version, "description": enricher.description})
            else:
                click.echo(f"{name:10} {enricher.description}")
        return
    store = store_from(ctx)
    progress, update = _progress_bar(not as_json)
    if progress:
        with progress:
            summary = run(store, list(only) or None, redo=redo, progress=update)
    else:
        summary = run(store, list(only) or None, redo=redo)
    if as_json:
        emit_json(summary.as_dict())
    else:
        print_enrich_summary(summary)
