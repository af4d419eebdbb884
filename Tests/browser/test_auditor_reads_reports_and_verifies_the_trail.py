"""The auditor chooses what the compliance report covers, downloads it as CSV and finds an assured
recommendation with its evidence's SHA-256, opens the printable report, takes the review's evidence
pack, looks at the statutory clocks and the learning view, reads the audit trail and verifies its chain.
Every page the browser shows is checked with axe."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import zipfile
from urllib.parse import urljoin

import requests

from api_support import PDF_BYTES, POLICE_PARTNER, TIMEOUT, Api, long_date, uk_today
from browser_support import LINKS, Browser, sign_in

AUDITOR = ("auditor@example.org", "demo-auditor-password")


def test_auditor_reads_reports_and_verifies_the_trail(browser: Browser, base_url: str, coordinator_api: Api) -> None:
    story = AuditorStory(browser, base_url, coordinator_api)
    story.given_a_recommendation_assured_on_the_polices_outcome_evidence()
    story.given_i_have_signed_in_as_the_auditor()
    story.when_i_open_reports()
    story.and_i_choose_the_review_and_today_as_the_as_at_day()
    story.then_the_csv_holds_the_recommendation_assured_with_the_files_sha256()
    story.and_the_json_holds_the_same_row()
    story.when_i_take_the_reviews_evidence_pack()
    story.then_its_manifest_lists_the_file_and_a_checkpoint()
    story.when_i_open_the_printable_report()
    story.then_it_reads_as_a_report_totals_first_in_words()
    story.when_i_look_at_the_statutory_clocks_and_the_learning_view()
    story.when_i_open_the_audit_trail()
    story.then_i_see_the_recommendations_changes_before_and_after()
    story.when_i_verify_the_chain()
    story.then_it_is_verified_with_the_packs_checkpoint()


class AuditorStory:
    def __init__(self, browser: Browser, base_url: str, coordinator_api: Api) -> None:
        self.browser = browser
        self.base_url = base_url
        self.coordinator_api = coordinator_api
        # A made-up word of its own, so that a search finds this recommendation and no other.
        self.word = "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(12))
        self.text = f"Police share every domestic abuse notification with the health visitor (audit {self.word})."
        self.sha256 = hashlib.sha256(PDF_BYTES).hexdigest()

    # --------------------------------------------------------------------------------------------- steps

    def given_a_recommendation_assured_on_the_polices_outcome_evidence(self) -> None:
        api = self.coordinator_api
        review = api.record_review("Learning from the care of Child R")
        self.reference, self.review_id = review["reference"], review["id"]
        recommendation = api.post(
            f"/api/v1/reviews/{self.review_id}/recommendations", {"number": "1", "text": self.text, "scope": "local"}
        )
        self.recommendation_id = recommendation["id"]
        police = Api.sign_in(self.base_url, *POLICE_PARTNER)
        self.police_name = police.organisation()["name"]
        api.post(
            f"/api/v1/recommendations/{self.recommendation_id}/assignments",
            {"partner_id": police.me()["partner_id"], "role": "lead", "action": "Audit the sharing of notifications.",
             "lead_officer": "DI Sam Patel", "due_date": uk_today().isoformat()},
        )
        evidence = police.submit_evidence(
            police.my_assignment(self.recommendation_id)["id"], summary="Audit of 40 notifications, all shared", kind="outcome",
            file_name="notification-audit.pdf", content=PDF_BYTES, content_type="application/pdf",
        )
        decided = api.request("POST", f"/api/v1/evidence/{evidence['id']}/decision", json={"verdict": "accepted"})
        assert decided.status_code == 200, decided.text
        assert api.recommendation(self.recommendation_id)["status"] == "assured"

    def given_i_have_signed_in_as_the_auditor(self) -> None:
        sign_in(self.browser, *AUDITOR)
        self.browser.check_page_frame(signed_in_as="Auditor")

    def when_i_open_reports(self) -> None:
        b = self.browser
        b.click_link("Reports")
        assert b.path == "/reports" and b.h1() == "Reports"
        assert {"Compliance report", "Evidence pack", "Summary figures"} <= set(b.texts("h2")), b.texts("h2")
        # The summary figures: tables, and beside them charts that say their values in words.
        charts = b.elements("svg[role=img]")
        assert len(charts) == 4, f"{len(charts)} charts on the reports page"
        for chart in charts:
            labelled = (chart.get_attribute("aria-labelledby") or "").split()
            assert labelled and all(b.elements(f"#{name}") for name in labelled), f"a chart is not named: {labelled}"
        assert "% assured" in b.text(b.element(".lr-chart"))
        b.screenshot("auditor-reports")

    def and_i_choose_the_review_and_today_as_the_as_at_day(self) -> None:
        b = self.browser
        compliance = b.element("form[action='/reports']")
        b.fill("Review reference", self.reference, within=compliance)
        b.choose("Recommendation status", "Assured", within=compliance)
        b.fill("As at", f"{uk_today():%d/%m/%Y}", within=compliance)
        b.click_button("Apply filters")
        assert b.path == "/reports", b.url
        page = b.text()
        assert f"as it stood at the end of {long_date(uk_today())}" in page, page[:600]
        assert "Recommendation status: Assured" in page
        self.csv_url = urljoin(b.url, b.link_href("Download the compliance report as CSV"))
        self.json_url = urljoin(b.url, b.link_href("Download the compliance report as JSON"))
        assert f"as_at={uk_today().isoformat()}" in self.csv_url and f"review={self.reference}" in self.csv_url, self.csv_url

    def then_the_csv_holds_the_recommendation_assured_with_the_files_sha256(self) -> None:
        response = self.download(self.csv_url)
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response.headers.get("Content-Disposition", "")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        assert len(rows) == 1, f"the CSV has {len(rows)} rows: {rows}"
        row = rows[0]
        assert row["Review reference"] == self.reference and row["Recommendation"] == "1"
        assert row["Partner"] == self.police_name and row["Recommendation status"] == "assured"
        assert row["Assignment status"] == "accepted" and row["Latest evidence verdict"] == "accepted"
        assert row["Latest evidence SHA-256"] == self.sha256
        assert row["Current due date"] == f"{uk_today():%d/%m/%Y}"

    def and_the_json_holds_the_same_row(self) -> None:
        body = self.download(self.json_url).json()
        assert body["as_at"] == uk_today().isoformat()
        assert [r["latest_evidence_sha256"] for r in body["rows"]] == [[self.sha256]]

    def when_i_take_the_reviews_evidence_pack(self) -> None:
        # The pack is offered beside its review in the summary table, and as a form for any reference.
        b = self.browser
        b.visit("/reports")
        link = urljoin(b.url, b.link_href(f"Take the pack of {self.reference}"))
        self.pack = self.download(link)
        assert self.pack.headers["Content-Type"] == "application/zip"

    def then_its_manifest_lists_the_file_and_a_checkpoint(self) -> None:
        archive = zipfile.ZipFile(io.BytesIO(self.pack.content))
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["review"]["reference"] == self.reference
        files = {f["path"]: f["sha256"] for f in manifest["files"]}
        assert self.sha256 in files.values(), files
        assert hashlib.sha256(archive.read("compliance.csv")).hexdigest() == files["compliance.csv"]
        self.pack_checkpoint = manifest["audit"]["checkpoint"]

    def when_i_open_the_printable_report(self) -> None:
        b = self.browser
        b.visit(f"/reports?review={self.reference}")
        b.click_link("Open the printable compliance report")
        assert b.path == "/reports/compliance", b.url

    def then_it_reads_as_a_report_totals_first_in_words(self) -> None:
        b = self.browser
        assert b.h1() == "Compliance report"
        headings = b.texts("h2")
        assert headings[0] == "Totals", headings
        assert any(h.startswith(f"{self.reference}: ") for h in headings), headings
        page = b.text()
        for words in ("Local child safeguarding practice review", "Assured", "Accepted", "Outcome evidence, accepted",
                      long_date(uk_today()), self.police_name, self.sha256, "Review: " + self.reference):
            assert words in page, f"the printable report does not say {words!r}"
        assert "lcspr" not in page
        b.screenshot("auditor-printable-report")

    def when_i_look_at_the_statutory_clocks_and_the_learning_view(self) -> None:
        b = self.browser
        b.visit("/reports")
        b.click_link("Statutory clocks of every review")
        assert b.h1() == "Statutory clocks"
        # Reviews are listed in the order they were recorded, a page at a time: this test's is the newest.
        for _ in range(50):
            if self.reference in b.text() or not b.named(LINKS, "Next page"):
                break
            b.click_link("Next page")
        assert self.reference in b.text(), "this test's review is on no page of the statutory clocks"
        b.click_link("Learning")
        assert b.h1() == "Learning across reviews"
        b.fill("Words to look for", self.word)
        b.click_button("Search")
        assert b.text(b.element("#results")) == f"1 result for “{self.word}”"
        assert self.word in b.text(b.element("mark"))
        b.click_link("Recommendations like this one in other reviews")
        assert b.h1() == "Recommendations like recommendation 1"
        assert self.text in b.text()

    def when_i_open_the_audit_trail(self) -> None:
        b = self.browser
        b.click_link("Audit trail")
        assert b.path == "/audit" and b.h1() == "Audit trail"
        b.choose("Kind of record", "Recommendation")
        b.fill("Record", self.recommendation_id)
        b.click_button("Apply filters")

    def then_i_see_the_recommendations_changes_before_and_after(self) -> None:
        b = self.browser
        titles = b.texts("section.lr-summary-card h3")
        assert titles and titles[0].endswith("Recorded: Recommendation"), titles
        assert any(t.endswith("Changed: Recommendation") for t in titles), titles
        page = b.text()
        assert self.text in page and "Before" in page and "After" in page
        assert "assured" in page

    def when_i_verify_the_chain(self) -> None:
        self.browser.click_link("Verify the chain")
        assert self.browser.path == "/audit/verify"

    def then_it_is_verified_with_the_packs_checkpoint(self) -> None:
        b = self.browser
        assert b.h1() == "The audit trail is verified"
        page = b.text()
        assert "verified" in page and "First problem None" in page, page[:800]
        assert "events checked" in page
        # The last checkpoint is the pack's (or a later one): the page names its event and hash.
        seq = int(b.after_heading("The last checkpoint", "dd").text)
        assert seq >= self.pack_checkpoint["seq"]
        if seq == self.pack_checkpoint["seq"]:
            assert self.pack_checkpoint["chain_hash"] in page
        b.click_link("Every checkpoint")
        assert b.h1() == "Checkpoints of the audit trail"
        # Oldest first, a page at a time: earlier runs (the contract tests) leave checkpoints before it.
        for _ in range(100):
            if str(self.pack_checkpoint["seq"]) in b.texts("td") or not b.named(LINKS, "Next page"):
                break
            b.click_link("Next page")
        assert str(self.pack_checkpoint["seq"]) in b.texts("td")

    # --------------------------------------------------------------------------------------------- helpers

    def download(self, url: str) -> requests.Response:
        """A download the page links to, fetched with the browser's own session cookie."""
        response = requests.get(url, cookies={"lr_session": self.browser.session_cookie()}, timeout=TIMEOUT)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}: {response.text[:300]}"
        return response
