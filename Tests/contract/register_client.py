"""A small client for the register under test, shared by the contract tests."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 30
REPO_ROOT = Path(__file__).resolve().parents[2]
OPENAPI_FILE = REPO_ROOT / "Sources" / "RegisterServer" / "Resources" / "openapi.yaml"


def register_url() -> str | None:
    value = os.environ.get("REGISTER_URL", "").strip()
    return value.rstrip("/") or None


def unique(prefix: str, length: int = 12) -> str:
    """A value no earlier run has used, so the tests can run again against the same database."""
    return f"{prefix}{uuid.uuid4().hex[:length]}"


@dataclass
class Api:
    """A small client that signs every request with the contract token (never the session cookie)."""

    base_url: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        merged = {**self.headers, **(headers or {})}
        return requests.request(method, self.url(path), headers=merged, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POSTs `body` and returns the created record, failing the test with the problem otherwise."""
        response = self.post(path, json=body)
        assert response.status_code == 201, f"POST {path} answered {response.status_code}: {response.text}"
        return response.json()


def new_review(api: Api, board: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "reference": unique("CT-", 16),
        "title": "Contract test review",
        "kind": "lcspr",
        "board_id": board["id"],
        "regime": "wt2018",
        **extra,
    }
    return api.created("/api/v1/reviews", body)
