"""The whole cycle, three roles in their own browsers: the coordinator records a review and gives its
recommendation to two partners; the police upload evidence through the form; the coordinator returns it
with a reason; the police read the reason and send new evidence, with the keyboard alone; the coordinator
accepts it; the other partner cannot open the police's assignment; the auditor finds the recommendation
assured, with the file's SHA-256, in the compliance report, takes the evidence pack and checks its
manifest, and verifies the audit trail."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from api_support import COORDINATOR, HEALTH_PARTNER, PDF_BYTES, POLICE_PARTNER, Api, uk_today, unique
from browser_support import Browser, sign_in

AUDITOR = ("auditor@example.org", "demo-auditor-password")


def test_partners_coordinator_and_auditor_complete_the_cycle(new_browser, base_url: str, coordinator_api: Api) -> None:
    story = Cycle(new_browser, base_url, coordinator_api)
    story.given_the_coordinator_has_recorded_a_review_with_a_recommendation()
    story.and_has_given_it_to_the_police_to_lead_and_the_icb_to_support()
    story.when_the_police_open_their_action_from_their_home_page()
    story.and_upload_evidence_through_the_form()
    story.then_the_police_see_their_evidence_awaiting_a_decision()
    story.when_the_coordinator_returns_it_with_a_reason()
    story.then_the_police_see_the_reason_at_the_top_of_their_home_page()
    story.when_the_police_send_new_evidence_with_the_keyboard_alone()
    story.and_the_coordinator_accepts_it()
    story.then_the_recommendation_is_assured()
    story.and_the_icb_cannot_open_the_polices_assignment()
    story.when_the_auditor_downloads_the_compliance_report()
    story.then_it_shows_the_recommendation_assured_with_the_files_sha256()
    story.when_the_auditor_takes_the_evidence_pack()
    story.then_its_manifest_lists_the_accepted_file()
    story.when_the_auditor_verifies_the_audit_trail()
    story.then_it_verifies()


class Cycle:
    def __init__(self, new_browser, base_url: str, coordinator_api: Api) -> None:
        self.base_url = base_url
        self.api = coordinator_api
        self.coordinator = new_browser()
        self.police = new_browser()
        self.auditor = new_browser()
        self.icb = new_browser()
        self.reference = unique("CY-")
        self.folder = Path(tempfile.mkdtemp(prefix="lr-cycle-"))
        self.first_file = self.folder / "first-audit.pdf"
        self.first_file.write_bytes(PDF_BYTES)
        self.second_file = self.folder / "second-audit.pdf"
        self.second_bytes = PDF_BYTES.replace(b"%%EOF", f"% {self.reference}\n%%EOF".encode())
        self.second_file.write_bytes(self.second_bytes)

    # --------------------------------------------------------------------------------------------- steps

    def given_the_coordinator_has_recorded_a_review_with_a_recommendation(self) -> None:
        sign_in(self.coordinator, *COORDINATOR)
        b = self.coordinator
        b.visit("/reviews/new")
        b.fill("Reference", self.reference)
        b.fill("Title", f"Cycle review {self.reference}")
        b.choose("Kind of review or other source", "Local child safeguarding practice review")
        b.choose_value("Guidance", "wt2023")
        b.click_button("Save review")
        assert "Review recorded" in b.banner()
        self.review_path = b.path
        b.click_link("Add a recommendation")
        b.fill("Number", "1")
        b.fill("Recommendation", "Partners share incident records within two working days.")
        b.choose_value("Reach", "local")
        b.click_button("Save recommendation")
        assert "Recommendation 1 added" in b.banner()
        b.click_link("Recommendation 1")
        self.recommendation_path = b.path
        self.recommendation_id = b.path.rsplit("/", 1)[1]

    def and_has_given_it_to_the_police_to_lead_and_the_icb_to_support(self) -> None:
        self.police_api = Api.sign_in(self.base_url, *POLICE_PARTNER)
        self.icb_api = Api.sign_in(self.base_url, *HEALTH_PARTNER)
        due = uk_today() + timedelta(days=90)
        for api, role in ((self.police_api, "Lead"), (self.icb_api, "Supporting")):
            name = api.organisation()["name"]
            b = self.coordinator
            b.choose("Partner", name)
            b.tick(role)
            b.fill("Action", f"{role} action for {self.reference}")
            b.fill("Due date", f"{due:%d/%m/%Y}")
            b.click_button("Assign partner")
            assert f"{name} assigned" in b.banner()
        self.police_name = self.police_api.organisation()["name"]

    def when_the_police_open_their_action_from_their_home_page(self) -> None:
        sign_in(self.police, *POLICE_PARTNER)
        b = self.police
        assert b.path == "/" and b.h1() == "Your actions"
        b.click_link(f"{self.reference} recommendation 1")
        assert b.h1() == "Recommendation 1: your action"
        self.assignment_path = b.path

    def and_upload_evidence_through_the_form(self) -> None:
        b = self.police
        b.fill("Summary of the evidence", f"First audit ({self.reference})")
        b.tick("Outcome", within=b.group("Kind of evidence"))
        b.fill("Date the evidence covers", f"{uk_today():%d/%m/%Y}")
        b.field("Files").send_keys(str(self.first_file))
        b.screenshot("upload")
        b.click_button("Send evidence")
        assert "Evidence sent" in b.banner(), b.text()[:400]

    def then_the_police_see_their_evidence_awaiting_a_decision(self) -> None:
        page = self.police.text()
        assert f"First audit ({self.reference})" in page and "Awaiting a decision" in page
        assert "first-audit.pdf" in page

    def when_the_coordinator_returns_it_with_a_reason(self) -> None:
        b = self.coordinator
        b.visit("/evidence")
        entry = self.queue_entry(f"First audit ({self.reference})")
        b.tick("Return to the partner", within=entry)
        self.reason = f"The audit covers one month only; please audit three months ({self.reference})."
        b.fill("Reason", self.reason, within=entry)
        b.click_button("Record decision", within=entry)
        assert "Evidence returned" in b.banner()

    def then_the_police_see_the_reason_at_the_top_of_their_home_page(self) -> None:
        b = self.police
        b.visit("/")
        assert "Evidence returned to you" in b.texts("h2")[0], f"the first section of the home page is {b.texts('h2')}"
        cards = [c for c in b.elements(".lr-summary-card") if self.reference in b.text(c)]
        assert len(cards) == 1, "the returned evidence is not at the top of the police's home page"
        assert self.reason in b.text(cards[0]), "the coordinator's reason is not shown in full"
        b.screenshot("partner-home")

    def when_the_police_send_new_evidence_with_the_keyboard_alone(self) -> None:
        b = self.police
        b.visit(self.assignment_path)
        driver = b.driver
        keys = lambda *k: ActionChains(driver).send_keys(*k).perform()  # noqa: E731 - presses go to whatever has focus
        active = lambda: driver.switch_to.active_element  # noqa: E731
        driver.execute_script("arguments[0].focus()", b.field("Summary of the evidence"))
        keys(f"Three months' audit ({self.reference})")
        # Tab to the kinds of evidence; Space chooses, the arrow keys move between them, as in any radio group.
        keys(Keys.TAB)
        assert active().get_attribute("name") == "kind", f"Tab from the summary went to {active().get_attribute('name')!r}"
        keys(Keys.SPACE, Keys.ARROW_DOWN)
        assert active().get_attribute("value") == "outcome" and active().is_selected()
        keys(Keys.TAB)
        assert active().get_attribute("name") == "effective_date"
        keys(f"{uk_today():%d/%m/%Y}")
        keys(Keys.TAB)
        assert active().get_attribute("name") == "files"
        # The file dialog is the operating system's: the chosen file's path is given to the focused field.
        active().send_keys(str(self.second_file))
        keys(Keys.TAB)
        assert active().tag_name == "button" and "Send evidence" in active().text, f"Tab from the files went to {active().tag_name}"
        driver.execute_script("window.__learningRegisterOldPage = true")
        keys(Keys.ENTER)
        b.wait_for_new_page()
        assert "Evidence sent" in b.banner(), b.text()[:400]

    def and_the_coordinator_accepts_it(self) -> None:
        b = self.coordinator
        b.visit("/evidence")
        entry = self.queue_entry(f"Three months' audit ({self.reference})")
        b.tick("Accept", within=entry)
        b.click_button("Record decision", within=entry)
        assert "Evidence accepted" in b.banner()

    def then_the_recommendation_is_assured(self) -> None:
        b = self.coordinator
        b.visit(self.recommendation_path)
        assert b.text(b.element("#recommendation-status .lr-tag")) == "Assured"

    def and_the_icb_cannot_open_the_polices_assignment(self) -> None:
        sign_in(self.icb, *HEALTH_PARTNER)
        self.icb.visit(self.assignment_path)
        assert (self.icb.status(), self.icb.h1()) == (404, "Page not found"), f"{self.icb.url}: {self.icb.text()[:300]}"
        self.icb.visit("/assignments/00000000-0000-7000-8000-000000000000")
        assert (self.icb.status(), self.icb.h1()) == (404, "Page not found")

    def when_the_auditor_downloads_the_compliance_report(self) -> None:
        sign_in(self.auditor, *AUDITOR)
        assert self.auditor.h1() == "Home"
        self.auditor.screenshot("auditor-home")
        self.auditor_cookies = {"lr_session": self.auditor.session_cookie()}
        response = requests.get(
            f"{self.base_url}/api/v1/reports/compliance", params={"format": "csv", "review": self.reference},
            cookies=self.auditor_cookies, timeout=60)
        assert response.status_code == 200, response.text
        self.rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    def then_it_shows_the_recommendation_assured_with_the_files_sha256(self) -> None:
        digest = hashlib.sha256(self.second_bytes).hexdigest()
        police = [r for r in self.rows if self.police_name in r.values()]
        assert len(police) == 1, f"the report's rows: {self.rows}"
        row = police[0]
        assert "assured" in " ".join(row.values()).lower(), row
        assert digest in " ".join(row.values()), f"{digest} is not in the report's row {row}"

    def when_the_auditor_takes_the_evidence_pack(self) -> None:
        response = requests.get(
            f"{self.base_url}/api/v1/reports/evidence-pack", params={"review": self.reference}, cookies=self.auditor_cookies, timeout=60)
        assert response.status_code == 200, response.text
        self.pack = zipfile.ZipFile(io.BytesIO(response.content))

    def then_its_manifest_lists_the_accepted_file(self) -> None:
        manifest = json.loads(self.pack.read("manifest.json"))
        text = json.dumps(manifest)
        digest = hashlib.sha256(self.second_bytes).hexdigest()
        assert digest in text, f"the manifest does not list {digest}"
        for name in self.pack.namelist():
            if name.endswith("second-audit.pdf"):
                assert hashlib.sha256(self.pack.read(name)).hexdigest() == digest
                break
        else:
            raise AssertionError(f"the pack holds no second-audit.pdf: {self.pack.namelist()}")

    def when_the_auditor_verifies_the_audit_trail(self) -> None:
        b = self.auditor
        b.visit("/audit")
        b.click_link("Verify the chain")

    def then_it_verifies(self) -> None:
        page = self.auditor.text().lower()
        assert "the audit trail is verified" in page, self.auditor.text()[:600]

    # --------------------------------------------------------------------------------------------- helpers

    def queue_entry(self, summary: str):
        b = self.coordinator
        found = [s for s in b.elements("section.lr-evidence") if summary in b.text(s)]
        assert len(found) == 1, f"{len(found)} entries of the evidence queue read {summary!r}"
        return found[0]
