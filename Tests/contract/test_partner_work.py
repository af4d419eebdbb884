"""Partners' work through the API, as the admin and a partner user see it: assignments, progress,
evidence uploads and downloads, verdicts and reassignment.

Every answer is checked against the contract the server serves (with the fuzzer's checks), so the
successful answers are covered, and so are the refusals that random data rarely reaches: a replayed
upload, a file whose content is not what its name says, a verdict given twice.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import requests

from register_client import (
    PDF_BYTES,
    Api,
    Conforms,
    evidence_fields,
    new_assignment,
    new_partner,
    new_partner_user,
    new_recommendation,
    new_review,
    ok,
    problem,
    unique,
)


# A partner organisation and user of this module's own, in place of the session's: the fuzzer changes
# that partner (its name, whether it is active) as it pleases.
@pytest.fixture(scope="module")
def partner(api: Api, me: dict[str, Any]) -> dict[str, Any]:
    return new_partner(api)


@pytest.fixture(scope="module")
def partner_api(api: Api, partner: dict[str, Any]) -> Api:
    return new_partner_user(api, partner)


def fresh_assignment(api: Api, board: dict[str, Any], partner: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A lead assignment to `partner` of a recommendation of its own."""
    return new_assignment(api, new_recommendation(api, new_review(api, board)), partner, **extra)


@pytest.fixture
def assignment(api: Api, partner: dict[str, Any], board: dict[str, Any]) -> dict[str, Any]:
    return fresh_assignment(api, board, partner)


def upload(api: Api, assignment: dict[str, Any], files: list[tuple[str, bytes]], **fields: str) -> requests.Response:
    """Uploads evidence on `assignment`; a `key` field is sent as the Idempotency-Key."""
    headers = {"Idempotency-Key": fields.pop("key")} if "key" in fields else None
    path = f"/api/v1/assignments/{assignment['id']}/evidence"
    return api.upload(path, {**evidence_fields(), **fields}, files, headers=headers)


def status_of(api: Api, assignment: dict[str, Any], check: Conforms) -> str:
    return ok(check("getAssignment", api.get(f"/api/v1/assignments/{assignment['id']}")))["status"]


def evidence_count(api: Api, assignment: dict[str, Any]) -> int:
    return len(ok(api.get(f"/api/v1/assignments/{assignment['id']}/evidence"))["items"])


# ---------------------------------------------------------------------------------------- partners


def test_a_partner_user_sees_only_its_own_organisation(
    api: Api, partner_api: Api, partner: dict[str, Any], check: Conforms
) -> None:
    me = ok(check("getMe", partner_api.get("/api/v1/me")))
    assert me["role"] == "partner" and me["partner_id"] == partner["id"]
    listed = ok(check("listPartners", partner_api.get("/api/v1/partners")))
    assert [p["id"] for p in listed["items"]] == [partner["id"]]
    other = new_partner(api, sector="police")
    problem(check("getPartner", partner_api.get(f"/api/v1/partners/{other['id']}")), 404, "not-found")
    # Seen, but not theirs to change.
    own = f"/api/v1/partners/{partner['id']}"
    response = partner_api.patch(own, json={"name": "Renamed"}, headers={"If-Match": '"1"'})
    problem(check("updatePartner", response), 403, "forbidden")


def test_partner_names_are_unique_and_changes_need_the_etag(api: Api, partner: dict[str, Any], check: Conforms) -> None:
    response = api.post("/api/v1/partners", json={"name": partner["name"].upper(), "sector": "other"})
    problem(check("createPartner", response), 409, "duplicate")
    other = new_partner(api)
    path = f"/api/v1/partners/{other['id']}"
    problem(check("updatePartner", api.patch(path, json={"active": False})), 428, "if-match-required")
    changed = check("updatePartner", api.patch(path, json={"active": False}, headers={"If-Match": '"1"'}))
    assert ok(changed)["active"] is False and changed.headers["ETag"] == '"2"'
    stale = api.patch(path, json={"active": True}, headers={"If-Match": '"1"'})
    assert problem(check("updatePartner", stale), 412, "stale-version")["current_version"] == 2
    inactive = ok(check("listPartners", api.get("/api/v1/partners", params={"active": "false", "limit": 200})))
    assert other["id"] in [p["id"] for p in inactive["items"]]


