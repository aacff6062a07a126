"""``paperradar results``: headline results across papers, as leaderboards."""

from __future__ import annotations

import click

from .cli_common import domain_errors, emit_json, json_option, stdout_console, store_from
from .enrich.results_board import dataset_counts, leaderboard, results_enriched

NOT_ENRICHED = ("no results extracted yet: run `paperradar enrich` "
                "(or `paperradar enrich --only results`) first")


def _value(claim: dict) -> str:
    unit = claim.get("unit") or ""
    text = claim.get("value_text") or f"{claim['value']:g}"
    qualifier = f"{claim['qualifier']} " if claim.get("qualifier") else ""
    return f"{qualifier}{text}{unit if unit in ('%',) else (' ' + unit if unit else '')}"


def _print_boards(boards, dataset: str) -> None:
    from rich.table import Table

    console = stdout_console()
    for board in boards:
        order = "lower is better" if board.lower_is_better else "higher is better"
        table = Table(title=f"{dataset} · {board.metric} ({order})", expand=True, show_lines=True)
        table.add_column("#", justify="right", style="dim")
        table.add_column("value", justify="right", no_wrap=True, style="bold")
        table.add_column("method", no_wrap=True)
        table.add_column("paper", ratio=1)
        table.add_column("claim (sentence)", ratio=2, style="dim")
        for rank, row in enumerate(board.rows, 1):
            claim = row.claim
            baseline = ""
            if claim.get("baseline") or claim.get("baseline_value") is not None:
                baseline = f"\nvs {claim.get('baseline') or '?'}"
                if claim.get("baseline_value") is not None:
                    baseline += f" {claim['baseline_value']:g}"
            table.add_row(str(rank), _value(claim), (claim.get("method") or "?") + baseline,
                          f"[cyan]{row.paper_id}[/cyan] {row.title}", claim.get("sentence") or "")
        console.print(table)


@click.command("results")
@click.option("--dataset", metavar="NAME", help="Leaderboard of the claims on this dataset (any spelling).")
@click.option("--metric", metavar="NAME", help="Only claims of this metric (top-1, BLEU, FID...).")
@click.option("--limit", default=10, type=click.IntRange(min=0), show_default=True,
              help="Rows per metric (0: all).")
@json_option
@click.pass_context
@domain_errors
def results_command(ctx, dataset, metric, limit, as_json):
    """Headline results (metric values on named datasets) found in abstracts.

    Without --dataset: the datasets papers report results on, with counts.
    With --dataset: a leaderboard per metric, best first (lower first for FID,
    WER, perplexity, error...), each row linking back to its paper and the
    sentence that makes the claim. --json prints one line per claim.
    """
    store = store_from(ctx)
    if not results_enriched(store):
        click.echo(NOT_ENRICHED, err=True)
        return
    if not dataset:
        counts = dataset_counts(store, metric)
        if as_json:
            for key, n in counts:
                emit_json({"dataset": key, "papers": n})
        elif not counts:
            click.echo("no claims on a named dataset" + (f" with metric {metric!r}" if metric else ""), err=True)
        else:
            for key, n in counts:
                click.echo(f"{n:6}  {key}")
            click.echo("see one: paperradar results --dataset NAME", err=True)
        return
    boards = leaderboard(store, dataset, metric=metric, limit=limit)
    if as_json:
        for board in boards:
            for rank, row in enumerate(board.rows, 1):
                emit_json({"rank": rank, "lower_is_better": board.lower_is_better, **row.as_dict()})
        return
    if not boards:
        click.echo(f"no claims on {dataset!r}" + (f" with metric {metric!r}" if metric else "")
                   + "; `paperradar results` lists the datasets with claims", err=True)
        return
    _print_boards(boards, dataset)
