"""Email delivery to a real SMTP server on loopback (aiosmtpd): multipart digests, links,
unsubscribe, header injection, the sent log (nothing twice), AUTH, STARTTLS, schedules."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, need
from smtp_inbox import Inbox

from paperradar.cli_publish import send_command, subscribe_command, unsubscribe_command
from paperradar.errors import InputError
from paperradar.pipeline import ingest
from paperradar.publish.mailer import SmtpSettings, build_message, clean_header
from paperradar.publish.subscribers import (
    is_due,
    issue_of,
    publish_day,
    send_due,
    weekly_day,
)
from paperradar.store.sqlite import SQLiteStore

aiosmtpd = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
PASSWORD = "s3cret-Pa55"
FRIDAY = date(2026, 6, 19)
MOEBIUS = ("https://arxiv.org/abs/2606.19195", "https://arxiv.org/pdf/2606.19195", "https://github.com/hustvl/Moebius")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_login(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login, auth_data.password) == (b"radar", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def start_server(**kw):
    inbox, port = Inbox(), free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port, authenticator=check_login,
                                     auth_required=True, **kw)
    controller.start()
    return inbox, port, controller


@pytest.fixture
def smtp(monkeypatch):
    inbox, port, controller = start_server(auth_require_tls=False)
    inbox.port = port
    for key, value in {"HOST": "127.0.0.1", "PORT": str(port), "USER": "radar", "PASSWORD": PASSWORD,
                       "STARTTLS": "0"}.items():
        monkeypatch.setenv(f"PAPERRADAR_SMTP_{key}", value)
    monkeypatch.setenv("PAPERRADAR_MAIL_FROM", "paperradar <radar@example.org>")
    monkeypatch.setenv("PAPERRADAR_BASE_URL", "https://radar.example.org/")
    yield inbox
    controller.stop()


@pytest.fixture
def radar(tmp_path):
    store = SQLiteStore(tmp_path / "radar.db")
    ingest(store, [str(need(FIXTURES / "hf-daily" / f"2026-06-{d}.json")) for d in (18, 19)])
    yield store
    store.close()


def invoke(cmd, args, store):
    return CliRunner().invoke(cmd, args, obj={"db": str(store.path)})


def test_digest_email_has_both_parts_links_unsubscribe_and_arrives_once(smtp, radar):
    out = invoke(subscribe_command, ["--reader", "Ana\r\nBcc: victim@example.org", "--email", "ana@example.org"], radar)
    assert out.exit_code == 0, out.output
    out = invoke(subscribe_command, ["--reader", "bo", "--email", "bo@example.org", "--query", "image inpainting",
                                     "--query", "x\r\nBcc: evil@example.org", "--lang", "both"], radar)
    assert "unsubscribe: https://radar.example.org/unsubscribe/" in out.output
    sent = invoke(send_command, ["--date", str(FRIDAY)], radar)
    assert sent.exit_code == 0, sent.output
    assert "email 2026-06-19: 2 sent, 0 failed" in sent.output

    assert sorted(e.rcpt_tos for e in smtp.envelopes) == [["ana@example.org"], ["bo@example.org"]]
    ana, bo = sorted(smtp.messages, key=lambda m: str(m["To"]))
    for msg in (ana, bo):
        assert msg.get_content_type() == "multipart/alternative" and msg["Bcc"] is None
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert "\n" not in str(msg["Subject"]) and len(msg["To"].addresses) == 1
        text, html = (p.get_content() for p in msg.iter_parts())
        for link in MOEBIUS:
            assert link in text and f'href="{link}"' in html
    assert ana["To"].addresses[0].addr_spec == "ana@example.org"
    assert ana["To"].addresses[0].display_name == "Ana Bcc: victim@example.org"
    assert "Bcc: evil@example.org" in str(bo["Subject"])  # cleaned to one harmless line
    assert bo.get_body(("plain",)).get_content().count("\n1. ") == 1  # only the inpainting paper

    subs = {s.email: s for s in radar.subscriptions()}
    token = subs["ana@example.org"].token
    assert str(ana["List-Unsubscribe"]).strip() == f"<https://radar.example.org/unsubscribe/{token}>"
    link = re.search(r"https://radar\.example\.org/unsubscribe/(\S+)", ana.get_body(("plain",)).get_content())
    assert link.group(1) == token
    assert radar.sent_pks(subs["ana@example.org"].id) and radar.issue_status(subs["bo@example.org"].id,
                                                                              "day:2026-06-19") == "sent"

    again = invoke(send_command, ["--date", str(FRIDAY)], radar)
    assert again.exit_code == 0 and "0 sent" in again.output and "already sent" in again.output
    assert len(smtp.envelopes) == 2

    gone = invoke(unsubscribe_command, [link.group(0)], radar)  # the link itself, as the web app will
    assert gone.exit_code == 0 and "unsubscribed ana@example.org" in gone.output
    assert [s.email for s in radar.subscriptions()] == ["bo@example.org"]
    assert invoke(unsubscribe_command, ["nope"], radar).exit_code == 1


def test_overlapping_issues_never_repeat_a_paper(smtp, radar):
    sub = radar.subscribe(radar.reader("ana").id, "ana@example.org", {})
    thursday = send_due(radar, date(2026, 6, 18), settings=SmtpSettings.from_env(), limit=50, also=0)
    friday = send_due(radar, FRIDAY, settings=SmtpSettings.from_env(), limit=50, also=0)
    assert [o.status for o in thursday.outcomes + friday.outcomes] == ["sent", "sent"]
    first, second = (set(re.findall(r"arxiv\.org/abs/(\S+)", m.get_body(("plain",)).get_content()))
                     for m in smtp.messages)
    assert first and second and not first & second  # Friday's window holds Thursday's papers too
    assert len(radar.sent_pks(sub.id)) == len(first) + len(second)


def test_a_refused_login_releases_the_claim_and_never_shows_the_password(smtp, radar, monkeypatch):
    sub = radar.subscribe(radar.reader("ana").id, "ana@example.org", {})
    monkeypatch.setenv("PAPERRADAR_SMTP_PASSWORD", "wrong-" + PASSWORD)
    failed = invoke(send_command, ["--date", str(FRIDAY)], radar)
    assert failed.exit_code == 1 and "refused the login of 'radar'" in failed.output
    assert PASSWORD not in failed.output and radar.issue_status(sub.id, "day:2026-06-19") is None
    assert "wrong-" + PASSWORD not in repr(SmtpSettings.from_env())
    monkeypatch.setenv("PAPERRADAR_SMTP_PORT", str(free_port()))  # nobody listens
    monkeypatch.setenv("PAPERRADAR_SMTP_PASSWORD", PASSWORD)
    down = send_due(radar, FRIDAY, settings=SmtpSettings.from_env())
    assert down.outcomes[0].status == "failed" and "cannot reach" in down.outcomes[0].detail
    monkeypatch.setenv("PAPERRADAR_SMTP_PORT", str(smtp.port))
    assert send_due(radar, FRIDAY, settings=SmtpSettings.from_env()).outcomes[0].status == "sent"
    assert len(smtp.envelopes) == 1


@pytest.fixture
def certificate(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_starttls_then_auth_with_a_self_signed_certificate(radar, certificate, monkeypatch):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port, controller = start_server(tls_context=context, require_starttls=True, auth_require_tls=True)
    try:
        env = {"HOST": "127.0.0.1", "PORT": str(port), "USER": "radar", "PASSWORD": PASSWORD}
        settings = SmtpSettings.from_env({f"PAPERRADAR_SMTP_{k}": v for k, v in env.items()}
                                         | {"PAPERRADAR_MAIL_FROM": "radar@example.org",
                                            "PAPERRADAR_BASE_URL": "https://r.example.org"})
        assert settings.starttls  # on by default with a user
        sub = radar.subscribe(radar.reader("ana").id, "ana@example.org", {})
        untrusted = send_due(radar, FRIDAY, settings=settings)
        assert untrusted.outcomes[0].status == "failed" and "CERTIFICATE_VERIFY_FAILED" in untrusted.outcomes[0].detail
        plain = send_due(radar, FRIDAY, settings=SmtpSettings(**{**settings.__dict__, "starttls": False}))
        assert plain.outcomes[0].status == "failed" and radar.issue_status(sub.id, "day:2026-06-19") is None
        trusted = send_due(radar, FRIDAY, settings=SmtpSettings(**{**settings.__dict__, "cafile": str(cert)}))
        assert trusted.outcomes[0].status == "sent" and inbox.tls == [True]
    finally:
        controller.stop()


def test_schedules_daily_weekdays_weekly_mondays_and_configurable(smtp, radar, monkeypatch):
    daily = radar.subscribe(radar.reader("ana").id, "ana@example.org", {})
    weekly = radar.subscribe(radar.reader("bo").id, "bo@example.org", {}, schedule="weekly")
    saturday, monday = date(2026, 6, 20), date(2026, 6, 22)
    assert [is_due(daily, date(2026, 6, d)) for d in range(19, 23)] == [True, False, False, True]
    assert [is_due(weekly, date(2026, 6, d)) for d in range(19, 23)] == [False, False, False, True]
    assert issue_of(weekly, monday)[0] == "week:2026-W25" and issue_of(weekly, monday)[1].start == date(2026, 6, 15)
    report = send_due(radar, saturday, settings=SmtpSettings.from_env())
    assert {o.status for o in report.outcomes} == {"not due"} and not smtp.envelopes
    report = send_due(radar, monday, settings=SmtpSettings.from_env())
    # Friday's papers were never sent to ana (no issue on Saturday): Monday's issue brings them.
    assert {o.subscription.email: o.status for o in report.outcomes} == {"ana@example.org": "sent",
                                                                         "bo@example.org": "sent"}
    assert sorted("2026-W25" in str(m["Subject"]) for m in smtp.messages) == [False, True]
    again = send_due(radar, date(2026, 6, 23), settings=SmtpSettings.from_env())
    assert {o.subscription.email: o.status for o in again.outcomes} == {"ana@example.org": "nothing new",
                                                                        "bo@example.org": "not due"}
    monkeypatch.setenv("PAPERRADAR_WEEKLY_DAY", "fri")
    outcomes = {o.subscription.email: o for o in send_due(radar, FRIDAY, settings=SmtpSettings.from_env()).outcomes}
    assert (outcomes["bo@example.org"].issue, outcomes["bo@example.org"].status) == ("week:2026-W24", "nothing new")
    assert weekly_day({"PAPERRADAR_WEEKLY_DAY": "7"}) == 6
    with pytest.raises(InputError):
        weekly_day({"PAPERRADAR_WEEKLY_DAY": "someday"})


def test_without_smtp_send_says_so_and_publish_day_still_writes_the_digest(radar, tmp_path, monkeypatch):
    for key in ("SMTP_HOST", "BASE_URL"):
        monkeypatch.delenv(f"PAPERRADAR_{key}", raising=False)
    monkeypatch.setenv("PAPERRADAR_DIGEST_DIR", str(tmp_path / "digests"))
    radar.subscribe(radar.reader("ana").id, "ana@example.org", {})
    out = invoke(send_command, ["--date", str(FRIDAY)], radar)
    assert out.exit_code == 1 and "email is not configured: set PAPERRADAR_SMTP_HOST" in out.output
    dry = invoke(send_command, ["--date", str(FRIDAY), "--dry-run"], radar)
    assert dry.exit_code == 0 and "ana@example.org (day:2026-06-19): would send" in dry.output
    assert radar.issue_status(radar.subscriptions()[0].id, "day:2026-06-19") is None
    lines = publish_day(radar, FRIDAY)
    written = tmp_path / "digests" / "2026-06-19.md"
    assert lines[0].startswith(f"digest: wrote {written}") and "## 1. Moebius" in written.read_text()
    assert lines[1].startswith("email: not sent: email is not configured")


def test_publish_day_sends_when_configured_and_needs_a_base_url(smtp, radar, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERRADAR_DIGEST_DIR", str(tmp_path))
    radar.subscribe(radar.reader("ana").id, "ana@example.org", {})
    monkeypatch.delenv("PAPERRADAR_BASE_URL")
    lines = publish_day(radar, "2026-06-19")
    assert "set PAPERRADAR_BASE_URL" in lines[-1] and not smtp.envelopes
    assert radar.issue_status(radar.subscriptions()[0].id, "day:2026-06-19") is None
    monkeypatch.setenv("PAPERRADAR_BASE_URL", "https://radar.example.org")
    lines = publish_day(radar, "2026-06-19")
    assert lines[-1].startswith("email 2026-06-19: 1 sent") and len(smtp.envelopes) == 1
    assert publish_day(radar, "2026-06-19")[-1].startswith("email 2026-06-19: 0 sent")


def test_headers_are_cleaned_of_line_breaks():
    assert clean_header("Hi\r\nBcc: x@y.org\x00") == "Hi Bcc: x@y.org"
    msg = build_message(sender="radar\r\nX-Evil: 1 <radar@example.org>", to_email="a@example.org",
                        to_name="Eve\nBcc: x@y.org", subject="Digest\r\n\r\n<html>", text="t", html="<p>h</p>",
                        unsubscribe="https://r.example.org/unsubscribe/t\r\nX-Evil: 1")
    raw = msg.as_bytes()
    assert b"\nX-Evil" not in raw and b"\nBcc" not in raw and msg["Subject"] == "Digest <html>"
    with pytest.raises(Exception, match="not an email address"):
        build_message(sender="r@example.org", to_email="a@example.org\r\nBcc: x@y.org", to_name=None,
                      subject="s", text="t", html="h", unsubscribe="u")
