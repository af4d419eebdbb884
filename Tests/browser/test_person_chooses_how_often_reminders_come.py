"""A person chooses how often reminder e-mails come, from My account; the coordinator is told that
statutory-deadline warnings always come."""

from __future__ import annotations

from api_support import COORDINATOR, POLICE_PARTNER
from browser_support import Browser, sign_in


def test_partner_chooses_weekly_reminders(browser: Browser) -> None:
    story = ChoosingReminders(browser)
    story.given_i_have_signed_in_as_the_police_partner()
    story.when_i_open_reminder_e_mails_from_my_account()
    story.when_i_choose("Weekly, on Mondays")
    story.then_i_am_told_my_reminders_are("weekly, on mondays")
    story.and_the_page_remembers("Weekly, on Mondays")
    story.when_i_choose("Daily, on the mornings there is something to chase")
    story.then_i_am_told_my_reminders_are("daily")


def test_coordinator_is_told_deadline_warnings_always_come(browser: Browser) -> None:
    story = ChoosingReminders(browser)
    story.given_i_have_signed_in_as_the_coordinator()
    story.when_i_open_reminder_e_mails_from_my_account()
    story.then_i_am_told_deadline_warnings_always_come()


class ChoosingReminders:
    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    def given_i_have_signed_in_as_the_police_partner(self) -> None:
        sign_in(self.browser, *POLICE_PARTNER)

    def given_i_have_signed_in_as_the_coordinator(self) -> None:
        sign_in(self.browser, *COORDINATOR)

    def when_i_open_reminder_e_mails_from_my_account(self) -> None:
        self.browser.visit("/account")
        self.browser.click_link("Choose daily, weekly or no reminder e-mails")
        assert self.browser.h1() == "Reminder e-mails"
        self.browser.screenshot("reminder-settings")

    def when_i_choose(self, words: str) -> None:
        if self.browser.path != "/account/reminders":
            self.browser.visit("/account/reminders")
        self.browser.tick(words)
        self.browser.click_button("Save reminder settings")

    def then_i_am_told_my_reminders_are(self, words: str) -> None:
        assert self.browser.path == "/account", self.browser.url
        assert words in self.browser.banner().lower(), self.browser.banner()

    def and_the_page_remembers(self, words: str) -> None:
        self.browser.visit("/account/reminders")
        assert self.browser.field(words).is_selected()

    def then_i_am_told_deadline_warnings_always_come(self) -> None:
        assert "you always get warnings of statutory deadlines" in self.browser.text()
