"""An admin gives a partner officer an account with a generated one-time password; the officer signs in
with it in their own browser; the admin deactivates the account, and the officer's very next page asks
them to sign in, where their password no longer works. Reactivated, they sign in again."""

from __future__ import annotations

from collections.abc import Callable

from api_support import unique
from browser_support import Browser, sign_in

ADMIN = ("admin@example.org", "demo-admin-password")
ORGANISATION = "Northvale Police (invented)"


def test_admin_creates_a_partner_user_and_deactivates_them(new_browser: Callable[[], Browser]) -> None:
    story = AdminManagesAccounts(new_browser)
    story.given_i_have_signed_in_as_the_admin()
    story.when_i_create_a_partner_user_with_a_generated_password()
    story.then_i_see_the_one_time_password_once()
    story.and_the_officer_signs_in_with_it_in_their_own_browser()
    story.when_i_deactivate_the_officers_account_after_checking()
    story.then_the_officers_next_page_asks_them_to_sign_in()
    story.and_their_password_no_longer_works()
    story.when_i_reactivate_the_account()
    story.then_the_officer_can_sign_in_again()


def test_admin_walks_the_admin_pages_and_their_own_account(browser: Browser) -> None:
    """Every page of the area once (each checked by axe), its mistakes explained, nothing changed but a token."""
    sign_in(browser, *ADMIN)
    assert browser.path == "/" and "Administration" in browser.texts("nav a")
    browser.screenshot("admin-home")
    browser.visit("/admin/users/new")
    browser.click_button("Create user")
    summary = browser.error_summary()
    for message in ("Enter their email address", "Enter their full name", "Choose their role"):
        assert message in summary, summary
    assert browser.status() == 422

    browser.visit("/admin")
    browser.click_link("Partner organisations")
    assert browser.h1() == "Partner organisations"
    browser.click_link(ORGANISATION)
    assert browser.h1() == ORGANISATION
    assert "Demo Partner (police)" in browser.text(browser.after_heading("People", "ul"))
    browser.click_link("Deactivate organisation")
    assert browser.h1() == "Are you sure you want to deactivate this organisation?"
    browser.click_link("Cancel", within=browser.element("main"))
    assert browser.h1() == ORGANISATION

    browser.visit("/admin/boards")
    assert browser.h1() == "Boards"
    browser.click_link("Coventry Local Safeguarding Children Board: change its settings")
    assert browser.group("What assures a recommendation")
    browser.screenshot("admin-board-settings")

    browser.click_link("My account", within=browser.element("nav"))
    assert browser.h1() == "My account"
    browser.click_link("Change your password")
    browser.fill("Current password", "not the admin's password")
    browser.fill("New password", "a brand new password")
    browser.fill("Confirm new password", "a brand new password")
    browser.click_button("Change password")
    assert "Your current password is wrong" in browser.error_summary()

    browser.visit("/account")
    name = unique("laptop ")
    browser.fill("Name of the token", name)
    browser.fill("Days it works", "7")
    browser.click_button("Create token")
    assert browser.h1() == "API token created"
    assert browser.text(browser.element("#api-token")).startswith("lr_")
    browser.click_link("Back to my account")
    browser.click_button(f"Revoke the token {name}")
    assert f"The API token “{name}” is revoked" in browser.banner()


class AdminManagesAccounts:
    def __init__(self, new_browser: Callable[[], Browser]) -> None:
        self.new_browser = new_browser
        self.admin = new_browser()
        self.name = f"Officer {unique('', 6)}"
        self.email = f"{unique('officer-')}@example.org"

    def given_i_have_signed_in_as_the_admin(self) -> None:
        sign_in(self.admin, *ADMIN)
        self.admin.check_page_frame(signed_in_as="Demo Admin")

    def when_i_create_a_partner_user_with_a_generated_password(self) -> None:
        self.admin.click_link("Administration", within=self.admin.element("nav"))
        assert self.admin.h1() == "Administration"
        self.admin.click_link("Users")
        assert self.admin.h1() == "Users"
        self.admin.click_link("Create a user")
        assert self.admin.h1() == "Create a user"
        self.admin.fill("Email address", self.email)
        self.admin.fill("Full name", self.name)
        self.admin.tick_the_one_mentioning("Partner organisation user", within=self.admin.group("Role"))
        self.admin.choose("Partner organisation", ORGANISATION)
        self.admin.tick_the_one_mentioning("Generate a one-time password", within=self.admin.group("Password"))
        self.admin.click_button("Create user")

    def then_i_see_the_one_time_password_once(self) -> None:
        assert self.admin.h1() == "Account created", f"after creating the user the admin sees {self.admin.h1_or_none()!r}"
        self.password = self.admin.text(self.admin.element("#one-time-password"))
        assert len(self.password) >= 12, f"the one-time password {self.password!r} is too short"
        assert "shown only once" in self.admin.text()
        self.admin.screenshot("admin-account-created")
        # The account's page, and the list, never show it again.
        self.admin.click_link(f"See the account of {self.name}")
        assert self.admin.h1() == self.name
        assert self.password not in self.admin.driver.page_source
        rows = self.admin.text(self.admin.element("dl"))
        assert "Partner organisation user" in rows and ORGANISATION in rows, rows
        self.account_url = self.admin.url

    def and_the_officer_signs_in_with_it_in_their_own_browser(self) -> None:
        self.officer = self.new_browser()
        sign_in(self.officer, self.email, self.password)
        assert self.officer.path == "/", f"after signing in the officer is at {self.officer.url}"
        self.officer.check_page_frame(signed_in_as=self.name)
        self.officer.click_link("My account", within=self.officer.element("nav"))
        assert self.officer.h1() == "My account"
        assert ORGANISATION in self.officer.text()

    def when_i_deactivate_the_officers_account_after_checking(self) -> None:
        self.admin.visit(self.account_url)
        self.admin.click_link("Deactivate account")
        assert self.admin.h1() == "Are you sure you want to deactivate this account?"
        assert "1 session will end" in self.admin.text(), self.admin.text()[:600]
        self.admin.click_button("Deactivate account")
        banner = self.admin.banner()
        assert f"{self.name}'s account is deactivated: 1 session ended" in banner, banner
        assert "Deactivated" in self.admin.text()

    def then_the_officers_next_page_asks_them_to_sign_in(self) -> None:
        self.officer.visit("/")
        assert self.officer.path == "/sign-in", f"a deactivated officer opening / is at {self.officer.url}"
        assert self.officer.h1() == "Sign in"

    def and_their_password_no_longer_works(self) -> None:
        self.officer.fill("Email address", self.email)
        self.officer.fill("Password", self.password)
        self.officer.click_button("Sign in")
        assert self.officer.path == "/sign-in"
        assert "The email address or password is wrong" in self.officer.error_summary()

    def when_i_reactivate_the_account(self) -> None:
        self.admin.click_button("Reactivate account")
        assert "active again" in self.admin.banner()

    def then_the_officer_can_sign_in_again(self) -> None:
        sign_in(self.officer, self.email, self.password)
        assert self.officer.path == "/"
