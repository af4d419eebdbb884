"""Two people have the same review's "Change details" form open. The first saves a new title; when the
second saves theirs, the register says the review changed since they read it, keeps what they typed,
shows what it says now, and has overwritten nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

from api_support import COORDINATOR, Api, unique
from browser_support import Browser, sign_in


def test_coordinator_meets_a_change_made_meanwhile(new_browser: Callable[[], Browser], coordinator_api: Api) -> None:
    story = ChangeMadeMeanwhile(new_browser, coordinator_api)
    story.given_a_review_has_been_recorded()
    story.and_i_have_its_change_details_form_open()
    story.and_a_colleague_has_the_same_form_open_in_another_browser()
    story.when_my_colleague_changes_the_title_and_saves()
    story.and_i_type_a_different_title_and_save()
    story.then_i_am_told_the_review_changed_since_i_read_it()
    story.and_the_title_i_typed_is_still_in_the_field()
    story.and_i_see_my_colleagues_title_under_what_it_says_now()
    story.and_nothing_was_overwritten()


class ChangeMadeMeanwhile:
    def __init__(self, new_browser: Callable[[], Browser], coordinator_api: Api) -> None:
        self.new_browser = new_browser
        self.api = coordinator_api
        tag = unique("", 6)
        self.first_title = f"Review before anyone changed it {tag}"
        self.colleagues_title = f"Learning from the care of Child M {tag}"
        self.my_title = f"Review of the care of the M family {tag}"

    def given_a_review_has_been_recorded(self) -> None:
        self.review = self.api.record_review(self.first_title)

    def and_i_have_its_change_details_form_open(self) -> None:
        self.me = self.open_the_change_details_form()

    def and_a_colleague_has_the_same_form_open_in_another_browser(self) -> None:
        self.colleague = self.open_the_change_details_form()

    def when_my_colleague_changes_the_title_and_saves(self) -> None:
        self.colleague.fill("Title", self.colleagues_title)
        self.colleague.click_button("Save changes")
        assert "Changes saved" in self.colleague.banner()
        assert self.colleague.path.lower() == f"/reviews/{self.review['id']}".lower(), f"after saving the colleague is at {self.colleague.url}"
        assert self.colleague.h1() == self.colleagues_title

    def and_i_type_a_different_title_and_save(self) -> None:
        self.me.fill("Title", self.my_title)
        self.me.click_button("Save changes")

    def then_i_am_told_the_review_changed_since_i_read_it(self) -> None:
        assert self.me.status() == 409, f"saving a stale form answered {self.me.status()}"
        # The contract's words are "changed since you read it"; "changed this review since you read it" says the same.
        summary = self.me.error_summary()
        assert re.search(r"changed (this review )?since you read it", summary), summary

    def and_the_title_i_typed_is_still_in_the_field(self) -> None:
        assert self.me.value("Title") == self.my_title

    def and_i_see_my_colleagues_title_under_what_it_says_now(self) -> None:
        now = self.me.text(self.me.after_heading("What it says now", "dl"))
        assert self.colleagues_title in now, f"under 'What it says now': {now!r}"
        assert self.my_title not in now

    def and_nothing_was_overwritten(self) -> None:
        assert self.api.review(self.review["id"])["title"] == self.colleagues_title

    # --------------------------------------------------------------------------------------------- helpers

    def open_the_change_details_form(self) -> Browser:
        browser = self.new_browser()
        sign_in(browser, *COORDINATOR)
        browser.visit(f"/reviews/{self.review['id']}")
        assert browser.h1() == self.first_title
        browser.click_link("Change details")
        assert browser.path.lower() == f"/reviews/{self.review['id']}/edit".lower()
        assert browser.value("Title") == self.first_title
        assert browser.hidden_value("version"), "the form carries no version"
        return browser
