"""Who holds an issue of the sent log, and whether that sender is gone.

A ``sending`` claim names its process (pid, start time, host). On the same
host a claim is gone once that process ended (or the pid now belongs to
another process); from another host once it is older than ``CLAIM_LEASE``.
A live sender gets from its claim to the message's final line within the
mailer's timeouts, far sooner. See ``subscribers`` for the whole protocol.
"""

from __future__ import annotations

import os
import re
import socket
from datetime import UTC, datetime, timedelta

from ..store import Store

#: A ``sending`` claim from another host is taken over once it is this old.
CLAIM_LEASE = timedelta(minutes=15)
_HOLDER = re.compile(r"pid (\d+) started (\S*) on (.+)")


def names_a_process(holder: str | None) -> bool:
    """Whether a claim names its process (claims of older paperradars do not)."""
    return _HOLDER.fullmatch(holder or "") is not None


def _process_start(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) of a process from /proc; None if it is gone,
    ("", "") where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except FileNotFoundError:
        if not os.path.isdir("/proc/self"):
            return "", ""
        return None
    except OSError:
        return "", ""
    fields = stat.rpartition(")")[2].split()
    return (fields[0], fields[19]) if len(fields) > 19 else ("", "")


def claimer() -> str:
    """This process as a claim names it: pid, start time, host."""
    started = (_process_start(os.getpid()) or ("", ""))[1]
    return f"pid {os.getpid()} started {started} on {socket.gethostname()}"


def claimer_gone(holder: str | None, claimed_at: str, now: datetime | None = None) -> bool:
    """Whether the process that holds a ``sending`` claim can no longer send it: it
    ended (same host), or the claim outlived ``CLAIM_LEASE`` (another host). A claim
    that names no process (older paperradar) is never taken as gone."""
    match = _HOLDER.fullmatch(holder or "")
    if match is None:
        return False
    pid, started, host = int(match[1]), match[2], match[3]
    if host != socket.gethostname():
        try:
            return (now or datetime.now(UTC)) - datetime.fromisoformat(claimed_at) > CLAIM_LEASE
        except (TypeError, ValueError):
            return False
    found = _process_start(pid)
    if found == ("", ""):  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False
    return found is None or found[0] in ("Z", "X") or (bool(started) and found[1] != started)


def unfinished_sends(store: Store, now: datetime | None = None) -> tuple[list[str], list[str]]:
    """(problems, notes) about issues claimed and not marked sent: claims of dead
    senders (re-sent by the next ``send --date DAY``), issues in doubt (settle them),
    and, as notes, claims a live process holds."""
    problems, notes = [], []
    emails = {s.id: s.email for s in store.subscriptions(active_only=False)}
    for c in store.unfinished_issues():
        who = f"issue {c.issue} of subscription {c.subscription_id} ({emails.get(c.subscription_id, '?')})"
        day = c.issue.partition(":")[2]
        if c.status == "delivering":
            problems.append(f"{who} is in doubt: its sender died after handing over the message {c.holder} "
                            f"({c.updated_at}); look for it in the mail server's log, then run `paperradar db "
                            f"settle {c.subscription_id} {c.issue} --delivered` (or --not-delivered to send it again)")
        elif c.status == "sending" and claimer_gone(c.holder, c.updated_at, now):
            when = f"--date {day}" if c.issue.startswith("day:") else "on the issue's day (--date)"
            problems.append(f"{who} was claimed by {c.holder}, which died before the SMTP server had it: "
                            f"`paperradar send {when}` sends it")
        elif c.status == "sending" and names_a_process(c.holder):
            notes.append(f"{who} is being sent by {c.holder} (claimed {c.updated_at})")
        else:
            problems.append(f"{who} was claimed ({c.status}) by an older paperradar that did not finish it and "
                            f"may have delivered it; settle it with `paperradar db settle {c.subscription_id} "
                            f"{c.issue} --delivered` or --not-delivered")
    return problems, notes
