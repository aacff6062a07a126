"""The SQLite store's reader tables: readers, their library (ratings, saves,
tags), email subscriptions and the sent log. Mixed into ``SQLiteStore``.

The sent log's issues go ``sending`` (claimed; ``message_id`` names the
claiming process) -> ``delivering`` (the SMTP server may have the message:
its papers are in ``sent_papers`` from here on) -> ``sent``. See
``publish/subscribers.py`` for why.
"""

from __future__ import annotations

import secrets
from typing import Any, NamedTuple

import orjson

from ..errors import InputError, NotFound
from ..normalize import is_mailbox
from .base import LibraryEntry, Reader, Subscription

SCHEDULES = ("daily", "weekly")


class IssueClaim(NamedTuple):
    """A row of the sent log: ``holder`` is the claiming process while ``sending``,
    the Message-ID afterwards."""

    subscription_id: int
    issue: str
    status: str  # sending | delivering | sent
    holder: str | None
    updated_at: str


class ReaderTables:
    db: Any
    clock: Any

    # -- readers ---------------------------------------------------------------

    def reader(self, name: str, create: bool = True) -> Reader:
        """The reader called ``name`` (created when missing, unless ``create`` is false)."""
        name = (name or "").strip()
        if not name:
            raise InputError("--reader", "a reader needs a name")
        row = self.db.execute("SELECT id, name, email, interests FROM readers WHERE name = ?", (name,)).fetchone()
        if row is None:
            if not create:
                raise NotFound(f"no reader {name!r}")
            self.db.execute("INSERT OR IGNORE INTO readers (name, interests, created_at) VALUES (?, '', ?)",
                            (name, self.clock()))
            row = self.db.execute("SELECT id, name, email, interests FROM readers WHERE name = ?",
                                  (name,)).fetchone()
        return Reader(*row)

    def readers(self) -> list[Reader]:
        return [Reader(*r) for r in self.db.execute("SELECT id, name, email, interests FROM readers ORDER BY id")]

    def reader_by_id(self, reader_id: int) -> Reader | None:
        row = self.db.execute("SELECT id, name, email, interests FROM readers WHERE id = ?", (reader_id,)).fetchone()
        return Reader(*row) if row else None

    def set_interests(self, reader_id: int, text: str) -> None:
        self.db.execute("UPDATE readers SET interests = ? WHERE id = ?", (text or "", reader_id))

    def set_reader_email(self, reader_id: int, email: str | None) -> None:
        self.db.execute("UPDATE readers SET email = ? WHERE id = ?", (email, reader_id))

    # -- library ---------------------------------------------------------------

    def rate(self, reader_id: int, pk: int, rating: int) -> None:
        """Like (+1), dislike (-1) or clear (0) a paper."""
        if rating not in (-1, 0, 1):
            raise InputError("rating", f"a rating is -1, 0 or 1, not {rating!r}")
        self.db.execute(
            "INSERT INTO reader_papers (reader_id, pk, rating, saved, updated_at) VALUES (?, ?, ?, 0, ?)"
            " ON CONFLICT (reader_id, pk) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
            (reader_id, pk, rating, self.clock()))

    def save_paper(self, reader_id: int, pk: int, saved: bool = True) -> None:
        self.db.execute(
            "INSERT INTO reader_papers (reader_id, pk, rating, saved, updated_at) VALUES (?, ?, 0, ?, ?)"
            " ON CONFLICT (reader_id, pk) DO UPDATE SET saved = excluded.saved, updated_at = excluded.updated_at",
            (reader_id, pk, int(saved), self.clock()))

    def tag_paper(self, reader_id: int, pk: int, tag: str, on: bool = True) -> None:
        tag = (tag or "").strip()
        if not tag:
            raise InputError("--tag", "a tag cannot be empty")
        if on:
            self.db.execute("INSERT OR IGNORE INTO reader_tags VALUES (?, ?, ?)", (reader_id, tag, pk))
        else:
            self.db.execute("DELETE FROM reader_tags WHERE reader_id = ? AND tag = ? AND pk = ?",
                            (reader_id, tag, pk))

    def library(self, reader_id: int) -> list[LibraryEntry]:
        """Every paper the reader rated, saved or tagged."""
        entries: dict[int, LibraryEntry] = {}
        for pk, rating, saved, updated in self.db.execute(
                "SELECT pk, rating, saved, updated_at FROM reader_papers WHERE reader_id = ? ORDER BY updated_at",
                (reader_id,)):
            entries[pk] = LibraryEntry(pk, rating, bool(saved), [], updated)
        for tag, pk in self.db.execute("SELECT tag, pk FROM reader_tags WHERE reader_id = ? ORDER BY tag",
                                       (reader_id,)):
            entries.setdefault(pk, LibraryEntry(pk, 0, False, [], "")).tags.append(tag)
        return list(entries.values())

    # -- subscriptions and the sent log ------------------------------------------

    def subscribe(self, reader_id: int, email: str, topics: dict, schedule: str = "daily",
                  language: str = "en") -> Subscription:
        """Create or update the reader's subscription for ``email`` (re-activating it)."""
        if schedule not in SCHEDULES:
            raise InputError("--schedule", f"schedule is one of {', '.join(SCHEDULES)}, not {schedule!r}")
        if not is_mailbox(email):
            raise InputError("--email", f"not an email address: {email!r} (write it like name@example.org)")
        self.db.execute(
            "INSERT INTO subscriptions (reader_id, email, topics, schedule, language, token, active, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (reader_id, email) DO UPDATE SET"
            " topics = excluded.topics, schedule = excluded.schedule, language = excluded.language, active = 1",
            (reader_id, email, orjson.dumps(topics or {}), schedule, language, secrets.token_urlsafe(24),
             self.clock()))
        return next(s for s in self.subscriptions(active_only=False)
                    if s.reader_id == reader_id and s.email == email)

    def subscriptions(self, active_only: bool = True) -> list[Subscription]:
        sql = ("SELECT id, reader_id, email, topics, schedule, language, token, active FROM subscriptions"
               + (" WHERE active = 1" if active_only else "") + " ORDER BY id")
        return [Subscription(i, r, e, orjson.loads(t), s, lang, tok, bool(a))
                for i, r, e, t, s, lang, tok, a in self.db.execute(sql)]

    def subscription_by_token(self, token: str) -> Subscription | None:
        """The subscription whose unsubscribe link carries ``token``, active or not."""
        row = self.db.execute("SELECT id, reader_id, email, topics, schedule, language, token, active"
                              " FROM subscriptions WHERE token = ?", (token or "",)).fetchone()
        if row is None:
            return None
        i, r, e, t, s, lang, tok, a = row
        return Subscription(i, r, e, orjson.loads(t), s, lang, tok, bool(a))

    def unsubscribe(self, token: str) -> Subscription | None:
        """Deactivate the subscription with this token; None when the token is unknown."""
        row = self.db.execute("SELECT id FROM subscriptions WHERE token = ?", (token or "",)).fetchone()
        if row is None:
            return None
        self.db.execute("UPDATE subscriptions SET active = 0 WHERE id = ?", (row[0],))
        return next(s for s in self.subscriptions(active_only=False) if s.id == row[0])

    def claim_issue(self, subscription_id: int, issue: str, holder: str | None = None) -> bool:
        """Claim an issue for sending; False if it was claimed (or sent) before.
        ``holder`` names the claiming process (``publish.subscribers.claimer``)."""
        cur = self.db.execute("INSERT OR IGNORE INTO sent_issues VALUES (?, ?, 'sending', ?, ?)",
                              (subscription_id, issue, holder, self.clock()))
        return cur.rowcount == 1

    def take_over_issue(self, subscription_id: int, issue: str, holder_before: str | None, holder: str) -> bool:
        """Take over a ``sending`` claim still held by ``holder_before`` (a process
        that died before handing the message over); False if it changed meanwhile."""
        cur = self.db.execute("UPDATE sent_issues SET message_id = ?, updated_at = ? WHERE subscription_id = ?"
                              " AND issue = ? AND status = 'sending' AND message_id IS ?",
                              (holder, self.clock(), subscription_id, issue, holder_before))
        return cur.rowcount == 1

    def mark_delivering(self, subscription_id: int, issue: str, pks: list[int], message_id: str,
                        holder: str | None = None) -> bool:
        """Before the SMTP server may accept the message: the issue becomes
        ``delivering`` and its papers enter the sent log (one transaction), so
        nothing is offered twice even if this process dies now. False (and
        nothing changed) when the claim is no longer ``sending`` by ``holder``."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute("UPDATE sent_issues SET status = 'delivering', message_id = ?, updated_at = ?"
                                  " WHERE subscription_id = ? AND issue = ? AND status = 'sending' AND message_id IS ?",
                                  (message_id, self.clock(), subscription_id, issue, holder))
            if cur.rowcount != 1:
                self.db.execute("ROLLBACK")
                return False
            self.db.executemany("INSERT OR IGNORE INTO sent_papers VALUES (?, ?, ?)",
                                [(subscription_id, pk, issue) for pk in pks])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return True

    def mark_sent(self, subscription_id: int, issue: str, pks: list[int], message_id: str | None = None) -> None:
        """Record a sent issue and its papers (one transaction)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("UPDATE sent_issues SET status = 'sent', message_id = coalesce(?, message_id),"
                            " updated_at = ? WHERE subscription_id = ? AND issue = ?",
                            (message_id, self.clock(), subscription_id, issue))
            self.db.executemany("INSERT OR IGNORE INTO sent_papers VALUES (?, ?, ?)",
                                [(subscription_id, pk, issue) for pk in pks])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def release_issue(self, subscription_id: int, issue: str, holder: str | None = None) -> None:
        """Forget a claim (and its papers) whose sending failed before the SMTP server accepted it
        (only while ``holder``, when given, still holds it)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("DELETE FROM sent_issues WHERE subscription_id = ?1 AND issue = ?2"
                               " AND status != 'sent' AND (?3 IS NULL OR message_id IS ?3)",
                               (subscription_id, issue, holder)).rowcount:
                self.db.execute("DELETE FROM sent_papers WHERE subscription_id = ? AND issue = ?",
                                (subscription_id, issue))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def issue_claim(self, subscription_id: int, issue: str) -> IssueClaim | None:
        row = self.db.execute("SELECT subscription_id, issue, status, message_id, updated_at FROM sent_issues"
                              " WHERE subscription_id = ? AND issue = ?", (subscription_id, issue)).fetchone()
        return IssueClaim(*row) if row else None

    def unfinished_issues(self) -> list[IssueClaim]:
        """Issues claimed and not (yet) marked sent."""
        return [IssueClaim(*r) for r in self.db.execute(
            "SELECT subscription_id, issue, status, message_id, updated_at FROM sent_issues"
            " WHERE status != 'sent' ORDER BY subscription_id, issue")]

    def issue_status(self, subscription_id: int, issue: str) -> str | None:
        row = self.db.execute("SELECT status FROM sent_issues WHERE subscription_id = ? AND issue = ?",
                              (subscription_id, issue)).fetchone()
        return row[0] if row else None

    def sent_pks(self, subscription_id: int) -> set[int]:
        """Papers already sent to this subscription (never sent again)."""
        return {r[0] for r in self.db.execute("SELECT pk FROM sent_papers WHERE subscription_id = ?",
                                              (subscription_id,))}
