"""Authentication of the mock portal: client credentials in, bearer tokens required, 401 otherwise."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx

from tests.fixtures.portal import CLIENT_ID, CLIENT_SECRET, PortalProcess, fetch_token

LOOKUP = "/api/dvc/TraCuuHoSo?MaHoSo=000.00.20.H14-250612-0001"


def test_token_from_form_json_and_basic_credentials(admin: httpx.Client) -> None:
    """The client-credentials grant accepts form, JSON and HTTP Basic credentials."""
    form = admin.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    as_json = admin.post("/oauth/token", json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    as_basic = admin.post("/oauth/token", headers={"Authorization": f"Basic {basic}"})
    for answer in (form, as_json, as_basic):
        assert answer.status_code == 200
        body = answer.json()
        assert body["token_type"] == "bearer"  # noqa: S105 - the OAuth token type, not a secret
        assert body["expires_in"] > 0
        assert body["access_token"]


def test_wrong_credentials_and_grant_are_refused(admin: httpx.Client) -> None:
    """A wrong secret is 401 invalid_client; another grant type is 400 unsupported_grant_type."""
    wrong = admin.post("/oauth/token", data={"client_id": CLIENT_ID, "client_secret": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    grant = admin.post("/oauth/token", data={"grant_type": "password", "client_id": CLIENT_ID})
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"


def test_api_without_token_is_401_with_json_error(admin: httpx.Client) -> None:
    """No Authorization header: 401, a JSON error and a Bearer challenge."""
    answer = admin.get(LOOKUP)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_request"
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_api_with_invalid_tokens_is_401(admin: httpx.Client) -> None:
    """A forged, malformed or non-bearer credential is refused as invalid_token / invalid_request."""
    token = fetch_token(admin)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    cases = {
        f"Bearer {forged}": "invalid_token",
        "Bearer not-a-token": "invalid_token",
        f"Basic {token}": "invalid_request",
    }
    for header, error in cases.items():
        answer = admin.get(LOOKUP, headers={"Authorization": header})
        assert answer.status_code == 401, header
        assert answer.json()["error"] == error
    assert admin.get(LOOKUP, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_expired_token_is_401(scratch_db: Path) -> None:
    """A token past its TTL is refused with error_description saying it expired."""
    with (
        PortalProcess(db=scratch_db, settings={"token_ttl_seconds": "2"}) as portal,
        httpx.Client(base_url=portal.base_url, timeout=10.0) as client,
    ):
        token = fetch_token(client)
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get(LOOKUP, headers=headers).status_code == 200
        deadline = time.monotonic() + 15
        answer = client.get(LOOKUP, headers=headers)
        while answer.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            answer = client.get(LOOKUP, headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {"error": "invalid_token", "error_description": "The access token expired"}
        assert (
            client.get(LOOKUP, headers={"Authorization": f"Bearer {fetch_token(client)}"}).status_code == 200
        )