# ---------------------------------------------------------------------------------------- assignments


def test_assigning_work_and_changing_its_due_date(
    api: Api, partner: dict[str, Any], board: dict[str, Any], check: Conforms
) -> None:
    recommendation = new_recommendation(api, new_review(api, board))
    path = f"/api/v1/recommendations/{recommendation['id']}/assignments"
    body = {"partner_id": partner["id"], "role": "lead", "action": "Audit sharing.", "due_date": "2027-03-31"}
    created = check("assignRecommendation", api.post(path, json=body))
    assignment = ok(created, 201)
    assert assignment["status"] == "assigned" and assignment["lead_officer"] is None
    assert assignment["original_due_date"] == assignment["due_date"] == "2027-03-31"
    problem(check("assignRecommendation", api.post(path, json=body)), 409, "conflict")
    assert [a["id"] for a in ok(check("listRecommendationAssignments", api.get(path)))["items"]] == [assignment["id"]]

    one = f"/api/v1/assignments/{assignment['id']}"
    etag = {"If-Match": created.headers["ETag"]}
    unexplained = check("updateAssignment", api.patch(one, json={"due_date": "2027-06-30"}, headers=etag))
    refused = problem(unexplained, 422, "validation")
    assert "due_date_reason" in {error["field"] for error in refused["errors"]}
    moved = {"due_date": "2027-06-30", "due_date_reason": "Audit moved to the summer term."}
    changed = ok(check("updateAssignment", api.patch(one, json=moved, headers=etag)))
    assert changed["due_date"] == "2027-06-30" and changed["original_due_date"] == "2027-03-31"
    revisions = ok(check("listDueDateRevisions", api.get(f"{one}/due-date-revisions")))["items"]
    assert [(r["from_date"], r["to_date"], r["reason"]) for r in revisions] == [
        ("2027-03-31", "2027-06-30", moved["due_date_reason"])
    ]

    mine = {"partner": partner["id"], "mine": "true", "limit": 200}
    work = check("listAssignments", api.get("/api/v1/assignments", params=mine))
    assert assignment["id"] in [a["id"] for a in ok(work)["items"]]
    problem(check("listAssignments", api.get("/api/v1/assignments", params={"due_within": "soon"})), 422, "validation")
    assigned = {"partner": partner["id"], "limit": 200}
    theirs = check("listRecommendations", api.get("/api/v1/recommendations", params=assigned))
    assert recommendation["id"] in [r["id"] for r in ok(theirs)["items"]]


def test_progress_starts_the_work_and_only_in_progress_can_be_asked_for(
    api: Api, partner_api: Api, assignment: dict[str, Any], check: Conforms
) -> None:
    path = f"/api/v1/assignments/{assignment['id']}"
    ok(check("addProgressUpdate", partner_api.post(f"{path}/updates", json={"text": "Audit started.", "rag": "green"})), 201)
    assert status_of(api, assignment, check) == "in_progress"
    updates = ok(check("listProgressUpdates", partner_api.get(f"{path}/updates")))["items"]
    assert [u["text"] for u in updates] == ["Audit started."]
    problem(check("transitionAssignment", api.post(f"{path}/transitions", json={"to": "accepted"})), 409, "conflict")
    again = check("transitionAssignment", api.post(f"{path}/transitions", json={"to": "in_progress"}))
    assert problem(again, 409, "transition-not-allowed")["allowed_next"] == ["evidence_submitted"]
    # The partner reports progress but does not edit the assignment itself.
    response = partner_api.patch(path, json={"action": "Something else."}, headers={"If-Match": '"1"'})
    problem(check("updateAssignment", response), 403, "forbidden")


