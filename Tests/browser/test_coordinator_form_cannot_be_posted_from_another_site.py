"""A signed-in coordinator's forms can be sent only from the register's own pages: a form on another
site, or a request that says it comes from one, or one without the form's csrf_token, is refused with
403 and changes nothing."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

from api_support import COORDINATOR, TIMEOUT, Api, Form, read_form, session_cookie, unique
from browser_support import Browser, origin_of, sign_in

NEW_REVIEW = "/reviews/new"
LCSPR = "Local child safeguarding practice review"


def test_a_review_form_sent_with_another_sites_origin_is_refused(base_url: str, coordinator_api: Api) -> None:
    story = PostedByHand(base_url, coordinator_api)
    story.given_i_am_signed_in_as_the_coordinator()
    story.and_i_have_filled_in_the_record_a_review_form()
    story.when_it_is_sent_saying_it_comes_from("http://evil.example")
    story.then_the_register_refuses_it()
    story.and_no_review_was_recorded()


def test_a_review_form_without_the_right_csrf_token_is_refused(base_url: str, coordinator_api: Api) -> None:
    story = PostedByHand(base_url, coordinator_api)
    story.given_i_am_signed_in_as_the_coordinator()
    story.and_i_have_filled_in_the_record_a_review_form()
    story.when_it_is_sent_from_the_register_with_the_csrf_token("not-the-token")
    story.then_the_register_refuses_it()
    story.when_it_is_sent_from_the_register_with_the_csrf_token(None)
    story.then_the_register_refuses_it()
    story.and_no_review_was_recorded()
    # The same form, as the register's own page sends it, is taken: the refusals were for the token.
    story.when_it_is_sent_from_the_register_as_it_is()
    story.then_the_review_is_recorded()


def test_a_form_on_another_site_cannot_record_a_review(browser: Browser, base_url: str, coordinator_api: Api) -> None:
    story = FormOnAnotherSite(browser, base_url, coordinator_api)
    story.given_i_am_signed_in_as_the_coordinator_in_my_browser()
    story.and_another_site_has_a_page_with_a_record_a_review_form()
    with story.that_site_running():
        story.when_i_open_that_page_and_press_its_button()
        story.then_the_register_refuses_it()
    story.and_no_review_was_recorded()


class PostedByHand:
    """Requests sent by hand with the coordinator's session cookie."""

    def __init__(self, base_url: str, coordinator_api: Api) -> None:
        self.base_url = base_url
        self.api = coordinator_api
        self.reference = unique("BT-")

    def given_i_am_signed_in_as_the_coordinator(self) -> None:
        self.cookie = session_cookie(self.base_url, *COORDINATOR)

    def and_i_have_filled_in_the_record_a_review_form(self) -> None:
        response = requests.get(self.base_url + NEW_REVIEW, cookies={"lr_session": self.cookie}, timeout=TIMEOUT, allow_redirects=False)
        assert response.status_code == 200, f"GET {NEW_REVIEW} answered {response.status_code}"
        self.form = fill_in(read_form(response.text, response.url, NEW_REVIEW), self.reference)
        assert self.form.get("csrf_token"), "the Record a review form carries no csrf_token"

    def when_it_is_sent_saying_it_comes_from(self, origin: str) -> None:
        self.response = self.post(self.form, origin)

    def when_it_is_sent_from_the_register_with_the_csrf_token(self, token: str | None) -> None:
        form = {k: v for k, v in self.form.items() if k != "csrf_token"}
        if token is not None:
            form["csrf_token"] = token
        self.response = self.post(form, origin_of(self.base_url))

    def when_it_is_sent_from_the_register_as_it_is(self) -> None:
        self.response = self.post(self.form, origin_of(self.base_url))

    def then_the_register_refuses_it(self) -> None:
        assert self.response.status_code == 403, f"answered {self.response.status_code}: {self.response.text[:500]}"

    def and_no_review_was_recorded(self) -> None:
        assert self.api.review_with_reference(self.reference) is None

    def then_the_review_is_recorded(self) -> None:
        assert self.response.status_code == 303, f"answered {self.response.status_code}: {self.response.text[:500]}"
        review = self.api.review_with_reference(self.reference)
        assert review is not None
        assert urlsplit(self.response.headers["Location"]).path.lower() == f"/reviews/{review['id']}".lower()

    def post(self, form: dict[str, str], origin: str) -> requests.Response:
        return requests.post(
            self.base_url + NEW_REVIEW,
            data=form,
            cookies={"lr_session": self.cookie},
            headers={"Origin": origin},
            timeout=TIMEOUT,
            allow_redirects=False,
        )


class FormOnAnotherSite:
    """A page on another port of the same machine: another origin, but the same site, so the browser
    does send the register's SameSite=Lax session cookie with the form, and only the register's own
    check of where the form came from stands in the way."""

    def __init__(self, browser: Browser, base_url: str, coordinator_api: Api) -> None:
        self.browser = browser
        self.base_url = base_url
        self.api = coordinator_api
        self.reference = unique("BT-")

    def given_i_am_signed_in_as_the_coordinator_in_my_browser(self) -> None:
        sign_in(self.browser, *COORDINATOR)

    def and_another_site_has_a_page_with_a_record_a_review_form(self) -> None:
        # The page even carries the coordinator's own csrf_token (read here from their form), so that
        # what refuses it is the check of where the form was sent from.
        self.browser.visit(NEW_REVIEW)
        form = fill_in(read_form(self.browser.driver.page_source, self.browser.url, NEW_REVIEW), self.reference)
        inputs = "\n".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">' for name, value in form.items()
        )
        self.page = (
            '<!doctype html><html lang="en"><head><title>Win a prize</title></head><body><main><h1>Win a prize</h1>'
            f'<form method="post" action="{html.escape(self.base_url + NEW_REVIEW)}">{inputs}'
            '<button type="submit">Claim your prize</button></form></main></body></html>'
        ).encode()

    @contextmanager
    def that_site_running(self) -> Iterator[None]:
        page = self.page

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        host = urlsplit(self.base_url).hostname
        # The register's own host name, another port: same site, another origin.
        self.site = f"http://{host if host in ('127.0.0.1', 'localhost') else '127.0.0.1'}:{server.server_address[1]}"
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)

    def when_i_open_that_page_and_press_its_button(self) -> None:
        self.browser.visit(self.site + "/")
        assert self.browser.h1() == "Win a prize"
        self.browser.click_button("Claim your prize")
        assert self.browser.on_register(), f"the form led to {self.browser.url}"

    def then_the_register_refuses_it(self) -> None:
        assert self.browser.status() == 403, f"the register answered {self.browser.status()}: {self.browser.text()[:300]!r}"

    def and_no_review_was_recorded(self) -> None:
        assert self.api.review_with_reference(self.reference) is None


def fill_in(form: Form, reference: str) -> dict[str, str]:
    """The Record a review form as a coordinator would fill it in (board: its first option)."""
    values = dict(form.values)
    values.update(
        reference=reference,
        title=f"Review sent from elsewhere {reference}",
        kind=form.option_value("kind", LCSPR),
        regime="wt2018",
    )
    return values
