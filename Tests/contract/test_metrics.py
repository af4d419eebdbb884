"""`/metrics`, the operator's Prometheus page: not part of the API's contract, so schemathesis never
fuzzes it (it fuzzes only the contract's paths), and checked here instead. The register under test runs
on this machine, so these requests come over loopback, which may read it."""

from __future__ import annotations

import re

import requests
import yaml

from register_client import OPENAPI_FILE, TIMEOUT, Api

# Label values may hold braces themselves (route patterns such as /api/v1/reviews/{review}).
SERIES = re.compile(r"^register_http_requests_total\{(?P<labels>.*)\} (?P<value>\S+)$", re.MULTILINE)


def test_metrics_is_left_out_of_the_contract_on_purpose() -> None:
    contract = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert "/metrics" not in contract["paths"], "/metrics is for monitoring, not the API: keep it out of openapi.yaml"


def test_metrics_counts_requests_by_route_pattern_from_loopback(base_url: str, api: Api) -> None:
    review = "00000000-0000-4000-8000-00000000abcd"
    assert api.get(f"/api/v1/reviews/{review}").status_code == 404
    failed = requests.post(
        f"{base_url}/api/v1/session", json={"email": "nobody-metrics@example.org", "password": "not a password"}, timeout=TIMEOUT
    )
    assert failed.status_code == 401
    response = requests.get(f"{base_url}/metrics", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.text
    routes = {dict(re.findall(r'(\w+)="([^"]*)"', m["labels"]))["route"] for m in SERIES.finditer(text)}
    assert "/api/v1/reviews/{review}" in routes, sorted(routes)[:20]
    assert review not in text, "a path's id became a label"
    for name in (
        "register_http_request_duration_seconds_bucket",
        "register_database_connections_in_use",
        "register_database_connections_waiting",
        "register_uploads_in_progress",
        "register_audit_head_sequence",
        "register_audit_head_sealed_timestamp_seconds",
        "register_sign_in_failures_total",
    ):
        assert re.search(rf"^{name}[{{ ]", text, re.MULTILINE), f"{name} is missing"


def test_metrics_is_not_found_through_a_proxy(base_url: str) -> None:
    response = requests.get(f"{base_url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=TIMEOUT)
    assert response.status_code == 404
    assert "register_" not in response.text
