"""Fixtures of the portal connector's integration tests: the mock portal as a real process, real Kafka."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.portal import PortalConnectorSettings
from tests.fixtures.portal import CLIENT_ID, CLIENT_SECRET, PortalProcess
from tests.integration.portal_connector.connector_harness import fast_settings


@pytest.fixture(scope="session")
def connector_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalProcess]:
    """One mock portal for the session; each test resets it."""
    with PortalProcess(db=tmp_path_factory.mktemp("connector-portal") / "portal.sqlite3") as process:
        yield process


@pytest.fixture
def portal_admin(connector_portal: PortalProcess) -> Iterator[httpx.Client]:
    """A client of the freshly reset portal's admin and citizen surface (no token)."""
    with httpx.Client(base_url=connector_portal.base_url, timeout=15.0) as client:
        client.post("/admin/reset").raise_for_status()
        yield client


@pytest.fixture
def connector_settings(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, connector_portal: PortalProcess
) -> PortalConnectorSettings:
    return fast_settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=group_id,
        portal_base_url=connector_portal.base_url,
        portal_client_id=CLIENT_ID,
        portal_client_secret=CLIENT_SECRET,
    )
