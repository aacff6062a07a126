"""``paperradar migrate`` (a SQLite store into PostgreSQL) and ``paperradar
db`` (a local PostgreSQL from the bundled binaries)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_common import domain_errors, emit_json, json_option
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
    """A local PostgreSQL (with pgvector) from the bundled binaries."""


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
