"""Who gets what, when: due subscriptions, their issues, sending, and the day's publishing.

Schedules: ``daily`` issues go out Monday to Friday (never at weekends) and hold
the papers of their day plus those of the three days before not sent yet (so a
paper listed after an issue went out, even on a Friday, comes in the next one); ``weekly`` issues go out on Mondays (or
``PAPERRADAR_WEEKLY_DAY``) and hold the ISO week before.

Each issue is delivered at most once, and one whose sender died before the
SMTP server could have it is sent again. The sent log holds each issue as

- ``sending``: claimed before the SMTP exchange, by this process (host, pid,
  start time). A server delivers a message only once it has read its final
  line (``.``), and that line goes out only after the issue became
  ``delivering``; so a ``sending`` issue surely was not delivered. A failure
  releases the claim; a claim whose process died (killed, out of memory) is
  taken over by the next ``send`` for that day, on the same host at once, from
  another host once ``send_claims.CLAIM_LEASE`` has passed (a live sender
  reaches the final line within the mailer's timeouts, far sooner).
- ``delivering``: written (with its papers, in one transaction) just before
  the final line. From here the message may have been delivered: it is never
  sent again automatically. If the process dies before the server's answer
  the issue stays ``delivering``: ``paperradar db check`` reports it with its
  Message-ID, and ``paperradar db settle`` records what the mail server's log
  says (delivered, or not: then the next ``send`` sends it).
- ``sent``: the server accepted it.

Papers in the sent log (from ``delivering`` on) are never offered to that
subscription again, so a re-run, or the next day's issue, repeats none of
them. A death leaves an issue in doubt only between that last line and the
record of the server's answer (the server's own processing: milliseconds on a
local server). A SQLite store on ``synchronous=NORMAL`` may lose its last
commit on power loss (never on a killed process), which could turn a
``delivering`` issue back into ``sending``. tests/test_kill_campaign.py kills
``send`` at random moments to hold all this to account.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from ..errors import InputError, PaperradarError
from ..rank.trending import Period, Trending, latest_day, rank_trending
from ..store import Store
from ..store.base import Reader, Subscription
from .digest import Digest, build_digest
from .mailer import (
    NOT_CONFIGURED,
    Mailer,
    MailError,
    SmtpSettings,
    build_message,
)
from .render_html import render_html
from .render_md import render_markdown, render_text
from .send_claims import claimer, claimer_gone, names_a_process
from .topics import TopicMatcher, topic_label

log = logging.getLogger(__name__)

DAILY_WINDOW_DAYS = 4
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekly_day(env=None) -> int:
    """The weekday weekly issues go out (Monday is 0), from PAPERRADAR_WEEKLY_DAY."""
    raw = ((env if env is not None else os.environ).get("PAPERRADAR_WEEKLY_DAY") or "monday").strip().lower()
    for i, name in enumerate(WEEKDAYS):
        if raw in (name, name[:3], str(i + 1)):
            return i
    raise InputError("PAPERRADAR_WEEKLY_DAY", f"{raw!r} is not a weekday (monday, tue, 1-7 with 1 = Monday)")


def is_due(sub: Subscription, day: date, weekly_on: int = 0) -> bool:
    """Whether the subscription has an issue on ``day`` (no daily issues at weekends)."""
    if sub.schedule == "weekly":
        return day.weekday() == weekly_on
    return day.weekday() < 5


def issue_of(sub: Subscription, day: date) -> tuple[str, Period]:
    """The issue key of ``day`` and the period it covers."""
    if sub.schedule == "weekly":
        week = Period.week((day - timedelta(days=7)).strftime("%G-W%V"))
        return f"week:{week.label}", week
    return f"day:{day}", Period(day - timedelta(days=DAILY_WINDOW_DAYS - 1), day, day.isoformat())


@dataclass
class SendOutcome:
    subscription: Subscription
    issue: str
    status: str  # sent | would send | failed | nothing new | already sent | in progress | interrupted | not due
    papers: int = 0
    detail: str = ""

    def line(self) -> str:
        text = f"{self.subscription.email} ({self.issue}): {self.status}"
        if self.papers:
            text += f", {self.papers} papers"
        return text + (f": {self.detail}" if self.detail else "")


@dataclass
class SendReport:
    day: date
    outcomes: list[SendOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def lines(self, verbose: bool = False) -> list[str]:
        shown = [o.line() for o in self.outcomes if verbose or o.status != "not due"]
        due = sum(o.status != "not due" for o in self.outcomes)
        total = (f"email {self.day}: {self.count('sent')} sent, {self.count('failed')} failed, "
                 f"{due} due of {len(self.outcomes)} active subscriptions")
        return [*shown, total]


def digest_message(digest: Digest, sub: Subscription, reader: Reader | None, sender: str,
                   unsubscribe: str) -> EmailMessage:
    """The digest as an email to one subscriber: text and HTML parts, unsubscribe link."""
    digest.unsubscribe_url = unsubscribe
    subject = f"{digest.title} ({len(digest)} paper{'s' * (len(digest) != 1)})"
    return build_message(sender=sender, to_email=sub.email, to_name=reader.name if reader else None,
                         subject=subject, text=render_text(digest), html=render_html(digest),
                         unsubscribe=unsubscribe)


def send_due(store: Store, day: date | None = None, *, settings: SmtpSettings | None = None,
             dry_run: bool = False, mailer: Mailer | None = None, limit: int = 10, also: int = 5,
             now: datetime | None = None) -> SendReport:
    """Send every active subscription's issue due on ``day`` (default today).

    Without settings (no SMTP configured) only a dry run is possible.
    """
    if settings is None and not dry_run:
        raise InputError("PAPERRADAR_SMTP_HOST", NOT_CONFIGURED)
    day = day or datetime.now(UTC).date()
    weekly_on = weekly_day()
    if settings is not None and not dry_run:
        settings.unsubscribe_url("check")  # a missing base URL stops the run before any claim
    mailer = mailer or (Mailer(settings) if settings is not None else None)
    readers = {r.id: r for r in store.readers()}
    report = SendReport(day)
    rankings: dict[Period, Trending] = {}
    matcher = TopicMatcher(store)
    try:
        for sub in store.subscriptions():
            issue, period = issue_of(sub, day)
            if not is_due(sub, day, weekly_on):
                report.outcomes.append(SendOutcome(sub, issue, "not due"))
                continue
            claim = store.issue_claim(sub.id, issue)
            if claim is not None and not (claim.status == "sending" and claimer_gone(claim.holder, claim.updated_at)):
                report.outcomes.append(_claimed_outcome(sub, issue, claim))
                continue
            if period not in rankings:
                rankings[period] = rank_trending(store, period, now=now)
            trending = rankings[period]
            try:  # one subscription's bad topic never stops the others
                allowed = matcher.select(sub.topics, {e.pk: e.paper for e in trending.entries},
                                         readers.get(sub.reader_id))
                digest = build_digest(store, period, language=sub.language, limit=limit, also=also,
                                      allowed=allowed, exclude=store.sent_pks(sub.id), trending=trending,
                                      topic=topic_label(sub.topics), now=now)
            except PaperradarError as exc:
                report.outcomes.append(SendOutcome(sub, issue, "failed", detail=f"cannot build the digest: {exc}"))
                continue
            report.outcomes.append(_deliver(store, sub, issue, digest, readers.get(sub.reader_id),
                                            settings, mailer, dry_run, claim))
    finally:
        matcher.close()
    return report


def _claimed_outcome(sub: Subscription, issue: str, claim) -> SendOutcome:
    if claim.status == "sent":
        return SendOutcome(sub, issue, "already sent")
    if claim.status == "sending" and names_a_process(claim.holder):
        return SendOutcome(sub, issue, "in progress", detail=f"being sent by {claim.holder}")
    return SendOutcome(sub, issue, "interrupted", detail="an earlier run died while handing it to the SMTP "
                       "server: it may have been delivered; `paperradar db check` tells how to settle it")


def _deliver(store: Store, sub: Subscription, issue: str, digest: Digest, reader: Reader | None,
             settings: SmtpSettings | None, mailer: Mailer | None, dry_run: bool, stale=None) -> SendOutcome:
    if not len(digest):
        if stale is not None and not dry_run:  # a dead sender's claim with nothing left to send
            store.release_issue(sub.id, issue, stale.holder)
        return SendOutcome(sub, issue, "nothing new", detail=digest.empty_reason or "")
    if dry_run:
        return SendOutcome(sub, issue, "would send", len(digest), digest.title)
    try:
        msg = digest_message(digest, sub, reader, settings.sender, settings.unsubscribe_url(sub.token))
    except InputError as exc:  # e.g. an address stored before the store checked it as strictly
        return SendOutcome(sub, issue, "failed", detail=str(exc))
    holder = [claimer()]  # who the claim names: this process, then the message
    claimed = (store.take_over_issue(sub.id, issue, stale.holder, holder[0]) if stale is not None
               else store.claim_issue(sub.id, issue, holder[0]))
    if not claimed:
        return SendOutcome(sub, issue, "already sent", detail="claimed by another run")
    lost: list[bool] = []

    def commit_point():  # the server may deliver it from the next line on
        if not store.mark_delivering(sub.id, issue, digest.pks, str(msg["Message-ID"]), holder[0]):
            lost.append(True)
            raise MailError("another run took this issue over meanwhile; not sent from here")
        holder[0] = str(msg["Message-ID"])

    try:
        message_id = mailer.send(msg, commit_point=commit_point)
    except MailError as exc:
        if lost or exc.in_doubt:
            return SendOutcome(sub, issue, "failed", detail=str(exc) + ("" if lost else
                               "; `paperradar db check` tells how to settle it"))
        if not exc.accepted:
            store.release_issue(sub.id, issue, holder[0])
            return SendOutcome(sub, issue, "failed", detail=str(exc))
        message_id = None
    store.mark_sent(sub.id, issue, digest.pks, message_id)
    return SendOutcome(sub, issue, "sent", len(digest))


def digest_dir(store: Store) -> Path:
    configured = os.environ.get("PAPERRADAR_DIGEST_DIR")
    path = Path(configured).expanduser() if configured else store.artifact_dir("digests")
    path.mkdir(parents=True, exist_ok=True)
    return path


def publish_day(store: Store, day: date | str | None = None, now: datetime | None = None) -> list[str]:
    """The main job's last step: write the day's Markdown digest (PAPERRADAR_DIGEST_DIR, else
    beside the store) and send the emails due when SMTP is configured. Returns message lines.

    Without ``day``: the digest of the latest day with papers, and the issues due today.
    """
    today = (now or datetime.now(UTC)).date()
    given = date.fromisoformat(day) if isinstance(day, str) else day
    day = given or latest_day(store, today)
    if day is None:
        return ["digest: nothing stored yet"]
    lang = os.environ.get("PAPERRADAR_DIGEST_LANG") or "en"
    digest = build_digest(store, Period.day(day), language=lang, now=now)
    path = digest_dir(store) / f"{day}.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render_markdown(digest), encoding="utf-8")
    tmp.replace(path)
    lines = [f"digest: wrote {path} ({len(digest)} papers)"
             + (f"; {digest.empty_reason}" if digest.empty_reason else "")]
    try:
        settings = SmtpSettings.from_env()
        if settings is None:
            if store.subscriptions():
                lines.append("email: not sent: " + NOT_CONFIGURED)
            return lines
        lines += send_due(store, given or today, settings=settings, now=now).lines()
    except PaperradarError as exc:
        lines.append(f"email: not sent: {exc}")
    return lines
