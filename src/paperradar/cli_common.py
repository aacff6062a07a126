"""Helpers every command module shares: JSON output, error mapping, the
store from ``--db``, common filter options. Command modules import these from
here (not from ``cli``), so any of them can be imported first."""

from __future__ import annotations

import functools
import re
import sys
from typing import Callable

import click
import orjson

from .errors import PaperradarError
from .store import open_store

DB_HELP = ("Store: a SQLite file path or postgresql://user@host:port/dbname "
           "(default: $PAPERRADAR_DB, else a SQLite file in the user data directory).")


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


#: C0 and C1 control characters other than tab and newline: in paper data they could
#: drive the reader's terminal (colours, window titles, clipboard writes).
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def stdout_console():
    """A Rich console for results; the text it prints carries no control characters
    (its own styling still goes out when stdout is a terminal)."""
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        def _render_buffer(self, buffer):
            return super()._render_buffer(
                s if s.control else Segment(_TERMINAL_CONTROLS.sub("", s.text), s.style) for s in buffer)

    return SafeConsole(soft_wrap=False)


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
