"""Reminder digests delivered through a real SMTP server on loopback (aiosmtpd, STARTTLS and AUTH).

scripts/test runs these against a fresh database with the demo data:

    REMINDERS_BIN           the learning-register program
    REMINDERS_DATABASE_URL  the register's application login to that database
    REMINDERS_OWNER_URL     the owner's login, to read what the register wrote (psql)

Each scenario uses its own digest day, as a person gets one digest a day at most.
"""

from __future__ import annotations

import datetime
import email
import os
import re
import shutil
import socket
import subprocess
import threading
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

BIN = os.environ.get("REMINDERS_BIN", "")
DATABASE_URL = os.environ.get("REMINDERS_DATABASE_URL", "")
OWNER_URL = os.environ.get("REMINDERS_OWNER_URL", "")
PUBLIC_URL = "https://register.example.test"
USER, PASSWORD = "register-mail", "s3cret pass"

pytestmark = pytest.mark.skipif(
    not (BIN and DATABASE_URL and OWNER_URL), reason="REMINDERS_BIN, REMINDERS_DATABASE_URL and REMINDERS_OWNER_URL are not set"
)


# ---------------------------------------------------------------------------------------------
# The mail server


class Mailbox:
    """What the SMTP server accepted, and how to make it misbehave."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.refuse_next = 0  # answer 451 to this many messages
        self.kill_on_message: int | None = None  # kill the sender when this message (1-based) arrives
        self.sender: subprocess.Popen | None = None
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.seen += 1
            if self.kill_on_message is not None and self.seen == self.kill_on_message and self.sender is not None:
                self.sender.kill()  # the sender dies before the server says the message is taken
                return "451 4.3.0 the sender went away"
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.3.2 try again later"
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "tls": session.ssl is not None,
                    "authenticated": bool(session.authenticated),
                    "message": email.message_from_bytes(envelope.original_content, policy=policy.default),
                }
            )
        return "250 2.0.0 queued"

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.refuse_next = 0
            self.kill_on_message = None
            self.sender = None
            self.seen = 0


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, made now with openssl."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    assert shutil.which("openssl"), "openssl is needed to make the test server's certificate"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mailbox(certificate):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        auth_required=True, auth_require_tls=True, authenticator=authenticator,
    )
    controller.start()
    box.port = port
    yield box
    controller.stop()


def environment(mailbox: Mailbox, certificate) -> dict[str, str]:
    cert, _ = certificate
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "REMINDERS_", "SMTP_", "TEST_", "MIGRATION_", "AUDITOR_"))}
    env.update(
        DATABASE_URL=DATABASE_URL, PUBLIC_URL=PUBLIC_URL, MAIL_FROM="register@partnership.example.test",
        SMTP_URL=f"smtp://{USER}:{PASSWORD.replace(' ', '%20')}@localhost:{mailbox.port}", SMTP_CA_FILE=str(cert),
        SMTP_TIMEOUT_SECONDS="10", REMINDERS_RETRY_SECONDS="1", LOG_LEVEL="warning",
    )
    return env


def send(mailbox, certificate, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess:
    result = subprocess.run([BIN, "reminders", "send", *args], env=environment(mailbox, certificate), capture_output=True, text=True, timeout=120)
    if expect is not None:
        assert result.returncode == expect, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def sql(query: str) -> list[list[str]]:
    out = subprocess.run(["psql", OWNER_URL, "-X", "-q", "-At", "-F", "\t", "-c", query], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def next_monday(after_days: int = 0) -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(days=after_days)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def recipients(messages: list[dict]) -> list[str]:
    return sorted(addr for m in messages for addr in m["to"])


def would_send(output: str) -> list[str]:
    return sorted(re.findall(r"would send \w+ digest for \S+ to (\S+):", output))


# ---------------------------------------------------------------------------------------------
# The scenarios


def test_each_person_gets_one_digest_that_says_as_little_as_it_can(mailbox, certificate):
    mailbox.reset()
    day = next_monday(7).isoformat()
    # Given a dry run says who would get what, and writes nothing
    dry = send(mailbox, certificate, "--dry-run", "--date", day)
    expected = would_send(dry.stdout)
    assert "partner@example.org" in expected and "coordinator@example.org" in expected, dry.stdout
    assert sql(f"SELECT count(*) FROM register.reminder_outbox WHERE digest_day = '{day}'") == [["0"]]
    assert mailbox.messages == []

    # When the day's digests are sent
    result = send(mailbox, certificate, "--date", day)

    # Then each of those people got exactly one, over STARTTLS, after signing in to the server
    assert recipients(mailbox.messages) == expected, result.stdout
    for m in mailbox.messages:
        assert m["tls"], "the message was sent without STARTTLS"
        assert m["authenticated"], "the message was sent without AUTH"
        assert m["from"] == "register@partnership.example.test"
        msg = m["message"]
        assert msg.get_content_type() == "multipart/alternative"
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        # links into the register, and to the preferences page
        assert f"{PUBLIC_URL}/account/reminders" in text and f'href="{PUBLIC_URL}/account/reminders"' in html
        assert re.search(re.escape(PUBLIC_URL) + r"/(assignments|information-requests|reviews|evidence)", text)
        # nothing from the case record: no review title or subject, no action or question text
        flat_text, flat_html = " ".join(text.split()), " ".join(html.split())
        for (words,) in sql(
            "SELECT regexp_replace(x, '\\s+', ' ', 'g') FROM (SELECT title AS x FROM register.reviews "
            "UNION SELECT subjects FROM register.reviews WHERE subjects IS NOT NULL "
            "UNION SELECT action FROM register.assignments UNION SELECT question FROM register.information_requests "
            "UNION SELECT text FROM register.recommendations) AS record "
            # A field holding nothing but a review's reference (as an imported tracker's may) is no
            # case detail: the reference is what a digest line is meant to give.
            "WHERE x NOT IN (SELECT reference FROM register.reviews)"
        ):
            assert words not in flat_text and words not in flat_html, f"the digest to {m['to']} quotes the case record: {words!r}"
        assert "<script" not in html

    # And the trail says who was sent which digest and when, never what it said
    sent = sql(f"SELECT o.status, u.email FROM register.reminder_outbox o JOIN register.users u ON u.id = o.user_id WHERE digest_day = '{day}'")
    assert sorted(e for _, e in sent) == expected and {s for s, _ in sent} == {"sent"}
    trail = sql("SELECT payload FROM audit.events WHERE payload LIKE '%reminder_outbox%'")
    assert trail, "no audit event records the sends"
    subject = mailbox.messages[0]["message"]["subject"]
    assert not any(subject in p for (p,) in trail)
    assert sql(f"SELECT count(*) FROM mail.messages m JOIN register.reminder_outbox o ON o.id = m.outbox_id WHERE o.digest_day = '{day}'") == [["0"]]

    # And running the day again sends nothing new
    mailbox.reset()
    send(mailbox, certificate, "--date", day)
    assert mailbox.messages == []


def test_a_partner_hears_only_of_their_own_organisation(mailbox, certificate):
    mailbox.reset()
    day = next_monday(14).isoformat()
    send(mailbox, certificate, "--date", day)
    partners = dict(sql("SELECT email, partner_id FROM register.users WHERE role = 'partner'"))
    assert mailbox.messages
    checked = 0
    for m in mailbox.messages:
        (to,) = m["to"]
        if to not in partners:
            continue
        text = m["message"].get_body(("plain",)).get_content()
        for kind, id_ in re.findall(r"/(assignments|information-requests)/([0-9a-f-]{36})", text):
            table = "assignments" if kind == "assignments" else "information_requests"
            assert sql(f"SELECT partner_id FROM register.{table} WHERE id = '{id_}'") == [[partners[to]]], f"{to} was told of another organisation's {kind}"
            checked += 1
        for (other,) in sql(f"SELECT name FROM register.partners WHERE id <> '{partners[to]}'"):
            assert other not in text, f"{to} was told of {other}"
    assert checked > 0, "no partner digest listed any record"


def test_a_sender_killed_in_the_middle_leaves_each_person_exactly_one(mailbox, certificate):
    mailbox.reset()
    day = next_monday(21).isoformat()
    expected = would_send(send(mailbox, certificate, "--dry-run", "--date", day).stdout)
    assert len(expected) >= 2
    # Given the sender dies as its second message arrives
    mailbox.kill_on_message = 2
    process = subprocess.Popen([BIN, "reminders", "send", "--date", day], env=environment(mailbox, certificate), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mailbox.sender = process
    process.wait(timeout=120)
    assert process.returncode != 0
    assert len(mailbox.messages) == 1
    first = mailbox.messages[0]["to"]
    # When it runs again
    mailbox.kill_on_message = None
    mailbox.sender = None
    send(mailbox, certificate, "--date", day)
    # Then every person has exactly one digest of the day
    assert recipients(mailbox.messages) == expected
    assert first[0] in expected


def test_a_refused_message_is_sent_again_later(mailbox, certificate):
    mailbox.reset()
    day = next_monday(28).isoformat()
    expected = would_send(send(mailbox, certificate, "--dry-run", "--date", day).stdout)
    # Given the server refuses the first message with 451
    mailbox.refuse_next = 1
    first = send(mailbox, certificate, "--date", day, expect=3)
    assert "1 to retry" in first.stdout
    assert len(mailbox.messages) == len(expected) - 1
    waiting = sql(f"SELECT attempts, last_error FROM register.reminder_outbox WHERE digest_day = '{day}' AND status = 'pending'")
    assert len(waiting) == 1 and waiting[0][0] == "1" and "451" in waiting[0][1]
    # When the retry's time has come (REMINDERS_RETRY_SECONDS=1) and the outbox is run again
    import time

    time.sleep(1.5)
    send(mailbox, certificate, "--retry-only")
    # Then it is delivered, once
    assert recipients(mailbox.messages) == expected
    assert sql(f"SELECT status, attempts FROM register.reminder_outbox WHERE digest_day = '{day}' AND attempts = 2") == [["sent", "2"]]


def test_a_server_without_starttls_is_refused(mailbox, certificate):
    # A server that offers no STARTTLS gets nothing: the password would travel in clear.
    plain = Mailbox()
    port = free_port()
    controller = Controller(plain, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        plain.port = port
        day = next_monday(35).isoformat()
        result = send(plain, certificate, "--date", day, expect=3)
        assert plain.messages == []
        errors = sql(f"SELECT last_error FROM register.reminder_outbox WHERE digest_day = '{day}'")
        assert errors and all("STARTTLS" in e for (e,) in errors), errors
        assert "to retry" in result.stdout
    finally:
        controller.stop()
