"""A person signs in, is told plainly when the password is wrong, signs out; a page that does not exist,
or that they may not see, is "Page not found"."""

from __future__ import annotations

from urllib.parse import parse_qs

import requests

from api_support import COORDINATOR, POLICE_PARTNER, TIMEOUT, Api, unique
from browser_support import Browser, sign_in


def test_person_signed_out_is_asked_to_sign_in_and_lands_where_they_were_going(browser: Browser) -> None:
    story = SignInAndOut(browser)
    story.given_i_am_signed_out()
    story.when_i_open_the_reviews()
    story.then_i_am_asked_to_sign_in_first()
    story.when_i_sign_in_as_the_coordinator()
    story.then_i_see_the_reviews()


def test_person_with_the_wrong_password_is_told_so(browser: Browser) -> None:
    story = SignInAndOut(browser)
    story.given_i_am_signed_out()
    story.when_i_sign_in_with_the_wrong_password()
    story.then_i_am_told_the_email_address_or_password_is_wrong()


def test_person_signs_out(browser: Browser) -> None:
    story = SignInAndOut(browser)
    story.given_i_have_signed_in_as_the_coordinator()
    story.when_i_sign_out()
    story.then_i_see_the_sign_in_page()
    story.when_i_open_the_reviews()
    story.then_i_am_asked_to_sign_in_first()


def test_person_opening_a_page_that_does_not_exist_sees_page_not_found(browser: Browser) -> None:
    story = SignInAndOut(browser)
    story.given_i_have_signed_in_as_the_coordinator()
    story.when_i_open_a_page_that_does_not_exist()
    story.then_i_see_page_not_found()
    story.and_the_register_answers_404_to_my_session()


def test_partner_opening_another_organisations_review_sees_page_not_found(
    browser: Browser, coordinator_api: Api
) -> None:
    story = SignInAndOut(browser)
    story.given_a_review_with_no_work_for_the_police(coordinator_api)
    story.and_i_have_signed_in_as_the_police_partner()
    story.when_i_open_that_review()
    story.then_i_see_page_not_found()
    story.and_the_register_answers_404_to_my_session()
    story.when_i_open_a_review_that_does_not_exist()
    story.then_i_see_the_same_page_not_found()


class SignInAndOut:
    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    def given_i_am_signed_out(self) -> None:
        assert self.browser.driver.get_cookie("lr_session") is None

    def given_i_have_signed_in_as_the_coordinator(self) -> None:
        sign_in(self.browser, *COORDINATOR)
        assert self.browser.path == "/", f"after signing in the coordinator is at {self.browser.url}"

    def and_i_have_signed_in_as_the_police_partner(self) -> None:
        sign_in(self.browser, *POLICE_PARTNER)

    def given_a_review_with_no_work_for_the_police(self, coordinator_api: Api) -> None:
        self.review = coordinator_api.record_review(f"Review with no police work {unique('')}")

    def when_i_open_the_reviews(self) -> None:
        self.browser.visit("/reviews")

    def then_i_am_asked_to_sign_in_first(self) -> None:
        assert self.browser.path == "/sign-in", f"a signed-out person opening /reviews is at {self.browser.url}"
        assert parse_qs(self.browser.query).get("next") == ["/reviews"], self.browser.url
        assert self.browser.h1() == "Sign in"
        self.browser.check_page_frame()

    def when_i_sign_in_as_the_coordinator(self) -> None:
        self.browser.fill("Email address", COORDINATOR[0])
        self.browser.fill("Password", COORDINATOR[1])
        self.browser.click_button("Sign in")

    def then_i_see_the_reviews(self) -> None:
        assert self.browser.path == "/reviews", f"after signing in the coordinator is at {self.browser.url}"
        assert self.browser.h1() == "Reviews"

    def when_i_sign_in_with_the_wrong_password(self) -> None:
        self.browser.visit("/sign-in")
        self.browser.fill("Email address", COORDINATOR[0])
        self.browser.fill("Password", "not-the-password")
        self.browser.click_button("Sign in")

    def then_i_am_told_the_email_address_or_password_is_wrong(self) -> None:
        assert self.browser.status() == 401, f"a wrong password answered {self.browser.status()}"
        assert "The email address or password is wrong" in self.browser.error_summary()
        assert self.browser.h1() == "Sign in"
        assert self.browser.value("Password") == "", "the wrong password is shown again"
        assert self.browser.driver.get_cookie("lr_session") is None

    def when_i_sign_out(self) -> None:
        self.browser.click_button("Sign out", within=self.browser.element("header"))

    def then_i_see_the_sign_in_page(self) -> None:
        assert self.browser.path == "/sign-in", f"after signing out the person is at {self.browser.url}"
        assert self.browser.h1() == "Sign in"

    def when_i_open_a_page_that_does_not_exist(self) -> None:
        self.browser.visit(f"/no-such-page-{unique('')}")

    def when_i_open_that_review(self) -> None:
        self.browser.visit(f"/reviews/{self.review['id']}")

    def when_i_open_a_review_that_does_not_exist(self) -> None:
        self.not_found_of_a_real_review = (self.browser.h1(), self.browser.element("title").get_attribute("textContent"))
        self.browser.visit("/reviews/00000000-0000-4000-8000-000000000000")

    def then_i_see_page_not_found(self) -> None:
        assert self.browser.status() == 404, f"{self.browser.url} answered {self.browser.status()}"
        assert self.browser.h1() == "Page not found"
        self.browser.check_page_frame()

    def then_i_see_the_same_page_not_found(self) -> None:
        self.then_i_see_page_not_found()
        shown = (self.browser.h1(), self.browser.element("title").get_attribute("textContent"))
        assert shown == self.not_found_of_a_real_review

    def and_the_register_answers_404_to_my_session(self) -> None:
        response = requests.get(
            self.browser.url, cookies={"lr_session": self.browser.session_cookie()}, timeout=TIMEOUT, allow_redirects=False
        )
        assert response.status_code == 404, f"GET {self.browser.url} answered {response.status_code}"
        assert response.headers.get("Content-Type", "").startswith("text/html"), response.headers.get("Content-Type")
        assert "Page not found" in response.text
