"""The browser tests' own tools, on pages made here (no register needed): that a field is found by its
label, and that the accessibility check does catch a serious violation (so its "0" means something)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import struct
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from browser_support import Browser, blocking_violations, start_chromium

GOOD_PAGE = """<!doctype html><html lang="en"><head><title>Helpers</title></head><body>
<main id="main-content"><h1>Helpers</h1>
<form method="post" action="/nowhere">
  <label for="f-title">Title</label> <input id="f-title" name="title" type="text">
  <label for="f-kind">Kind of
     review</label>
  <select id="f-kind" name="kind"><option value="scr">Serious case review</option><option value="rapid_review">Rapid review</option></select>
  <fieldset><legend>Role</legend>
    <input id="f-lead" type="radio" name="role" value="lead"><label for="f-lead">Lead</label>
    <input id="f-supporting" type="radio" name="role" value="supporting"><label for="f-supporting">Supporting</label>
  </fieldset>
  <label for="f-lead-officer">Lead officer</label> <input id="f-lead-officer" name="lead_officer" type="text">
  <fieldset><legend>Findings it answers</legend>
    <input id="f-1" type="checkbox" name="finding_ids" value="1"><label for="f-1">Finding 1: Records were not shared.</label>
    <input id="f-2" type="checkbox" name="finding_ids" value="2"><label for="f-2">Finding 2: Nobody asked.</label>
  </fieldset>
  <button type="submit">Save</button>
</form>
<p><a href="#details">Change details<span class="lr-visually-hidden"> of this review</span></a></p>
%s
</main></body></html>"""

# An image without a text alternative and a form control without a label: serious or critical in axe-core.
BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10"><input type="text" name="nameless">
</main></body></html>"""


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk comes first)."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def data_url(html: str) -> str:
    return "data:text/html;charset=utf-8," + quote(html)


@pytest.fixture
def chromium() -> Iterator[Browser]:
    browser = Browser(start_chromium(), "http://127.0.0.1:9")
    yield browser
    browser.quit()


def test_fields_are_found_by_their_labels(chromium: Browser) -> None:
    chromium.visit(data_url(GOOD_PAGE % ""))
    chromium.fill("Title", "A review")
    chromium.choose("Kind of review", "Rapid review")
    chromium.tick("Lead")
    chromium.fill("Lead officer", "DI Smith")
    assert chromium.value("Title") == "A review"
    assert chromium.field("Kind of review").get_attribute("value") == "rapid_review"
    assert chromium.field("Lead").is_selected() and not chromium.field("Supporting").is_selected()
    assert chromium.value("Lead officer") == "DI Smith"
    with pytest.raises(AssertionError, match="no label 'Reason'"):
        chromium.field("Reason")
    chromium.tick_the_one_mentioning("Nobody asked.", within=chromium.group("Findings it answers"))
    assert chromium.field("Finding 2: Nobody asked.").is_selected()
    assert not chromium.field("Finding 1: Records were not shared.").is_selected()


def test_links_are_found_by_the_words_people_see_or_hear(chromium: Browser) -> None:
    chromium.visit(data_url(GOOD_PAGE % ""))
    assert chromium.link_href("Change details").endswith("#details")
    assert chromium.link_href("Change details of this review").endswith("#details")
    with pytest.raises(AssertionError, match="no link 'Change'"):
        chromium.link_href("Change")


def test_the_accessibility_check_catches_serious_violations(chromium: Browser) -> None:
    chromium.visit(data_url(GOOD_PAGE % '<input type="email" name="email" autocomplete="username" aria-label="Email">'))
    assert blocking_violations(chromium.driver) == []
    assert int(chromium.driver.execute_script("return axe.version").split(".")[0]) >= 4
    chromium.visit(data_url(BAD_PAGE))
    found = {v["id"] for v in blocking_violations(chromium.driver)}
    assert {"image-alt", "label"} <= found, found


def test_screenshots_are_as_wide_as_asked_and_as_tall_as_the_page(chromium: Browser, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SCREENSHOT_DIR", str(tmp_path))
    chromium.visit(data_url(GOOD_PAGE % ("<p>A long page.</p>" * 300)))
    written = chromium.screenshot("helpers")
    assert [p.name for p in written] == ["helpers-1280.png", "helpers-390.png"]
    for path, width in zip(written, (1280, 390)):
        size = png_size(path)
        assert size[0] == width and size[1] > 3000, (path.name, size)


@contextmanager
def tiny_site() -> Iterator[str]:
    """A site on a free port of 127.0.0.1: / has a form posting to /refuse, which answers 403; the rest 404."""
    form = b'<!doctype html><html lang="en"><title>Form</title><main><h1>Form</h1><form method="post" action="/refuse"><button>Send</button></form></main></html>'

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            self.answer(200, form) if self.path == "/" else self.answer(404, b"<h1>Page not found</h1>")

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.answer(403, b"<h1>Forbidden</h1>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_status_of_each_page_is_read_from_the_network_log(chromium: Browser) -> None:
    with tiny_site() as site:
        chromium.visit(site + "/")
        assert chromium.status() == 200
        chromium.click_button("Send")
        assert chromium.path == "/refuse" and chromium.h1() == "Forbidden"
        assert chromium.status() == 403
        chromium.visit(site + "/missing")
        assert chromium.status() == 404
