"""Two `learning-register serve` processes on one database, as behind a load balancer, behave as one.

scripts/test runs these as its `two-servers` stage, over a fresh database with the demo data:

    SERVERS_BIN            the learning-register program
    SERVERS_DATABASE_URL   the register's application login to that database
    SERVERS_PORTS          the two servers' HTTP ports ("18080 18081")
    SERVERS_SETTINGS       the servers' other settings (NAME=value lines, as scripts/lib.sh's server_settings)
    SERVERS_EMAIL          an administrator's e-mail address …
    SERVERS_PASSWORD       … and password
    SERVERS_LOG_DIR        where the servers' logs are kept

A request is sent to one server and the next to the other, so anything held in one process's memory
(a session, an idempotency key, a sign-in failure count) would show as a difference.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

ENV = os.environ
TIMEOUT = 30

pytestmark = pytest.mark.skipif(
    not all(ENV.get(name) for name in ("SERVERS_BIN", "SERVERS_DATABASE_URL", "SERVERS_PORTS")),
    reason="SERVERS_BIN, SERVERS_DATABASE_URL and SERVERS_PORTS are not set",
)


class Server:
    """One `learning-register serve`, given only the application's login and the servers' settings."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = Path(ENV.get("SERVERS_LOG_DIR", ".")) / f"server-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        settings = dict(line.split("=", 1) for line in ENV.get("SERVERS_SETTINGS", "").splitlines() if "=" in line)
        environment = {**settings, "DATABASE_URL": ENV["SERVERS_DATABASE_URL"], "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(self.port)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([ENV["SERVERS_BIN"], "serve"], env=environment, stdout=log, stderr=log)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, f"the server stopped: {self.log.read_text()[-2000:]}"
            try:
                if requests.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server on {self.port} did not become ready in 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Server, Server]]:
    first, second = (Server(int(port)) for port in ENV["SERVERS_PORTS"].split())
    for server in (first, second):
        try:
            requests.get(f"{server.url}/health", timeout=1)
        except requests.RequestException:
            continue
        pytest.fail(f"something already answers on {server.url}: stop it and run this again")
    try:
        first.start()
        second.start()
        first.wait_until_ready()
        second.wait_until_ready()
        yield first, second
    finally:
        first.stop()
        second.stop()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def api_session(server: Server, email: str, password: str) -> str:
    """Signs in through the API on `server`; the session cookie's value."""
    response = requests.post(f"{server.url}/api/v1/session", json={"email": email, "password": password}, timeout=TIMEOUT)
    assert response.status_code == 201, f"sign-in of {email} on {server.port}: {response.status_code} {response.text}"
    return response.cookies["lr_session"]


def call(server: Server, method: str, path: str, session: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, server.url + path, cookies={"lr_session": session}, timeout=TIMEOUT, **kwargs)


def created(server: Server, path: str, session: str, body: dict[str, Any]) -> dict[str, Any]:
    response = call(server, "POST", path, session, json=body)
    assert response.status_code == 201, f"POST {path} on {server.port}: {response.status_code} {response.text}"
    return response.json()


