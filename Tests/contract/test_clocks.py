"""A review's statutory clocks through the API: deadlines worked out from the review's dates in
working days (bank holidays skipped) or months, the pauses that stop them, and the report of every
review's clocks.

Every answer is checked against the contract the server serves.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from typing import Any

import requests

from register_client import Api, Conforms, new_review, ok, problem, uk_today, unique


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def clocks(api: Api, review: dict[str, Any], check: Conforms) -> dict[str, dict[str, Any]]:
    items = ok(check("listReviewClocks", api.get(f"/api/v1/reviews/{review['id']}/clocks")))["items"]
    return {clock["code"]: clock for clock in items}


def pause(api: Api, review: dict[str, Any], body: dict[str, Any]) -> requests.Response:
    return api.post(f"/api/v1/reviews/{review['id']}/clock-pauses", json=body)


def end(api: Api, review: dict[str, Any], pause_id: str, on: date | str) -> requests.Response:
    return api.post(f"/api/v1/reviews/{review['id']}/clock-pauses/{pause_id}/end", json={"on": str(on)})


def test_clocks_pauses_and_their_ends(
    api: Api, me: dict[str, Any], board: dict[str, Any], partner_api: Api, check: Conforms
) -> None:
    today = uk_today()
    decided = today - timedelta(days=10)
    # Known on Monday 22 December 2025: five working days skip Christmas Day and Boxing Day.
    review = new_review(
        api, board, incident_known_on="2025-12-22", notified_on="2026-01-02", decision_on=decided.isoformat()
    )
    before = clocks(api, review, check)
    assert list(before) == ["notification", "publication"]
    notification, publication = before["notification"], before["publication"]
    assert notification == {
        "code": "notification",
        "label": notification["label"],
        "starts_from": "incident_known_on",
        "starts_on": "2025-12-22",
        "amount": 5,
        "unit": "working_days",
        "due_on": "2025-12-31",
        "met_by": "notified_on",
        "met_on": "2026-01-02",
        "state": "met_late",
        "paused": False,
        "paused_days": 0,
        "source": notification["source"],
        "notes": None,
        "pauses": [],
    }
    due = add_months(decided, 6)
    assert publication["starts_on"] == decided.isoformat() and publication["unit"] == "months"
    assert publication["due_on"] == due.isoformat() and publication["state"] == "running"
    assert publication["met_by"] == "published_on" and publication["met_on"] is None

    # Five calendar days paused move the deadline five days on.
    first = pause(api, review, {
        "clock": "publication", "from": str(decided + timedelta(days=1)), "to": str(decided + timedelta(days=5)),
        "reason": "  Parallel criminal proceedings.  ",
    })  # fmt: skip
    stopped = ok(check("pauseReviewClock", first), 201)
    assert stopped["clock"] == "publication" and stopped["reason"] == "Parallel criminal proceedings."
    assert stopped["review_id"].lower() == review["id"].lower() and stopped["actor"] == f"user:{me['id'].lower()}"
    assert stopped["to"] == str(decided + timedelta(days=5))
    publication = clocks(api, review, check)["publication"]
    assert publication["paused_days"] == 5 and publication["due_on"] == str(due + timedelta(days=5))
    assert [p["id"] for p in publication["pauses"]] == [stopped["id"]]

    # A pause still running stops the clock today; the deadline is as if it ran again tomorrow.
    second = ok(check("pauseReviewClock", pause(api, review, {
        "clock": "publication", "from": str(today - timedelta(days=2)), "reason": "Inquest.",
    })), 201)  # fmt: skip
    assert second["to"] is None
    publication = clocks(api, review, check)["publication"]
    assert publication["state"] == "paused" and publication["paused"] is True
    assert publication["paused_days"] == 8 and publication["due_on"] == str(due + timedelta(days=8))

    refusals = [
        ({"clock": "publication", "from": str(today - timedelta(days=1)), "reason": "Overlaps."}, "from"),
        ({"clock": "rapid_review", "from": str(today), "reason": "Not a clock of this review."}, "clock"),
        ({"clock": "publication", "from": "2030-01-10", "to": "2030-01-09", "reason": "Backwards."}, "to"),
        ({"clock": "publication", "from": "2030-01-10", "reason": "   "}, "reason"),
        ({"clock": "publication", "from": "2030-02-30", "reason": "No such day."}, None),
        ({"clock": "publication", "from": "2030-01-10", "reason": "x", "colour": "blue"}, "colour"),
    ]
    for body, field in refusals:
        problem(check("pauseReviewClock", pause(api, review, body)), 422, "validation", field)

    ended = ok(check("endReviewClockPause", end(api, review, second["id"], today - timedelta(days=1))))
    assert ended["id"] == second["id"] and ended["to"] == str(today - timedelta(days=1))
    publication = clocks(api, review, check)["publication"]
    assert publication["state"] == "running" and publication["paused_days"] == 7
    problem(check("endReviewClockPause", end(api, review, second["id"], today)), 409, "conflict")

    after = {"clock": "publication", "from": str(today + timedelta(days=5)), "reason": "Trial."}
    later = ok(pause(api, review, after), 201)
    problem(check("endReviewClockPause", end(api, review, later["id"], today)), 422, "validation", "on")
    problem(check("endReviewClockPause", end(api, review, str(uuid.uuid4()), today)), 404, "not-found")
    other = new_review(api, board)
    problem(check("endReviewClockPause", end(api, other, later["id"], today + timedelta(days=6))), 404, "not-found")

    # A partner with no work on the review does not see it.
    problem(check("listReviewClocks", partner_api.get(f"/api/v1/reviews/{review['id']}/clocks")), 404, "not-found")
    body = {"clock": "publication", "from": "2030-01-10", "reason": "x"}
    problem(check("pauseReviewClock", pause(partner_api, review, body)), 404, "not-found")
    ending = end(partner_api, review, later["id"], today + timedelta(days=6))
    problem(check("endReviewClockPause", ending), 404, "not-found")


def test_a_review_without_statutory_deadlines_has_no_clocks(api: Api, board: dict[str, Any], check: Conforms) -> None:
    review = new_review(api, board, kind="sar", regime="care_act_2014", notified_on="2025-03-03")
    assert clocks(api, review, check) == {}
    body = {"clock": "publication", "from": "2025-04-01", "reason": "Nothing to pause."}
    problem(check("pauseReviewClock", pause(api, review, body)), 422, "validation", "clock")
    unknown = {"id": str(uuid.uuid4())}
    problem(check("listReviewClocks", api.get(f"/api/v1/reviews/{unknown['id']}/clocks")), 404, "not-found")
    problem(check("pauseReviewClock", pause(api, unknown, body)), 404, "not-found")


def test_the_clocks_report(api: Api, me: dict[str, Any], partner_api: Api, check: Conforms) -> None:
    own_board = api.created(
        "/api/v1/boards", {"code": unique("clocks-"), "name": "Clocks test partnership", "kind": "children_partnership"}
    )
    local = new_review(api, own_board, incident_known_on="2025-12-22", notified_on="2026-01-02")
    adults = new_review(api, own_board, kind="sar", regime="care_act_2014")
    path = "/api/v1/reports/clocks"

    def report(**query: Any) -> dict[str, Any]:
        return ok(check("getClocksReport", api.get(path, params={"board": own_board["id"], **query})))

    page = report()
    assert page["next_cursor"] is None
    assert [(item["review_id"].lower(), item["reference"], item["kind"], item["regime"]) for item in page["items"]] == [
        (local["id"].lower(), local["reference"], "lcspr", "wt2018"),
        (adults["id"].lower(), adults["reference"], "sar", "care_act_2014"),
    ]
    assert page["items"][0]["clocks"] == list(clocks(api, local, check).values())
    assert page["items"][1]["clocks"] == []
    first = report(limit=1)
    assert [item["reference"] for item in first["items"]] == [local["reference"]] and first["next_cursor"]
    second = report(limit=1, cursor=first["next_cursor"])
    assert [item["reference"] for item in second["items"]] == [adults["reference"]] and second["next_cursor"] is None
    assert [item["reference"] for item in report(kind="sar")["items"]] == [adults["reference"]]
    # The day before, neither review was in the register.
    yesterday = (uk_today() - timedelta(days=1)).isoformat()
    assert report(as_at=yesterday) == {"items": [], "next_cursor": None}

    problem(check("getClocksReport", api.get(path, params={"kind": "inquest"})), 422, "validation", "kind")
    problem(check("getClocksReport", api.get(path, params={"as_at": "9999-06-01"})), 422, "validation", "as_at")
    problem(check("getClocksReport", partner_api.get(path)), 403, "forbidden")


def test_implausible_dates_are_refused_so_deadlines_stay_representable(api: Api, board: dict[str, Any], check: Conforms) -> None:
    body = {
        "reference": unique("CT-", 16), "title": "Contract test review", "kind": "lcspr", "board_id": board["id"],
        "regime": "wt2018", "incident_known_on": "9999-12-30", "decision_on": "9999-08-01",
    }
    response = check("createReview", api.post("/api/v1/reviews", json=body))
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"incident_known_on", "decision_on"} <= fields
