"""The coordinator records a review, its core question, a finding and a recommendation; gives the
recommendation to two partners; and, once the partners have sent their evidence, returns one piece and
accepts the other, after which the recommendation is assured."""

from __future__ import annotations

from datetime import date, timedelta

from api_support import COORDINATOR, HEALTH_PARTNER, PDF_BYTES, POLICE_PARTNER, Api, long_date, uk_today, unique
from browser_support import Browser, sign_in


def test_coordinator_records_and_assures_a_recommendation(browser: Browser, base_url: str, coordinator_api: Api) -> None:
    story = RecordAndAssure(browser, base_url, coordinator_api)
    story.given_i_have_signed_in_as_the_coordinator()
    story.then_i_see_my_home_page()
    story.when_i_record_a_review()
    story.then_i_see_the_review_i_recorded()
    story.when_i_add_a_core_question()
    story.and_i_add_a_finding_that_answers_it()
    story.and_i_add_recommendation_1_that_answers_the_finding()
    story.then_the_review_shows_its_question_finding_and_recommendation()
    story.when_i_open_recommendation_1()
    story.and_i_give_it_to_the_police_to_lead()
    story.and_i_give_it_to_the_icb_to_support()
    story.then_the_recommendation_shows_both_assignments()
    story.given_the_police_have_sent_a_pdf_showing_the_outcome()
    story.and_the_icb_have_sent_a_note_of_their_output()
    story.when_i_open_the_evidence_queue()
    story.then_i_see_both_submissions()
    story.when_i_return_the_icbs_evidence_with_a_reason()
    story.then_it_has_left_the_queue()
    story.when_i_accept_the_polices_evidence()
    story.then_the_recommendation_reads_assured()


