"""``paperradar migrate`` (a SQLite store into PostgreSQL) and ``paperradar
db``: a local PostgreSQL from the bundled binaries, the store's integrity
check, and settling an email issue left in doubt."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_common import domain_errors, emit_json, json_option, store_from
from .errors import InputError, StoreError


def _default_cluster_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("paperradar", appauthor=False) / "pgcluster"


@click.command("migrate")
@click.option("--to", "target", required=True, metavar="URL",
              help="The PostgreSQL store to fill: postgresql://user@host:port/dbname.")
@click.option("--force", is_flag=True, help="Overwrite a target that changed since it was migrated.")
@click.option("--ann-index/--no-ann-index", default=True, show_default=True,
              help="Build the pgvector HNSW indexes afterwards.")
@json_option
@click.pass_context
@domain_errors
def migrate_command(ctx, target, force, ann_index, as_json):
    """Copy the SQLite store (--db) into PostgreSQL, and verify it.

    \b
    Papers, keys, sources, categories, checkpoints, embeddings, enrichments
    and their keys, the backend cache, readers, libraries, tags,
    subscriptions and the sent log go across; each table's row count and
    checksum are compared on both sides. Re-running is safe: tables that
    already agree are skipped, others are brought level.
    """
    from .store import default_db_path
    from .store.migrate import migrate_sqlite_to_postgres

    source = ctx.obj.get("db") or str(default_db_path())
    if source.startswith(("postgresql://", "postgres://")):
        raise InputError("--db", "migrate copies a SQLite store: give its file with --db")
    if not target.startswith(("postgresql://", "postgres://")):
        raise InputError("--to", f"not a PostgreSQL URL: {target!r} (postgresql://user@host:port/dbname)")

    def show(table):
        if not as_json:
            mark = "ok" if table.ok else "MISMATCH"
            click.echo(f"{table.table:<18} {table.action:<8} {table.source_rows:>10,} -> "
                       f"{table.target_rows:>10,} rows  {mark}", err=True)

    report = migrate_sqlite_to_postgres(source.removeprefix("sqlite:///"), target, force=force,
                                        build_ann=ann_index, progress=show)
    if as_json:
        emit_json(report.as_dict())
    else:
        verdict = "verified" if report.ok else "NOT verified: counts or checksums differ"
        click.echo(f"migrated {report.source} to {report.target} in {report.seconds:.1f} s: {verdict}")
    if not report.ok:
        sys.exit(1)


@click.group("db")
def db_group():
    """The store: check it; a local PostgreSQL (with pgvector) from the bundled binaries."""


@db_group.command("check")
@json_option
@click.pass_context
@domain_errors
def db_check_command(ctx, as_json):
    """Check the store (--db) and its search indexes; exit 1 listing the problems.

    \b
    Store: duplicate papers, rows that belong to nothing (sources, categories,
    keys, enrichments, library rows, tags, subscriptions, the sent log), a
    paper sent twice to one subscription, and SQLite's own integrity check.
    Sent log: issues claimed and never marked sent (a dead sender's claim, or
    an issue in doubt: each with how to settle it).
    Indexes: keyword documents against the papers at its revision; vector
    index rows against the papers and their current text.
    """
    from .index.check import index_problems
    from .publish.send_claims import unfinished_sends

    store = store_from(ctx)
    problems = store.integrity_problems()
    sends, notes = unfinished_sends(store)
    problems += sends
    problems += index_problems(store, notes)
    if as_json:
        emit_json({"store": store.url, "papers": store.count(), "problems": problems, "notes": notes})
    else:
        for note in notes:
            click.echo(f"note: {note}", err=True)
        for problem in problems:
            click.echo(f"problem: {problem}")
        click.echo(f"{len(problems)} problem{'s' * (len(problems) != 1)} in {store.url}" if problems
                   else f"store is consistent ({store.count():,} papers)")
    if problems:
        sys.exit(1)


@db_group.command("settle")
@click.argument("subscription", type=int)
@click.argument("issue")
@click.option("--delivered/--not-delivered", required=True,
              help="What the mail server's log says of the issue's Message-ID.")
@click.pass_context
@domain_errors
def db_settle_command(ctx, subscription, issue, delivered):
    """Settle an email issue left in doubt (`db check` names them): --delivered
    records it as sent; --not-delivered forgets it, so the next `send` for its
    day sends it (its papers become sendable again)."""
    from .errors import NotFound

    store = store_from(ctx)
    claim = store.issue_claim(subscription, issue)
    if claim is None or claim.status == "sent":
        raise NotFound(f"subscription {subscription} has no unfinished issue {issue!r}")
    if delivered:
        store.mark_sent(subscription, issue, [])  # its papers entered the sent log when it was handed over
        click.echo(f"issue {issue} of subscription {subscription}: recorded as sent")
    else:
        store.release_issue(subscription, issue, claim.holder)
        click.echo(f"issue {issue} of subscription {subscription}: forgotten; the next "
                   f"`paperradar send` for its day sends it")


@db_group.command("start")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The cluster's directory (default: in the user data directory).")
@click.option("--port", type=int, default=None, help="TCP port on 127.0.0.1 (default: a free one).")
@click.option("--dbname", default="paperradar", show_default=True, help="The database to create.")
@json_option
@domain_errors
def db_start_command(directory, port, dbname, as_json):
    """Start (creating it once) a local PostgreSQL and print its URL for --db."""
    from .store.pgcluster import LocalCluster
    from .store.postgres import connect

    cluster = LocalCluster(directory or _default_cluster_dir(), port=port)
    cluster.start()
    conn = connect(cluster.url())
    try:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
            if not dbname.replace("_", "").isalnum():
                raise StoreError(f"database names are letters, digits and _: {dbname!r}")
            conn.execute(f"CREATE DATABASE {dbname}")
    finally:
        conn.close()
    url = cluster.url(dbname)
    if as_json:
        emit_json({"url": url, "directory": str(cluster.directory), "port": cluster.port})
    else:
        click.echo(url)


@db_group.command("stop")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The cluster's directory (default: in the user data directory).")
@domain_errors
def db_stop_command(directory):
    """Stop the local PostgreSQL."""
    from .store.pgcluster import LocalCluster

    LocalCluster(directory or _default_cluster_dir()).stop()
