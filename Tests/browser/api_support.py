"""The JSON API and plain HTTP, for what the browser tests do behind the browser's back: playing a partner
organisation, setting up a review, and checking afterwards what the register holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import requests

from browser_support import origin_of

TIMEOUT = 30

# The demo sign-ins that `learning-register demo load` creates (README, "Demo data").
COORDINATOR = ("coordinator@example.org", "demo-coordinator-password")
POLICE_PARTNER = ("partner@example.org", "demo-partner-password")
HEALTH_PARTNER = ("health-partner@example.org", "demo-health-partner-password")

# The smallest file the register takes as a PDF: it recognises files by their first bytes.
PDF_BYTES = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def unique(prefix: str, length: int = 10) -> str:
    """A value no earlier run has used, so the tests can run again against the same database."""
    return f"{prefix}{uuid.uuid4().hex[:length]}"


def uk_today() -> date:
    """The register's today: it runs on UK time."""
    return datetime.now(ZoneInfo("Europe/London")).date()


def long_date(day: date) -> str:
    """A date as the pages show it: 31 March 2026."""
    return f"{day.day} {day:%B %Y}"


def session_cookie(base_url: str, email: str, password: str) -> str:
    """Signs in through the API and returns the lr_session cookie's value."""
    response = requests.post(f"{base_url}/api/v1/session", json={"email": email, "password": password}, timeout=TIMEOUT)
    assert response.status_code == 201, f"API sign-in of {email} answered {response.status_code}: {response.text}"
    cookie = response.cookies.get("lr_session")
    assert cookie, f"API sign-in of {email} set no lr_session cookie"
    return cookie


@dataclass
class Api:
    """One person on the JSON API, with a bearer token of their own (no Origin check applies to it)."""

    base_url: str
    email: str
    token: str

    @classmethod
    def sign_in(cls, base_url: str, email: str, password: str) -> Api:
        cookie = session_cookie(base_url, email, password)
        # A POST with the session cookie, so it says where it comes from, as a browser would.
        response = requests.post(
            f"{base_url}/api/v1/tokens",
            json={"name": unique("browser-tests-")},
            cookies={"lr_session": cookie},
            headers={"Origin": origin_of(base_url)},
            timeout=TIMEOUT,
        )
        assert response.status_code == 201, f"token for {email} answered {response.status_code}: {response.text}"
        return cls(base_url=base_url, email=email, token=response.json()["token"])

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.base_url + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.request("GET", path, **kwargs)
        assert response.status_code == 200, f"GET {path} as {self.email} answered {response.status_code}: {response.text}"
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.request("POST", path, json=body)
        assert response.status_code == 201, f"POST {path} as {self.email} answered {response.status_code}: {response.text}"
        return response.json()

    def every(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """All the items of a paged list."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.get(path, params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})})
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    # ------------------------------------------------------------------------------- what the register holds

    def me(self) -> dict[str, Any]:
        return self.get("/api/v1/me")

    def organisation(self) -> dict[str, Any]:
        """A partner user's own organisation (the only one a partner user is shown)."""
        partner_id = self.me()["partner_id"]
        assert partner_id, f"{self.email} belongs to no partner organisation"
        return self.get(f"/api/v1/partners/{partner_id}")

    def review_with_reference(self, reference: str) -> dict[str, Any] | None:
        matches = [r for r in self.every("/api/v1/reviews") if r["reference"] == reference]
        assert len(matches) <= 1, f"{len(matches)} reviews have the reference {reference!r}"
        return matches[0] if matches else None

    def review(self, review_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/reviews/{review_id}")

    def recommendation(self, recommendation_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/recommendations/{recommendation_id}")

    def first_board(self) -> dict[str, Any]:
        boards = self.get("/api/v1/boards")["items"]
        assert boards, "the register has no board: is the demo data loaded?"
        return boards[0]

    def record_review(self, title: str) -> dict[str, Any]:
        """A local child safeguarding practice review with a reference of its own."""
        body = {
            "reference": unique("BT-"),
            "title": title,
            "kind": "lcspr",
            "board_id": self.first_board()["id"],
            "regime": "wt2018",
        }
        return self.post("/api/v1/reviews", body)

    def my_assignment(self, recommendation_id: str) -> dict[str, Any]:
        """This partner user's organisation's assignment on the recommendation."""
        partner_id = self.me()["partner_id"]
        items = self.get("/api/v1/assignments", params={"recommendation": recommendation_id})["items"]
        mine = [a for a in items if a["partner_id"] == partner_id]
        assert len(mine) == 1, f"{self.email} sees {len(mine)} assignments of their own on {recommendation_id}: {items}"
        return mine[0]

    def submit_evidence(
        self, assignment_id: str, *, summary: str, kind: str, file_name: str, content: bytes, content_type: str
    ) -> dict[str, Any]:
        fields = {"summary": summary, "kind": kind, "effective_date": uk_today().replace(day=1).isoformat()}
        parts: list[tuple[str, tuple[str | None, Any, str]]] = [
            (name, (None, value, "text/plain; charset=utf-8")) for name, value in fields.items()
        ]
        parts.append(("files", (file_name, content, content_type)))
        path = f"/api/v1/assignments/{assignment_id}/evidence"
        response = self.request("POST", path, files=parts, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code == 201, f"POST {path} as {self.email} answered {response.status_code}: {response.text}"
        return response.json()


# ------------------------------------------------------------------------------------------- plain HTML forms


class _FormReader(HTMLParser):
    """The forms of a page, and what a browser would send from each if nothing were changed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict[str, str | None] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": [], "options": {}})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" if "selected" in a else None, "text": ""}
        elif tag == "textarea" and name:
            self._textarea = name
            fields.append((name, ""))

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] = (self._option["text"] or "") + data
        elif self._textarea is not None and self.forms:
            name, value = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value = self._option["value"] if self._option["value"] is not None else (self._option["text"] or "").strip()
            if self._select_first is None:
                self._select_first = value
            text = " ".join((self._option["text"] or "").split())
            self.forms[-1]["options"].setdefault(self._select, []).append((value, text))
            if self._option["selected"] and not self._select_chosen:
                self.forms[-1]["fields"].append((self._select, value))
                self._select_chosen = True
            self._option = None
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.forms[-1]["fields"].append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class Form:
    """A form as the page gives it: what it would send untouched (one value for each name), and the
    options of each select as (value, words)."""

    values: dict[str, str]
    options: dict[str, list[tuple[str, str]]]

    def option_value(self, name: str, words: str) -> str:
        """The value sent when the option of select `name` with these words is chosen."""
        for value, text in self.options.get(name, []):
            if text == words:
                return value
        raise AssertionError(f"the select {name!r} has no option {words!r}: {self.options.get(name)}")


def read_form(html: str, page_url: str, action_path: str) -> Form:
    """The page's POST form to `action_path`."""
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        action = urlsplit(urljoin(page_url, form["action"] or page_url)).path
        if form["method"] == "post" and action == action_path:
            return Form(values=dict(form["fields"]), options=form["options"])
    raise AssertionError(f"{page_url} has no POST form to {action_path}; it has {[(f['method'], f['action']) for f in reader.forms]}")
