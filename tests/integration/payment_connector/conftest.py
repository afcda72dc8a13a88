"""Fixtures of the payment connector's end-to-end tests: the mock portal and the connector as real processes.

The mock portal runs once per module with its payment callback URL pointing at a loopback port reserved for
the connector; each test starts its own connector process on that port (with the test's topic prefix and a
fresh state file) and resets the portal first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.portal import (
    CLIENT_ID,
    CLIENT_SECRET,
    PAYMENT_SECRET,
    PortalProcess,
    free_port,
)
from tests.integration.payment_connector.connector_process import ConnectorProcess

PENDING_SECONDS = 2.0

StartConnector = Callable[..., ConnectorProcess]


@pytest.fixture(scope="module")
def connector_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def portal_process(tmp_path_factory: pytest.TempPathFactory, connector_port: int) -> Iterator[PortalProcess]:
    db = tmp_path_factory.mktemp("portal") / "portal.sqlite3"
    settings = {
        "payment_callback_url": f"http://127.0.0.1:{connector_port}/paygov/callback",
        "pending_resolution_seconds": str(PENDING_SECONDS),
        "callback_retry_base_seconds": "0.3",
        "callback_max_attempts": "4",
    }
    with PortalProcess(db=db, settings=settings) as process:
        yield process


@pytest.fixture
async def portal_admin(portal_process: PortalProcess) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the freshly reset portal without a token (admin and the citizen's pay page)."""
    async with httpx.AsyncClient(base_url=portal_process.base_url, timeout=15.0) as client:
        (await client.post("/admin/reset")).raise_for_status()
        yield client


@pytest.fixture
async def portal_api(
    portal_admin: httpx.AsyncClient, portal_process: PortalProcess
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the portal's partner API (INIT) with a bearer token."""
    grant = await portal_admin.post(
        "/oauth/token", data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    grant.raise_for_status()
    headers = {"Authorization": f"Bearer {grant.json()['access_token']}"}
    async with httpx.AsyncClient(base_url=portal_process.base_url, timeout=15.0, headers=headers) as client:
        yield client


@pytest.fixture
def start_connector(
    tmp_path: Path,
    kafka_bootstrap: str,
    topic_prefix: str,
    portal_process: PortalProcess,
    connector_port: int,
) -> Iterator[StartConnector]:
    """``start_connector(query_after="0.5", ...)``: the connector process, stopped after the test."""
    started: list[ConnectorProcess] = []

    def start(**overrides: str) -> ConnectorProcess:
        settings = {
            "kafka_bootstrap_servers": kafka_bootstrap,
            "topic_prefix": topic_prefix,
            "partner_secret": PAYMENT_SECRET,
            "platform_url": portal_process.base_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "query_after": "3600",
            "query_interval": "0.25",
            "give_up_after": "86400",
        } | overrides
        process = ConnectorProcess(db=tmp_path / "payment.sqlite3", settings=settings, port=connector_port)
        started.append(process.start())
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()
