"""Email: SMTP settings from the environment, the digest as a multipart message, sending.

Settings (environment)::

    PAPERRADAR_SMTP_HOST       the server; unset means email is not configured
    PAPERRADAR_SMTP_PORT       default 587 (465 means TLS from the first byte)
    PAPERRADAR_SMTP_USER       log in as this user (with PAPERRADAR_SMTP_PASSWORD)
    PAPERRADAR_SMTP_PASSWORD   never logged, never shown in errors
    PAPERRADAR_SMTP_STARTTLS   1/0; default on when a user is set
    PAPERRADAR_SMTP_CAFILE     trust this CA bundle (a self-hosted server's own certificate)
    PAPERRADAR_MAIL_FROM       the sender, "paperradar <radar@example.org>"
    PAPERRADAR_BASE_URL        where the web app runs: unsubscribe links are {base}/unsubscribe/{token}

Header values are cleaned of CR, LF, other control characters and bidi overrides
before they reach a header, so a reader's name or a topic cannot inject headers,
and the recipient must be one plain mailbox, so it cannot add recipients.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..errors import InputError, PaperradarError
from ..normalize import is_mailbox

log = logging.getLogger(__name__)

DEFAULT_PORT = 587
TIMEOUT_S = 60
# Controls, line and paragraph separators, and the bidi overrides and isolates that
# would make a subject or a name read differently from what it is.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85\u202a-\u202e\u2066-\u2069]+")
NOT_CONFIGURED = ("email is not configured: set PAPERRADAR_SMTP_HOST (and PAPERRADAR_MAIL_FROM, "
                  "PAPERRADAR_BASE_URL; PAPERRADAR_SMTP_USER/_PASSWORD to log in)")


class MailError(PaperradarError):
    """Sending failed; ``accepted`` says whether the server had already taken the message,
    ``in_doubt`` that the connection broke after the message's last line went out."""

    def __init__(self, message: str, accepted: bool = False, in_doubt: bool = False):
        super().__init__(message)
        self.accepted = accepted
        self.in_doubt = in_doubt


def check_address(address: str | None) -> str:
    """``address`` when it is one plain mailbox (``name@example.org``), else InputError."""
    address = address or ""
    if not is_mailbox(address):
        raise InputError("email", f"not an email address: {address!r} (write it like name@example.org)")
    return address


def parse_sender(sender: str | None) -> tuple[str, str]:
    """(display name, address) of ``Name <address>`` or a bare address; InputError unless
    the address is one plain mailbox."""
    match = re.fullmatch(r"(.*?)<([^<>]*)>\s*", sender or "", re.DOTALL)
    name, address = (match[1], match[2]) if match else ("", sender or "")
    return clean_header(clean_header(name).strip('"')), check_address(address.strip())


