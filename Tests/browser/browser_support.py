"""A person's browser for the browser tests: Debian's Chromium, headless, driven by Selenium.

Everything is found as a person finds it: a field by the text of its label, a button or a link by its
words. Each page of the register that a test reaches is checked with axe (axe-selenium-python), and a
serious or critical finding fails the test.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from axe_core_python.base import AXE_FILE_PATH
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1280, 1000
SCREENSHOT_WIDTHS = (1280, 390)
WAIT = 15  # seconds a page may take to arrive after a click
REPO_ROOT = Path(__file__).resolve().parents[2]
BLOCKING_IMPACTS = ("serious", "critical")


def register_url() -> str:
    return (os.environ.get("REGISTER_URL", "").strip() or "http://127.0.0.1:18080").rstrip("/")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def normalized(text: str | None) -> str:
    """Text as a person reads it: runs of white space are one space, none at either end."""
    return " ".join((text or "").split())


def xpath_literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal, whatever quotes it holds."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", "").strip() or REPO_ROOT / "docs" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_chromium() -> WebDriver:
    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    # The performance log carries each page's HTTP status (Network.responseReceived), which WebDriver
    # itself never tells.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # The driver is named, so Selenium Manager never looks for (or downloads) another.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_window_size(WIDTH, HEIGHT)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


@dataclass
class AxeLedger:
    """What the accessibility checks of the whole run saw, for the closing summary line."""

    pages: set[str] = field(default_factory=set)
    violations: int = 0

    def summary(self) -> str:
        return f"axe: {len(self.pages)} pages checked, {self.violations} serious or critical violations"


AXE = AxeLedger()


def axe_report(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} serious or critical violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')} <{violation.get('helpUrl')}>")
        for node in violation.get("nodes", []):
            lines.append(f"    {', '.join(map(str, node.get('target', [])))}: {node.get('html', '')[:300]}")
            summary = normalized(node.get("failureSummary"))
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


# The words of each element, twice: all of them, and those a sighted person sees (without the parts kept
# for screen readers, like the " of this review" of "Change details of this review").
WORDS_JS = """
return arguments[0].map(function (element) {
    var all = element.tagName === 'INPUT' ? (element.value || '') : element.textContent;
    var copy = element.cloneNode(true);
    copy.querySelectorAll('[class*="visually-hidden"]').forEach(function (e) { e.remove(); });
    var seen = element.tagName === 'INPUT' ? (element.value || '') : copy.textContent;
    return [all.replace(/\\s+/g, ' ').trim(), seen.replace(/\\s+/g, ' ').trim()];
});
"""

LINKS = ".//a"
BUTTONS = ".//button | .//input[@type='submit' or @type='button']"
LABELS = ".//label"


def blocking_violations(driver: WebDriver) -> list[dict]:
    """axe-core's serious and critical violations on the page on show.

    axe-selenium-python runs it, with the axe-core 4 that axe-core-python carries: the axe-core 3.1 of
    axe-selenium-python 2 (its newest for Python 3.11) wrongly finds autocomplete="username" on an
    e-mail field "inappropriate".
    """
    axe = Axe(driver, script_url=str(AXE_FILE_PATH))
    axe.inject()
    results = axe.run()
    return [v for v in results.get("violations", []) if v.get("impact") in BLOCKING_IMPACTS]


class Browser:
    """One person's browser window on the register."""

    def __init__(self, driver: WebDriver, base_url: str, name: str = "browser") -> None:
        self.driver = driver
        self.base_url = base_url
        self.name = name
        self._document_status: int | None = None
        self._document_url: str | None = None

    # ----------------------------------------------------------------------------------- going places

    def visit(self, path_or_url: str) -> None:
        url = path_or_url if urlsplit(path_or_url).scheme else self.base_url + path_or_url
        self.driver.get(url)
        self._arrived()

    @property
    def url(self) -> str:
        return self.driver.current_url

    @property
    def path(self) -> str:
        return urlsplit(self.driver.current_url).path

    @property
    def query(self) -> str:
        return urlsplit(self.driver.current_url).query

    def on_register(self) -> bool:
        return origin_of(self.driver.current_url) == origin_of(self.base_url)

    def status(self) -> int | None:
        """The HTTP status of the page on show (after any redirects), from Chromium's network log."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.responseReceived":
                continue
            params = message.get("params", {})
            if params.get("type") != "Document":
                continue
            self._document_status = params["response"]["status"]
            self._document_url = params["response"]["url"]
        current = urldefrag(self.driver.current_url).url
        if self._document_url is not None and urldefrag(self._document_url).url != current:
            raise AssertionError(f"the network log's last page is {self._document_url}, but the browser shows {current}")
        return self._document_status

    def _arrived(self) -> None:
        """A new page is on show: wait until it has loaded, then check it for accessibility."""
        WebDriverWait(self.driver, WAIT).until(self._loaded)
        if self.on_register():
            self.check_accessibility()

    # ----------------------------------------------------------------------------------- reading

    def element(self, css: str, within: WebElement | None = None) -> WebElement:
        try:
            return (within or self.driver).find_element(By.CSS_SELECTOR, css)
        except NoSuchElementException:
            raise AssertionError(f"no {css!r} on {self.url} (h1: {self.h1_or_none()!r})") from None

    def elements(self, css: str, within: WebElement | None = None) -> list[WebElement]:
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def h1_or_none(self) -> str | None:
        found = self.driver.find_elements(By.TAG_NAME, "h1")
        return normalized(found[0].text) if found else None

    def h1(self) -> str:
        found = self.driver.find_elements(By.TAG_NAME, "h1")
        assert len(found) == 1, f"{self.url} has {len(found)} h1 elements, not one"
        return normalized(found[0].text)

    def text(self, within: WebElement | None = None) -> str:
        return normalized((within or self.element("body")).text)

    def texts(self, css: str, within: WebElement | None = None) -> list[str]:
        return [normalized(e.text) for e in self.elements(css, within)]

    def check_page_frame(self, signed_in_as: str | None = None) -> None:
        """What every page has: its language, a skip link to the main content, the service name linking
        home, and, for a signed-in person, their name and a "Sign out" button."""
        assert self.element("html").get_attribute("lang") == "en", "the page's <html> needs lang=\"en\""
        skip = self.driver.find_elements(By.XPATH, "//a[normalize-space()='Skip to main content']")
        assert skip and (skip[0].get_attribute("href") or "").endswith("#main-content"), "no skip link to #main-content"
        assert self.driver.find_elements(By.ID, "main-content"), "no element with id main-content"
        header = self.element("header")
        home = header.find_elements(By.XPATH, ".//a[normalize-space()='Learning Register']")
        assert home and urlsplit(home[0].get_attribute("href") or "").path == "/", "the header's service name must link to /"
        if signed_in_as is not None:
            assert signed_in_as in self.text(header), f"the header does not name {signed_in_as!r}: {self.text(header)!r}"
            assert header.find_elements(By.XPATH, ".//button[normalize-space()='Sign out']"), "no Sign out button in the header"

    def banner(self) -> str:
        """The success banner's words (it must say them politely, with role="status")."""
        banners = self.elements(".lr-notification-banner--success")
        assert banners, f"no success banner on {self.url} (h1: {self.h1_or_none()!r}; page: {self.text()[:500]!r})"
        assert len(banners) == 1, f"{len(banners)} success banners on {self.url}"
        assert banners[0].get_attribute("role") == "status", "the success banner needs role=\"status\""
        return self.text(banners[0])

    def error_summary(self) -> str:
        """The error summary's words; each of its links must lead to an element of the page."""
        summaries = self.elements(".lr-error-summary")
        assert summaries, f"no error summary on {self.url} (h1: {self.h1_or_none()!r}; page: {self.text()[:500]!r})"
        summary = summaries[0]
        assert "There is a problem" in self.text(summary), f"the error summary lacks its title: {self.text(summary)!r}"
        for link in self.elements("a", summary):
            target = link.get_attribute("href") or ""
            fragment = urlsplit(target).fragment
            assert fragment, f"the error summary's link {link.text!r} goes to {target!r}, not to a field"
            assert self.driver.find_elements(By.ID, fragment), f"the error summary's link {link.text!r} goes to #{fragment}, which is not on the page"
        return self.text(summary)

    def after_heading(self, heading: str, tag: str) -> WebElement:
        """The first <tag> that follows the h2 with these words (a summary list under its heading, say)."""
        headings = self.driver.find_elements(By.XPATH, f"//h2[normalize-space()={xpath_literal(heading)}]")
        assert headings, f"no h2 {heading!r} on {self.url}; the h2s are {[normalized(h.text) for h in self.driver.find_elements(By.TAG_NAME, 'h2')]}"
        found = headings[0].find_elements(By.XPATH, f"following::{tag}[1]")
        assert found, f"no <{tag}> follows the h2 {heading!r} on {self.url}"
        return found[0]

    def session_cookie(self) -> str:
        cookie = self.driver.get_cookie("lr_session")
        assert cookie, f"the browser holds no lr_session cookie (at {self.url})"
        return cookie["value"]

    # ----------------------------------------------------------------------------------- finding by words

    def named(self, xpath: str, words: str, within: WebElement | None = None) -> list[WebElement]:
        """The elements (of `xpath`, under `within`) whose words are exactly `words`, white space aside: all
        their words, or the words a sighted person sees."""
        candidates = (within or self.driver).find_elements(By.XPATH, xpath)
        if not candidates:
            return []
        texts = self.driver.execute_script(WORDS_JS, candidates)
        return [element for element, (every, seen) in zip(candidates, texts) if words in (every, seen)]

    def words_of(self, xpath: str, within: WebElement | None = None) -> list[str]:
        candidates = (within or self.driver).find_elements(By.XPATH, xpath)
        return [seen for _, seen in self.driver.execute_script(WORDS_JS, candidates)] if candidates else []

    # ----------------------------------------------------------------------------------- forms

    def labels(self, within: WebElement | None = None) -> list[str]:
        return self.words_of(LABELS, within)

    def field(self, label: str, within: WebElement | None = None) -> WebElement:
        """The form control whose <label> reads exactly `label` (white space aside), through its `for`."""
        found = self.named(LABELS, label, within)
        assert found, f"no label {label!r} on {self.url}; the labels are {self.labels(within)}"
        assert len(found) == 1, f"{len(found)} labels read {label!r} on {self.url}: say which part of the page"
        return self._control_of(found[0], label)

    def _control_of(self, label_element: WebElement, label: str) -> WebElement:
        control_id = label_element.get_attribute("for")
        assert control_id, f"the label {label!r} has no `for`"
        controls = self.driver.find_elements(By.ID, control_id)
        assert len(controls) == 1, f"the label {label!r} is for #{control_id}, which {len(controls)} elements have as id"
        return controls[0]

    def group(self, legend: str, within: WebElement | None = None) -> WebElement:
        """The fieldset whose legend reads `legend` (a set of radios or checkboxes)."""
        found = [f for f in (within or self.driver).find_elements(By.TAG_NAME, "fieldset")
                 if self.named("./legend", legend, f)]
        assert len(found) == 1, f"{len(found)} fieldsets have the legend {legend!r} on {self.url}"
        return found[0]

    def tick_the_one_mentioning(self, words: str, within: WebElement) -> None:
        """Ticks the one checkbox (or radio) of `within` whose label mentions `words`."""
        found = [label for label, text in zip(within.find_elements(By.XPATH, LABELS), self.labels(within)) if words in text]
        assert len(found) == 1, f"{len(found)} labels mention {words!r}; the labels are {self.labels(within)}"
        control = self._control_of(found[0], words)
        if not control.is_selected():
            self._click(control)
        assert control.is_selected(), f"the box of {words!r} did not take the tick"

    def fill(self, label: str, value: str, within: WebElement | None = None) -> None:
        control = self.field(label, within)
        assert control.tag_name in ("input", "textarea"), f"{label!r} is a <{control.tag_name}>, not a text field"
        control.clear()
        control.send_keys(value)

    def value(self, label: str, within: WebElement | None = None) -> str:
        return self.field(label, within).get_attribute("value") or ""

    def tick(self, label: str, within: WebElement | None = None) -> None:
        """Ticks a checkbox, or picks a radio, by its label."""
        control = self.field(label, within)
        kind = control.get_attribute("type")
        assert kind in ("checkbox", "radio"), f"{label!r} is an input of type {kind!r}, not a checkbox or radio"
        if not control.is_selected():
            self._click(control)
        assert control.is_selected(), f"{label!r} did not take the tick"

    def choose(self, label: str, option: str, within: WebElement | None = None) -> None:
        """Chooses the option of a <select> by its visible words."""
        control = self.field(label, within)
        assert control.tag_name == "select", f"{label!r} is a <{control.tag_name}>, not a select"
        select = Select(control)
        options = [normalized(o.text) for o in select.options]
        assert option in options, f"{label!r} offers no {option!r}; it offers {options}"
        select.select_by_visible_text(option)

    def choose_value(self, label: str, value: str, within: WebElement | None = None) -> None:
        """Chooses the option of a <select> that sends `value` (for options whose words are not agreed)."""
        control = self.field(label, within)
        select = Select(control)
        values = [o.get_attribute("value") for o in select.options]
        assert value in values, f"{label!r} offers no option with value {value!r}; it offers {values}"
        select.select_by_value(value)

    def options(self, label: str, within: WebElement | None = None) -> list[str]:
        return [normalized(o.text) for o in Select(self.field(label, within)).options]

    def hidden_value(self, name: str, within: WebElement | None = None) -> str:
        found = self.elements(f"input[type=hidden][name={name}]", within)
        assert found, f"no hidden {name!r} input on {self.url}"
        return found[0].get_attribute("value") or ""

    def click_button(self, words: str, within: WebElement | None = None, navigates: bool = True) -> None:
        """Presses the button with these words and, unless told otherwise, waits for the page it brings."""
        found = self.named(BUTTONS, words, within)
        assert found, f"no button {words!r} on {self.url}; the buttons are {self.words_of(BUTTONS, within)}"
        assert len(found) == 1, f"{len(found)} buttons read {words!r} on {self.url}: say which part of the page"
        self._press(found[0], navigates)

    def click_link(self, words: str, within: WebElement | None = None) -> None:
        found = self.named(LINKS, words, within)
        assert found, f"no link {words!r} on {self.url}; the links are {self.words_of(LINKS, within)}"
        assert len({a.get_attribute("href") for a in found}) == 1, f"{len(found)} links read {words!r} on {self.url} and go to different places"
        self._press(found[0], True)

    def link_href(self, words: str, within: WebElement | None = None) -> str:
        found = self.named(LINKS, words, within)
        assert found, f"no link {words!r} on {self.url}; the links are {self.words_of(LINKS, within)}"
        return found[0].get_attribute("href") or ""

    def _click(self, element: WebElement) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def _press(self, element: WebElement, navigates: bool) -> None:
        if navigates:
            # A mark on the page on show: the next page has none.
            self.driver.execute_script("window.__learningRegisterOldPage = true")
        self._click(element)
        if not navigates:
            return
        try:
            WebDriverWait(self.driver, WAIT).until(lambda d: self._loaded(d, "window.__learningRegisterOldPage !== true"))
        except TimeoutException:
            invalid = self.driver.execute_script(
                "return Array.from(document.querySelectorAll(':invalid')).map(e => e.name || e.id)"
            )
            raise AssertionError(
                f"no new page came within {WAIT} s of pressing {normalized(element.text)!r} on {self.url}"
                + (f" (the browser holds back fields it finds invalid: {invalid})" if invalid else "")
            ) from None
        self._arrived()

    def wait_for_new_page(self) -> None:
        """Waits for the page an action of the test's own brings (it marked the old page first, with
        `window.__learningRegisterOldPage = true`), then checks it as every page is checked."""
        WebDriverWait(self.driver, WAIT).until(lambda d: self._loaded(d, "window.__learningRegisterOldPage !== true"))
        self._arrived()

    @staticmethod
    def _loaded(driver: WebDriver, condition: str = "true") -> bool:
        """Whether the page has loaded (and `condition` holds); a page still being replaced says no."""
        try:
            return bool(driver.execute_script(f"return document.readyState === 'complete' && ({condition})"))
        except WebDriverException:
            return False

    # ----------------------------------------------------------------------------------- checks

    def check_accessibility(self) -> None:
        """axe on the page on show: any serious or critical violation fails the test."""
        url = urldefrag(self.driver.current_url).url
        blocking = blocking_violations(self.driver)
        AXE.pages.add(url)
        if blocking:
            AXE.violations += len(blocking)
            report = axe_report(url, blocking)
            print(report)
            raise AssertionError(report)

    def screenshot(self, name: str) -> list[Path]:
        """`name-1280.png` and `name-390.png` of the whole page (the window made as tall as the page)."""
        folder = screenshot_dir()
        written = []
        try:
            for width in SCREENSHOT_WIDTHS:
                self.driver.set_window_size(width, HEIGHT)
                chrome = self.driver.execute_script("return window.outerHeight - window.innerHeight")
                height = self.driver.execute_script(
                    "return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)"
                )
                self.driver.set_window_size(width, max(HEIGHT, height + chrome))
                self.driver.execute_script("window.scrollTo(0, 0)")
                path = folder / f"{name}-{width}.png"
                assert self.driver.save_screenshot(str(path)), f"no screenshot written to {path}"
                written.append(path)
        finally:
            self.driver.set_window_size(WIDTH, HEIGHT)
        return written

    def keep_for_failure(self, folder: Path, stem: str) -> None:
        """What the browser showed when a test failed: a screenshot and the page's HTML."""
        folder.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(folder / f"{stem}.png"))
        (folder / f"{stem}.html").write_text(f"<!-- {self.url} -->\n{self.driver.page_source}", encoding="utf-8")

    def quit(self) -> None:
        self.driver.quit()


def sign_in(browser: Browser, email: str, password: str) -> None:
    """Signs in through the sign-in form, as a person does."""
    browser.visit("/sign-in")
    assert browser.h1() == "Sign in", f"the sign-in page's h1 is {browser.h1()!r}"
    browser.fill("Email address", email)
    browser.fill("Password", password)
    browser.click_button("Sign in")
    assert browser.path != "/sign-in", f"{email} is still on the sign-in page: {browser.text()[:300]!r}"
