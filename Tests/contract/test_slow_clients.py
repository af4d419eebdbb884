"""Slow clients cannot starve the register (issue 12, point 5).

Twenty-five evidence downloads are opened at once by clients that read a few bytes at a time through
a tiny socket receive buffer, and are kept open for several seconds. The file is larger than any
socket buffer between the two ends (5 MiB; Linux lets a send buffer grow to 4 MiB), so the server is
left waiting on every one of those clients. Meanwhile a person signing in and a load balancer asking
`/ready` must still be answered promptly: a download waiting on its client must hold none of the
database connections the rest of the register needs (there are 20 by default, fewer than the
downloads).

Any request that does need the database may be refused with 503 when the database is busy, so every
operation that uses it must say so in the contract: checked here for every operation, new ones too.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from register_client import TIMEOUT, Api, evidence_fields, new_assignment, new_recommendation, new_review

SLOW_DOWNLOADS = 25
FILE_BYTES = 5 * 1024 * 1024
# What "promptly" means for a sign-in (one bcrypt hash) and a readiness probe.
PROMPT_SECONDS = 2.0
# How long the test waits for an answer that does not come promptly, so that a failure is reported
# rather than hung on.
PATIENCE_SECONDS = 5.0


class SlowDownload:
    """One GET over a raw socket whose receive buffer is as small as the kernel allows, read a trickle at a time."""

    def __init__(self, base_url: str, path: str, token: str) -> None:
        address = urlsplit(base_url)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Set before connecting, so that the TCP window offered to the server stays this small.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.settimeout(PATIENCE_SECONDS)
        self.socket.connect((address.hostname, address.port or 80))
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.socket.sendall(request.encode())
        self.head = b""
        self.received = 0
        self.ended = False

    def read_head(self, deadline: float) -> str:
        """Reads up to the end of the response's headers and returns its status line ('' if none came by `deadline`)."""
        try:
            while b"\r\n\r\n" not in self.head:
                self.socket.settimeout(max(deadline - time.monotonic(), 0.01))
                piece = self.socket.recv(256)
                if not piece:
                    break
                self.head += piece
        except TimeoutError:
            pass
        head, _, body = self.head.partition(b"\r\n\r\n")
        self.received += len(body)
        return head.split(b"\r\n", 1)[0].decode(errors="replace")

    def trickle(self) -> None:
        """Reads a few bytes if any are there, without waiting."""
        if self.ended:
            return
        self.socket.settimeout(0.01)
        try:
            piece = self.socket.recv(16)
            self.received += len(piece)
            self.ended = not piece
        except TimeoutError:
            pass

    def close(self) -> None:
        self.socket.close()


@pytest.fixture(scope="module")
def large_file(api: Api, board: dict[str, Any], partner: dict[str, Any], partner_api: Api) -> str:
    """The download path of a 5 MiB evidence file, submitted by the partner for the purpose."""
    review = new_review(api, board)
    assignment = new_assignment(api, new_recommendation(api, review), partner)
    content = b"%PDF-1.4\n" + os.urandom(FILE_BYTES) + b"\n%%EOF\n"
    path = f"/api/v1/assignments/{assignment['id']}/evidence"
    response = partner_api.upload(path, evidence_fields(), [("large-audit-report.pdf", content)])
    assert response.status_code == 201, f"POST {path} answered {response.status_code}: {response.text}"
    evidence = response.json()
    return f"/api/v1/evidence/{evidence['id']}/files/{evidence['files'][0]['id']}"


@pytest.fixture
def slow_downloads(api: Api, large_file: str) -> Iterator[tuple[list[SlowDownload], list[str]]]:
    downloads = [SlowDownload(api.base_url, large_file, api.token) for _ in range(SLOW_DOWNLOADS)]
    stop = threading.Event()

    def keep_trickling() -> None:
        while not stop.is_set():
            for download in downloads:
                download.trickle()
            time.sleep(0.25)

    # Every request is sent before any answer is waited for; all must have begun within the patience.
    deadline = time.monotonic() + PATIENCE_SECONDS
    statuses = [download.read_head(deadline) for download in downloads]
    trickler = threading.Thread(target=keep_trickling, daemon=True)
    trickler.start()
    try:
        yield downloads, statuses
    finally:
        stop.set()
        trickler.join()
        for download in downloads:
            download.close()


def timed(call: Any) -> tuple[float, requests.Response | None, str]:
    started = time.monotonic()
    try:
        response = call()
        return time.monotonic() - started, response, ""
    except requests.RequestException as error:
        return time.monotonic() - started, None, repr(error)


def test_sign_in_and_readiness_answer_while_25_slow_clients_download(
    slow_downloads: tuple[list[SlowDownload], list[str]], api: Api, credentials: tuple[str, str]
) -> None:
    downloads, statuses = slow_downloads
    email, password = credentials
    answers = []
    # About five seconds with every download still open.
    for _ in range(3):
        answers.append(
            ("sign-in",) + timed(lambda: requests.post(
                f"{api.base_url}/api/v1/session", json={"email": email, "password": password}, timeout=PATIENCE_SECONDS
            ))
        )
        answers.append(("ready",) + timed(lambda: requests.get(f"{api.base_url}/ready", timeout=PATIENCE_SECONDS)))
        time.sleep(1)
    report = [
        f"{name}: {response.status_code if response is not None else error} after {seconds:.2f} s"
        for name, seconds, response, error in answers
    ]
    print("; ".join(report))
    for name, seconds, response, _ in answers:
        expected = 201 if name == "sign-in" else 200
        assert response is not None and response.status_code == expected and seconds < PROMPT_SECONDS, (
            f"with {SLOW_DOWNLOADS} slow downloads open: " + "; ".join(report)
        )
    started = sum(status.startswith("HTTP/1.1 200") for status in statuses)
    assert started == SLOW_DOWNLOADS, f"only {started} of {SLOW_DOWNLOADS} downloads started: {sorted(set(statuses))}"
    # Still open and far from done: the server really was kept waiting on every client.
    unfinished = [d for d in downloads if not d.ended and d.received < FILE_BYTES // 2]
    assert len(unfinished) == SLOW_DOWNLOADS, [d.received for d in downloads]


def test_every_operation_that_uses_the_database_documents_503(api: Api) -> None:
    contract = yaml.safe_load(requests.get(api.url("/api/v1/openapi.yaml"), timeout=TIMEOUT).text)
    without_database = {"/health", "/api/v1/openapi.yaml"}
    methods = {"get", "put", "post", "delete", "patch"}
    missing = [
        f"{method.upper()} {path}"
        for path, operations in contract["paths"].items()
        if path not in without_database
        for method, operation in operations.items()
        if method in methods and "503" not in operation["responses"]
    ]
    assert not missing, f"these operations use the database but do not document 503: {missing}"
