"""The PostgreSQL store's reader tables: readers, their library (ratings,
saves, tags), email subscriptions and the sent log. Mixed into
``PostgresStore``; the same behaviour as ``sqlite_readers``.

Claims are row inserts guarded by the primary key, so two processes racing
for one issue get one ``True`` between them (and take-overs compare and set).
"""

from __future__ import annotations

import secrets
from typing import Any

from ..errors import InputError, NotFound
from ..normalize import is_mailbox
from .base import LibraryEntry, Reader, Subscription
from .postgres_codec import pg_json, pg_text
from .sqlite_readers import SCHEDULES, IssueClaim

_READER = "SELECT id, name, email, interests FROM readers"


class PgReaderTables:
    conn: Any
    clock: Any

    # -- readers ---------------------------------------------------------------

    def reader(self, name: str, create: bool = True) -> Reader:
        """The reader called ``name`` (created when missing, unless ``create`` is false)."""
        name = pg_text((name or "").strip())
        if not name:
            raise InputError("--reader", "a reader needs a name")
        row = self.conn.execute(f"{_READER} WHERE name = %s", (name,)).fetchone()
        if row is None:
            if not create:
                raise NotFound(f"no reader {name!r}")
            self.conn.execute("INSERT INTO readers (name, interests, created_at) VALUES (%s, '', %s)"
                              " ON CONFLICT (name) DO NOTHING", (name, self.clock()))
            row = self.conn.execute(f"{_READER} WHERE name = %s", (name,)).fetchone()
        return Reader(*row)

    def readers(self) -> list[Reader]:
        return [Reader(*r) for r in self.conn.execute(f"{_READER} ORDER BY id")]

    def reader_by_id(self, reader_id: int) -> Reader | None:
        row = self.conn.execute(f"{_READER} WHERE id = %s", (reader_id,)).fetchone()
        return Reader(*row) if row else None

    def set_interests(self, reader_id: int, text: str) -> None:
        self.conn.execute("UPDATE readers SET interests = %s WHERE id = %s", (pg_text(text or ""), reader_id))

    def set_reader_email(self, reader_id: int, email: str | None) -> None:
        self.conn.execute("UPDATE readers SET email = %s WHERE id = %s", (pg_text(email), reader_id))

    # -- library ---------------------------------------------------------------

    def rate(self, reader_id: int, pk: int, rating: int) -> None:
        """Like (+1), dislike (-1) or clear (0) a paper."""
        if rating not in (-1, 0, 1):
            raise InputError("rating", f"a rating is -1, 0 or 1, not {rating!r}")
        self.conn.execute(
            "INSERT INTO reader_papers (reader_id, pk, rating, saved, updated_at) VALUES (%s, %s, %s, 0, %s)"
            " ON CONFLICT (reader_id, pk) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
            (reader_id, pk, rating, self.clock()))

    def save_paper(self, reader_id: int, pk: int, saved: bool = True) -> None:
        self.conn.execute(
            "INSERT INTO reader_papers (reader_id, pk, rating, saved, updated_at) VALUES (%s, %s, 0, %s, %s)"
            " ON CONFLICT (reader_id, pk) DO UPDATE SET saved = excluded.saved, updated_at = excluded.updated_at",
            (reader_id, pk, int(saved), self.clock()))

    def tag_paper(self, reader_id: int, pk: int, tag: str, on: bool = True) -> None:
        tag = pg_text((tag or "").strip())
        if not tag:
            raise InputError("--tag", "a tag cannot be empty")
        if on:
            self.conn.execute("INSERT INTO reader_tags VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                              (reader_id, tag, pk))
        else:
            self.conn.execute("DELETE FROM reader_tags WHERE reader_id = %s AND tag = %s AND pk = %s",
                              (reader_id, tag, pk))

    def library(self, reader_id: int) -> list[LibraryEntry]:
        """Every paper the reader rated, saved or tagged."""
        entries: dict[int, LibraryEntry] = {}
        for pk, rating, saved, updated in self.conn.execute(
                "SELECT pk, rating, saved, updated_at FROM reader_papers WHERE reader_id = %s"
                " ORDER BY updated_at, pk", (reader_id,)):
            entries[pk] = LibraryEntry(pk, rating, bool(saved), [], updated)
        for tag, pk in self.conn.execute(
                "SELECT tag, pk FROM reader_tags WHERE reader_id = %s ORDER BY tag, pk", (reader_id,)):
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
        email = pg_text(email)
        self.conn.execute(
            "INSERT INTO subscriptions (reader_id, email, topics, schedule, language, token, active, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, 1, %s) ON CONFLICT (reader_id, email) DO UPDATE SET"
            " topics = excluded.topics, schedule = excluded.schedule, language = excluded.language, active = 1",
            (reader_id, email, pg_json(topics or {}), schedule, pg_text(language), secrets.token_urlsafe(24),
             self.clock()))
        return next(s for s in self.subscriptions(active_only=False)
                    if s.reader_id == reader_id and s.email == email)

    def subscriptions(self, active_only: bool = True) -> list[Subscription]:
        sql = ("SELECT id, reader_id, email, topics, schedule, language, token, active FROM subscriptions"
               + (" WHERE active = 1" if active_only else "") + " ORDER BY id")
        return [Subscription(i, r, e, t, s, lang, tok, bool(a))
                for i, r, e, t, s, lang, tok, a in self.conn.execute(sql)]

    def subscription_by_token(self, token: str) -> Subscription | None:
        """The subscription whose unsubscribe link carries ``token``, active or not."""
        row = self.conn.execute("SELECT id, reader_id, email, topics, schedule, language, token, active"
                                " FROM subscriptions WHERE token = %s", (pg_text(token or ""),)).fetchone()
        if row is None:
            return None
        i, r, e, t, s, lang, tok, a = row
        return Subscription(i, r, e, t, s, lang, tok, bool(a))

    def unsubscribe(self, token: str) -> Subscription | None:
        """Deactivate the subscription with this token; None when the token is unknown."""
        row = self.conn.execute("UPDATE subscriptions SET active = 0 WHERE token = %s RETURNING id",
                                (pg_text(token or ""),)).fetchone()
        if row is None:
            return None
        return next(s for s in self.subscriptions(active_only=False) if s.id == row[0])

    def claim_issue(self, subscription_id: int, issue: str, holder: str | None = None) -> bool:
        """Claim an issue for sending; False if it was claimed (or sent) before.
        ``holder`` names the claiming process (``publish.subscribers.claimer``)."""
        cur = self.conn.execute(
            "INSERT INTO sent_issues VALUES (%s, %s, 'sending', %s, %s) ON CONFLICT DO NOTHING",
            (subscription_id, pg_text(issue), pg_text(holder), self.clock()))
        return cur.rowcount == 1

    def take_over_issue(self, subscription_id: int, issue: str, holder_before: str | None, holder: str) -> bool:
        """Take over a ``sending`` claim still held by ``holder_before`` (a process
        that died before handing the message over); False if it changed meanwhile."""
        cur = self.conn.execute(
            "UPDATE sent_issues SET message_id = %s, updated_at = %s WHERE subscription_id = %s AND issue = %s"
            " AND status = 'sending' AND message_id IS NOT DISTINCT FROM %s",
            (pg_text(holder), self.clock(), subscription_id, pg_text(issue), pg_text(holder_before)))
        return cur.rowcount == 1

    def mark_delivering(self, subscription_id: int, issue: str, pks: list[int], message_id: str,
                        holder: str | None = None) -> bool:
        """Before the SMTP server may accept the message: the issue becomes
        ``delivering`` and its papers enter the sent log (one transaction).
        False (and nothing changed) when the claim is no longer ``sending`` by ``holder``."""
        with self.conn.transaction():
            cur = self.conn.execute(
                "UPDATE sent_issues SET status = 'delivering', message_id = %s, updated_at = %s"
                " WHERE subscription_id = %s AND issue = %s AND status = 'sending'"
                " AND message_id IS NOT DISTINCT FROM %s",
                (pg_text(message_id), self.clock(), subscription_id, pg_text(issue), pg_text(holder)))
            if cur.rowcount != 1:
                return False
            with self.conn.cursor() as c:
                c.executemany("INSERT INTO sent_papers VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                              [(subscription_id, pk, pg_text(issue)) for pk in pks])
        return True

    def mark_sent(self, subscription_id: int, issue: str, pks: list[int], message_id: str | None = None) -> None:
        """Record a sent issue and its papers (one transaction)."""
        with self.conn.transaction():
            self.conn.execute("UPDATE sent_issues SET status = 'sent', message_id = coalesce(%s, message_id),"
                              " updated_at = %s WHERE subscription_id = %s AND issue = %s",
                              (pg_text(message_id), self.clock(), subscription_id, pg_text(issue)))
            with self.conn.cursor() as cur:
                cur.executemany("INSERT INTO sent_papers VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                                [(subscription_id, pk, pg_text(issue)) for pk in pks])

    def release_issue(self, subscription_id: int, issue: str, holder: str | None = None) -> None:
        """Forget a claim (and its papers) whose sending failed before the SMTP server accepted it
        (only while ``holder``, when given, still holds it)."""
        with self.conn.transaction():
            if self.conn.execute("DELETE FROM sent_issues WHERE subscription_id = %s AND issue = %s"
                                 " AND status != 'sent' AND (%s::text IS NULL OR message_id = %s)",
                                 (subscription_id, pg_text(issue), pg_text(holder), pg_text(holder))).rowcount:
                self.conn.execute("DELETE FROM sent_papers WHERE subscription_id = %s AND issue = %s",
                                  (subscription_id, pg_text(issue)))

    def issue_claim(self, subscription_id: int, issue: str) -> IssueClaim | None:
        row = self.conn.execute("SELECT subscription_id, issue, status, message_id, updated_at FROM sent_issues"
                                " WHERE subscription_id = %s AND issue = %s",
                                (subscription_id, pg_text(issue))).fetchone()
        return IssueClaim(*row) if row else None

    def unfinished_issues(self) -> list[IssueClaim]:
        """Issues claimed and not (yet) marked sent."""
        return [IssueClaim(*r) for r in self.conn.execute(
            "SELECT subscription_id, issue, status, message_id, updated_at FROM sent_issues"
            " WHERE status != 'sent' ORDER BY subscription_id, issue")]

    def issue_status(self, subscription_id: int, issue: str) -> str | None:
        row = self.conn.execute("SELECT status FROM sent_issues WHERE subscription_id = %s AND issue = %s",
                                (subscription_id, pg_text(issue))).fetchone()
        return row[0] if row else None

    def sent_pks(self, subscription_id: int) -> set[int]:
        """Papers already sent to this subscription (never sent again)."""
        return {r[0] for r in self.conn.execute("SELECT pk FROM sent_papers WHERE subscription_id = %s",
                                                (subscription_id,))}
