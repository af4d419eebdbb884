"""Hostile input against every write endpoint of the contract, and against the main page forms.

The write operations are read from the OpenAPI document, so an endpoint added there is attacked too
(and one whose path names something the tests cannot make fails until it is taught how). For each:

- every free-text field of its request body gets every text payload of hostile_payloads.TEXT, and one
  value a character over the field's maxLength and one exactly at it in astral-plane characters;
- the whole body is replaced by each of hostile_payloads.BODIES (malformed, invalid UTF-8, NUL bytes,
  deep nesting, 10 MB, wrong media types);
- each of hostile_payloads.HEADERS rides along with a good request (overlong and odd headers).

Every answer is a 4xx problem (application/problem+json with a title and a detail; a header too long
for the HTTP layer is refused there, with a bare 400 or 431) or a success that stored the value exactly
as sent. Never a 5xx, never a connection closed without an answer. Values stored with markup are then
looked for on the record's web page, where they must appear as text (escaped), with no script or event
handler of their own; values stored with spreadsheet formulas are looked for in the compliance CSV,
where every cell that could start a formula is neutralised. Evidence uploads get hostile file names;
the page forms (review, recommendation, finding, partner, user, progress update) get the text payloads
as a browser would post them, with the session cookie and CSRF token.

The number of cases sent is printed at the end of the run ("hostile-input cases: N").
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
import requests
import yaml

import hostile_payloads as payloads
from register_client import (
    OPENAPI_FILE,
    PDF_BYTES,
    PROBLEM,
    TIMEOUT,
    Api,
    new_assignment,
    new_partner,
    new_recommendation,
    new_review,
    sign_in,
    submit_evidence,
    uk_today,
    unique,
)

# ------------------------------------------------------------------------------------------- the contract

CONTRACT = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = CONTRACT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@dataclass
class Operation:
    """One write operation of the contract."""

    operation_id: str
    method: str
    path: str
    media_type: str | None
    schema: dict[str, Any] = field(default_factory=dict)

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        return {name: resolve(spec) for name, spec in self.schema.get("properties", {}).items()}

    @property
    def text_fields(self) -> list[str]:
        """Fields a person types: strings without a vocabulary or a uuid/date format."""
        fields = []
        for name, spec in self.properties.items():
            kinds = spec.get("type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if "string" in kinds and "enum" not in spec and spec.get("format") not in ("uuid", "date", "date-time"):
                fields.append(name)
        return fields

    @property
    def is_json(self) -> bool:
        return self.media_type is not None and self.media_type.endswith("json")

    def __str__(self) -> str:
        return self.operation_id


def write_operations() -> list[Operation]:
    operations = []
    for path, item in CONTRACT["paths"].items():
        for method, spec in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = spec.get("requestBody", {}).get("content", {})
            # A PATCH takes JSON Merge Patch; the plain JSON it also takes is the same body.
            media_type = next(iter(content), None)
            schema = resolve(content[media_type].get("schema", {})) if media_type else {}
            operations.append(Operation(spec["operationId"], method.upper(), path, media_type, schema))
    return operations


OPERATIONS = write_operations()

# Sign-in gets the whole-body and header cases only: text payloads there are failed sign-ins, which the
# register's throttling counts against this client's address and would slow every later test.
NO_TEXT_CASES = {"signIn"}

# ---------------------------------------------------------------------------------------- the judgement

CASES = {"sent": 0}
_COUNTING = threading.Lock()


def count(n: int = 1) -> None:
    with _COUNTING:
        CASES["sent"] += n


def each(cases: Iterable[Any], act: Callable[[Any], None], *, together: bool = True) -> None:
    """Runs `act` on every case, four at a time unless the cases depend on each other's outcome."""
    if not together:
        for case in cases:
            act(case)
        return
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(act, case) for case in cases]:
            done.result()


@dataclass
class Outcome:
    case: str
    problem: str


