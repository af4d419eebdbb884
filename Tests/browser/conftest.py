"""Shared set-up of the browser tests: a running register, and headless Chromium windows onto it.

The tests talk to a register that is already running, with the demo data loaded (they never start
one): REGISTER_URL, http://127.0.0.1:18080 unless set (where scripts/test serves it). Screenshots go
to SCREENSHOT_DIR (docs/screenshots unless set); what the browser showed when a test failed goes to
BROWSER_FAILURE_DIR (.local/browser-failures unless set).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from api_support import COORDINATOR, Api
from browser_support import AXE, REPO_ROOT, Browser, register_url, start_chromium


@pytest.fixture(scope="session")
def base_url() -> str:
    url = register_url()
    try:
        response = requests.get(f"{url}/sign-in", timeout=10, allow_redirects=False)
    except requests.RequestException as error:
        pytest.fail(f"no register answers at {url} ({error}): start one with the demo data, or set REGISTER_URL")
    if response.status_code != 200:
        pytest.fail(f"GET {url}/sign-in answered {response.status_code}: this register has no sign-in page")
    return url


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_browser(request: pytest.FixtureRequest, base_url: str) -> Iterator[Callable[[], Browser]]:
    """Opens another, independent browser (its own profile, its own cookies) each time it is called."""
    opened: list[Browser] = []

    def open_one() -> Browser:
        browser = Browser(start_chromium(), base_url, name=f"browser {len(opened) + 1}")
        opened.append(browser)
        return browser

    yield open_one

    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    folder = Path(os.environ.get("BROWSER_FAILURE_DIR", "").strip() or REPO_ROOT / ".local" / "browser-failures")
    for number, browser in enumerate(opened, 1):
        try:
            if failed:
                stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name) + f"-{number}"
                browser.keep_for_failure(folder, stem)
                print(f"{browser.name} was at {browser.url}; its screenshot and HTML: {folder / stem}.png/.html")
        finally:
            browser.quit()


@pytest.fixture
def browser(new_browser: Callable[[], Browser]) -> Browser:
    """A headless Chromium window, signed in as nobody."""
    return new_browser()


@pytest.fixture(scope="session")
def coordinator_api(base_url: str) -> Api:
    """The demo coordinator on the JSON API: to set things up and to check what the register holds."""
    return Api.sign_in(base_url, *COORDINATOR)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(AXE.summary())
