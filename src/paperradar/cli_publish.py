"""``paperradar trending``, ``digest``, ``subscribe``, ``unsubscribe`` and ``send``."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from .cli_common import domain_errors, emit_json, json_option, stdout_console, store_from
from .codec import paper_to_dict
from .errors import InputError, NotFound
from .rank.trending import Period, latest_day, parse_day, rank_trending

FORMATS = ("md", "html", "email", "rss", "atom")


def period_from(store, day: str | None, week: str | None) -> Period:
    """--date or --week; neither: the latest day with papers (today when nothing is stored)."""
    if day and week:
        raise InputError("--date", "give --date or --week, not both")
    if week:
        return Period.week(week)
    if day:
        return Period.day(parse_day(day))
    today = datetime.now(UTC).date()
    return Period.day(latest_day(store, today) or today)


def _period_options(fn):
    fn = click.option("--week", metavar="YYYY-Www", help="An ISO week, such as 2024-W23.")(fn)
    fn = click.option("--date", "day", metavar="DATE", help="A day (default: the latest day with papers).")(fn)
    return fn


@click.command("trending")
@_period_options
@click.option("--limit", default=20, type=click.IntRange(min=0), show_default=True, help="How many papers.")
@json_option
@click.pass_context
@domain_errors
def trending_command(ctx, day, week, limit, as_json):
    """What is hot on a day or in a week, and why (upvotes, likes, code, sources).

    An empty day says why: a weekend, a holiday, a listing not out yet, or
    nothing fetched.
    """
    store = store_from(ctx)
    result = rank_trending(store, period_from(store, day, week), limit=limit)
    if as_json:
        for rank, e in enumerate(result.entries, 1):
            emit_json({"rank": rank, "score": round(e.score, 3), "why": e.reasons, "appeared": e.appeared,
                       "upvotes": e.signals.upvotes, "likes": e.signals.likes, "has_code": e.signals.has_code,
                       "sources": list(e.signals.sources), "paper": paper_to_dict(e.paper)})
        if not result.entries:
            emit_json({"period": result.period.label, "empty": result.empty_reason})
        return
    if not result.entries:
        click.echo(f"no papers for {result.period.label}: {result.empty_reason}")
        return
    from rich.table import Table

    table = Table(title=f"Trending {result.period.label}", expand=True)
    for name, kw in (("#", {"justify": "right", "style": "dim"}), ("id", {"style": "cyan", "no_wrap": True}),
                     ("score", {"justify": "right"}), ("title", {"ratio": 2}), ("why", {"ratio": 1, "style": "dim"})):
        table.add_column(name, **kw)
    for rank, e in enumerate(result.entries, 1):
        table.add_row(str(rank), e.paper.id or "", f"{e.score:.1f}", e.paper.display_title(), "; ".join(e.reasons))
    stdout_console().print(table)


@click.command("digest")
@_period_options
@click.option("--reader", metavar="NAME", help="Rank for this reader (their for-you ranking).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True,
              help="Markdown, an HTML page, an email (MIME), an RSS 2.0 or Atom feed.")
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="en", show_default=True,
              help="Language of titles and summaries where a translation exists.")
@click.option("--limit", default=10, type=click.IntRange(min=0), show_default=True, help="Numbered entries.")
@click.option("--also", default=5, show_default=True, help="Further titles under 'also worth a look'.")
@click.option("--query", "queries", multiple=True, metavar="TEXT", help="Only papers on this topic (repeatable).")
@click.option("--category", "categories", multiple=True, metavar="CAT", help="Only this category (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
@click.pass_context
@domain_errors
def digest_command(ctx, day, week, reader, fmt, lang, limit, also, queries, categories, output):
    """The digest of a day or week: numbered papers with TL;DR, abstract and links.

    --query and --category make a topic digest or feed; --reader ranks for a
    reader when paperradar has a for-you ranking.
    """
    import os

    from .publish.digest import build_digest
    from .publish.topics import TopicMatcher, normalize_topics, topic_label

    store = store_from(ctx)
    period = period_from(store, day, week)
    topics = normalize_topics(queries, categories)
    trending = rank_trending(store, period)
    allowed = None
    if topics:
        matcher = TopicMatcher(store)
        try:
            allowed = matcher.select(topics, {e.pk: e.paper for e in trending.entries})
        finally:
            matcher.close()
    digest = build_digest(store, period, language=lang, limit=limit, also=also, reader=reader,
                          allowed=allowed, topic=topic_label(topics), trending=trending)
    base = os.environ.get("PAPERRADAR_BASE_URL")
    text = _render(digest, fmt, base)
    with click.open_file(output, "w", encoding="utf-8", atomic=output != "-") as out:
        out.write(text)
    for note in digest.notes:
        click.echo(f"note: {note}", err=True)


def _render(digest, fmt: str, base: str | None) -> str:
    import os

    if fmt == "md":
        from .publish.render_md import render_markdown

        return render_markdown(digest)
    if fmt == "html":
        from .publish.render_html import render_html

        return render_html(digest)
    if fmt in ("rss", "atom"):
        from .publish.render_feed import render_atom, render_rss

        return (render_rss if fmt == "rss" else render_atom)(digest, site_url=base)
    from .publish.mailer import build_message
    from .publish.render_html import render_html
    from .publish.render_md import render_text

    digest.unsubscribe_url = f"{(base or 'http://localhost:8000').rstrip('/')}/unsubscribe/TOKEN"
    sender = os.environ.get("PAPERRADAR_MAIL_FROM") or "paperradar <paperradar@localhost>"
    msg = build_message(sender=sender, to_email="reader@localhost", to_name=None,
                        subject=digest.title, text=render_text(digest), html=render_html(digest),
                        unsubscribe=digest.unsubscribe_url)
    return msg.as_string()


@click.command("subscribe")
@click.option("--reader", required=True, metavar="NAME", help="The reader (created when new).")
@click.option("--email", required=True, metavar="ADDRESS", help="Where the digests go.")
@click.option("--query", "queries", multiple=True, metavar="TEXT", help="A saved query (repeatable).")
@click.option("--category", "categories", multiple=True, metavar="CAT", help="A category, cs.CV or CV (repeatable).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="One of the reader's tags (repeatable).")
@click.option("--schedule", type=click.Choice(["daily", "weekly"]), default="daily", show_default=True,
              help="Daily (Monday to Friday) or weekly (Mondays, or PAPERRADAR_WEEKLY_DAY).")
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="en", show_default=True)
@json_option
@click.pass_context
@domain_errors
def subscribe_command(ctx, reader, email, queries, categories, tags, schedule, lang, as_json):
    """Subscribe a reader to email digests of their topics (no topics: all trending papers).

    Subscribing again with the same address updates the subscription.
    """
    import os

    from .publish.topics import normalize_topics, topic_label

    store = store_from(ctx)
    person = store.reader(reader)
    sub = store.subscribe(person.id, email.strip(), normalize_topics(queries, categories, tags), schedule, lang)
    if person.email is None:
        store.set_reader_email(person.id, sub.email)
    base = os.environ.get("PAPERRADAR_BASE_URL")
    link = f"{base.rstrip('/')}/unsubscribe/{sub.token}" if base else None
    if as_json:
        emit_json({"id": sub.id, "reader": person.name, "email": sub.email, "topics": sub.topics,
                   "schedule": sub.schedule, "language": sub.language, "token": sub.token, "unsubscribe": link})
        return
    click.echo(f"subscribed {sub.email} ({person.name}): {topic_label(sub.topics) or 'all trending papers'}, "
               f"{sub.schedule}, {sub.language}")
    click.echo(f"unsubscribe: {link or f'paperradar unsubscribe {sub.token}'}")


@click.command("unsubscribe")
@click.argument("token")
@click.pass_context
@domain_errors
def unsubscribe_command(ctx, token):
    """Stop a subscription by the token of its unsubscribe link."""
    sub = store_from(ctx).unsubscribe(token.strip().rstrip("/").rpartition("/")[2])
    if sub is None:
        raise NotFound("no subscription has that token (it may be mistyped)")
    click.echo(f"unsubscribed {sub.email}")


@click.command("send")
@click.option("--date", "day", metavar="DATE", help="Send the issues due on this day (default: today).")
@click.option("--dry-run", is_flag=True, help="Say what would be sent; send and record nothing.")
@json_option
@click.pass_context
@domain_errors
def send_command(ctx, day, dry_run, as_json):
    """Email the digests due today to their subscribers (each paper at most once)."""
    from .publish.mailer import SmtpSettings
    from .publish.subscribers import send_due

    store = store_from(ctx)
    report = send_due(store, parse_day(day) if day else None, settings=SmtpSettings.from_env(), dry_run=dry_run)
    if as_json:
        for o in report.outcomes:
            emit_json({"subscription": o.subscription.id, "email": o.subscription.email, "issue": o.issue,
                       "status": o.status, "papers": o.papers, "detail": o.detail})
        return
    for line in report.lines(verbose=dry_run):
        click.echo(line)
    if report.count("failed"):
        raise SystemExit(1)


COMMANDS = (trending_command, digest_command, subscribe_command, unsubscribe_command, send_command)