def clean_header(value: str | None, limit: int = 300) -> str:
    """A header value on one line: CR, LF and control characters become spaces, and an
    RFC 2047 encoded word (``=?utf-8?q?...?=``) is broken up, because the email package
    decodes it when it writes the header (CR LF included, on Python before 3.11.10)."""
    return " ".join(_CONTROL.sub(" ", value or "").split()).replace("=?", "= ?")[:limit]


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = DEFAULT_PORT
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    implicit_tls: bool = False
    cafile: str | None = None
    base_url: str | None = None
    timeout: float = TIMEOUT_S

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings from the environment; None when no SMTP host is set."""
        env = os.environ if env is None else env
        host = (env.get("PAPERRADAR_SMTP_HOST") or "").strip()
        if not host:
            return None
        try:
            port = int(env.get("PAPERRADAR_SMTP_PORT") or DEFAULT_PORT)
        except ValueError:
            raise InputError("PAPERRADAR_SMTP_PORT", "the SMTP port is a number, such as 587") from None
        user = (env.get("PAPERRADAR_SMTP_USER") or "").strip() or None
        sender = clean_header(env.get("PAPERRADAR_MAIL_FROM")) or (user if user and "@" in user else "")
        try:
            parse_sender(sender)
        except InputError:
            raise InputError("PAPERRADAR_MAIL_FROM", "set the sender address, e.g. "
                             "PAPERRADAR_MAIL_FROM='paperradar <radar@example.org>'") from None
        return cls(host=host, sender=sender, port=port, user=user,
                   password=env.get("PAPERRADAR_SMTP_PASSWORD") or None,
                   starttls=_flag(env.get("PAPERRADAR_SMTP_STARTTLS"), default=user is not None),
                   implicit_tls=port == 465, cafile=env.get("PAPERRADAR_SMTP_CAFILE") or None,
                   base_url=(env.get("PAPERRADAR_BASE_URL") or "").strip().rstrip("/") or None)

    def unsubscribe_url(self, token: str) -> str:
        """The link a subscriber follows to unsubscribe (served by the web app)."""
        if not self.base_url:
            raise InputError("PAPERRADAR_BASE_URL", "set PAPERRADAR_BASE_URL (where paperradar's web app "
                             "runs) so every email carries a working unsubscribe link")
        return unsubscribe_link(self.base_url, token)


def unsubscribe_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"


def build_message(*, sender: str, to_email: str, to_name: str | None, subject: str, text: str,
                  html: str, unsubscribe: str) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) with List-Unsubscribe headers."""
    check_address(to_email)
    msg = EmailMessage()
    name, address = parse_sender(sender)
    domain = address.rpartition("@")[2]
    msg["From"] = Address(name, addr_spec=address)
    local, _, host = to_email.partition("@")
    msg["To"] = Address(clean_header(to_name), local, host)
    msg["Subject"] = clean_header(subject)
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid("digest", domain=domain)
    msg["List-Unsubscribe"] = f"<{clean_header(unsubscribe)}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _data_with_commit_point(smtp: smtplib.SMTP, commit_point: Callable[[], None], passed: list[bool]):
    """``smtp.data`` split at the message's final line (``.``): a server delivers
    nothing before it has read that line, so until ``commit_point()`` returns the
    message surely is not delivered, and from then on it may be. If
    ``commit_point`` raises, the connection is dropped without the final line."""

    def data(msg: bytes):
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = re.sub(rb"(?m)^\.", b"..", msg if isinstance(msg, bytes) else msg.encode("ascii"))
        smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        try:
            commit_point()
        except BaseException:
            smtp.close()
            raise
        passed.append(True)
        smtp.send(b".\r\n")
        return smtp.getreply()

    return data


class Mailer:
    """Sends messages over SMTP, one connection per message (``smtp_class`` is replaceable in tests)."""

    def __init__(self, settings: SmtpSettings, smtp_class: Callable[..., smtplib.SMTP] | None = None):
        self.settings = settings
        self.smtp_class = smtp_class

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if self.smtp_class is not None:
            return self.smtp_class(s.host, s.port, timeout=s.timeout)
        if s.implicit_tls:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)

    def send(self, msg: EmailMessage, commit_point: Callable[[], None] | None = None) -> str:
        """Send one message; its Message-ID once the server accepted it. Raises MailError
        with ``accepted=False`` when it surely was not delivered to the server, and
        ``in_doubt=True`` when the connection failed after the message's final line
        went out. ``commit_point`` is called just before that line is sent."""
        s = self.settings
        passed: list[bool] = []
        where = f"{s.host}:{s.port}"
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot reach the SMTP server {where}: {_scrub(str(exc), s.password)}") from None
        try:
            try:
                smtp.ehlo()
                if s.starttls and not s.implicit_tls:
                    smtp.starttls(context=self._tls())
                    smtp.ehlo()
                if s.user:
                    smtp.login(s.user, s.password or "")
                if commit_point is not None:
                    smtp.data = _data_with_commit_point(smtp, commit_point, passed)
                refused = smtp.send_message(msg)
            except smtplib.SMTPAuthenticationError as exc:
                raise MailError(f"the SMTP server {where} refused the login of {s.user!r} "
                                f"({exc.smtp_code}); check PAPERRADAR_SMTP_USER/_PASSWORD") from None
            except smtplib.SMTPNotSupportedError as exc:
                raise MailError(f"the SMTP server {where} does not support "
                                f"{'STARTTLS' if s.starttls else 'login'}: {_scrub(str(exc), s.password)}") from None
            except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
                doubt = bool(passed) and not isinstance(exc, smtplib.SMTPResponseException)
                raise MailError(f"sending through {where} failed: {_scrub(str(exc), s.password)}"
                                + (" after the whole message went out: it may have been delivered" if doubt
                                   else ""), in_doubt=doubt) from None
            if refused:
                raise MailError(f"the SMTP server {where} refused {', '.join(refused)}")
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        log.info("sent %s to %s", msg["Message-ID"], msg["To"])
        return str(msg["Message-ID"])
