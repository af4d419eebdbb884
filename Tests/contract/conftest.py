"""Shared set-up of the contract tests: where the register runs, and a signed-in API client.

The tests talk to a register that is already running (they never start one):

    REGISTER_URL       base address, e.g. http://127.0.0.1:8080
    REGISTER_EMAIL     an active admin account ...
    REGISTER_PASSWORD  ... and its password

The admin makes what the tests need, a partner organisation and an account of it among them (the
partner user uploads evidence, as partners do).

Without REGISTER_URL every test here is skipped (and says why).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest
import requests

from register_client import (
    TIMEOUT,
    Api,
    Conforms,
    conforms,
    load_contract,
    new_partner,
    new_partner_user,
    register_url,
    unique,
)

# Hypothesis keeps caches in ./.hypothesis; keep them out of the work tree.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "learning-register-hypothesis"))


@pytest.fixture(scope="session")
def base_url() -> str:
    url = register_url()
    if url is None:
        pytest.skip("REGISTER_URL is not set: start the register and point REGISTER_URL at it")
    return url


@pytest.fixture(scope="session")
def credentials() -> tuple[str, str]:
    email = os.environ.get("REGISTER_EMAIL", "")
    password = os.environ.get("REGISTER_PASSWORD", "")
    if not email or not password:
        pytest.fail("REGISTER_EMAIL and REGISTER_PASSWORD must name an active admin account of the register under test")
    return email, password


@pytest.fixture(scope="session")
def session_cookie(base_url: str, credentials: tuple[str, str]) -> str:
    """Signs in as a person does, with e-mail and password, and returns the lr_session cookie's value."""
    email, password = credentials
    response = requests.post(
        f"{base_url}/api/v1/session", json={"email": email, "password": password}, timeout=TIMEOUT
    )
    assert response.status_code == 201, f"sign-in failed ({response.status_code}): {response.text}"
    cookie = response.cookies.get("lr_session")
    assert cookie, f"sign-in set no lr_session cookie (Set-Cookie: {response.headers.get('Set-Cookie')!r})"
    return cookie


@pytest.fixture(scope="session")
def api(base_url: str, session_cookie: str) -> Api:
    """An API token made with the session cookie, as a script's owner would get one."""
    # The cookie is passed explicitly: a register behind HTTPS marks it Secure, which a plain-HTTP
    # test run would otherwise never send back.
    response = requests.post(
        f"{base_url}/api/v1/tokens", json={"name": "contract"}, cookies={"lr_session": session_cookie}, timeout=TIMEOUT
    )
    assert response.status_code == 201, f"token creation failed ({response.status_code}): {response.text}"
    token = response.json()["token"]
    assert token.startswith("lr_")
    return Api(base_url=base_url, token=token)


@pytest.fixture(scope="session")
def me(api: Api) -> dict[str, Any]:
    response = api.get("/api/v1/me")
    assert response.status_code == 200, response.text
    user = response.json()
    assert user["role"] == "admin", "the contract tests need an admin account (boards and users are admin-only)"
    return user


@pytest.fixture(scope="session")
def board(api: Api, me: dict[str, Any]) -> dict[str, Any]:
    return api.created(
        "/api/v1/boards",
        {"code": unique("contract-"), "name": "Contract test partnership", "kind": "children_partnership"},
    )


@pytest.fixture(scope="session")
def partner(api: Api, me: dict[str, Any]) -> dict[str, Any]:
    """A partner organisation made for the tests."""
    return new_partner(api)


@pytest.fixture(scope="session")
def partner_api(api: Api, partner: dict[str, Any]) -> Api:
    """A signed-in account of `partner`, with its own API token."""
    return new_partner_user(api, partner)


@pytest.fixture(scope="session")
def check(api: Api) -> Conforms:
    """Checks an answer against one operation of the OpenAPI document and returns it."""
    contract = load_contract(api.base_url)
    return lambda operation_id, response: conforms(contract, operation_id, response)
