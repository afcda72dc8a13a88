"""The portal client against the mock portal over real HTTP: each call and each failure, translated."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import (
    PortalAuthError,
    PortalRefusedError,
    PortalThrottledError,
    PortalUnavailableError,
)
from connectors.portal import PortalClient
from connectors.portal.mapping import progress_row
from tests.fixtures.portal import CLIENT_ID, CLIENT_SECRET, PortalProcess
from tests.integration.portal_connector.connector_harness import portal_state, set_faults
from tests.unit.portal_connector.portal_factories import dossier_code, make_snapshot

CODE = dossier_code(21)


@pytest.fixture
async def client(connector_portal: PortalProcess, portal_admin: httpx.Client) -> AsyncIterator[PortalClient]:
    async with PortalClient(
        connector_portal.base_url, CLIENT_ID, SecretStr(CLIENT_SECRET), timeout_s=1.0
    ) as portal_client:
        yield portal_client


async def test_calls_of_the_sync_api(client: PortalClient, portal_admin: httpx.Client) -> None:
    """Unknown look-up is None; create, update, progress and look-up then agree with the portal."""
    assert await client.lookup(CODE) is None
    await client.create(make_snapshot(CODE, status=2))
    with pytest.raises(PortalRefusedError) as again:
        await client.create(make_snapshot(CODE, status=2))
    assert again.value.error_code == "03"
    await client.update(make_snapshot(CODE, status=4))
    await client.push_progress(CODE, [progress_row(make_snapshot(CODE, status=4))])
    found = await client.lookup(CODE)
    assert found is not None
    assert found["TrangThaiHoSo"] == 4
    assert [entry["TrangThaiHoSo"] for entry in found["LichSuTrangThai"]] == [2, 4, 4]
    with pytest.raises(PortalRefusedError) as missing:
        await client.update(make_snapshot(dossier_code(22), status=4))
    assert missing.value.error_code == "04"
    assert client.requests == 7
    assert client.tokens_issued == 1
    assert portal_state(portal_admin)["counters"]["tokens_issued"] == 1


async def test_overload_is_unavailable_with_retry_after(
    client: PortalClient, portal_admin: httpx.Client
) -> None:
    set_faults(portal_admin, {"overload": {"windows": [{"start_s": 0, "end_s": 30}]}})
    with pytest.raises(PortalUnavailableError) as caught:
        await client.lookup(CODE)
    assert caught.value.retriable
    assert caught.value.retry_after is not None
    assert 1 <= caught.value.retry_after <= 30


async def test_throttling_is_429_with_retry_after(client: PortalClient, portal_admin: httpx.Client) -> None:
    set_faults(portal_admin, {"throttle": {"probability": 1.0, "retry_after_s": 7}})
    with pytest.raises(PortalThrottledError) as caught:
        await client.lookup(CODE)
    assert caught.value.retry_after == 7.0


async def test_dropped_answer_is_unavailable_although_written(
    client: PortalClient, portal_admin: httpx.Client
) -> None:
    """The connection drops after the write: the client cannot know, so it says 'unavailable' (retriable)."""
    set_faults(portal_admin, {"drop_after_write": {"probability": 1.0}})
    with pytest.raises(PortalUnavailableError, match="exchange failed"):
        await client.create(make_snapshot(CODE, status=2))
    assert [dossier["MaHoSo"] for dossier in portal_state(portal_admin)["dossiers"]] == [CODE]


@pytest.mark.parametrize("mode", ["504", "close"])
async def test_held_requests_time_out(client: PortalClient, portal_admin: httpx.Client, mode: str) -> None:
    """A request held longer than the client's timeout is unavailable, whatever the portal does next."""
    set_faults(portal_admin, {"timeout": {"probability": 1.0, "hold_s": 3, "mode": mode}})
    started = time.monotonic()
    with pytest.raises(PortalUnavailableError, match="no answer in time"):
        await client.lookup(CODE)
    assert time.monotonic() - started < 2.5


async def test_wrong_credentials_are_an_auth_error(
    connector_portal: PortalProcess, portal_admin: httpx.Client
) -> None:
    async with PortalClient(connector_portal.base_url, CLIENT_ID, SecretStr("wrong")) as wrong:
        with pytest.raises(PortalAuthError) as caught:
            await wrong.lookup(CODE)
    assert not caught.value.retriable
    assert portal_state(portal_admin)["counters"]["auth_rejected"] == 1


async def test_unreachable_portal_is_unavailable() -> None:
    async with PortalClient(
        "http://127.0.0.1:9", CLIENT_ID, SecretStr(CLIENT_SECRET), timeout_s=1.0
    ) as nowhere:
        with pytest.raises(PortalUnavailableError):
            await nowhere.lookup(CODE)


@pytest.fixture(scope="module")
def short_token_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalProcess]:
    """A portal whose tokens live one second."""
    db: Path = tmp_path_factory.mktemp("short-token-portal") / "portal.sqlite3"
    with PortalProcess(db=db, settings={"token_ttl_seconds": "1"}) as process:
        yield process


async def test_expired_token_is_renewed_on_401(short_token_portal: PortalProcess) -> None:
    """The client trusts its token (frozen clock); the portal answers 401 expired: one renewal, one resend."""
    _reset(short_token_portal)
    frozen = time.monotonic()
    async with PortalClient(
        short_token_portal.base_url, CLIENT_ID, SecretStr(CLIENT_SECRET), clock=lambda: frozen
    ) as client:
        assert await client.lookup(CODE) is None
        time.sleep(1.2)  # noqa: ASYNC251 - the portal's token must expire; nothing else runs meanwhile
        assert await client.lookup(CODE) is None
        assert client.tokens_issued == 2
        assert client.requests == 3
    with httpx.Client(base_url=short_token_portal.base_url) as admin:
        counters = portal_state(admin)["counters"]
    assert (counters["auth_rejected"], counters["tokens_issued"]) == (1, 2)


async def test_token_is_renewed_before_it_expires(short_token_portal: PortalProcess) -> None:
    """With the real clock the token is renewed ahead of expiry: no 401 at all."""
    _reset(short_token_portal)
    async with PortalClient(short_token_portal.base_url, CLIENT_ID, SecretStr(CLIENT_SECRET)) as client:
        assert await client.lookup(CODE) is None
        time.sleep(0.6)  # noqa: ASYNC251 - past half the token's life
        assert await client.lookup(CODE) is None
        assert client.tokens_issued == 2
    with httpx.Client(base_url=short_token_portal.base_url) as admin:
        assert portal_state(admin)["counters"].get("auth_rejected", 0) == 0


def _reset(portal: PortalProcess) -> None:
    with httpx.Client(base_url=portal.base_url) as admin:
        admin.post("/admin/reset").raise_for_status()
