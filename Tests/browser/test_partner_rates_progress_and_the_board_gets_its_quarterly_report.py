"""The police rate their progress amber (saying when it will be back on track and why), mark their action
delayed, and the coordinator takes the board's printable quarterly report, which shows the rating."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from api_support import COORDINATOR, POLICE_PARTNER, Api, long_date, uk_today, unique
from browser_support import Browser, sign_in


def test_partner_rates_progress_and_the_board_gets_its_quarterly_report(
    new_browser: Callable[[], Browser], base_url: str, coordinator_api: Api
) -> None:
    story = QuarterlyProgress(new_browser, base_url, coordinator_api)
    story.given_the_police_hold_an_action_on_a_review_the_board_monitors()
    story.when_the_police_rate_it_amber_without_saying_when_it_will_be_on_track()
    story.then_they_are_asked_for_the_forecast_date_and_keep_what_they_typed()
    story.when_they_give_the_forecast_date_and_the_reason()
    story.then_the_update_shows_amber_in_words()
    story.when_they_mark_the_action_delayed()
    story.then_the_action_shows_the_delay()
    story.when_the_coordinator_opens_the_boards_printable_report_for_this_quarter()
    story.then_it_shows_the_action_amber_at_the_end_of_the_quarter()


class QuarterlyProgress:
    def __init__(self, new_browser: Callable[[], Browser], base_url: str, coordinator_api: Api) -> None:
        self.new_browser = new_browser
        self.api = coordinator_api
        self.police_api = Api.sign_in(base_url, *POLICE_PARTNER)
        self.body_name = unique("Quarterly Board ", 6)
        self.reason = unique("Trainer off sick ", 6)

    def given_the_police_hold_an_action_on_a_review_the_board_monitors(self) -> None:
        review = self.api.record_review(unique("Quarterly progress review ", 6))
        recommendation = self.api.post(
            f"/api/v1/reviews/{review['id']}/recommendations", {"number": "1", "text": "Train call handlers.", "scope": "local"})
        self.assignment = self.api.post(f"/api/v1/recommendations/{recommendation['id']}/assignments", {
            "partner_id": self.police_api.me()["partner_id"], "role": "lead", "action": "Train every call handler.",
            "due_date": (uk_today() + timedelta(days=90)).isoformat()})
        self.body = self.api.post("/api/v1/monitoring-bodies", {"board_id": review["board_id"], "name": self.body_name, "kind": "board"})
        self.api.post(f"/api/v1/monitoring-bodies/{self.body['id']}/sources", {"review_id": review["id"]})
        self.police = self.new_browser()
        sign_in(self.police, *POLICE_PARTNER)
        self.police.visit(f"/assignments/{self.assignment['id']}")

    def when_the_police_rate_it_amber_without_saying_when_it_will_be_on_track(self) -> None:
        self.police.fill("What has been done", "Half the call handlers trained.")
        self.police.tick("Amber: at risk")
        self.police.click_button("Add update")

    def then_they_are_asked_for_the_forecast_date_and_keep_what_they_typed(self) -> None:
        assert self.police.status() == 422
        assert "Enter the forecast date" in self.police.error_summary()
        assert self.police.value("What has been done") == "Half the call handlers trained."

    def when_they_give_the_forecast_date_and_the_reason(self) -> None:
        self.forecast = uk_today() + timedelta(days=30)
        self.police.fill("Forecast date", self.forecast.strftime("%d/%m/%Y"))
        self.police.fill("Why it is not on track", self.reason)
        self.police.click_button("Add update")

    def then_the_update_shows_amber_in_words(self) -> None:
        assert "Progress update added" in self.police.banner()
        updates = self.police.text(self.police.after_heading("Progress updates", "ul"))
        assert "Amber: at risk" in updates and self.reason in updates and long_date(self.forecast) in updates, updates
        self.police.check_accessibility()
        self.police.screenshot("assignment-with-rag")

    def when_they_mark_the_action_delayed(self) -> None:
        self.expected = uk_today() + timedelta(days=120)
        self.police.fill("Why the work is delayed", "Training venue closed.")
        self.police.fill("When the work is now expected", self.expected.strftime("%d/%m/%Y"))
        self.police.click_button("Mark as delayed")

    def then_the_action_shows_the_delay(self) -> None:
        assert "Marked as delayed" in self.police.banner()
        assert f"Delayed: now expected by {long_date(self.expected)}" in self.police.text()
        assert self.police_api.get(f"/api/v1/assignments/{self.assignment['id']}")["delay"]["reason"] == "Training venue closed."

    def when_the_coordinator_opens_the_boards_printable_report_for_this_quarter(self) -> None:
        self.coordinator = self.new_browser()
        sign_in(self.coordinator, *COORDINATOR)
        self.coordinator.visit("/monitoring-bodies")
        self.coordinator.click_link(self.body_name)
        assert self.coordinator.h1() == self.body_name
        self.coordinator.check_accessibility()
        self.coordinator.screenshot("monitoring-body")
        today = uk_today()
        self.coordinator.click_link(f"printable report for {today.year}-Q{(today.month + 2) // 3}")

    def then_it_shows_the_action_amber_at_the_end_of_the_quarter(self) -> None:
        assert self.coordinator.h1() == self.body_name
        page = self.coordinator.text()
        assert "Amber: at risk" in page and "Half the call handlers trained." in page, page
        assert f"Delayed, now expected by {long_date(self.expected)}" in page
        self.coordinator.screenshot("quarterly-report")