def test_work_of_another_partner_is_not_found(
    api: Api, partner_api: Api, board: dict[str, Any], check: Conforms
) -> None:
    elsewhere = fresh_assignment(api, board, new_partner(api))
    path = f"/api/v1/assignments/{elsewhere['id']}"
    problem(check("getAssignment", partner_api.get(path)), 404, "not-found")
    problem(check("addProgressUpdate", partner_api.post(f"{path}/updates", json={"text": "x", "rag": "green"})), 404, "not-found")
    problem(check("submitEvidence", upload(partner_api, elsewhere, [("a.pdf", PDF_BYTES)])), 404, "not-found")
    recommendation = f"/api/v1/recommendations/{elsewhere['recommendation_id']}"
    problem(check("getRecommendation", partner_api.get(recommendation)), 404, "not-found")
    work = ok(check("listAssignments", partner_api.get("/api/v1/assignments", params={"limit": 200})))
    assert elsewhere["id"] not in [a["id"] for a in work["items"]]


def test_reassigning_unfinished_work(api: Api, board: dict[str, Any], check: Conforms) -> None:
    source, target = new_partner(api), new_partner(api)
    moving = fresh_assignment(api, board, source, lead_officer="A. Officer")
    path = "/api/v1/assignments/reassign"
    body = {"from_partner_id": source["id"], "to_partner_id": target["id"], "reason": "Service moved elsewhere."}
    moved = ok(check("reassignAssignments", api.post(path, json=body)), 201)
    assert [i.lower() for i in moved["assignment_ids"]] == [moving["id"].lower()]
    assert ok(check("getAssignment", api.get(f"/api/v1/assignments/{moving['id']}")))["partner_id"] == target["id"]
    # Nothing is left to move.
    problem(check("reassignAssignments", api.post(path, json=body)), 409, "conflict")
    nowhere = {"from_partner_id": target["id"], "reason": "Nothing would move."}
    problem(check("reassignAssignments", api.post(path, json=nowhere)), 422, "validation")


# ---------------------------------------------------------------------------------------- evidence


