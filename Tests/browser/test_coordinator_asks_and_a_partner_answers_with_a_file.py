"""Further information: the coordinator asks the police, from a review's page, for a briefing by a date
on behalf of a scrutiny board; the police find the request on their home page and answer it with a
file; the coordinator reads the answer, with the file's SHA-256, on the request's page."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import timedelta
from pathlib import Path

from api_support import COORDINATOR, PDF_BYTES, POLICE_PARTNER, Api, long_date, uk_today, unique
from browser_support import sign_in


def test_coordinator_asks_and_a_partner_answers_with_a_file(new_browser, base_url: str, coordinator_api: Api) -> None:
    story = Request(new_browser, base_url, coordinator_api)
    story.given_a_review_is_recorded()
    story.when_the_coordinator_asks_the_police_for_a_briefing_from_the_reviews_page()
    story.then_the_request_is_open_with_its_due_date()
    story.when_the_police_open_it_from_their_home_page()
    story.and_answer_it_with_a_file()
    story.then_the_coordinator_sees_the_answer_and_the_files_sha256()


class Request:
    def __init__(self, new_browser, base_url: str, coordinator_api: Api) -> None:
        self.base_url = base_url
        self.api = coordinator_api
        self.coordinator = new_browser()
        self.police = new_browser()
        self.marker = unique("FI-")
        self.due = uk_today() + timedelta(days=21)
        self.file = Path(tempfile.mkdtemp(prefix="lr-request-")) / "briefing.pdf"
        self.bytes = PDF_BYTES.replace(b"%%EOF", f"% {self.marker}\n%%EOF".encode())
        self.file.write_bytes(self.bytes)

    # --------------------------------------------------------------------------------------------- steps

    def given_a_review_is_recorded(self) -> None:
        self.review = self.api.record_review(f"Review needing a briefing {self.marker}")
        self.police_name = Api.sign_in(self.base_url, *POLICE_PARTNER).organisation()["name"]

    def when_the_coordinator_asks_the_police_for_a_briefing_from_the_reviews_page(self) -> None:
        sign_in(self.coordinator, *COORDINATOR)
        b = self.coordinator
        b.visit(f"/reviews/{self.review['id']}")
        b.click_link("Ask for further information about this review")
        assert b.h1() == "Ask for further information"
        b.check_accessibility()
        b.choose("Who is asked", self.police_name)
        b.tick("Briefing", within=b.group("What is asked for"))
        b.fill("The question", f"Brief the scrutiny board on the protocol ({self.marker}).")
        b.fill("Asked on behalf of (optional)", "Education and Children's Services Scrutiny Board")
        b.fill("Answer needed by", f"{self.due:%d/%m/%Y}")
        b.screenshot("ask")
        b.click_button("Send the request")
        assert f"Request sent to {self.police_name}" in b.banner(), b.text()[:400]
        self.request_path = b.path

    def then_the_request_is_open_with_its_due_date(self) -> None:
        b = self.coordinator
        text = b.text()
        assert "Open" in text and long_date(self.due) in text, text[:600]
        assert "Education and Children's Services Scrutiny Board" in text
        b.check_accessibility()

    def when_the_police_open_it_from_their_home_page(self) -> None:
        sign_in(self.police, *POLICE_PARTNER)
        b = self.police
        assert b.path == "/"
        section = b.after_heading("Information requested from you", "ul")
        assert self.marker in b.text(section), b.text()[:600]
        b.click_link(f"Briefing: {self.review['reference']}", within=section)
        assert b.path == self.request_path
        b.check_accessibility()

    def and_answer_it_with_a_file(self) -> None:
        b = self.police
        b.fill("Your answer", f"The briefing note is attached ({self.marker}).")
        b.field("Files (optional)").send_keys(str(self.file))
        b.screenshot("answer")
        b.click_button("Send answer")
        assert "Answer sent to the partnership" in b.banner(), b.text()[:400]
        assert "Answered" in b.text()

    def then_the_coordinator_sees_the_answer_and_the_files_sha256(self) -> None:
        b = self.coordinator
        b.visit(self.request_path)
        text = b.text()
        assert f"The briefing note is attached ({self.marker})." in text, text[:800]
        assert "briefing.pdf" in text
        assert hashlib.sha256(self.bytes).hexdigest() in text
        b.screenshot("answered")
        b.check_accessibility()
