"""The coordinator brings the partnership's spreadsheet tracker in: uploads it, checks what each column
holds, reads the dry run's problems by row, corrects the file and imports it; an action the tracker
recorded as complete reads "Closed without evidence", and the auditor reads in the trail which file and row
each record came from."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from api_support import COORDINATOR, Api, uk_today, unique
from browser_support import Browser, sign_in


AUDITOR = ("auditor@example.org", "demo-auditor-password")


def test_coordinator_imports_a_tracker(browser: Browser, new_browser, base_url: str, coordinator_api: Api) -> None:
    story = ImportTracker(browser, base_url, coordinator_api)
    story.given_i_have_signed_in_as_the_coordinator()
    story.when_i_upload_a_tracker_with_an_impossible_date()
    story.then_i_see_each_column_with_what_it_holds()
    story.when_i_check_the_tracker()
    story.then_i_see_the_problem_with_its_row_and_nothing_is_imported()
    story.when_i_upload_the_corrected_tracker_and_check_it()
    story.then_i_see_what_each_row_would_create()
    story.when_i_import_it()
    story.then_the_review_is_in_the_register_with_the_completed_action_closed_without_evidence()
    story.then_the_auditor_reads_which_file_and_row_the_review_came_from(new_browser())


class ImportTracker:
    def __init__(self, browser: Browser, base_url: str, coordinator_api: Api) -> None:
        self.browser = browser
        self.api = coordinator_api
        self.reference = unique("IMP-")
        self.folder = Path(tempfile.mkdtemp(prefix="lr-import-"))
        self.due = uk_today() + timedelta(days=90)

    def tracker(self, name: str, target: str) -> Path:
        """A small tracker as partnerships keep them: their own header names, the agency written their own way."""
        path = self.folder / name
        lines = [
            "Review Ref,Review title,Rec No.,Recommendation,Action,Owner,Due by,RAG,Latest update",
            f"{self.reference},Child T,1,Agencies share missing-episode information.,Write a protocol,northvale police (invented).,{target},Complete,Protocol agreed",
            f"{self.reference},Child T,2,Schools record the child's voice.,Audit referrals,Northvale Council Children's Services (invented),{self.due.strftime('%d/%m/%Y')},On track,Audit started",
        ]
        path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
        return path

    # --------------------------------------------------------------------------------------------- steps

    def given_i_have_signed_in_as_the_coordinator(self) -> None:
        sign_in(self.browser, *COORDINATOR)

    def when_i_upload_a_tracker_with_an_impossible_date(self) -> None:
        b = self.browser
        b.click_link("Reviews")
        b.click_link("Import a tracker")
        assert b.h1() == "Import a tracker"
        b.check_accessibility()
        b.field("Tracker").send_keys(str(self.tracker("tracker.csv", "31/02/2026")))
        b.click_button("Upload and check the columns")

    def then_i_see_each_column_with_what_it_holds(self) -> None:
        b = self.browser
        assert b.h1() == "Check the tracker's columns", b.text()[:400]
        assert b.value("Column F: Owner") == "lead_agency"
        assert b.value("Column G: Due by") == "target_date"
        assert b.value("Column C: Rec No.") == "recommendation_number"
        b.choose("Board", "Northvale Safeguarding Children Partnership (invented)")
        b.screenshot("import-columns")
        b.check_accessibility()

    def when_i_check_the_tracker(self) -> None:
        self.browser.click_button("Check the tracker")

    def then_i_see_the_problem_with_its_row_and_nothing_is_imported(self) -> None:
        b = self.browser
        assert b.h1() == "The tracker has problems", b.text()[:400]
        assert 'Sheet tracker, row 2, column Due by: "31/02/2026" is not a date that exists' in b.text()
        assert "Import the tracker" not in b.texts("button")
        b.screenshot("import-problems")
        b.check_accessibility()
        assert self.api.get(f"/api/v1/reviews?q={self.reference}")["items"] == []

    def when_i_upload_the_corrected_tracker_and_check_it(self) -> None:
        b = self.browser
        b.visit("/imports/new")
        b.field("Tracker").send_keys(str(self.tracker("tracker-corrected.csv", "31/01/2026")))
        b.click_button("Upload and check the columns")
        b.choose("Board", "Northvale Safeguarding Children Partnership (invented)")
        b.click_button("Check the tracker")

    def then_i_see_what_each_row_would_create(self) -> None:
        b = self.browser
        assert b.h1() == "Check what will be imported", b.text()[:600]
        text = b.text()
        assert f"new review {self.reference}" in text
        assert "closed without evidence" in text
        b.screenshot("import-check")
        b.check_accessibility()

    def when_i_import_it(self) -> None:
        self.browser.click_button("Import the tracker")

    def then_the_review_is_in_the_register_with_the_completed_action_closed_without_evidence(self) -> None:
        b = self.browser
        assert "Tracker imported: 2 rows created, 0 updated, 0 unchanged" in b.banner(), b.text()[:400]
        reviews = self.api.get(f"/api/v1/reviews?q={self.reference}")["items"]
        assert [r["reference"] for r in reviews] == [self.reference]
        b.visit(f"/reviews/{reviews[0]['id']}")
        b.click_link("Recommendation 1")
        tags = b.texts(".lr-tag")
        assert "Closed without evidence" in tags, tags
        assert "Assured" not in tags, tags
        b.screenshot("import-closed-without-evidence")
        b.check_accessibility()

    def then_the_auditor_reads_which_file_and_row_the_review_came_from(self, auditor: Browser) -> None:
        sign_in(auditor, *AUDITOR)
        review = self.api.get(f"/api/v1/reviews?q={self.reference}")["items"][0]
        auditor.visit(f"/audit?table=reviews&key={review['id']}")
        text = auditor.text()
        assert "Source" in text, text[:600]
        assert "import of tracker-corrected.csv sha256=" in text and "sheet tracker-corrected row 2" in text, text[:1200]
        auditor.screenshot("import-audit-source")
        auditor.check_accessibility()