def test_evidence_is_stored_with_its_digest_replayed_downloaded_and_decided_once(
    api: Api, partner_api: Api, assignment: dict[str, Any], check: Conforms
) -> None:
    key = unique("upload-")
    first = check("submitEvidence", upload(partner_api, assignment, [("reports/2026/audit.pdf", PDF_BYTES)], key=key))
    evidence = ok(first, 201)
    assert "Idempotent-Replayed" not in first.headers
    digest = hashlib.sha256(PDF_BYTES)
    [file] = evidence["files"]
    assert file["name"] == "audit.pdf" and file["media_type"] == "application/pdf"
    assert file["size_bytes"] == len(PDF_BYTES) and file["sha256"] == digest.hexdigest()
    assert evidence["verdict"] == "pending" and evidence["decided_by"] is None and evidence["decided_at"] is None
    assert status_of(api, assignment, check) == "evidence_submitted"

    # A retry with the same key stores nothing and answers with the first submission.
    again = check("submitEvidence", upload(partner_api, assignment, [("audit.pdf", PDF_BYTES)], key=key))
    assert ok(again, 201)["id"] == evidence["id"] and again.headers.get("Idempotent-Replayed") == "true"
    assert evidence_count(api, assignment) == 1

    download = check("downloadEvidenceFile", partner_api.get(f"/api/v1/evidence/{evidence['id']}/files/{file['id']}"))
    assert download.status_code == 200 and download.content == PDF_BYTES
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-SHA256"] == digest.hexdigest()
    assert download.headers["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="audit.pdf"')

    decision = f"/api/v1/evidence/{evidence['id']}/decision"
    problem(check("decideEvidence", partner_api.post(decision, json={"verdict": "accepted"})), 403, "forbidden")
    problem(check("decideEvidence", api.post(decision, json={"verdict": "returned"})), 422, "validation")
    verdict = {"verdict": "returned", "reason": "Add the results."}
    returned = ok(check("decideEvidence", api.post(decision, json=verdict)))
    assert returned["verdict"] == "returned" and returned["decided_at"] and returned["reason"] == "Add the results."
    problem(check("decideEvidence", api.post(decision, json={"verdict": "accepted"})), 409, "conflict")
    assert status_of(api, assignment, check) == "returned"
    query = {"assignment": assignment["id"], "verdict": "returned"}
    listed = ok(check("listEvidence", api.get("/api/v1/evidence", params=query)))
    assert [e["id"] for e in listed["items"]] == [evidence["id"]]
    assert ok(check("getEvidence", partner_api.get(f"/api/v1/evidence/{evidence['id']}")))["verdict"] == "returned"


def test_accepted_outcome_evidence_assures_the_recommendation(
    api: Api, partner_api: Api, assignment: dict[str, Any], check: Conforms
) -> None:
    evidence = ok(upload(partner_api, assignment, [("results.csv", b"school,referrals\nA,12\n")], kind="outcome"), 201)
    assert evidence["files"][0]["media_type"].startswith("text/csv")
    decision = f"/api/v1/evidence/{evidence['id']}/decision"
    accepted = check("decideEvidence", api.post(decision, json={"verdict": "accepted"}))
    assert ok(accepted)["verdict"] == "accepted"
    recommendation = f"/api/v1/recommendations/{assignment['recommendation_id']}"
    assert ok(check("getRecommendation", api.get(recommendation)))["status"] == "assured"
    # Assured work takes no new assignments.
    body = {"partner_id": new_partner(api)["id"], "role": "supporting", "action": "Help.", "due_date": "2027-01-31"}
    problem(check("assignRecommendation", api.post(f"{recommendation}/assignments", json=body)), 409, "conflict")


def test_uploads_the_register_refuses_store_nothing(
    api: Api, partner_api: Api, assignment: dict[str, Any], check: Conforms
) -> None:
    path = f"/api/v1/assignments/{assignment['id']}/evidence"

    def refused(response: requests.Response, status: int, kind: str) -> dict[str, Any]:
        return problem(check("submitEvidence", response), status, kind)

    def pdf(**fields: str) -> requests.Response:
        return upload(partner_api, assignment, [("audit.pdf", PDF_BYTES)], **fields)

    # The register's own staff do not submit evidence.
    refused(upload(api, assignment, [("audit.pdf", PDF_BYTES)]), 403, "forbidden")
    refused(partner_api.post(path, json=evidence_fields()), 415, "unsupported-media-type")
    page = b"<html><script>alert(1)</script></html>"
    refused(upload(partner_api, assignment, [("audit.pdf", page)]), 415, "unsupported-file-type")
    refused(upload(partner_api, assignment, [("setup.exe", b"MZ\x90\x00\x03")]), 415, "unsupported-file-type")
    refused(upload(partner_api, assignment, [("notes.txt", b"plain\x00binary")]), 415, "unsupported-file-type")
    refused(upload(partner_api, assignment, [("empty.pdf", b"")]), 422, "validation")
    refused(partner_api.upload(path, evidence_fields(), []), 422, "validation")
    partial = partner_api.upload(path, {"summary": "No kind or date."}, [("audit.pdf", PDF_BYTES)])
    missing = refused(partial, 422, "validation")
    assert {"kind", "effective_date"} <= {error["field"] for error in missing["errors"]}
    refused(pdf(effective_date="2999-01-01"), 422, "validation")
    refused(pdf(kind="rumour"), 422, "validation")
    refused(pdf(colour="blue"), 422, "validation")
    assert evidence_count(api, assignment) == 0
    assert status_of(api, assignment, check) == "assigned"


def test_an_idempotency_key_belongs_to_one_assignment(
    api: Api,
    partner_api: Api,
    partner: dict[str, Any],
    board: dict[str, Any],
    assignment: dict[str, Any],
    check: Conforms,
) -> None:
    key = unique("upload-")
    ok(upload(partner_api, assignment, [("audit.pdf", PDF_BYTES)], key=key), 201)
    other = fresh_assignment(api, board, partner)
    problem(check("submitEvidence", upload(partner_api, other, [("audit.pdf", PDF_BYTES)], key=key)), 409, "conflict")
    assert evidence_count(api, other) == 0
