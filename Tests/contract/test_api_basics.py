"""Behaviours a person using the API would notice first, checked against the running register."""

from __future__ import annotations

from typing import Any

import requests
import yaml

from register_client import OPENAPI_FILE, TIMEOUT, Api, new_review, unique
from register_client import problem as assert_problem


def field_errors(problem: dict[str, Any]) -> dict[str, str]:
    return {error["field"]: error["message"] for error in problem.get("errors", [])}


def review_body(board: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "reference": unique("CT-", 16),
        "title": "Contract test review",
        "kind": "lcspr",
        "board_id": board["id"],
        "regime": "wt2018",
        **fields,
    }


# ---------------------------------------------------------------------------------------- service


def test_health_answers_ok(base_url: str) -> None:
    response = requests.get(f"{base_url}/health", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "ok"}
    assert response.headers.get("X-Request-Id")


def test_ready_answers_when_the_database_does(base_url: str) -> None:
    response = requests.get(f"{base_url}/ready", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready"}


def test_contract_is_served_as_yaml_and_is_the_one_in_the_repository(base_url: str) -> None:
    response = requests.get(f"{base_url}/api/v1/openapi.yaml", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/yaml")
    served = yaml.safe_load(response.text)
    assert served["openapi"].startswith("3.1")
    assert "/api/v1/reviews" in served["paths"]
    # The server ships the contract as a resource: a stale build would serve an older one.
    assert served == yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------- signing in


def test_reviews_need_signing_in(base_url: str) -> None:
    response = requests.get(f"{base_url}/api/v1/reviews", timeout=TIMEOUT)
    assert_problem(response, 401, "unauthenticated")
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_a_wrong_token_is_refused_not_ignored(base_url: str) -> None:
    response = requests.get(
        f"{base_url}/api/v1/reviews", headers={"Authorization": "Bearer lr_not-a-real-token"}, timeout=TIMEOUT
    )
    assert_problem(response, 401, "unauthenticated")


def test_wrong_password_is_refused(base_url: str, credentials: tuple[str, str]) -> None:
    email, password = credentials
    response = requests.post(
        f"{base_url}/api/v1/session", json={"email": email, "password": password + "-wrong"}, timeout=TIMEOUT
    )
    assert_problem(response, 401, "bad-credentials")
    assert "lr_session" not in response.cookies


def test_session_cookie_is_http_only(base_url: str, credentials: tuple[str, str]) -> None:
    email, password = credentials
    response = requests.post(
        f"{base_url}/api/v1/session", json={"email": email, "password": password}, timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("lr_session=lrs_") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.json()["email"] == email.strip().lower()


# ---------------------------------------------------------------------------------------- request bodies


def test_malformed_json_is_a_400_problem(api: Api) -> None:
    response = api.post(
        "/api/v1/boards", data=b'{"code": "x", "name": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "malformed-json")


def test_a_body_that_is_not_an_object_is_a_400_problem(api: Api) -> None:
    response = api.post("/api/v1/tokens", json=["contract"])
    assert_problem(response, 400, "malformed-json")


def test_a_body_not_sent_as_json_is_a_415_problem(api: Api) -> None:
    response = api.post("/api/v1/tokens", data=b"name=contract", headers={"Content-Type": "text/plain"})
    assert_problem(response, 415, "unsupported-media-type")


def test_unknown_fields_are_refused(api: Api, board: dict[str, Any]) -> None:
    response = api.post("/api/v1/reviews", json=review_body(board, titel="typo"))
    problem = assert_problem(response, 422, "validation")
    assert "titel" in field_errors(problem)


def test_unknown_review_kind_names_the_allowed_values(api: Api, board: dict[str, Any]) -> None:
    response = api.post("/api/v1/reviews", json=review_body(board, kind="SCR"))
    problem = assert_problem(response, 422, "validation")
    message = field_errors(problem)["kind"]
    for allowed in ("scr", "rapid_review", "lcspr", "national_review", "sar", "dhr", "learning_review"):
        assert allowed in message, message


def test_unknown_kind_filter_names_the_allowed_values(api: Api) -> None:
    response = api.get("/api/v1/reviews", params={"kind": "SCR"})
    problem = assert_problem(response, 422, "validation")
    assert "rapid_review" in field_errors(problem)["kind"]


def test_impossible_date_is_refused(api: Api, board: dict[str, Any]) -> None:
    response = api.post("/api/v1/reviews", json=review_body(board, notified_on="2026-02-30"))
    problem = assert_problem(response, 422, "validation")
    assert "2026-02-30" in field_errors(problem)["notified_on"]


def test_impossible_date_filter_is_refused(api: Api) -> None:
    response = api.get("/api/v1/recommendations", params={"due_before": "2026-02-30"})
    problem = assert_problem(response, 422, "validation")
    assert "due_before" in field_errors(problem)


def test_over_long_title_is_refused(api: Api, board: dict[str, Any]) -> None:
    response = api.post("/api/v1/reviews", json=review_body(board, title="x" * 301))
    problem = assert_problem(response, 422, "validation")
    assert "300" in field_errors(problem)["title"]


def test_page_size_out_of_range_is_refused(api: Api) -> None:
    response = api.get("/api/v1/boards", params={"limit": "201"})
    problem = assert_problem(response, 422, "validation")
    assert "limit" in field_errors(problem)


def test_duplicate_reference_is_a_conflict(api: Api, board: dict[str, Any]) -> None:
    review = new_review(api, board)
    response = api.post("/api/v1/reviews", json=review_body(board, reference=review["reference"]))
    assert_problem(response, 409, "duplicate")


# ---------------------------------------------------------------------------------------- changes and ETags


def test_a_record_is_changed_with_its_etag_and_a_stale_one_is_refused(api: Api, board: dict[str, Any]) -> None:
    review = new_review(api, board)
    path = f"/api/v1/reviews/{review['id']}"

    read = api.get(path)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    assert etag == f'"{review["version"]}"'

    missing = api.patch(path, json={"title": "Renamed"})
    assert_problem(missing, 428, "if-match-required")

    malformed = api.patch(path, json={"title": "Renamed"}, headers={"If-Match": "yesterday"})
    assert_problem(malformed, 400, "bad-if-match")

    changed = api.patch(
        path, json={"title": "Renamed", "summary": None},
        headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Renamed"
    assert changed.json()["version"] == review["version"] + 1
    assert changed.headers["ETag"] == f'"{review["version"] + 1}"'

    stale = api.patch(path, json={"title": "Renamed again"}, headers={"If-Match": etag})
    problem = assert_problem(stale, 412, "stale-version")
    assert problem["current_version"] == review["version"] + 1
    assert api.get(path).json()["title"] == "Renamed"


def test_a_move_that_is_not_allowed_names_the_moves_that_are(api: Api, board: dict[str, Any]) -> None:
    review = new_review(api, board)
    assert review["status"] == "notified"
    response = api.post(f"/api/v1/reviews/{review['id']}/transitions", json={"to": "published"})
    problem = assert_problem(response, 409, "transition-not-allowed")
    assert set(problem["allowed_next"]) == {"rapid_review", "commissioned", "closed"}


def test_closing_without_review_needs_a_reason(api: Api, board: dict[str, Any]) -> None:
    review = new_review(api, board)
    path = f"/api/v1/reviews/{review['id']}/transitions"
    problem = assert_problem(api.post(path, json={"to": "closed"}), 422, "validation")
    assert "reason" in field_errors(problem)
    closed = api.post(path, json={"to": "closed", "reason": "Criteria not met", "on": "2026-01-31"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["status_reason"] == "Criteria not met"
    assert closed.json()["closed_on"] == "2026-01-31"


def test_missing_record_is_a_404_problem(api: Api) -> None:
    response = api.get("/api/v1/reviews/00000000-0000-7000-8000-000000000000")
    assert_problem(response, 404, "not-found")
    response = api.get("/api/v1/reviews/not-a-uuid")
    assert_problem(response, 404, "not-found")
