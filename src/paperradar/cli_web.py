"""``paperradar serve`` (the web app and JSON API) and ``paperradar user``
(reader accounts and API tokens for it)."""

from __future__ import annotations

import logging
import sys

import click

from .cli_common import domain_errors, emit_json, json_option, store_from
from .errors import PaperradarError

log = logging.getLogger(__name__)

WEB_EXTRA = "the web app needs its extra: pip install 'paperradar[web]'"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _need_web() -> None:
    try:
        import argon2  # noqa: F401
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise PaperradarError(f"{WEB_EXTRA} ({exc.name} is missing)") from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--private", is_flag=True, help="Reading needs a signed-in reader too (writes always do).")
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure and send HSTS: use when served over HTTPS (behind a TLS proxy).")
@click.option("--trust-proxy", is_flag=True,
              help="Take the client address from X-Forwarded-For (only behind your own reverse proxy).")
@click.option("--threads", default=16, show_default=True, type=click.IntRange(1, 256),
              help="Worker threads answering requests.")
@click.pass_context
@domain_errors
def serve_command(ctx, host, port, private, secure_cookies, trust_proxy, threads):
    """Serve the web app and the JSON API (/api, schema at /openapi.json).

    \b
    Pages: Today (trending), Search, Paper, For you, Library, Topics,
    Results, Digest. Reading is open unless --private; likes, tags,
    subscriptions and ingest need an account (paperradar user add NAME).
    Sessions are signed with $PAPERRADAR_SECRET, else a secret generated
    once and kept beside the store.
    """
    _need_web()
    import uvicorn

    from .web import create_app

    store = store_from(ctx)
    url = store.url
    store.close()
    if host not in LOOPBACK and not secure_cookies:
        click.echo(f"warning: serving on {host} without HTTPS: put a TLS reverse proxy in front "
                   "and pass --secure-cookies, or passwords travel in clear", err=True)
    app = create_app(url, {"private": private, "secure_cookies": secure_cookies, "trust_proxy": trust_proxy,
                           "threads": threads})
    click.echo(f"paperradar serving {url} on http://{host}:{port}/" + (" (private)" if private else ""), err=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False)


@click.group("user")
def user_group():
    """Reader accounts for the web app: passwords and API tokens."""


def _accounts(ctx):
    _need_web()
    from .web.accounts import Accounts

    return Accounts(store_from(ctx))


@user_group.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@json_option
@click.pass_context
@domain_errors
def user_add_command(ctx, name, password_stdin, as_json):
    """Create the account NAME (or set its password); asks for the password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    account = _accounts(ctx).add(name, password)
    if as_json:
        emit_json({"reader_id": account.reader_id, "name": account.name})
    else:
        click.echo(f"account {account.name!r} ready (sign in at /login)")


@user_group.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (shown in `user list`).")
@json_option
@click.pass_context
@domain_errors
def user_token_command(ctx, name, label, as_json):
    """Make an API token for NAME; it is shown once (only its hash is kept)."""
    token = _accounts(ctx).new_token(name, label)
    if as_json:
        emit_json({"name": name, "token": token})
    else:
        click.echo(token)
        click.echo("keep it secret: send it as 'Authorization: Bearer <token>'", err=True)


@user_group.command("revoke-tokens")
@click.argument("name")
@click.pass_context
@domain_errors
def user_revoke_command(ctx, name):
    """Revoke every API token of NAME."""
    n = _accounts(ctx).revoke_tokens(name)
    click.echo(f"revoked {n} token{'s' * (n != 1)} of {name!r}")


@user_group.command("list")
@json_option
@click.pass_context
@domain_errors
def user_list_command(ctx, as_json):
    """List the accounts."""
    names = _accounts(ctx).names()
    if as_json:
        for name in names:
            emit_json({"name": name})
    else:
        for name in names:
            click.echo(name)
