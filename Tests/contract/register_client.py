"""A small client for the register under test, shared by the contract tests."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import requests
import schemathesis
import yaml
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

TIMEOUT = 30
REPO_ROOT = Path(__file__).resolve().parents[2]
OPENAPI_FILE = REPO_ROOT / "Sources" / "RegisterServer" / "Resources" / "openapi.yaml"

# What an answer is checked for: only these checks. The others schemathesis has (negative_data_rejection,
# positive_data_acceptance, use_after_free, ignored_auth, ...) judge business rules that the contract does
# not state in full (for example "a board_id that names no board" is valid JSON Schema but a 422).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

PROBLEM = "application/problem+json"

# Checks an answer against one operation of the contract and returns it (the `check` fixture).
Conforms = Callable[[str, requests.Response], requests.Response]


def problem(response: requests.Response, status: int, kind: str, field: str | None = None) -> dict[str, Any]:
    """The answer is an RFC 9457 problem of this status and kind, quoting the request id (and naming `field`)."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    assert response.headers.get("Content-Type", "").startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:learning-register:problem:{kind}", body
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers.get("X-Request-Id")
    if field is not None:
        assert field in {error["field"] for error in body.get("errors", [])}, body
    return body


def ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    return response.json()


def uk_today() -> date:
    """The register's today: it runs on UK time."""
    return datetime.now(ZoneInfo("Europe/London")).date()


# The smallest file the register takes as a PDF: it recognises files by their first bytes.
PDF_BYTES = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def register_url() -> str | None:
    value = os.environ.get("REGISTER_URL", "").strip()
    return value.rstrip("/") or None


def load_contract(base_url: str) -> schemathesis.BaseSchema:
    """The contract as the server under test serves it, set to send requests to that server."""
    response = requests.get(f"{base_url}/api/v1/openapi.yaml", timeout=TIMEOUT)
    assert response.status_code == 200, f"GET /api/v1/openapi.yaml answered {response.status_code}"
    # Loaded from the text rather than with `from_url`, which would leave out the operation that served
    # the document, and GET /api/v1/openapi.yaml is part of the contract too.
    schema = schemathesis.openapi.from_dict(yaml.safe_load(response.text), config=schemathesis.Config())
    schema.config.update(base_url=base_url)
    # Authentication is the token passed to every call; generated credentials would only add noise.
    schema.config.generation.update(with_security_parameters=False)
    return schema


def conforms(contract: schemathesis.BaseSchema, operation_id: str, response: requests.Response) -> requests.Response:
    """Checks an answer to a request made by hand against the contract's `operation_id`, as the fuzzer would."""
    operation = contract.find_operation_by_id(operation_id)
    # The path's values, read back from the request, so that a failure can name the request it was.
    case = operation.Case(path_parameters=path_parameters(operation.path, response.request.path_url))
    case.validate_response(response, checks=CHECKS)
    return response


def path_parameters(template: str, path_url: str) -> dict[str, str]:
    """The values of a path template's `{names}` in a request's path (`/api/v1/reviews/{review}`)."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    match = re.fullmatch(pattern, urlsplit(path_url).path)
    return {name: unquote(value) for name, value in match.groupdict().items()} if match else {}


def unique(prefix: str, length: int = 12) -> str:
    """A value no earlier run has used, so the tests can run again against the same database."""
    return f"{prefix}{uuid.uuid4().hex[:length]}"


@dataclass
class Api:
    """A small client that signs every request with the contract token (never the session cookie)."""

    base_url: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        merged = {**self.headers, **(headers or {})}
        return requests.request(method, self.url(path), headers=merged, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def upload(
        self,
        path: str,
        fields: dict[str, str],
        files: list[tuple[str, bytes]],
        *,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """POSTs a multipart/form-data body: text `fields`, and each (name, bytes) as a part named `files`."""
        # Text fields as parts without a file name, so that the body is multipart even with no files.
        parts: list[tuple[str, tuple[str | None, Any, str]]] = [
            (field, (None, value, "text/plain; charset=utf-8")) for field, value in fields.items()
        ]
        parts += [("files", (name, content, "application/octet-stream")) for name, content in files]
        return self.post(path, files=parts, headers=headers)

    def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POSTs `body` and returns the created record, failing the test with the problem otherwise."""
        response = self.post(path, json=body)
        assert response.status_code == 201, f"POST {path} answered {response.status_code}: {response.text}"
        return response.json()


def new_review(api: Api, board: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "reference": unique("CT-", 16),
        "title": "Contract test review",
        "kind": "lcspr",
        "board_id": board["id"],
        "regime": "wt2018",
        **extra,
    }
    return api.created("/api/v1/reviews", body)


def sign_in(base_url: str, email: str, password: str) -> Api:
    """Signs in as a person does (POST /session) and makes an API token with the session cookie."""
    response = requests.post(f"{base_url}/api/v1/session", json={"email": email, "password": password}, timeout=TIMEOUT)
    assert response.status_code == 201, f"sign-in of {email} failed ({response.status_code}): {response.text}"
    cookie = response.cookies.get("lr_session")
    assert cookie, "sign-in set no lr_session cookie"
    response = requests.post(
        f"{base_url}/api/v1/tokens", json={"name": unique("contract-")}, cookies={"lr_session": cookie}, timeout=TIMEOUT
    )
    assert response.status_code == 201, f"token creation for {email} failed ({response.status_code}): {response.text}"
    return Api(base_url=base_url, token=response.json()["token"])


def new_partner(api: Api, **extra: Any) -> dict[str, Any]:
    return api.created("/api/v1/partners", {"name": unique("Contract partner "), "sector": "health", **extra})


def new_partner_user(api: Api, partner: dict[str, Any]) -> Api:
    """An account of the partner organisation (made by the admin `api`), signed in."""
    email = f"{unique('contract-partner-')}@example.org"
    password = unique("partner-password-", 16)
    created = api.created(
        "/api/v1/users",
        {"email": email, "name": "Partner user", "role": "partner", "partner_id": partner["id"], "password": password},
    )
    assert created["user"]["partner_id"] == partner["id"]
    return sign_in(api.base_url, email, password)


def new_recommendation(api: Api, review: dict[str, Any], number: str = "1") -> dict[str, Any]:
    body = {"number": number, "text": "Share information.", "scope": "local"}
    return api.created(f"/api/v1/reviews/{review['id']}/recommendations", body)


def new_assignment(api: Api, recommendation: dict[str, Any], partner: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"partner_id": partner["id"], "role": "lead", "action": "Audit sharing.", "due_date": "2027-03-31", **extra}
    return api.created(f"/api/v1/recommendations/{recommendation['id']}/assignments", body)


def evidence_fields(kind: str = "outcome", summary: str = "Audit of information sharing.") -> dict[str, str]:
    """The text fields of an upload; the effective date is the first of this month, never in the future."""
    return {"summary": summary, "kind": kind, "effective_date": date.today().replace(day=1).isoformat()}


def submit_evidence(api: Api, assignment: dict[str, Any], **fields: str) -> dict[str, Any]:
    """Uploads a small PDF as evidence on `assignment` (as a partner user of its organisation)."""
    path = f"/api/v1/assignments/{assignment['id']}/evidence"
    response = api.upload(path, {**evidence_fields(), **fields}, [("audit-report.pdf", PDF_BYTES)])
    assert response.status_code == 201, f"POST {path} answered {response.status_code}: {response.text}"
    return response.json()
