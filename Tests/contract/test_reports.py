"""Reports and the learning view through the API: the compliance report (CSV, JSON and HTML), its
filters and `as_at`, the summary figures, a review's evidence pack, and themes, search and similar
recommendations.

The module builds a review of its own, on a board of its own, whose contents are known exactly:

* recommendation 1, assigned (lead) to a partner whose evidence of outcome (a PDF and a CSV) was
  accepted, so the recommendation is assured;
* recommendation 2, assigned to the same partner with a due date long past, answering a finding with
  the theme `housing`;
* recommendation 3, assigned to nobody, with a word found nowhere else but in the review's title, its
  finding and one recommendation of another review;
* recommendation 4, moved to `implemented` without any evidence.

Several texts start with `=`, `+`, `-` or `@` (the partner's name among them), which a spreadsheet would
run as a formula. Every answer is also checked against the contract the server serves.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
import zipfile
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

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
    new_review,
    ok,
    problem,
    uk_today,
    unique,
)

BOM = b"\xef\xbb\xbf"
RESULTS_CSV = b"school,referrals\r\nA,12\r\n"

# The CSV report's heading line, in order.
COLUMNS = [
    "Review reference", "Review title", "Review kind", "Recommendation", "Recommendation text", "Scope",
    "Recommendation status", "Partner", "Role", "Lead officer", "Action", "Original due date", "Current due date",
    "Assignment status", "Overdue days", "Latest evidence kind", "Latest evidence verdict", "Latest evidence date",
    "Latest evidence received", "Latest evidence SHA-256", "Assured on", "Closed on",
    "Latest update date", "Latest update RAG", "Latest update", "Delayed because", "Delayed: expected by",
]  # fmt: skip

def uk(day: date | str) -> str:
    """A day as the CSV report writes it (`31/03/2026`)."""
    return (date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y")


def made_up_word() -> str:
    """A word no text has used before, all letters (so search reads it as one word) and ending in
    `x` (so English stemming leaves it as it is)."""
    return "zq" + "".join("abcdefghijklmnop"[int(c, 16)] for c in uuid.uuid4().hex[:10]) + "x"


def same_id(a: str, b: str) -> bool:
    return a.lower() == b.lower()


@pytest.fixture(scope="module")
def world(api: Api, me: dict[str, Any], board: dict[str, Any]) -> dict[str, Any]:
    """The module's records (see the module's description), made once."""
    today = uk_today()
    own_board = api.created(
        "/api/v1/boards", {"code": unique("reports-"), "name": "Reports test partnership", "kind": "children_partnership"}
    )
    partner = new_partner(api, name=unique("=1+1 Reports partner "))
    partner_api = new_partner_user(api, partner)
    word = made_up_word()
    review = new_review(
        api, own_board, title=f"Reports test review {word}", themes=["neglect"], notified_on="2025-06-02"
    )
    path = f"/api/v1/reviews/{review['id']}"
    finding = api.created(
        f"{path}/findings", {"text": f"Housing was never asked about ({word}).", "themes": ["housing"]}
    )
    recs = [
        api.created(f"{path}/recommendations", body)
        for body in (
            {"number": "1", "text": "=SUM(A1:A2) Audit information sharing with schools.", "scope": "local"},
            {"number": "2", "text": "Review housing checks.", "scope": "local", "finding_ids": [finding["id"]]},
            {"number": "3", "text": f"<b>Strengthen</b> {word} supervision of neglect cases.", "scope": "regional"},
            {"number": "4", "text": "+Publish the review's learning.", "scope": "local"},
        )
    ]
    due = today + timedelta(days=30)
    first = new_assignment(
        api, recs[0], partner, lead_officer="@A. Officer", action="-Audit sharing.", due_date=due.isoformat()
    )
    second = new_assignment(api, recs[1], partner, due_date="2024-01-31")
    upload = partner_api.upload(
        f"/api/v1/assignments/{first['id']}/evidence",
        evidence_fields(kind="outcome"),
        [("audit.pdf", PDF_BYTES), ("results.csv", RESULTS_CSV)],
    )
    evidence = ok(upload, 201)
    ok(api.post(f"/api/v1/evidence/{evidence['id']}/decision", json={"verdict": "accepted"}))
    assured = ok(api.get(f"/api/v1/recommendations/{recs[0]['id']}"))
    assert assured["status"] == "assured", assured
    ok(api.post(f"/api/v1/recommendations/{recs[3]['id']}/transitions", json={"to": "implemented"}))

    # Another review (on the session's board) recommending much the same as recommendation 3.
    elsewhere = new_review(api, board)
    echo = api.created(
        f"/api/v1/reviews/{elsewhere['id']}/recommendations",
        {"number": "1", "text": f"Strengthen {word} supervision of neglect cases in schools.", "scope": "local"},
    )
    return {
        "today": today,
        "board": own_board,
        "partner": partner,
        "partner_api": partner_api,
        "word": word,
        "review": review,
        "finding": finding,
        "recs": recs,
        "due": due,
        "assignments": [first, second],
        "evidence": evidence,
        "elsewhere": elsewhere,
        "echo": echo,
    }


def compliance(api: Api, check: Conforms, **query: Any) -> requests.Response:
    return check("getComplianceReport", api.get("/api/v1/reports/compliance", params=query))


def rows_of(api: Api, check: Conforms, world: dict[str, Any], **query: Any) -> list[dict[str, Any]]:
    """The JSON report's rows for the module's review, with more filters."""
    body = ok(compliance(api, check, review=world["review"]["reference"], **query))
    return body["rows"]


def numbers(rows: list[dict[str, Any]]) -> list[str]:
    return [row["recommendation_number"] for row in rows]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM), content[:20]
    text = content[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CSV lines must end with CRLF"
    return list(csv.reader(io.StringIO(text, newline="")))


# ---------------------------------------------------------------------------------------- compliance report


def test_the_json_report_has_every_line_of_the_review(api: Api, world: dict[str, Any], check: Conforms) -> None:
    response = compliance(api, check, review=world["review"]["reference"])
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    body = ok(response)
    assert body["as_at"] is None
    assert datetime.fromisoformat(body["generated_at"].replace("Z", "+00:00"))
    rows = body["rows"]
    assert numbers(rows) == ["1", "2", "3", "4"]
    today, partner, evidence = world["today"].isoformat(), world["partner"], world["evidence"]
    first, second, third, fourth = rows
    assert first == {
        "review_reference": world["review"]["reference"],
        "review_title": world["review"]["title"],
        "review_kind": "lcspr",
        "recommendation_number": "1",
        "recommendation_text": "=SUM(A1:A2) Audit information sharing with schools.",
        "scope": "local",
        "recommendation_status": "assured",
        "partner": partner["name"],
        "role": "lead",
        "lead_officer": "@A. Officer",
        "action": "-Audit sharing.",
        "original_due_date": world["due"].isoformat(),
        "current_due_date": world["due"].isoformat(),
        "status": "accepted",
        "overdue_days": 0,
        "latest_evidence_kind": "outcome",
        "latest_evidence_verdict": "accepted",
        "latest_evidence_date": evidence["effective_date"],
        "latest_evidence_received_at": first["latest_evidence_received_at"],
        "latest_evidence_sha256": [hashlib.sha256(PDF_BYTES).hexdigest(), hashlib.sha256(RESULTS_CSV).hexdigest()],
        "assured_on": today,
        "closed_on": today,
        "latest_update_date": None,
        "latest_update_rag": None,
        "latest_update_text": None,
        "delay_reason": None,
        "delay_expected_date": None,
    }
    assert first["latest_evidence_received_at"]
    assert second["status"] == "assigned" and second["current_due_date"] == "2024-01-31"
    assert second["overdue_days"] == (world["today"] - date(2024, 1, 31)).days
    assert second["latest_evidence_sha256"] == [] and second["latest_evidence_verdict"] is None
    # Nobody was assigned recommendations 3 and 4: a line each, without partner.
    for row in (third, fourth):
        assert row["partner"] is None and row["role"] is None and row["status"] is None and row["action"] is None
        assert row["overdue_days"] == 0
    assert third["recommendation_status"] == "open" and third["closed_on"] is None
    assert fourth["recommendation_status"] == "implemented" and fourth["closed_on"] == today
    assert fourth["assured_on"] is None
    # The review named by id, or by its reference in another case, is the same report.
    assert rows_of_review(api, check, world["review"]["id"]) == rows
    assert rows_of_review(api, check, world["review"]["reference"].lower()) == rows
    assert rows_of_review(api, check, "NO-SUCH-REVIEW") == []


def rows_of_review(api: Api, check: Conforms, review: str) -> list[dict[str, Any]]:
    return ok(compliance(api, check, review=review))["rows"]


def test_the_report_filters(api: Api, world: dict[str, Any], check: Conforms) -> None:
    assert numbers(rows_of(api, check, world, status="assured")) == ["1"]
    assert numbers(rows_of(api, check, world, status="implemented")) == ["4"]
    assert numbers(rows_of(api, check, world, overdue="true")) == ["2"]
    assert numbers(rows_of(api, check, world, overdue="no")) == ["1", "3", "4"]
    assert numbers(rows_of(api, check, world, partner=world["partner"]["id"])) == ["1", "2"]
    # A theme of the review covers all its recommendations; one of a finding, those answering it.
    assert numbers(rows_of(api, check, world, theme="neglect")) == ["1", "2", "3", "4"]
    assert numbers(rows_of(api, check, world, theme="housing")) == ["2"]
    assert numbers(rows_of(api, check, world, kind="lcspr")) == ["1", "2", "3", "4"]
    assert rows_of(api, check, world, kind="sar") == []
    assert numbers(rows_of(api, check, world, partner=world["partner"]["id"], overdue="false")) == ["1"]
    # The module's board has only the module's review.
    on_board = ok(compliance(api, check, board=world["board"]["id"]))["rows"]
    assert numbers(on_board) == ["1", "2", "3", "4"]
    assert {row["review_reference"] for row in on_board} == {world["review"]["reference"]}
    # The partner's lines across the register are the module's two.
    theirs = ok(compliance(api, check, partner=world["partner"]["id"]))["rows"]
    assert [(r["review_reference"], r["recommendation_number"]) for r in theirs] == [
        (world["review"]["reference"], "1"),
        (world["review"]["reference"], "2"),
    ]


def test_the_report_as_at_a_past_day(api: Api, world: dict[str, Any], check: Conforms) -> None:
    yesterday = (world["today"] - timedelta(days=1)).isoformat()
    before = ok(compliance(api, check, review=world["review"]["reference"], as_at=yesterday))
    # The review was recorded today: the day before, it was not in the register.
    assert before["as_at"] == yesterday and before["rows"] == []
    now = rows_of(api, check, world)
    at_today = ok(compliance(api, check, review=world["review"]["reference"], as_at=world["today"].isoformat()))
    assert at_today["as_at"] == world["today"].isoformat()
    assert at_today["rows"] == now
    csv_before = compliance(api, check, review=world["review"]["reference"], as_at=yesterday, format="csv")
    assert csv_before.headers["Content-Disposition"] == f'attachment; filename="compliance-{yesterday}.csv"'
    assert csv_rows(csv_before.content) == [COLUMNS]


def test_the_csv_report_is_for_spreadsheets(api: Api, world: dict[str, Any], check: Conforms) -> None:
    response = compliance(api, check, review=world["review"]["reference"], format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="compliance-{world["today"]}.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    table = csv_rows(response.content)
    assert table[0] == COLUMNS and len(COLUMNS) == 27
    assert all(len(line) == 27 for line in table), [len(line) for line in table]
    lines = {line[3]: dict(zip(COLUMNS, line)) for line in table[1:]}
    assert list(lines) == ["1", "2", "3", "4"]
    first, second = lines["1"], lines["2"]
    # Cells a spreadsheet would run as a formula are neutralised with a leading apostrophe.
    assert first["Recommendation text"] == "'=SUM(A1:A2) Audit information sharing with schools."
    assert first["Partner"] == "'" + world["partner"]["name"]
    assert first["Lead officer"] == "'@A. Officer"
    assert first["Action"] == "'-Audit sharing."
    assert lines["4"]["Recommendation text"] == "'+Publish the review's learning."
    assert lines["3"]["Recommendation text"].startswith("<b>Strengthen</b>")
    # Dates as UK spreadsheets read them; the evidence's files' SHA-256s separated by spaces.
    assert first["Current due date"] == uk(world["due"]) and first["Assured on"] == uk(world["today"])
    assert first["Latest evidence SHA-256"] == " ".join(
        [hashlib.sha256(PDF_BYTES).hexdigest(), hashlib.sha256(RESULTS_CSV).hexdigest()]
    )
    assert first["Assignment status"] == "accepted" and first["Overdue days"] == "0"
    assert second["Original due date"] == "31/01/2024" and int(second["Overdue days"]) > 0
    assert lines["3"]["Partner"] == "" and lines["3"]["Assignment status"] == ""


def test_the_html_report_escapes_what_it_shows(api: Api, world: dict[str, Any], check: Conforms) -> None:
    response = compliance(api, check, review=world["review"]["reference"], format="html")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert "Content-Disposition" not in response.headers
    page = response.content.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert world["review"]["reference"] in page
    assert "&lt;b&gt;Strengthen&lt;/b&gt;" in page and "<b>Strengthen" not in page
    # The filters are named in the heading, escaped too.
    filtered = compliance(api, check, review=world["review"]["reference"], theme="<i>x</i>", format="html")
    assert filtered.status_code == 200, filtered.text
    heading = filtered.content.decode("utf-8")
    assert "Theme: &lt;i&gt;x&lt;/i&gt;" in heading and "<i>x" not in heading
    # A printable report: the totals first, then the review by its reference and title, in words.
    assert page.index('id="totals"') < page.index(f"<h2>{world['review']['reference']}: ")
    assert "<dt>As at</dt>" in page and "size: A4 landscape" in page


def test_bad_report_queries_are_refused(api: Api, world: dict[str, Any], check: Conforms) -> None:
    for query, field in [
        ({"format": "xml"}, "format"),
        ({"format": "CSV"}, "format"),
        ({"as_at": "9999-01-01"}, "as_at"),
        ({"as_at": "2026-02-30"}, "as_at"),
        ({"as_at": "yesterday"}, "as_at"),
        ({"board": "not-a-board"}, "board"),
        ({"partner": "42"}, "partner"),
        ({"kind": "inquest"}, "kind"),
        ({"status": "done"}, "status"),
        ({"overdue": "maybe"}, "overdue"),
        ({"theme": "x" * 61}, "theme"),
        ({"review": "R" * 101}, "review"),
    ]:
        problem(compliance(api, check, **query), 422, "validation", field)


def test_partners_may_not_read_reports(world: dict[str, Any], check: Conforms) -> None:
    partner_api = world["partner_api"]
    problem(check("getComplianceReport", partner_api.get("/api/v1/reports/compliance")), 403, "forbidden")
    problem(check("getComplianceSummary", partner_api.get("/api/v1/reports/summary")), 403, "forbidden")
    pack = partner_api.get("/api/v1/reports/evidence-pack", params={"review": world["review"]["reference"]})
    problem(check("getEvidencePack", pack), 403, "forbidden")
    problem(check("listLearningThemes", partner_api.get("/api/v1/learning/themes")), 403, "forbidden")
    problem(check("searchLearning", partner_api.get("/api/v1/learning/search", params={"q": "x"})), 403, "forbidden")
    # Similar recommendations hang from a recommendation: hidden rather than refused.
    similar = partner_api.get(f"/api/v1/recommendations/{world['recs'][0]['id']}/similar")
    problem(check("listSimilarRecommendations", similar), 404, "not-found")


# ---------------------------------------------------------------------------------------- summary figures


def test_the_summary_figures(api: Api, world: dict[str, Any], check: Conforms) -> None:
    path = "/api/v1/reports/summary"
    summary = ok(check("getComplianceSummary", api.get(path, params={"board": world["board"]["id"]})))
    review, partner, recs = world["review"], world["partner"], world["recs"]
    # Accepted 30 days before the due date.
    assert summary == {
        "as_at": None,
        "reviews": [
            {
                "name": review["reference"],
                "id": summary["reviews"][0]["id"],
                "total": 4,
                "by_status": {"assured": 1, "open": 2, "implemented": 1},
                "percent_assured": 25.0,
                "percent_overdue": 25.0,
                "median_days_due_to_accepted": -30.0,
            }
        ],
        "partners": [
            {
                "name": partner["name"],
                "id": summary["partners"][0]["id"],
                "total": 2,
                "by_status": {"accepted": 1, "assigned": 1},
                "percent_assured": 50.0,
                "percent_overdue": 50.0,
                "median_days_due_to_accepted": -30.0,
            }
        ],
        "closed_without_impact_evidence": [
            {
                "review_reference": review["reference"],
                "recommendation_number": "4",
                "recommendation_id": summary["closed_without_impact_evidence"][0]["recommendation_id"],
                "status": "implemented",
                "closed_on": world["today"].isoformat(),
            }
        ],
    }
    assert same_id(summary["reviews"][0]["id"], review["id"])
    assert same_id(summary["partners"][0]["id"], partner["id"])
    assert same_id(summary["closed_without_impact_evidence"][0]["recommendation_id"], recs[3]["id"])

    yesterday = (world["today"] - timedelta(days=1)).isoformat()
    before = ok(check("getComplianceSummary", api.get(path, params={"board": world["board"]["id"], "as_at": yesterday})))
    assert before == {"as_at": yesterday, "reviews": [], "partners": [], "closed_without_impact_evidence": []}

    everything = ok(check("getComplianceSummary", api.get(path)))
    assert review["reference"] in [line["name"] for line in everything["reviews"]]
    problem(check("getComplianceSummary", api.get(path, params={"board": "nope"})), 422, "validation", "board")
    problem(check("getComplianceSummary", api.get(path, params={"as_at": "9999-12-31"})), 422, "validation", "as_at")


# ---------------------------------------------------------------------------------------- evidence pack


def test_the_evidence_pack_holds_what_its_manifest_says(api: Api, world: dict[str, Any], check: Conforms) -> None:
    review = world["review"]
    response = check("getEvidencePack", api.get("/api/v1/reports/evidence-pack", params={"review": review["reference"]}))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="evidence-pack-{review["reference"]}.zip"'
    assert response.headers["Cache-Control"] == "private, no-store"

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "learning-register/evidence-pack/v1"
    assert manifest["as_at"] == "now"
    assert same_id(manifest["review"]["id"], review["id"])
    assert manifest["review"]["reference"] == review["reference"] and manifest["review"]["title"] == review["title"]
    # Every file but the manifest is listed, with its true SHA-256 and size.
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(archive.namelist()) == set(listed) | {"manifest.json"}
    for path, entry in listed.items():
        content = archive.read(path)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), path
        assert entry["size_bytes"] == len(content), path

    # The report of the review...
    assert listed["compliance.csv"]["media_type"] == "text/csv; charset=utf-8"
    report = compliance(api, check, review=review["reference"], format="csv")
    assert csv_rows(archive.read("compliance.csv")) == csv_rows(report.content)
    # ... and the accepted evidence's two files, named after recommendation and partner.
    evidence = [entry for path, entry in listed.items() if path.startswith("evidence/")]
    assert [entry["path"].rsplit("/", 1)[1] for entry in evidence] == ["audit.pdf", "results.csv"]
    files = {file["name"]: file for file in world["evidence"]["files"]}
    for entry in evidence:
        folder = entry["path"].split("/")
        assert folder[1] == "recommendation-1" and len(folder) == 4
        assert "=" not in folder[2] and "+" not in folder[2]
        assert entry["sha256"] == files[folder[3]]["sha256"]
        assert same_id(entry["evidence_id"], world["evidence"]["id"])
        assert entry["recommendation_number"] == "1" and entry["partner"] == world["partner"]["name"]
        assert entry["kind"] == "outcome" and entry["accepted_at"]
    assert archive.read(evidence[0]["path"]) == PDF_BYTES and archive.read(evidence[1]["path"]) == RESULTS_CSV

    # The audit trail's head when the pack was made, and a record of who took it.
    audit = manifest["audit"]
    assert audit["head_seq"] == audit["checkpoint"]["seq"] >= 1
    assert audit["chain_hash"] == audit["checkpoint"]["chain_hash"] and len(audit["chain_hash"]) == 64
    query = {"table": "read:evidence_pack", "key": review["id"].lower(), "limit": 200}
    events = ok(check("listAuditEvents", api.get("/api/v1/audit/events", params=query)))["items"]
    assert events and all(event["operation"] == "READ" for event in events)
    assert min(event["seq"] for event in events) <= audit["head_seq"]


def test_every_report_taken_is_recorded_in_the_audit_trail(api: Api, me: dict[str, Any], world: dict[str, Any], check: Conforms) -> None:
    """Compliance (each format), summary and clocks exports are each a READ event: who took which
    export, in which format, with which filters, as at which day and how many rows; never the data."""

    # Only the events after the trail's present head: earlier tests take reports too.
    head = ok(check("verifyAuditChain", api.get("/api/v1/audit/verify")))["head_seq"]

    def recorded(table: str) -> list[dict[str, Any]]:
        query = {"table": table, "actor": f"user:{me['id'].lower()}", "cursor": str(head), "limit": 200}
        return ok(check("listAuditEvents", api.get("/api/v1/audit/events", params=query)))["items"]

    review = world["review"]["reference"]
    for format in ("csv", "json", "html"):
        assert compliance(api, check, format=format, review=review).status_code == 200
    ok(check("getComplianceSummary", api.get("/api/v1/reports/summary", params={"board": world["board"]["id"]})))
    ok(check("getClocksReport", api.get("/api/v1/reports/clocks", params={"board": world["board"]["id"]})))

    taken = recorded("read:report.compliance")
    assert [event["operation"] for event in taken] == ["READ"] * 3
    details = [json.loads(event["payload"])["new"] for event in taken]
    assert [d["format"] for d in details] == ["csv", "json", "html"]
    assert all(d["filters"] == {"review": review} and d["rows"] == 4 and d["via"] == "api" and d["as_at"] is None for d in details)
    assert world["recs"][1]["text"] not in json.dumps(taken)
    summary = recorded("read:report.summary")
    assert [json.loads(e["payload"])["new"]["filters"] for e in summary] == [{"board": world["board"]["id"].lower()}]
    clocks = recorded("read:report.clocks")
    assert len(clocks) == 1 and json.loads(clocks[0]["payload"])["new"]["rows"] == 1


def test_an_evidence_pack_by_id_or_as_at(api: Api, world: dict[str, Any], check: Conforms) -> None:
    path, review = "/api/v1/reports/evidence-pack", world["review"]
    by_id = check("getEvidencePack", api.get(path, params={"review": review["id"].upper()}))
    assert by_id.status_code == 200, by_id.text
    names = zipfile.ZipFile(io.BytesIO(by_id.content)).namelist()
    assert "manifest.json" in names and "compliance.csv" in names and len(names) == 4
    today = world["today"].isoformat()
    at_today = check("getEvidencePack", api.get(path, params={"review": review["reference"], "as_at": today}))
    assert at_today.status_code == 200, at_today.text
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(at_today.content)).read("manifest.json"))
    assert manifest["as_at"] == f"{today} (end of day, Europe/London)"
    # The day before, the review was not in the register.
    yesterday = (world["today"] - timedelta(days=1)).isoformat()
    before = api.get(path, params={"review": review["reference"], "as_at": yesterday})
    problem(check("getEvidencePack", before), 404, "not-found")


def test_an_evidence_pack_needs_a_known_review(api: Api, check: Conforms) -> None:
    path = "/api/v1/reports/evidence-pack"
    problem(check("getEvidencePack", api.get(path)), 422, "validation", "review")
    # (Spaces sent as %20: the register does not read `+` in a query as a space.)
    problem(check("getEvidencePack", api.get(f"{path}?review=%20%20%20")), 422, "validation", "review")
    problem(check("getEvidencePack", api.get(path, params={"review": "NO-SUCH-REVIEW"})), 404, "not-found")
    problem(check("getEvidencePack", api.get(path, params={"review": str(uuid.uuid4())})), 404, "not-found")
    problem(
        check("getEvidencePack", api.get(path, params={"review": "NO-SUCH-REVIEW", "as_at": "2026-13-01"})),
        422,
        "validation",
        "as_at",
    )


# ---------------------------------------------------------------------------------------- learning view


def test_themes_by_year(api: Api, world: dict[str, Any], check: Conforms) -> None:
    themes = {t["code"]: t["label"] for t in ok(api.get("/api/v1/themes"))["items"]}
    path = "/api/v1/learning/themes"
    counts = ok(check("listLearningThemes", api.get(path, params={"board": world["board"]["id"]})))["items"]
    # The review's year is that of its notification (it has no decision date).
    assert counts == [
        {"theme": "housing", "label": themes["housing"], "year": 2025, "reviews": 1, "findings": 1, "recommendations": 1},
        {"theme": "neglect", "label": themes["neglect"], "year": 2025, "reviews": 1, "findings": 0, "recommendations": 4},
    ]
    everywhere = ok(check("listLearningThemes", api.get(path)))["items"]
    assert {"housing", "neglect"} <= {t["theme"] for t in everywhere}
    problem(check("listLearningThemes", api.get(path, params={"board": "all"})), 422, "validation", "board")


def test_search_across_reviews_findings_and_recommendations(api: Api, world: dict[str, Any], check: Conforms) -> None:
    path, word, review = "/api/v1/learning/search", world["word"], world["review"]
    hits = ok(check("searchLearning", api.get(path, params={"q": word})))["items"]
    found = {(hit["type"], hit["id"].lower()): hit for hit in hits}
    assert set(found) == {
        ("review", review["id"].lower()),
        ("finding", world["finding"]["id"].lower()),
        ("recommendation", world["recs"][2]["id"].lower()),
        ("recommendation", world["echo"]["id"].lower()),
    }
    assert [hit["rank"] for hit in hits] == sorted((hit["rank"] for hit in hits), reverse=True)
    mine = [hit for hit in hits if not same_id(hit["id"], world["echo"]["id"])]
    assert all(same_id(hit["review_id"], review["id"]) and hit["review_reference"] == review["reference"] for hit in mine)
    assert found[("review", review["id"].lower())]["heading"] == review["title"]
    assert found[("finding", world["finding"]["id"].lower())]["heading"] == "Finding 1"
    recommendation = found[("recommendation", world["recs"][2]["id"].lower())]
    assert recommendation["heading"] == "Recommendation 3"
    # Snippets are HTML-escaped, the matches marked.
    assert f"<mark>{word}</mark>" in recommendation["snippet"]
    assert "&lt;/b&gt;" in recommendation["snippet"] and "<b>" not in recommendation["snippet"]

    assert len(ok(check("searchLearning", api.get(path, params={"q": word, "limit": 1})))["items"]) == 1
    # Spaces sent as %20: the register does not read `+` in a query as a space, which would spoil the `-`.
    words = quote(f'"{word} supervision" -schools')
    phrase = ok(check("searchLearning", api.get(f"{path}?q={words}")))["items"]
    assert [hit["id"].lower() for hit in phrase] == [world["recs"][2]["id"].lower()]
    problem(check("searchLearning", api.get(path)), 422, "validation", "q")
    problem(check("searchLearning", api.get(f"{path}?q=%20%20")), 422, "validation", "q")
    problem(check("searchLearning", api.get(path, params={"q": "x" * 201})), 422, "validation", "q")
    problem(check("searchLearning", api.get(path, params={"q": word, "limit": 0})), 422, "validation", "limit")


def test_similar_recommendations_of_other_reviews(api: Api, world: dict[str, Any], check: Conforms) -> None:
    path = f"/api/v1/recommendations/{world['recs'][2]['id']}/similar"
    similar = ok(check("listSimilarRecommendations", api.get(path, params={"limit": 50})))["items"]
    echo = next(item for item in similar if same_id(item["id"], world["echo"]["id"]))
    assert echo["review_reference"] == world["elsewhere"]["reference"]
    assert same_id(echo["review_id"], world["elsewhere"]["id"])
    assert echo["number"] == "1" and echo["text"] == world["echo"]["text"] and echo["status"] == "open"
    assert world["word"] in echo["shared_terms"] and len(echo["shared_terms"]) >= 2
    assert echo["shared_terms"] == sorted(echo["shared_terms"])
    assert 0 < echo["score"] <= 1
    # Never the review's own recommendations; most alike first.
    assert not any(same_id(item["review_id"], world["review"]["id"]) for item in similar)
    assert [item["score"] for item in similar] == sorted((item["score"] for item in similar), reverse=True)
    assert len(ok(check("listSimilarRecommendations", api.get(path, params={"limit": 1})))["items"]) <= 1
    problem(check("listSimilarRecommendations", api.get(path, params={"limit": 201})), 422, "validation", "limit")
    unknown = api.get(f"/api/v1/recommendations/{uuid.uuid4()}/similar")
    problem(check("listSimilarRecommendations", unknown), 404, "not-found")