def test_a_session_made_on_one_server_works_on_the_other(servers: tuple[Server, Server]) -> None:
    first, second = servers
    # Through the API: a session cookie from the first; an API token made with it on the second.
    session = api_session(first, ENV["SERVERS_EMAIL"], ENV["SERVERS_PASSWORD"])
    me = call(second, "GET", "/api/v1/me", session)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == ENV["SERVERS_EMAIL"]
    token = created(second, "/api/v1/tokens", session, {"name": "two servers"})["token"]
    assert requests.get(f"{first.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT).status_code == 200

    # Through the pages: signed in on the first, a page and a form (its CSRF token from a page the
    # first served) on the second; signed out there, the session is gone on the first too.
    browser = requests.Session()
    form = browser.get(f"{first.url}/sign-in", timeout=TIMEOUT)
    token_field = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
    assert token_field, form.text[:2000]
    signed_in = browser.post(
        f"{first.url}/sign-in",
        data={"csrf_token": token_field.group(1), "email": ENV["SERVERS_EMAIL"], "password": ENV["SERVERS_PASSWORD"]},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert signed_in.status_code in (302, 303), signed_in.text[:2000]
    page = browser.get(f"{first.url}/reviews", allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200
    csrf = re.search(r'action="/sign-out">\s*<input type="hidden" name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert csrf, "the page has no sign-out form"
    elsewhere = browser.get(f"{second.url}/reviews", allow_redirects=False, timeout=TIMEOUT)
    assert elsewhere.status_code == 200, f"the second server answered {elsewhere.status_code} to a session made on the first"
    signed_out = browser.post(f"{second.url}/sign-out", data={"csrf_token": csrf.group(1)}, allow_redirects=False, timeout=TIMEOUT)
    assert signed_out.status_code in (302, 303), signed_out.text[:2000]
    assert browser.get(f"{first.url}/reviews", allow_redirects=False, timeout=TIMEOUT).status_code in (302, 303)


@pytest.fixture(scope="module")
def partner(servers: tuple[Server, Server]) -> tuple[str, str]:
    """A partner's session (made on the first server) and an assignment of theirs, recorded through both."""
    first, second = servers
    admin = api_session(first, ENV["SERVERS_EMAIL"], ENV["SERVERS_PASSWORD"])
    board = created(first, "/api/v1/boards", admin, {"code": unique("two-"), "name": "Two servers board", "kind": "children_partnership"})
    review = created(
        second, "/api/v1/reviews", admin, {"reference": unique("TWO-"), "title": "Two servers", "kind": "lcspr", "board_id": board["id"], "regime": "wt2023"}
    )
    organisation = created(first, "/api/v1/partners", admin, {"name": unique("Two servers partner "), "sector": "health"})
    recommendation = created(
        second, f"/api/v1/reviews/{review['id']}/recommendations", admin, {"number": "1", "text": "Share information.", "scope": "local"}
    )
    assignment = created(
        first,
        f"/api/v1/recommendations/{recommendation['id']}/assignments",
        admin,
        {"partner_id": organisation["id"], "role": "lead", "action": "Audit sharing.", "due_date": "2027-03-31"},
    )
    email, password = f"{unique('two-servers-')}@example.org", unique("partner-password-")
    created(
        second, "/api/v1/users", admin, {"email": email, "name": "Partner user", "role": "partner", "partner_id": organisation["id"], "password": password}
    )
    return api_session(first, email, password), assignment["id"]


PDF = b"%PDF-1.4\n% two servers\n%%EOF\n"


def evidence_parts(summary: str) -> list[tuple[str, Any]]:
    return [
        ("summary", (None, summary)),
        ("kind", (None, "outcome")),
        ("effective_date", (None, date.today().replace(day=1).isoformat())),
        ("files", ("audit.pdf", PDF, "application/pdf")),
    ]


def test_an_idempotency_key_used_on_one_server_gives_the_same_answer_on_the_other(servers: tuple[Server, Server], partner: tuple[str, str]) -> None:
    first, second = servers
    person, assignment = partner
    key = unique("two-servers-key-")
    parts = evidence_parts("Sent three times, to each server in turn")
    path = f"/api/v1/assignments/{assignment}/evidence"
    answers = [call(server, "POST", path, person, files=parts, headers={"Idempotency-Key": key}) for server in (first, second, first)]
    assert [answer.status_code for answer in answers] == [201, 201, 201], [answer.text for answer in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1, "a retry on another server stored the evidence again"
    assert [answer.headers.get("Idempotent-Replayed") for answer in answers] == [None, "true", "true"]
    listed = call(second, "GET", path, person)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"] if isinstance(listed.json(), dict) else listed.json()
    assert [item["id"] for item in items if item["summary"].startswith("Sent three times")] == [answers[0].json()["id"]]


def test_sign_in_failures_are_counted_across_both_servers(servers: tuple[Server, Server]) -> None:
    """One account, tried from one address: five failures are free, then it must wait. Sent to the
    two servers in turn, the wait starts after the sixth failure in all: counted per server, each
    would have seen only three, and none would have made anybody wait."""
    first, second = servers
    email = f"{unique('nobody-')}@example.org"
    failures = 0
    refused_on = None
    for attempt in range(12):
        server = (first, second)[attempt % 2]
        response = requests.post(f"{server.url}/api/v1/session", json={"email": email, "password": "wrong password"}, timeout=TIMEOUT)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            refused_on = server
            break
        assert response.status_code == 401, response.text
        failures += 1
    assert refused_on is not None, f"{failures} failures, sent to both servers in turn, were never throttled"
    assert 6 <= failures <= 7, f"throttled only after {failures} failures (per server counting would take 12)"
    # The other server refuses it too, without checking a password.
    other = second if refused_on is first else first
    again = requests.post(f"{other.url}/api/v1/session", json={"email": email, "password": "wrong password"}, timeout=TIMEOUT)
    assert again.status_code == 429, again.text


def uploads_in_progress(server: Server) -> int:
    metrics = requests.get(f"{server.url}/metrics", timeout=TIMEOUT).text
    found = re.search(r"^register_uploads_in_progress (\d+)", metrics, re.MULTILINE)
    assert found, "no register_uploads_in_progress in /metrics"
    return int(found.group(1))


class SlowUpload(threading.Thread):
    """An evidence upload whose last bytes wait until `finish` is set: it holds its places till then."""

    def __init__(self, server: Server, person: str, assignment: str, name: str) -> None:
        super().__init__(daemon=True)
        self.server, self.person, self.assignment, self.name = server, person, assignment, name
        self.finish = threading.Event()
        self.status: int | None = None

    def body(self, boundary: str) -> Iterator[bytes]:
        fields = [("summary", f"Held upload {self.name}"), ("kind", "outcome"), ("effective_date", date.today().replace(day=1).isoformat())]
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields
        )
        head += f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="held.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        yield head + PDF[:9]
        # Well within the register's pace for uploads (30 seconds without a byte).
        self.finish.wait(20)
        yield PDF[9:] + f"\r\n--{boundary}--\r\n".encode()

    def run(self) -> None:
        boundary = uuid.uuid4().hex
        response = call(
            self.server,
            "POST",
            f"/api/v1/assignments/{self.assignment}/evidence",
            self.person,
            data=self.body(boundary),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        self.status = response.status_code


def test_a_persons_uploads_at_once_are_counted_across_both_servers(servers: tuple[Server, Server], partner: tuple[str, str]) -> None:
    """One person may send three uploads at once, whichever servers receive them: with two held on
    the first and one on the second, a fourth is refused (429) by either; each server's own limit on
    uploads at once (16, its disk) is its own, as the README explains."""
    first, second = servers
    person, assignment = partner
    held = [SlowUpload(first, person, assignment, "1"), SlowUpload(first, person, assignment, "2"), SlowUpload(second, person, assignment, "3")]
    try:
        for upload in held:
            upload.start()
        deadline = time.monotonic() + 20
        while uploads_in_progress(first) + uploads_in_progress(second) < 3:
            assert time.monotonic() < deadline, "the held uploads never began"
            time.sleep(0.1)
        assert (uploads_in_progress(first), uploads_in_progress(second)) == (2, 1)
        for server in (first, second):
            refused = call(server, "POST", f"/api/v1/assignments/{assignment}/evidence", person, files=evidence_parts("A fourth at once"))
            assert refused.status_code == 429, f"a fourth upload at once on {server.port}: {refused.status_code} {refused.text}"
            assert refused.json()["type"] == "urn:learning-register:problem:too-many-at-once"
            assert int(refused.headers["Retry-After"]) > 0
    finally:
        for upload in held:
            upload.finish.set()
        for upload in held:
            upload.join(30)
    assert [upload.status for upload in held] == [201, 201, 201]
    # Their places are given back as they end: a new upload is taken, on either server.
    for server in (second, first):
        deadline = time.monotonic() + 10
        while True:
            answer = call(server, "POST", f"/api/v1/assignments/{assignment}/evidence", person, files=evidence_parts("After the held ones"))
            if answer.status_code != 429 or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        assert answer.status_code == 201, answer.text
