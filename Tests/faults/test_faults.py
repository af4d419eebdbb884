"""Faults the register must survive (scripts/faults prepares the cluster, the program and an administrator).

(a) the server killed with SIGKILL during 200 concurrent evidence submissions with files;
(b) PostgreSQL crashed and started again while the register is under load;
(c) a dump of the whole database restored into a new one.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests

from conftest import ENV, TIMEOUT, Api, Cluster, Server, World, unique

SUBMISSIONS = 200
# Set once the server is killed: from then on a request that gets no answer is left unanswered.
SERVER_DOWN = threading.Event()
# (a): the kill comes once this many submissions have been acknowledged (or after KILL_AFTER_SECONDS).
KILL_AT_ACKNOWLEDGED = 40
KILL_AFTER_SECONDS = 20
# Submissions checked (and retried) at once after the restart.
CHECKERS = 8
# (b): how long the database stays down, and how soon after it is back the register must be too.
OUTAGE_SECONDS = 6
RECOVERY_SECONDS = 30
# An answer slower than this while the database is down counts as a hang.
PROMPT_SECONDS = 10

# Every stored file whose pieces do not add up to its recorded size and SHA-256 (all three kinds of file).
BAD_FILES = """
WITH stored AS (
    SELECT id, size_bytes, sha256 FROM register.evidence_files
    UNION ALL SELECT id, size_bytes, sha256 FROM register.information_answer_files
    UNION ALL SELECT id, size_bytes, sha256 FROM register.review_documents),
pieces AS (SELECT file_id, string_agg(data, ''::bytea ORDER BY seq) AS bytes FROM files.chunks GROUP BY file_id)
SELECT count(*) FILTER (WHERE p.bytes IS NULL OR length(p.bytes) <> s.size_bytes OR sha256(p.bytes) <> s.sha256)
       || ' ' || count(*)
  FROM stored s LEFT JOIN pieces p ON p.file_id = s.id