def judge(
    case: str, send: Callable[[], requests.Response], failures: list[Outcome], *, bare_4xx: bool = False, page: bool = False
) -> requests.Response | None:
    """Sends one case and records what is wrong with its answer: a 5xx, no answer, or a 4xx without a problem
    (a page form's refusal is the form again, or an error page: HTML)."""
    count()
    try:
        response = send()
    except requests.RequestException as error:
        failures.append(Outcome(case, f"no answer: {type(error).__name__}: {error}"[:300]))
        return None
    status = response.status_code
    if status >= 500:
        failures.append(Outcome(case, f"{status}: {response.text[:300]}"))
    elif 400 <= status < 500:
        kind = response.headers.get("Content-Type", "")
        if kind.startswith(PROBLEM):
            body = response.json()
            if not (body.get("title") and body.get("detail") and body.get("status") == status):
                failures.append(Outcome(case, f"{status} problem without a title and detail: {response.text[:300]}"))
        elif page and kind.startswith("text/html") and response.text.strip():
            pass
        elif not (bare_4xx and status in (400, 413, 414, 431)):
            failures.append(Outcome(case, f"{status} answered with {kind!r}, not a problem: {response.text[:200]!r}"))
    return response


def report(failures: list[Outcome]) -> None:
    assert not failures, f"{len(failures)} hostile case(s) answered wrongly:\n" + "\n".join(
        f"  {f.case}: {f.problem}" for f in failures[:40]
    )


def found(value: Any, name: str) -> list[Any]:
    """Every value of a key `name` anywhere in a JSON answer."""
    hits = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == name:
                hits.append(inner)
            hits += found(inner, name)
    elif isinstance(value, list):
        for inner in value:
            hits += found(inner, name)
    return hits


def stored_literally(case: str, response: requests.Response, name: str, sent: str, failures: list[Outcome]) -> bool:
    """A success answers with the field exactly as sent (when it answers with the field at all)."""
    if not (200 <= response.status_code < 300) or not response.content:
        return False
    try:
        answer = response.json()
    except ValueError:
        failures.append(Outcome(case, f"{response.status_code} answer is not JSON: {response.text[:200]!r}"))
        return False
    values = found(answer, name)
    # Names are stored without the spaces around them (a tab or newline typed before a name is not part of it).
    if values and sent not in values and sent.strip() not in values:
        failures.append(Outcome(case, f"stored {values[0]!r:.120} instead of {sent!r:.120}"))
        return False
    return bool(values)


# --------------------------------------------------------------------------------------- web page checks

MARKUP_CHARACTERS = set("<>\"'&")
# The values looked for on pages (each look is a page rendered).
MARKUP_VALUES = {value for _, value in payloads.MARKUP}


