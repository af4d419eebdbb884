"""The server and the PostgreSQL cluster the fault tests break, as scripts/faults prepared them.

The tests run in file order and build on each other's records: (a) kills the server, (b) crashes
the database, (c) restores a dump of everything the first two stored.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

TIMEOUT = 30
ENV = os.environ


def as_owner(command: list[str]) -> list[str]:
    """PostgreSQL's own programs refuse to run as root: as root they run as postgres."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Server:
    """The register's server process, started as scripts/test starts it (its own login and settings only)."""

    def __init__(self) -> None:
        self.port = int(ENV["FAULTS_HTTP_PORT"])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = Path(ENV["FAULTS_WORK"]) / "server.log.txt"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        settings = dict(line.split("=", 1) for line in ENV.get("FAULTS_SERVER_SETTINGS", "").splitlines() if "=" in line)
        environment = {
            **settings,
            "DATABASE_URL": ENV["FAULTS_DATABASE_URL"],
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.port),
            # Quick to give up on a connection, so that (b) sees the outage answered within seconds.
            "DATABASE_POOL_WAIT_MS": "3000",
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([ENV["FAULTS_BIN"], "serve"], env=environment, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server stopped: {self.log.read_text()[-2000:]}"
            try:
                if requests.get(f"{self.base_url}/ready", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not become ready in 60 s")

    def kill9(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no graceful shutdown, no flush
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Cluster:
    """The faults' own PostgreSQL cluster."""

    def __init__(self) -> None:
        self.pgbin = Path(ENV["FAULTS_PGBIN"])
        self.pgdata = ENV["FAULTS_PGDATA"]

    def crash(self) -> None:
        """Stops it as a power cut would: no checkpoint, every connection cut (recovery on start)."""
        subprocess.run(as_owner([str(self.pgbin / "pg_ctl"), "stop", "-m", "immediate", "-D", self.pgdata]), check=True, capture_output=True, cwd="/")

    def start(self) -> None:
        subprocess.run(
            as_owner([str(self.pgbin / "pg_ctl"), "start", "-w", "-D", self.pgdata, "-l", str(Path(self.pgdata).parent / "server.log")]),
            check=True,
            capture_output=True,
            cwd="/",
        )


@dataclass
class Api:
    base_url: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    def request(self, method: str, path: str, timeout: float = TIMEOUT, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, self.base_url + path, headers=headers, timeout=timeout, **kwargs)

    def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.request("POST", path, json=body)
        assert response.status_code == 201, f"POST {path} answered {response.status_code}: {response.text}"
        return response.json()


def sign_in(base_url: str, email: str, password: str) -> Api:
    """Signs in (POST /session) and makes an API token with the session cookie."""
    response = requests.post(f"{base_url}/api/v1/session", json={"email": email, "password": password}, timeout=TIMEOUT)
    assert response.status_code == 201, f"sign-in of {email}: {response.status_code} {response.text}"
    cookie = response.cookies.get("lr_session")
    response = requests.post(f"{base_url}/api/v1/tokens", json={"name": "faults"}, cookies={"lr_session": cookie}, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    return Api(base_url, response.json()["token"])


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@dataclass
class World:
    """An administrator, a partner organisation with several accounts, and assignments to it."""

    admin: Api
    partners: list[Api]
    assignments: list[dict[str, Any]]
    board: dict[str, Any]


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    return Cluster()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    server = Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def world(server: Server) -> World:
    admin = sign_in(server.base_url, ENV["FAULTS_EMAIL"], ENV["FAULTS_PASSWORD"])
    board = admin.created("/api/v1/boards", {"code": unique("f-"), "name": "Faults board", "kind": "children_partnership"})
    review = admin.created(
        "/api/v1/reviews",
        {"reference": unique("FT-"), "title": "Fault review", "kind": "lcspr", "board_id": board["id"], "regime": "wt2018"},
    )
    partner = admin.created("/api/v1/partners", {"name": unique("Faults partner "), "sector": "health"})
    assignments = []
    for number in range(1, 5):
        recommendation = admin.created(
            f"/api/v1/reviews/{review['id']}/recommendations", {"number": str(number), "text": "Share information.", "scope": "local"}
        )
        assignments.append(
            admin.created(
                f"/api/v1/recommendations/{recommendation['id']}/assignments",
                {"partner_id": partner["id"], "role": "lead", "action": "Audit sharing.", "due_date": "2027-03-31"},
            )
        )
    partners = []
    # Six accounts may send 18 uploads at once (3 each): more than the server's 16 places.
    for _ in range(6):
        email = f"{unique('faults-partner-')}@example.org"
        password = unique("partner-password-")
        admin.created(
            "/api/v1/users", {"email": email, "name": "Partner user", "role": "partner", "partner_id": partner["id"], "password": password}
        )
        partners.append(sign_in(server.base_url, email, password))
    return World(admin=admin, partners=partners, assignments=assignments, board=board)
