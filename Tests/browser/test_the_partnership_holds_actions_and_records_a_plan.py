"""The partnership acts for itself: an admin records a task-and-finish group of the Coventry LSCB (after
being told what a subgroup needs); a coordinator records an improvement plan, which has no statutory
clock and starts in progress; the clocks report lists the published reports that may come down; and a
member of the LSCB's business unit sees the business unit's actions as their own."""

from __future__ import annotations

from api_support import unique
from browser_support import Browser, sign_in

ADMIN = ("admin@example.org", "demo-admin-password")
COORDINATOR = ("coordinator@example.org", "demo-coordinator-password")
BUSINESS_UNIT = ("business-unit@example.org", "demo-business-unit-password")
COVENTRY = "Coventry Local Safeguarding Children Board"
SUBGROUP = "A subgroup of the partnership (for example a task-and-finish group)"


def test_admin_records_a_task_and_finish_group(browser: Browser) -> None:
    sign_in(browser, *ADMIN)
    name = unique("Task and finish group ")
    browser.visit("/admin/partners/new")
    browser.fill("Name", name)
    browser.choose("Kind of organisation", SUBGROUP)
    browser.click_button("Add organisation")
    assert "Choose the partnership it belongs to" in browser.error_summary()
    assert browser.status() == 422
    assert browser.value("Name") == name, "what was typed is kept"

    browser.choose("Partnership (for its business unit or a subgroup)", COVENTRY)
    browser.fill("Remit (optional)", "The longer term needs of children who have experienced abuse")
    browser.click_button("Add organisation")
    assert browser.h1() == name
    assert SUBGROUP in browser.text(browser.element("main"))
    browser.screenshot("admin-subgroup")


def test_coordinator_records_an_improvement_plan_and_reads_what_may_come_down(browser: Browser) -> None:
    sign_in(browser, *COORDINATOR)
    reference = unique("IP-")[:40]
    browser.visit("/reviews/new")
    browser.fill("Reference", reference)
    browser.fill("Title", "Children's services improvement plan")
    browser.choose("Kind of review or other source", "Improvement plan")
    browser.choose("Board", COVENTRY)
    browser.choose("Guidance", "Local arrangements (no statutory guidance)")
    browser.click_button("Save review")
    assert browser.h1() == "Children's services improvement plan"
    page = browser.text(browser.element("main"))
    assert "Kind of source" in page and "Improvement plan" in page, page
    assert "In progress" in page
    assert "Board notified" not in page, "a plan has no notification date"
    browser.screenshot("improvement-plan")

    browser.visit("/reports/clocks")
    assert browser.h1() == "Statutory clocks"
    due = browser.text(browser.after_heading("Published reports due to come down", "table"))
    assert "COV-SCR-2016-01" in due and "11 July 2017" in due, due
    assert reference not in browser.text(browser.element("main")), "a plan has no clocks to list"
    browser.screenshot("clocks-coming-down")


def test_a_member_of_the_business_unit_sees_its_actions(browser: Browser) -> None:
    sign_in(browser, *BUSINESS_UNIT)
    assert browser.h1() == "Your actions"
    page = browser.text(browser.element("main"))
    assert "Share the serious case review with the Adult Safeguarding Board." in page or "COV-SCR-2016-01" in page, page
    assert "Northvale" not in page, "another organisation's work stays out of sight"
