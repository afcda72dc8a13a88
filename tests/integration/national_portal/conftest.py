"""Fixtures of the mock portal's integration tests: one portal process per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.portal import CallbackReceiver, PortalProcess, fetch_token
from tests.integration.national_portal.builders import PENDING_SECONDS


@pytest.fixture(scope="session")
def callback_receiver() -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def portal_process(
    tmp_path_factory: pytest.TempPathFactory, callback_receiver: CallbackReceiver
) -> Iterator[PortalProcess]:
    db = tmp_path_factory.mktemp("portal") / "portal.sqlite3"
    settings = {
        "payment_callback_url": callback_receiver.url,
        "pending_resolution_seconds": str(PENDING_SECONDS),
        "callback_retry_base_seconds": "0.2",
        "callback_max_attempts": "3",
    }
    with PortalProcess(db=db, settings=settings) as process:
        yield process


@pytest.fixture
def admin(portal_process: PortalProcess) -> Iterator[httpx.Client]:
    """A client of the freshly reset portal, without a token (admin, citizen and OAuth paths)."""
    with httpx.Client(base_url=portal_process.base_url, timeout=15.0) as client:
        client.post("/admin/reset").raise_for_status()
        yield client


@pytest.fixture
def api(admin: httpx.Client, portal_process: PortalProcess) -> Iterator[httpx.Client]:
    """A client of the freshly reset portal carrying a valid bearer token."""
    headers = {"Authorization": f"Bearer {fetch_token(admin)}"}
    with httpx.Client(base_url=portal_process.base_url, timeout=15.0, headers=headers) as client:
        yield client


@pytest.fixture
def scratch_db(tmp_path: Path) -> Path:
    return tmp_path / "portal.sqlite3"
