"""Fuzzes the running register against the contract it serves (GET /api/v1/openapi.yaml) with schemathesis.

Two passes over the operations:

* `test_operation_conforms` sends generated requests to every operation, with random record ids
  (so mostly "not found" for single records), generated bodies, query strings and headers, valid and
  invalid alike;
* `test_operation_conforms_on_real_records` repeats the operations that take a record id in the path
  with the ids of records made for the purpose (a board, a review with a question, a finding and a
  recommendation, a pause of one of the review's statutory clocks, a spare API token, the signed-in
  account, a partner organisation, an assignment of the recommendation to it with a progress update,
  and evidence with a PDF file, uploaded by an account of the partner and returned by the admin), and
  sends the record's current ETag in `If-Match` when the generated one was well formed, so that the
  successful answers are checked too. The reports and the learning themes, which name records in
  their query (`review`, `board`, `partner`), are repeated with those records' ids as well.

Evidence uploads (`multipart/form-data`) are fuzzed like the rest, with generated parts and files of
every kind, which the register must refuse with a 4xx problem or store when they are acceptable. Only
partners submit evidence (the register's staff are refused with 403), so on the real records the uploads
are sent as the partner user.

Every answer must be no 5xx, and must match the documented status codes, content types, headers and
body schemas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from register_client import (
    CHECKS,
    TIMEOUT,
    Api,
    load_contract,
    new_assignment,
    new_review,
    submit_evidence,
    unique,
)

# A handful of examples per operation (plus schemathesis' own coverage cases) keeps a run to a few
# minutes on two cores. Health checks are off: generation against a live server is slow by nature.
FUZZ = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))

WELL_FORMED_ETAG = re.compile(r'^(W/)?"[1-9][0-9]{0,17}"$')

# Operations the second pass sends as the partner user rather than the admin.
AS_PARTNER = {("POST", "/api/v1/assignments/{assignment}/evidence")}


@pytest.fixture(scope="session")
def http() -> Iterator[requests.Session]:
    """One connection pool for all generated requests. It keeps no cookies: the token alone authenticates."""
    with requests.Session() as session:
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        yield session


@pytest.fixture(scope="session")
def contract_schema(api: Api) -> schemathesis.BaseSchema:
    return load_contract(api.base_url)


@pytest.fixture(scope="session")
def records(
    api: Api, board: dict[str, Any], me: dict[str, Any], partner: dict[str, Any], partner_api: Api
) -> dict[str, str]:
    """Records made for the second pass, by path parameter name."""
    review = new_review(api, board, themes=["neglect"], notified_on="2026-01-05")
    question = api.created(f"/api/v1/reviews/{review['id']}/questions", {"text": "What did agencies know?"})
    finding = api.created(
        f"/api/v1/reviews/{review['id']}/findings",
        {"text": "Information was not shared.", "themes": ["information_sharing"], "question_ids": [question["id"]]},
    )
    recommendation = api.created(
        f"/api/v1/reviews/{review['id']}/recommendations",
        {"number": "1", "text": "Share information.", "scope": "local", "finding_ids": [finding["id"]]},
    )
    assignment = new_assignment(api, recommendation, partner, lead_officer="A. Officer")
    partner_api.created(f"/api/v1/assignments/{assignment['id']}/updates", {"text": "Audit started.", "rag": "green"})
    evidence = submit_evidence(partner_api, assignment)
    # Returned (not accepted): the recommendation stays open to further work while the fuzzer runs.
    verdict = {"verdict": "returned", "reason": "Add the audit's results."}
    decided = api.post(f"/api/v1/evidence/{evidence['id']}/decision", json=verdict)
    assert decided.status_code == 200, decided.text
    # A pause still running, so that ending it can succeed (an lcspr review under wt2018 runs `publication`).
    pause = api.created(
        f"/api/v1/reviews/{review['id']}/clock-pauses",
        {"clock": "publication", "from": "2026-02-02", "reason": "Parallel criminal proceedings."},
    )
    # A token of its own for DELETE /tokens/{token}, so revoking it cannot lock the tests out.
    spare = api.created("/api/v1/tokens", {"name": unique("contract-spare-")})
    return {
        "board": board["id"],
        "review": review["id"],
        "question": question["id"],
        "finding": finding["id"],
        "recommendation": recommendation["id"],
        "user": me["id"],
        "token": spare["id"],
        "partner": partner["id"],
        "assignment": assignment["id"],
        "evidence": evidence["id"],
        "file": evidence["files"][0]["id"],
        "pause": pause["id"],
    }


@pytest.fixture(scope="session")
def records_schema(api: Api, records: dict[str, str]) -> schemathesis.BaseSchema:
    schema = load_contract(api.base_url)
    parameters = {f"path.{name}": value for name, value in records.items()}
    # The reports name their records in the query; these are the same records.
    parameters.update({f"query.{name}": records[name] for name in ("review", "board", "partner")})
    schema.config.update(parameters=parameters)
    return schema


# DELETE /api/v1/session is left out: it signs the caller out. (The fuzzer authenticates with the
# bearer token, which sign-out does not revoke, but a cookie-based run would lose its session.)
contract = schemathesis.pytest.from_fixture("contract_schema").exclude(method="DELETE", path="/api/v1/session")
on_records = (
    schemathesis.pytest.from_fixture("records_schema")
    .include(path_regex=r"\{")
    .include(path_regex=r"^/api/v1/reports/|^/api/v1/learning/themes$")
)


@contract.parametrize()
@FUZZ
def test_operation_conforms(case: schemathesis.Case, api: Api, http: requests.Session) -> None:
    case.call_and_validate(base_url=api.base_url, session=http, headers=api.headers, checks=CHECKS, timeout=TIMEOUT)


@on_records.parametrize()
@FUZZ
def test_operation_conforms_on_real_records(
    case: schemathesis.Case, api: Api, partner_api: Api, http: requests.Session
) -> None:
    caller = partner_api if (case.method.upper(), case.path) in AS_PARTNER else api
    use_current_etag(case, api)
    case.call_and_validate(base_url=api.base_url, session=http, headers=caller.headers, checks=CHECKS, timeout=TIMEOUT)


def use_current_etag(case: schemathesis.Case, api: Api) -> None:
    """Replaces a well-formed generated If-Match with the record's current ETag.

    A random version almost never matches, so without this every change would stop at 412. Missing or
    malformed If-Match values are left as generated, to keep testing the 428 and 400 answers.
    """
    headers = case.headers or {}
    name = next((key for key in headers if key.lower() == "if-match"), None)
    if name is None or not WELL_FORMED_ETAG.fullmatch(str(headers[name])):
        return
    path = case.formatted_path
    if path.endswith("/transitions"):
        path = path.removesuffix("/transitions")
    response = api.get(path)
    if response.status_code == 200 and response.headers.get("ETag"):
        headers[name] = response.headers["ETag"]
        case.headers = headers