class RecordAndAssure:
    def __init__(self, browser: Browser, base_url: str, coordinator_api: Api) -> None:
        self.browser = browser
        self.base_url = base_url
        self.coordinator_api = coordinator_api
        self.reference = unique("BT-")
        self.title = f"Learning from the care of Child {self.reference[-4:].upper()}"
        self.question = "How well did agencies share what they knew about the family?"
        self.finding = "Police and health records of the same incidents were not shared."
        self.recommendation = "Partners share incident records with the health visitor within two working days."
        self.known_on, self.notified_on, self.decided_on = self.review_dates()
        self.target_date = uk_today() + timedelta(days=365)
        self.police_due = uk_today() + timedelta(days=180)
        self.icb_due = uk_today() + timedelta(days=200)

    @staticmethod
    def review_dates() -> tuple[date, date, date]:
        """Three days in order, all past: when the incident became known, the board was told, and decided."""
        decided = uk_today() - timedelta(days=30)
        return decided - timedelta(days=20), decided - timedelta(days=14), decided

    # --------------------------------------------------------------------------------------------- steps

    def given_i_have_signed_in_as_the_coordinator(self) -> None:
        sign_in(self.browser, *COORDINATOR)

    def then_i_see_my_home_page(self) -> None:
        assert self.browser.path == "/", f"after signing in the coordinator is at {self.browser.url}"
        assert self.browser.h1() == "Home"
        self.browser.check_page_frame(signed_in_as=self.coordinator_api.me()["name"])
        sections = {"Overdue actions", "Evidence awaiting a decision", "Statutory clocks due or missed", "Reviews by status"}
        assert sections <= set(self.browser.texts("h2")), self.browser.texts("h2")
        self.browser.screenshot("home")

    def when_i_record_a_review(self) -> None:
        self.browser.click_link("Reviews")
        assert self.browser.h1() == "Reviews"
        self.browser.click_link("Record a review")
        assert self.browser.h1() == "Record a review"
        b = self.browser
        b.fill("Reference", self.reference)
        b.fill("Title", self.title)
        b.choose("Kind of review or other source", "Local child safeguarding practice review")
        # The board: its first option is a real board. The guidance's option words are not agreed: the
        # value is the API's code for Working Together 2018, which the kind can be held under.
        b.choose_value("Guidance", "wt2018")
        b.fill("Subjects", "Child Q")
        b.fill("Summary", "A baby was seriously injured at home.")
        # Each accepted way of typing a date, once.
        b.fill("Date the incident became known", f"{self.known_on:%d/%m/%Y}")
        b.fill("Date the board was notified", f"{self.notified_on.day}/{self.notified_on.month}/{self.notified_on.year}")
        b.fill("Date of the decision to review", self.decided_on.isoformat())
        b.fill("Lead reviewer", "A. Reviewer")
        b.click_button("Save review")

    def then_i_see_the_review_i_recorded(self) -> None:
        b = self.browser
        assert "Review recorded" in b.banner()
        parts = b.path.strip("/").split("/")
        assert len(parts) == 2 and parts[0] == "reviews", f"after saving the review the coordinator is at {b.url}"
        self.review_path = b.path
        assert b.h1() == self.title
        page = b.text()
        assert self.reference in page
        for day in (self.known_on, self.notified_on, self.decided_on):
            assert long_date(day) in page, f"the review page does not show {long_date(day)!r}"
        review = self.coordinator_api.review_with_reference(self.reference)
        assert review is not None and review["title"] == self.title and review["kind"] == "lcspr"
        assert self.review_path.lower() == f"/reviews/{review['id']}".lower()

    def when_i_add_a_core_question(self) -> None:
        self.browser.click_link("Add a core question")
        self.browser.fill("Core question", self.question)
        self.browser.click_button("Save core question")
        assert "Core question added" in self.browser.banner()

    def and_i_add_a_finding_that_answers_it(self) -> None:
        self.back_to_the_review()
        self.browser.click_link("Add a finding")
        self.browser.fill("Finding", self.finding)
        self.browser.tick(self.question, within=self.browser.group("Core questions it answers"))
        self.browser.click_button("Save finding")
        assert "Finding added" in self.browser.banner()

    def and_i_add_recommendation_1_that_answers_the_finding(self) -> None:
        self.back_to_the_review()
        b = self.browser
        b.click_link("Add a recommendation")
        b.fill("Number", "1")
        b.fill("Recommendation", self.recommendation)
        b.choose_value("Reach", "local")
        b.fill("Addressed to", "Northvale safeguarding partners")
        b.fill("Target date", f"{self.target_date:%d/%m/%Y}")
        # The contract does not say how each finding's box is labelled: the label mentions the finding.
        b.tick_the_one_mentioning(self.finding, within=b.group("Findings it answers"))
        b.click_button("Save recommendation")
        assert "Recommendation 1 added" in b.banner()
        assert b.path == self.review_path, f"after adding the recommendation the coordinator is at {b.url}"

    def then_the_review_shows_its_question_finding_and_recommendation(self) -> None:
        page = self.browser.text()
        for words in (self.question, self.finding):
            assert words in page, f"the review page does not show {words!r}"
        self.browser.link_href("Recommendation 1")
        self.browser.screenshot("review")

    def when_i_open_recommendation_1(self) -> None:
        self.browser.click_link("Recommendation 1")
        parts = self.browser.path.strip("/").split("/")
        assert len(parts) == 2 and parts[0] == "recommendations", f"Recommendation 1 led to {self.browser.url}"
        self.recommendation_path = self.browser.path
        self.recommendation_id = parts[1]
        assert self.browser.h1() == "Recommendation 1"
        assert self.reference in self.browser.text()
        assert self.status_tag() == "Open"

    def and_i_give_it_to_the_police_to_lead(self) -> None:
        self.police = Api.sign_in(self.base_url, *POLICE_PARTNER)
        self.police_name = self.police.organisation()["name"]
        self.assign(self.police_name, "Lead", "Audit incident sharing with health visitors.", "DI Sam Patel", f"{self.police_due:%d/%m/%Y}")

    def and_i_give_it_to_the_icb_to_support(self) -> None:
        self.icb = Api.sign_in(self.base_url, *HEALTH_PARTNER)
        self.icb_name = self.icb.organisation()["name"]
        self.assign(self.icb_name, "Supporting", "Train health visitors to ask for police records.", "Dr Jo Hale", self.icb_due.isoformat())

    def then_the_recommendation_shows_both_assignments(self) -> None:
        table = self.browser.after_heading("Assignments", "table")
        rows = {}
        for row in self.browser.elements("tbody tr", table):
            text = " ".join(row.text.split())
            for name in (self.police_name, self.icb_name):
                if name in text:
                    rows[name] = text
        assert set(rows) == {self.police_name, self.icb_name}, f"the assignments table shows {table.text!r}"
        assert "lead" in rows[self.police_name].lower() and long_date(self.police_due) in rows[self.police_name]
        assert "DI Sam Patel" in rows[self.police_name]
        assert "supporting" in rows[self.icb_name].lower() and long_date(self.icb_due) in rows[self.icb_name]

    def given_the_police_have_sent_a_pdf_showing_the_outcome(self) -> None:
        self.police_summary = f"Audit of 40 incident records, all shared within two days ({self.reference})"
        assignment = self.police.my_assignment(self.recommendation_id)
        self.police.submit_evidence(
            assignment["id"], summary=self.police_summary, kind="outcome",
            file_name="incident-sharing-audit.pdf", content=PDF_BYTES, content_type="application/pdf",
        )

    def and_the_icb_have_sent_a_note_of_their_output(self) -> None:
        self.icb_summary = f"Training sessions held for health visitors ({self.reference})"
        assignment = self.icb.my_assignment(self.recommendation_id)
        self.icb.submit_evidence(
            assignment["id"], summary=self.icb_summary, kind="output",
            file_name="training-log.txt", content=b"Training log\n12 health visitors trained.\n", content_type="text/plain",
        )

    def when_i_open_the_evidence_queue(self) -> None:
        self.browser.click_link("Evidence queue")
        assert self.browser.path == "/evidence"
        assert self.browser.h1() == "Evidence awaiting a decision"

    def then_i_see_both_submissions(self) -> None:
        for summary, partner_name in ((self.police_summary, self.police_name), (self.icb_summary, self.icb_name)):
            text = self.browser.text(self.submission(summary))
            for words in (partner_name, self.reference, "recommendation 1"):
                assert words.lower() in text.lower(), f"the queue's entry for {summary!r} does not show {words!r}: {text!r}"
        police = self.browser.text(self.submission(self.police_summary))
        assert "incident-sharing-audit.pdf" in police, police
        assert "training-log.txt" in self.browser.text(self.submission(self.icb_summary))

    def when_i_return_the_icbs_evidence_with_a_reason(self) -> None:
        entry = self.submission(self.icb_summary)
        self.browser.tick("Return to the partner", within=entry)
        self.browser.fill("Reason", "Please send the attendance list as well.", within=entry)
        self.browser.click_button("Record decision", within=entry)
        assert self.browser.path == "/evidence", f"after the decision the coordinator is at {self.browser.url}"
        assert "Evidence returned" in self.browser.banner()

    def then_it_has_left_the_queue(self) -> None:
        assert self.submissions_reading(self.icb_summary) == [], "the returned evidence is still in the queue"

    def when_i_accept_the_polices_evidence(self) -> None:
        entry = self.submission(self.police_summary)
        self.browser.tick("Accept", within=entry)
        self.browser.click_button("Record decision", within=entry)
        assert "Evidence accepted" in self.browser.banner()
        assert self.submissions_reading(self.police_summary) == []

    def then_the_recommendation_reads_assured(self) -> None:
        self.browser.visit(self.recommendation_path)
        assert self.status_tag() == "Assured"
        assert self.coordinator_api.recommendation(self.recommendation_id)["status"] == "assured"
        self.browser.screenshot("recommendation")

    # --------------------------------------------------------------------------------------------- helpers

    def back_to_the_review(self) -> None:
        if self.browser.path != self.review_path:
            self.browser.visit(self.review_path)

    def status_tag(self) -> str:
        return self.browser.text(self.browser.element("#recommendation-status .lr-tag"))

    def assign(self, partner: str, role: str, action: str, officer: str, due: str) -> None:
        b = self.browser
        assert b.path == self.recommendation_path
        b.choose("Partner", partner)
        b.tick(role)
        b.fill("Action", action)
        b.fill("Lead officer", officer)
        b.fill("Due date", due)
        b.click_button("Assign partner")
        assert b.path == self.recommendation_path, f"after assigning {partner} the coordinator is at {b.url}"
        assert f"{partner} assigned" in b.banner()

    def submissions_reading(self, summary: str) -> list:
        return [s for s in self.browser.elements("section.lr-evidence") if summary in self.browser.text(s)]

    def submission(self, summary: str):
        found = self.submissions_reading(summary)
        shown = len(self.browser.elements("section.lr-evidence"))
        assert len(found) == 1, f"{len(found)} of the {shown} entries of the evidence queue read {summary!r}"
        return found[0]