class _PageReader(HTMLParser):
    """The text of a page, and any script or event handler it would run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.live: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value:
                self.attributes.append(value)
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value and value.strip().lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not (dict(attrs).get("src") or "").startswith("/"):
            self.live.append("<script> without the register's own src")
        if tag in ("iframe", "object", "embed", "base"):
            self.live.append(f"<{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def page_shows_escaped(case: str, page: requests.Response, sent: str, failures: list[Outcome]) -> None:
    """The page shows `sent` as text (or as a field's value), and runs nothing of it."""
    if page.status_code != 200:
        failures.append(Outcome(case, f"the record's page answered {page.status_code}"))
        return
    reader = _PageReader()
    reader.feed(page.text)
    if reader.live:
        failures.append(Outcome(case, f"the page would run injected markup: {reader.live[:3]}"))
    # What a person sees: whitespace is collapsed by browsers; compare on the first line of the value.
    shown = sent.strip().splitlines()[0] if sent.strip() else ""
    visible = "".join(reader.text) + "\n".join(reader.attributes)
    if shown and shown not in visible:
        failures.append(Outcome(case, f"the page does not show the stored text {shown!r:.80}"))
    if MARKUP_CHARACTERS & set(sent) and "<" in sent and sent in page.text:
        failures.append(Outcome(case, f"the page holds the markup unescaped: {sent!r:.80}"))


# --------------------------------------------------------------------------------------------- the world


@dataclass
class World:
    """Records for every kind of path parameter, and the people acting on them."""

    api: Api
    partner_api: Api
    session: requests.Session
    ids: dict[str, str]
    board: dict[str, Any]
    partner: dict[str, Any]
    spare_partner: dict[str, Any]
    review: dict[str, Any]
    clock: str
    own_api: Api
    own_password: list[str]
    credentials: tuple[str, str]

    def path(self, operation: Operation) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in self.ids, (
                f"{operation}: the hostile-input tests cannot make a {{{name}}} yet; add one to the world fixture"
            )
            return self.ids[name]

        return re.sub(r"\{(\w+)\}", value, operation.path)

    def caller(self, operation: Operation) -> Api:
        if operation.operation_id in ("submitEvidence", "answerInformationRequest"):
            return self.partner_api
        if operation.operation_id in ("changeMyPassword", "signOut"):
            return self.own_api
        return self.api

    def base_body(self, operation: Operation) -> dict[str, Any]:
        """A body the operation would take, or nearly: hostile values are put into it one field at a time."""
        body: dict[str, Any] = {}
        required = set(operation.schema.get("required", []))
        today = uk_today().isoformat()
        for name, spec in operation.properties.items():
            kinds = spec.get("type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            chosen: Any = None
            if name in REAL_VALUES:
                chosen = REAL_VALUES[name](self, operation)
            elif "enum" in spec:
                chosen = next((v for v in ENUM_CHOICES.get(name, []) if v in spec["enum"]), spec["enum"][0])
            elif spec.get("format") == "date":
                chosen = today
            elif spec.get("format") == "uuid":
                chosen = None
            elif spec.get("format") == "email":
                chosen = f"{unique('hostile-')}@example.org"
            elif spec.get("format") == "uri":
                chosen = "https://example.org/report"
            elif "string" in kinds:
                limit = spec.get("maxLength", 40)
                chosen = unique("H", min(10, limit - 1)) if limit < 60 else f"Hostile input {unique('')}"
            elif "integer" in kinds:
                chosen = 30
            if chosen is not None or name in required:
                body[name] = chosen
        if operation.operation_id == "changeMyPassword":
            body["current_password"] = self.own_password[0]
        if operation.operation_id == "signIn":
            # A real sign-in: failed ones would count against this address.
            body = {"email": self.credentials[0], "password": self.credentials[1]}
        return body


# Values that must name or match something real, by field name.
REAL_VALUES: dict[str, Callable[[World, Operation], Any]] = {
    "board_id": lambda w, op: w.board["id"],
    "partner_id": lambda w, op: w.partner["id"] if op.operation_id != "changeUserRole" else None,
    "from_partner_id": lambda w, op: w.spare_partner["id"],
    "to_partner_id": lambda w, op: w.partner["id"],
    "parent_review_id": lambda w, op: None,
    "clock": lambda w, op: w.clock,
    "themes": lambda w, op: [],
    "question_ids": lambda w, op: [],
    "finding_ids": lambda w, op: [],
    "ids": lambda w, op: [w.ids["question"]] if "questions" in op.path else [w.ids["finding"]],
    "password": lambda w, op: unique("Hostile-password-", 16),
    "new_password": lambda w, op: unique("Hostile-password-", 16),
    "active": lambda w, op: None,
    "assurance_needs_outcome": lambda w, op: None,
    "happened_on": lambda w, op: None,
    "on": lambda w, op: uk_today().isoformat() if op.operation_id == "endReviewClockPause" else None,
    "effective_date": lambda w, op: uk_today().replace(day=1).isoformat(),
    "review_id": lambda w, op: w.review["id"],
    "period_start": lambda w, op: uk_today().replace(day=1).isoformat(),
    "period_end": lambda w, op: uk_today().isoformat(),
    "presented_on": lambda w, op: uk_today().isoformat(),
}

# Vocabulary values that make a good body, by field name (the first in the contract's list otherwise).
ENUM_CHOICES = {
    "role": ["coordinator", "lead"], "kind": ["lcspr", "children_partnership", "output"], "verdict": ["returned"],
    "scope": ["local"], "regime": ["wt2018"], "sector": ["health"], "to": ["in_progress", "accepted"],
}


@pytest.fixture(scope="module")
def world(
    api: Api, partner_api: Api, partner: dict[str, Any], board: dict[str, Any], me: dict[str, Any], credentials: tuple[str, str]
) -> World:
    review = new_review(api, board)
    question = api.created(f"/api/v1/reviews/{review['id']}/questions", {"text": "What was known?"})
    finding = api.created(f"/api/v1/reviews/{review['id']}/findings", {"text": "Information was not shared."})
    recommendation = new_recommendation(api, review)
    assignment = new_assignment(api, recommendation, partner)
    evidence = submit_evidence(partner_api, assignment)
    information_request = api.created(
        "/api/v1/information-requests",
        {"partner_id": partner["id"], "kind": "information", "question": "How many?", "due_date": uk_today().isoformat(), "assignment_id": assignment["id"]},
    )
    document = api.upload(f"/api/v1/reviews/{review['id']}/documents", {"kind": "published_report", "title": "Report"}, [("report.pdf", PDF_BYTES)])
    assert document.status_code == 201, document.text
    clock = ""
    pause_id = str(uuid.uuid4())
    for code in ("notification", "rapid_review", "decision", "completion", "publication"):
        response = api.post(
            f"/api/v1/reviews/{review['id']}/clock-pauses",
            json={"clock": code, "from": uk_today().isoformat(), "reason": "Parallel criminal proceedings"},
        )
        if response.status_code == 201:
            clock, pause_id = code, response.json()["id"]
            break
    spare_partner = new_partner(api)
    password = unique("Own-password-", 16)
    own = api.created(
        "/api/v1/users", {"email": f"{unique('hostile-own-')}@example.org", "name": "Hostile own", "role": "coordinator", "password": password}
    )
    own_api = sign_in(api.base_url, own["user"]["email"], password)
    target = api.created(
        "/api/v1/users",
        {"email": f"{unique('hostile-target-')}@example.org", "name": "Hostile target", "role": "coordinator", "password": unique("Target-password-", 16)},
    )
    token = api.created("/api/v1/tokens", {"name": unique("hostile-revoke-")})
    body = api.created("/api/v1/monitoring-bodies", {"board_id": board["id"], "name": unique("Hostile body "), "kind": "subgroup"})
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api.token}"
    ids = {
        "review": review["id"],
        "question": question["id"],
        "finding": finding["id"],
        "recommendation": recommendation["id"],
        "assignment": assignment["id"],
        "evidence": evidence["id"],
        "pause": pause_id,
        "board": board["id"],
        "partner": spare_partner["id"],
        "user": target["user"]["id"],
        "token": token["id"],
        "body": body["id"],
        "request": information_request["id"],
        "document": document.json()["id"],
    }
    return World(
        api, partner_api, session, ids, board, partner, spare_partner, review, clock or "rapid_review", own_api, [password], credentials
    )


@pytest.fixture(scope="module", autouse=True)
def case_count(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    line = f"hostile-input cases: {CASES['sent']} sent to {len(OPERATIONS)} write operations and 6 page forms"
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\n{line}")
    else:
        print(line)


def send(world: World, operation: Operation, caller: Api, *, body: bytes | None = None, media_type: str | None = None,
         headers: dict[str, str] | None = None) -> requests.Response:
    merged = {"Authorization": f"Bearer {caller.token}", **(headers or {})}
    if media_type is not None:
        merged["Content-Type"] = media_type
    if operation.method == "PATCH" and "If-Match" not in merged:
        merged["If-Match"] = current_etag(world, operation, caller)
    return requests.request(operation.method, caller.url(world.path(operation)), data=body, headers=merged, timeout=TIMEOUT)


def current_etag(world: World, operation: Operation, caller: Api) -> str:
    response = caller.get(world.path(operation))
    return response.headers.get("ETag", '"0"')


def json_bytes(value: Any) -> bytes:
    # ensure_ascii=False: the payloads travel as UTF-8 text, as a browser or script sends them.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# ----------------------------------------------------------------------------------------- the API cases

JSON_OPERATIONS = [op for op in OPERATIONS if op.is_json]


def test_the_corpus_covers_every_write_operation_of_the_contract() -> None:
    """Every write operation is attacked: the JSON ones field by field, the others by header and path."""
    assert len(OPERATIONS) >= 30, [str(op) for op in OPERATIONS]
    others = {str(op) for op in OPERATIONS if not op.is_json}
    assert others <= {
        "signOut", "revokeToken", "deactivateUser", "reactivateUser", "submitEvidence", "clearAssignmentDelay", "removeMonitoredSource",
        "answerInformationRequest", "addReviewDocument",
    }, (
        f"write operations without a JSON body the corpus does not know how to attack: {others}"
    )


PASSWORD_FIELDS = {"password", "new_password", "current_password"}


def text_values(operation: Operation, name: str) -> list[tuple[str, str]]:
    spec = operation.properties[name]
    limit = spec.get("maxLength")
    # A password is never shown, so markup and formulas mean nothing there; each one costs a bcrypt.
    values = list(payloads.PASSWORD if name in PASSWORD_FIELDS else payloads.TEXT)
    if limit:
        values.append((f"one-over-{limit}", "x" * (limit + 1)))
        values.append((f"astral-at-{limit}", "𝒜" * limit))
    else:
        values.append(("very-long", "x" * payloads.VERY_LONG))
    return values


@pytest.mark.parametrize("operation", [op for op in JSON_OPERATIONS if op.operation_id not in NO_TEXT_CASES], ids=str)
def test_hostile_text_in_every_field(world: World, operation: Operation) -> None:
    failures: list[Outcome] = []
    caller = world.caller(operation)

    def attack(item: tuple[str, str, str]) -> None:
        name, label, value = item
        body = world.base_body(operation)
        body[name] = value
        case = f"{operation}.{name}={label}"
        response = judge(case, lambda: send(world, operation, caller, body=json_bytes(body), media_type="application/json"), failures)
        if response is None:
            return
        if name in PASSWORD_FIELDS:
            if operation.operation_id == "changeMyPassword" and response.status_code == 204:
                world.own_password[0] = value
            return
        if stored_literally(case, response, name, value, failures):
            check_page(world, operation, response, case, value, failures)

    cases = [(name, label, value) for name in operation.text_fields for label, value in text_values(operation, name)]
    # A PATCH names the version it changes, and a password change the current password: one at a time.
    each(cases, attack, together=operation.method != "PATCH" and operation.operation_id != "changeMyPassword")
    report(failures)


@pytest.mark.parametrize("operation", JSON_OPERATIONS, ids=str)
def test_hostile_bodies(world: World, operation: Operation) -> None:
    failures: list[Outcome] = []
    caller = world.caller(operation)
    for label, body, media_type in payloads.BODIES:
        # A control character in a header value is refused by the HTTP layer, before the application.
        bare = any(ord(c) < 0x20 for c in media_type)
        judge(f"{operation}:{label}", lambda: send(world, operation, caller, body=body, media_type=media_type), failures, bare_4xx=bare)
    report(failures)


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_hostile_headers(world: World, operation: Operation) -> None:
    failures: list[Outcome] = []
    caller = world.caller(operation)
    for label, headers in payloads.HEADERS:
        body = json_bytes(world.base_body(operation)) if operation.is_json else None
        media_type = "application/json" if operation.is_json else None
        judge(
            f"{operation}:{label}",
            lambda: send(world, operation, caller, body=body, media_type=media_type, headers=headers),
            failures,
            bare_4xx=True,
        )
    report(failures)


# Where a record's page is, after an operation that stored text on it.
PAGES: dict[str, Callable[[World, dict[str, Any]], str]] = {
    "createReview": lambda w, r: f"/reviews/{r['id']}",
    "updateReview": lambda w, r: f"/reviews/{r['id']}",
    "addCoreQuestion": lambda w, r: f"/reviews/{w.ids['review']}",
    "updateCoreQuestion": lambda w, r: f"/reviews/{w.ids['review']}",
    "addFinding": lambda w, r: f"/reviews/{w.ids['review']}",
    "updateFinding": lambda w, r: f"/reviews/{w.ids['review']}",
    "addRecommendation": lambda w, r: f"/recommendations/{r['id']}",
    "updateRecommendation": lambda w, r: f"/recommendations/{r['id']}",
    "assignRecommendation": lambda w, r: f"/recommendations/{r['recommendation_id']}",
    "updateAssignment": lambda w, r: f"/recommendations/{r['recommendation_id']}",
    "addProgressUpdate": lambda w, r: f"/assignments/{w.ids['assignment']}",
    "createPartner": lambda w, r: f"/admin/partners/{r['id']}",
    "updatePartner": lambda w, r: f"/admin/partners/{r['id']}",
    "createBoard": lambda w, r: f"/admin/boards/{r['id']}",
    "updateBoard": lambda w, r: f"/admin/boards/{r['id']}",
    "createUser": lambda w, r: f"/admin/users/{r['user']['id']}",
    "transitionReview": lambda w, r: f"/reviews/{w.ids['review']}",
    "transitionRecommendation": lambda w, r: f"/recommendations/{w.ids['recommendation']}",
    "pauseReviewClock": lambda w, r: f"/reviews/{w.ids['review']}",
}


@pytest.fixture(scope="module")
def page_session(base_url: str, session_cookie: str) -> requests.Session:
    """The admin's browser: the session cookie, and requests that say they come from the register's pages."""
    browser = requests.Session()
    browser.cookies.set("lr_session", session_cookie)
    browser.headers["Sec-Fetch-Site"] = "same-origin"
    browser.base_url = base_url  # type: ignore[attr-defined]
    return browser


BROWSER: dict[str, requests.Session] = {}


@pytest.fixture(scope="module", autouse=True)
def _remember_browser(page_session: requests.Session) -> None:
    BROWSER["admin"] = page_session


def check_page(world: World, operation: Operation, response: requests.Response, case: str, value: str, failures: list[Outcome]) -> None:
    if operation.operation_id not in PAGES or value not in MARKUP_VALUES:
        return
    browser = BROWSER["admin"]
    path = PAGES[operation.operation_id](world, response.json())
    page = browser.get(browser.base_url + path, timeout=TIMEOUT)  # type: ignore[attr-defined]
    count()
    page_shows_escaped(f"{case} (page {path})", page, value, failures)


# ----------------------------------------------------------------------------------------- evidence files


def test_hostile_file_names_and_fields_of_an_upload(world: World) -> None:
    failures: list[Outcome] = []
    path = f"/api/v1/assignments/{world.ids['assignment']}/evidence"
    fields = {"summary": "Hostile file name", "kind": "output", "effective_date": uk_today().replace(day=1).isoformat()}
    for label, name in payloads.FILE_NAMES:
        case = f"submitEvidence.files.name={label}"
        response = judge(case, lambda: world.partner_api.upload(path, fields, [(name, PDF_BYTES)]), failures)
        if response is None or response.status_code != 201:
            continue
        stored = response.json()["files"][0]["name"]
        if "/" in stored or "\\" in stored or any(ord(c) < 0x20 or ord(c) == 0x7F for c in stored) or stored in ("", ".", ".."):
            failures.append(Outcome(case, f"stored the name {stored!r}: a folder part or a control character survived"))
        download = world.api.get(f"/api/v1/evidence/{response.json()['id']}/files/{response.json()['files'][0]['id']}")
        count()
        disposition = download.headers.get("Content-Disposition", "")
        if download.status_code != 200 or not disposition.startswith("attachment;") or re.search(r"[\r\n\x00]", disposition):
            failures.append(Outcome(case, f"download answered {download.status_code} with Content-Disposition {disposition!r}"))
        if MARKUP_CHARACTERS & set(stored):
            page = BROWSER["admin"].get(f"{world.api.base_url}/assignments/{world.ids['assignment']}", timeout=TIMEOUT)
            count()
            page_shows_escaped(f"{case} (assignment page)", page, stored, failures)
    for label, value in payloads.TEXT:
        case = f"submitEvidence.summary={label}"
        response = judge(case, lambda: world.partner_api.upload(path, {**fields, "summary": value}, [("a.pdf", PDF_BYTES)]), failures)
        if response is not None:
            stored_literally(case, response, "summary", value, failures)
    # Parts that are not UTF-8, a NUL in a part's name, and a file whose bytes are not what its name says.
    raw_cases = [
        ("summary-invalid-utf8", [("summary", None, b"\xff\xfe\xc3\x28")]),
        ("field-name-nul", [("sum\x00mary", None, b"x")]),
        ("file-not-a-pdf", [("files", "report.pdf", b"MZ\x90\x00 an executable")]),
        ("file-empty", [("files", "report.pdf", b"")]),
    ]
    for label, parts in raw_cases:
        body, boundary = multipart(fields, parts)
        case = f"submitEvidence:{label}"
        judge(
            case,
            lambda: requests.post(
                world.partner_api.url(path), data=body, timeout=TIMEOUT,
                headers={**world.partner_api.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            ),
            failures,
        )
    report(failures)


def multipart(fields: dict[str, str], parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "hostile" + uuid.uuid4().hex
    body = b""
    names = {name for name, _, _ in parts}
    for name, value in fields.items():
        if name not in names:
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, file_name, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{file_name}"' if file_name else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode("utf-8", "surrogatepass") + content + b"\r\n"
    if "files" not in names:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n'.encode() + PDF_BYTES + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), boundary


# ------------------------------------------------------------------------------------------- CSV export


def test_formulas_are_neutralised_in_the_compliance_csv(world: World, api: Api, board: dict[str, Any]) -> None:
    """Every formula payload, stored as a review's title and a recommendation's text and addressee."""
    failures: list[Outcome] = []
    review = new_review(api, board, title=payloads.CSV_FORMULA[0][1])
    for index, (label, value) in enumerate(payloads.CSV_FORMULA + payloads.MARKUP[:2], start=1):
        body = {"number": str(index), "text": value, "scope": "local", "addressee": value}
        response = judge(f"csv:{label}", lambda: api.post(f"/api/v1/reviews/{review['id']}/recommendations", json=body), failures)
        if response is not None and response.status_code == 201:
            new_assignment(api, response.json(), world.partner, lead_officer=value.replace("\r", "").replace("\t", "")[:200] or "x")
    export = api.get("/api/v1/reports/compliance", params={"format": "csv", "review": review["reference"]})
    count()
    assert export.status_code == 200, export.text
    text = export.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) > len(payloads.CSV_FORMULA), f"the export has {len(rows)} rows: {text[:500]}"
    for row_number, row in enumerate(rows, start=1):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                failures.append(Outcome(f"csv row {row_number}", f"a cell a spreadsheet would run: {cell!r:.80}"))
    cells = {cell for row in rows for cell in row}
    for label, value in payloads.CSV_FORMULA:
        neutral = "'" + value if value[:1] in "=+-@\t\r" else value
        if neutral not in cells:
            failures.append(Outcome(f"csv:{label}", f"the stored text is not in the export as {neutral!r:.80}"))
    report(failures)


# ---------------------------------------------------------------------------------------------- page forms


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.csrf: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrf_token":
            self.csrf = a.get("value")


def csrf_token(browser: requests.Session, path: str) -> str:
    page = browser.get(browser.base_url + path, timeout=TIMEOUT)  # type: ignore[attr-defined]
    assert page.status_code == 200, f"GET {path} answered {page.status_code}"
    reader = _Form()
    reader.feed(page.text)
    assert reader.csrf, f"{path} has no csrf_token field"
    return reader.csrf


def page_forms(world: World) -> list[tuple[str, str, dict[str, str], list[str]]]:
    """(name, path, a good form, the text fields to attack) for the main forms."""
    review_id, today = world.ids["review"], uk_today()
    return [
        ("review", "/reviews/new", {
            "reference": "", "title": "Hostile page review", "kind": "lcspr", "board_id": world.board["id"], "regime": "wt2018",
            "subjects": "Child H", "summary": "", "lead_reviewer": "", "publication_url": "",
        }, ["reference", "title", "subjects", "summary", "lead_reviewer", "publication_url"]),
        ("recommendation", f"/reviews/{review_id}/recommendations/new", {
            "number": "", "text": "Hostile page recommendation", "scope": "local", "addressee": "",
        }, ["number", "text", "addressee"]),
        ("finding", f"/reviews/{review_id}/findings/new", {"text": "Hostile page finding"}, ["text"]),
        ("partner", "/admin/partners/new", {"name": "", "sector": "health"}, ["name"]),
        ("user", "/admin/users/new", {"email": "", "name": "Hostile page user", "role": "coordinator", "password_choice": "generate"}, ["email", "name"]),
        ("progress update", f"/assignments/{world.ids['assignment']}/updates", {
            "update_text": "Hostile page update", "update_happened_on": f"{today:%d/%m/%Y}", "update_rag": "amber",
            "update_forecast_date": f"{today:%d/%m/%Y}", "update_rag_reason": "Hostile page reason",
        }, ["update_text", "update_rag_reason"]),
    ]


def fresh(form: dict[str, str]) -> dict[str, str]:
    """Values that must be unique made new for each post."""
    form = dict(form)
    if "reference" in form:
        form["reference"] = unique("HP-", 10)
    if "number" in form:
        form["number"] = unique("", 8)
    if "email" in form:
        form["email"] = f"{unique('hostile-page-')}@example.org"
    if form.get("name", None) == "":
        form["name"] = unique("Hostile page partner ")
    return form


def test_hostile_text_in_the_page_forms(world: World, page_session: requests.Session) -> None:
    failures: list[Outcome] = []
    token = csrf_token(page_session, "/reviews/new")
    for form_name, path, good, attacked in page_forms(world):
        url = page_session.base_url + path  # type: ignore[attr-defined]

        def attack(item: tuple[str, str, str]) -> None:
            name, label, value = item
            form = {**fresh(good), name: value, "csrf_token": token}
            case = f"page {form_name}.{name}={label}"
            response = judge(
                case, lambda: page_session.post(url, data=form, allow_redirects=False, timeout=TIMEOUT), failures, bare_4xx=True, page=True
            )
            if response is None:
                return
            if response.status_code == 303:
                location = response.headers["Location"]
                if value in MARKUP_VALUES:
                    page = page_session.get(page_session.base_url + location.split("?")[0], timeout=TIMEOUT)  # type: ignore[attr-defined]
                    count()
                    page_shows_escaped(f"{case} (page {location})", page, value, failures)
            elif 400 <= response.status_code < 500 and response.headers.get("Content-Type", "").startswith("text/html"):
                # The form comes back with what was typed: escaped, never live.
                reader = _PageReader()
                reader.feed(response.text)
                if reader.live:
                    failures.append(Outcome(case, f"the refused form would run injected markup: {reader.live[:3]}"))
                if "<" in value and value in response.text:
                    failures.append(Outcome(case, "the refused form holds the markup unescaped"))
            elif response.status_code not in (200, 303) and response.status_code < 400:
                failures.append(Outcome(case, f"answered {response.status_code}"))

        each([(name, label, value) for name in attacked for label, value in payloads.TEXT + [("very-long", "x" * 100_000)]], attack)
        # Bytes a browser never sends: invalid UTF-8, a NUL, an overlong body.
        for label, raw in [
            ("invalid-utf8", b"%FF%FE%C3%28"),
            ("nul", b"a%00b"),
            ("overlong-body", b"x" * (3 * 1024 * 1024)),
        ]:
            body = "&".join(f"{k}={requests.utils.quote(v)}" for k, v in {**fresh(good), "csrf_token": token}.items() if k != attacked[0])
            data = body.encode() + b"&" + attacked[0].encode() + b"=" + raw
            judge(
                f"page {form_name}:{label}",
                lambda: page_session.post(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False, timeout=TIMEOUT),
                failures,
                bare_4xx=True,
                page=True,
            )
    report(failures)