"""


def psql(url: str, sql: str) -> str:
    result = subprocess.run(
        [str(Path(ENV["FAULTS_PGBIN"]) / "psql"), url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def program(*arguments: str, database_url: str) -> str:
    """Runs learning-register with one login and nothing else of this environment."""
    result = subprocess.run(
        [ENV["FAULTS_BIN"], *arguments], env={"PATH": os.environ["PATH"], "DATABASE_URL": database_url}, capture_output=True, text=True
    )
    assert result.returncode == 0, f"learning-register {' '.join(arguments)}: {result.stdout}{result.stderr}"
    return result.stdout


def files_are_whole(url: str) -> int:
    """Checks every stored file against its recorded size and hash; returns how many there are."""
    bad, total = map(int, psql(url, BAD_FILES).split())
    assert bad == 0, f"{bad} of {total} stored files do not match their recorded size and SHA-256"
    return total


def chain_verifies(url: str, work: Path, name: str) -> str:
    """The trail exported and verified offline, and verified again in the database by a checkpoint."""
    export = work / f"{name}.jsonl"
    program("audit", "export", "--output", str(export), database_url=url)
    verified = program("audit", "verify", "--file", str(export), "--checkpoint", f"{export}.checkpoint.json", "--allow-unsigned", database_url=url)
    assert verified.startswith("OK: "), verified
    program("audit", "checkpoint", database_url=url)
    return verified.splitlines()[0]


# --- (a) kill -9 during 200 concurrent submissions ---


def pdf(size: int) -> bytes:
    """A file the register takes as a PDF (it recognises files by their first bytes), of about `size` bytes."""
    body = random.randbytes(size).hex().encode()[:size]
    return b"%PDF-1.4\n%" + body + b"\n%%EOF\n"


@dataclass
class Submission:
    index: int
    partner: Api
    assignment: dict[str, Any]
    key: str = field(default_factory=lambda: unique("faults-"))
    files: list[tuple[str, bytes]] = field(default_factory=list)
    outcome: str = "not sent"  # acknowledged, refused, unanswered
    evidence_id: str | None = None
    detail: str = ""

    @property
    def summary(self) -> str:
        return f"Fault submission {self.index} ({self.key})"

    def send(self, deadline: float) -> requests.Response | None:
        parts: list[tuple[str, Any]] = [
            ("summary", (None, self.summary)),
            ("kind", (None, "outcome")),
            ("effective_date", (None, date.today().replace(day=1).isoformat())),
        ]
        parts += [("files", (name, content, "application/octet-stream")) for name, content in self.files]
        while time.monotonic() < deadline:
            try:
                response = self.partner.request(
                    "POST", f"/api/v1/assignments/{self.assignment['id']}/evidence", files=parts, headers={"Idempotency-Key": self.key}, timeout=60
                )
            except requests.RequestException as error:
                self.detail = type(error).__name__
                if SERVER_DOWN.is_set():
                    return None
                # Refused before its body was all sent (the limits answer at once): the server is up, so again.
                time.sleep(random.uniform(0.2, 1.0))
                continue
            if response.status_code in (429, 503):
                # The register's limits on uploads at once (per person and per server): come back soon.
                time.sleep(random.uniform(0.2, 1.0))
                continue
            return response
        return None


def submit(submission: Submission, deadline: float) -> None:
    response = submission.send(deadline)
    if response is None:
        submission.outcome = "unanswered"
    elif response.status_code == 201:
        submission.outcome = "acknowledged"
        submission.evidence_id = response.json()["id"]
    else:
        submission.outcome = "refused"
        submission.detail = f"{response.status_code} {response.text[:300]}"


def check_stored(admin: Api, submission: Submission) -> None:
    """The evidence is there with exactly the files sent, and each downloads with the bytes sent."""
    response = admin.request("GET", f"/api/v1/evidence/{submission.evidence_id}")
    assert response.status_code == 200, f"submission {submission.index} ({submission.evidence_id}): {response.status_code} {response.text}"
    evidence = response.json()
    assert evidence["summary"] == submission.summary
    sent = sorted((name, len(content), hashlib.sha256(content).hexdigest()) for name, content in submission.files)
    stored = sorted((f["name"], f["size_bytes"], f["sha256"]) for f in evidence["files"])
    assert stored == sent, f"submission {submission.index}: stored {stored}, sent {sent}"
    for stored_file in evidence["files"]:
        download = admin.request("GET", f"/api/v1/evidence/{submission.evidence_id}/files/{stored_file['id']}")
        assert download.status_code == 200, download.text
        assert hashlib.sha256(download.content).hexdigest() == stored_file["sha256"]


def test_a_server_killed_during_200_submissions_loses_no_acknowledged_one(server: Server, world: World) -> None:
    random.seed(16)
    submissions = [
        Submission(index, world.partners[index % len(world.partners)], world.assignments[index % len(world.assignments)])
        for index in range(SUBMISSIONS)
    ]
    for submission in submissions:
        submission.files = [(f"report-{submission.index}-{n}.pdf", pdf(random.randint(1_000, 60_000))) for n in range(random.randint(1, 3))]

    deadline = time.monotonic() + 120
    threads = [threading.Thread(target=submit, args=(s, deadline)) for s in submissions]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while time.monotonic() - started < KILL_AFTER_SECONDS:
        if sum(s.outcome == "acknowledged" for s in submissions) >= KILL_AT_ACKNOWLEDGED:
            break
        time.sleep(0.05)
    SERVER_DOWN.set()
    server.kill9()
    killed_after = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=90)
    outcomes = Counter(s.outcome for s in submissions)
    print(f"\n(a) killed after {killed_after:.1f} s: {dict(outcomes)}")
    refused = [f"{s.index}: {s.detail}" for s in submissions if s.outcome == "refused"]
    assert not refused, f"submissions refused other than for being busy: {refused[:5]}"
    assert outcomes["acknowledged"] >= 1, "the kill came before any submission was acknowledged"

    server.start()
    SERVER_DOWN.clear()

    def settle(submission: Submission) -> bool:
        """Checks an acknowledged submission; sends one left unanswered again under its key (stored once) first."""
        retried = submission.outcome == "unanswered"
        if retried:
            response = submission.send(time.monotonic() + 60)
            assert response is not None and response.status_code == 201, f"retry of {submission.index}: {response and response.text}"
            submission.evidence_id = response.json()["id"]
        check_stored(world.admin, submission)
        return retried

    with ThreadPoolExecutor(CHECKERS) as checkers:
        retried = sum(checkers.map(settle, submissions))
    stored = Counter()
    for assignment in world.assignments:
        cursor = None
        while True:
            query = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = world.admin.request("GET", f"/api/v1/assignments/{assignment['id']}/evidence", params=query).json()
            stored.update(item["summary"] for item in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
    twice = [summary for summary, count in stored.items() if count > 1]
    assert not twice, f"stored more than once: {twice[:5]}"
    assert sum(stored.values()) == SUBMISSIONS, f"{sum(stored.values())} stored of {SUBMISSIONS} sent"

    # Nothing half-written: no evidence without files, no file without all its bytes.
    owner = ENV["FAULTS_MIGRATION_URL"]
    orphans = psql(owner, "SELECT count(*) FROM register.evidence e WHERE NOT EXISTS (SELECT FROM register.evidence_files f WHERE f.evidence_id = e.id)")
    assert orphans == "0", f"{orphans} evidence records without files"
    total = files_are_whole(owner)
    summary = chain_verifies(ENV["FAULTS_DATABASE_URL"], Path(ENV["FAULTS_WORK"]), "after-kill")
    print(f"(a) {outcomes['acknowledged']} acknowledged and checked, {retried} retried after the restart; {total} files whole; {summary}")


# --- (b) PostgreSQL crashed and started again under load ---


@dataclass
class Answer:
    at: float
    seconds: float
    status: int | None  # None: no answer (a timeout or a refused connection)
    problem: bool
    kind: str


def test_b_database_crash_under_load_is_answered_503_and_recovers_without_restart(server: Server, world: World, cluster: Cluster) -> None:
    answers: list[Answer] = []
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()
    lock = threading.Lock()
    origin = time.monotonic()

    def record(kind: str, call: Any) -> requests.Response | None:
        began = time.monotonic()
        try:
            response = call()
        except requests.RequestException:
            response = None
        answer = Answer(
            began - origin,
            time.monotonic() - began,
            response.status_code if response is not None else None,
            response is not None and response.headers.get("Content-Type", "").startswith("application/problem+json"),
            kind,
        )
        with lock:
            answers.append(answer)
        return response

    def load() -> None:
        while not stop.is_set():
            reference = unique("FB-")
            body = {"reference": reference, "title": "Under load", "kind": "lcspr", "board_id": world.board["id"], "regime": "wt2018"}
            response = record("write", lambda: world.admin.request("POST", "/api/v1/reviews", json=body, timeout=PROMPT_SECONDS * 2))
            if response is not None and response.status_code == 201:
                with lock:
                    acknowledged.append((response.json()["id"], reference))
            record("read", lambda: world.admin.request("GET", "/api/v1/reviews?limit=5", timeout=PROMPT_SECONDS * 2))
            time.sleep(0.05)

    workers = [threading.Thread(target=load) for _ in range(6)]
    for worker in workers:
        worker.start()
    time.sleep(3)
    cluster.crash()
    crashed_at = time.monotonic() - origin
    time.sleep(OUTAGE_SECONDS)
    ready_while_down = requests.get(f"{server.base_url}/ready", timeout=PROMPT_SECONDS)
    starting_at = time.monotonic() - origin
    cluster.start()
    restarted_at = time.monotonic() - origin
    # Back by itself: a write acknowledged again soon after the database is.
    deadline = time.monotonic() + RECOVERY_SECONDS
    recovered_at = None
    while time.monotonic() < deadline:
        with lock:
            later = [a for a in answers if a.kind == "write" and a.at > restarted_at and a.status == 201]
        if later:
            recovered_at = later[0].at + later[0].seconds
            break
        time.sleep(0.2)
    time.sleep(1)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)

    # Asked and answered while the database was down (from its crash to the start of its restart).
    down = [a for a in answers if crashed_at + 0.5 <= a.at and a.at + a.seconds <= starting_at]
    statuses = Counter(a.status for a in answers)
    print(
        f"\n(b) crashed at {crashed_at:.1f} s, started again from {starting_at:.1f} to {restarted_at:.1f} s, first write after at "
        f"{recovered_at and f'{recovered_at:.1f} s'}; answers {dict(statuses)}; "
        f"while down: {dict(Counter(a.status for a in down))}, slowest {max((a.seconds for a in down), default=0):.2f} s; "
        f"{len(acknowledged)} writes acknowledged"
    )
    assert ready_while_down.status_code == 503, ready_while_down.text
    assert down, "no request was answered while the database was down"
    assert all(a.status == 503 and a.problem for a in down), f"while down: {[(a.kind, a.status) for a in down if a.status != 503 or not a.problem][:10]}"
    assert max(a.seconds for a in down) < PROMPT_SECONDS, "a request hung while the database was down"
    # Every request is answered, those in flight at the crash too. (Until the register sent its
    # statements through DatabaseConnection, which sends none on a connection that has closed, 0 to 3
    # of them a run waited for ever: PostgresNIO never answers a statement written to a closed connection.)
    stuck = [a for a in answers if a.status is None]
    assert not stuck, f"{len(stuck)} request(s) got no answer: {[(a.kind, round(a.at, 2)) for a in stuck]} (crash at {crashed_at:.2f} s)"
    assert not [a for a in answers if a.status is not None and a.status >= 500 and a.status != 503], f"5xx other than 503: {statuses}"
    assert recovered_at is not None, f"no write succeeded within {RECOVERY_SECONDS} s of the database starting again"
    # No acknowledged write lost: each review answered 201 is there, the crash notwithstanding.
    for review_id, reference in acknowledged:
        response = world.admin.request("GET", f"/api/v1/reviews/{review_id}")
        assert response.status_code == 200 and response.json()["reference"] == reference, f"lost: {reference} ({response.status_code})"
    print(f"(b) all {len(acknowledged)} acknowledged writes present; {chain_verifies(ENV['FAULTS_DATABASE_URL'], Path(ENV['FAULTS_WORK']), 'after-crash')}")


# --- (c) a dump restored into a new database ---


def test_c_a_restored_dump_verifies_its_chain_and_every_file(server: Server, world: World) -> None:
    work = Path(ENV["FAULTS_WORK"])
    admin = ENV["FAULTS_ADMIN_URL"]
    source = admin.replace("/postgres?", "/register_faults?")
    restored = admin.replace("/postgres?", "/register_restored?")
    dump = work / "register.dump"
    pgbin = Path(ENV["FAULTS_PGBIN"])
    # As the README says: a custom-format dump; restored as the superuser so owners and grants come back.
    subprocess.run([str(pgbin / "pg_dump"), "--format=custom", f"--file={dump}", source], check=True, capture_output=True)
    psql(admin, "CREATE DATABASE register_restored OWNER register_owner")
    subprocess.run([str(pgbin / "pg_restore"), "--exit-on-error", "--single-transaction", f"--dbname={restored}", str(dump)], check=True, capture_output=True)

    owner_restored = ENV["FAULTS_MIGRATION_URL"].replace("/register_faults?", "/register_restored?")
    app_restored = ENV["FAULTS_DATABASE_URL"].replace("/register_faults?", "/register_restored?")
    assert program("migrate", database_url=owner_restored).strip() == "schema is up to date"
    total = files_are_whole(owner_restored)
    assert total == files_are_whole(ENV["FAULTS_MIGRATION_URL"]) and total > SUBMISSIONS
    summary = chain_verifies(app_restored, work, "restored")
    print(f"\n(c) dump of {dump.stat().st_size} bytes restored: {total} files whole; {summary}")
    # The running server still serves the original, untouched by the restore.
    assert requests.get(f"{server.base_url}/ready", timeout=TIMEOUT).status_code == 200
