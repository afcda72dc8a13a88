"""Sync commands via real Kafka to the mock portal over HTTP: create, update, dropped answers, refusals."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from connectors.portal import PortalConnector, PortalConnectorSettings
from contracts import PortalSyncCompleted, PortalSyncFailed
from tests.integration.portal_connector.connector_harness import (
    TopicReader,
    portal_state,
    publish,
    running,
    set_faults,
    wait_until,
)
from tests.unit.portal_connector.portal_factories import (
    APPLICANT_NAME,
    PERSONAL_ID,
    command_envelope,
    dossier_code,
    make_command,
)

pytestmark = pytest.mark.kafka


def _dossier(state: dict[str, Any], code: str) -> dict[str, Any]:
    return next(dossier for dossier in state["dossiers"] if dossier["MaHoSo"] == code)


async def test_new_dossier_is_created_then_updated_with_progress(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """A first command creates the dossier; a later status updates it and adds its progress row."""
    code = dossier_code(1)
    connector = PortalConnector(connector_settings, poll=False)
    async with (
        running(connector),
        TopicReader(connector_settings.kafka_bootstrap_servers, connector.topics.outcomes) as outcomes,
    ):
        await publish(
            connector_settings.kafka_bootstrap_servers,
            connector_settings.topic_prefix,
            [command_envelope(make_command(code, status=2, revision=1))],
        )
        first = (await outcomes.wait_for(1))[0]
        state = portal_state(portal_admin)
        record = _dossier(state, code)
        assert record["TrangThaiHoSo"] == 2
        assert record["record"]["NgayTiepNhan"] == "20250612080000"
        assert (record["record"]["ChuHoSo"], record["record"]["MaDoiTuong"]) == (APPLICANT_NAME, PERSONAL_ID)
        assert state["counters"]["dossier_creates"] == 1

        await publish(
            connector_settings.kafka_bootstrap_servers,
            connector_settings.topic_prefix,
            [command_envelope(make_command(code, status=4, revision=2))],
        )
        await outcomes.wait_for(2)
    done = [event.data for event in outcomes.events()]
    assert all(isinstance(data, PortalSyncCompleted) for data in done)
    assert [(d.revision, d.created, d.status) for d in done] == [(1, True, 2), (2, False, 4)]  # type: ignore[union-attr]
    assert first.key == code.encode()
    state = portal_state(portal_admin)
    record = _dossier(state, code)
    assert record["TrangThaiHoSo"] == 4
    assert [
        entry["TrangThaiHoSo"]
        for entry in record["history"]
        if entry["NguonCapNhat"] == "CapNhatTienDoHoSoMC"
    ] == [2, 4]
    counters = state["counters"]
    assert (counters["dossier_creates"], counters["dossier_updates"], counters["progress_rows"]) == (1, 1, 2)


async def test_dropped_create_is_retried_as_update_without_a_second_create(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """The create's answer is dropped after the write: the retry meets 'đã tồn tại', updates, completes."""
    code = dossier_code(2)
    set_faults(portal_admin, {"drop_after_write": {"probability": 1.0, "paths": ["/api/dvc/DongBoHoSoMC"]}})
    connector = PortalConnector(
        connector_settings.model_copy(update={"retry_initial_wait_seconds": 0.3}), poll=False
    )

    async def heal_after_first_drop() -> None:
        await wait_until(
            lambda: portal_state(portal_admin)["counters"]["faults"].get("drop_after_write", 0) >= 1,
            interval=0.02,
        )
        set_faults(portal_admin, {})

    async with (
        running(connector),
        TopicReader(connector_settings.kafka_bootstrap_servers, connector.topics.outcomes) as outcomes,
    ):
        healer = asyncio.create_task(heal_after_first_drop())
        await publish(
            connector_settings.kafka_bootstrap_servers,
            connector_settings.topic_prefix,
            [command_envelope(make_command(code, status=2))],
        )
        await outcomes.wait_for(1, settle=0.5)
        await healer
    (outcome,) = [event.data for event in outcomes.events()]
    assert isinstance(outcome, PortalSyncCompleted)
    assert outcome.created
    assert outcome.attempts >= 4  # look-up, dropped create, create met with 03, update (+ progress)
    counters = portal_state(portal_admin)["counters"]
    assert counters["dossier_creates"] == 1
    assert counters["already_exists"] >= 1
    assert counters["dossier_updates"] >= 1
    assert _dossier(portal_state(portal_admin), code)["TrangThaiHoSo"] == 2


async def test_refused_content_fails_once_and_the_next_command_goes_on(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """A refused dossier (no MaLinhVuc: 01) fails, not retriable, after one try, and is dead-lettered for an
    operator to replay once the content is fixed; the next one runs."""
    refused, fine = dossier_code(3), dossier_code(4)
    connector = PortalConnector(connector_settings, poll=False)
    async with (
        running(connector),
        TopicReader(connector_settings.kafka_bootstrap_servers, connector.topics.outcomes) as outcomes,
    ):
        await publish(
            connector_settings.kafka_bootstrap_servers,
            connector_settings.topic_prefix,
            [
                command_envelope(make_command(refused, status=2, field_code=None)),
                command_envelope(make_command(fine, status=2)),
            ],
        )
        await outcomes.wait_for(2, settle=1.0)
    by_code = {event.data.business_key: event.data for event in outcomes.events()}
    failed = by_code[refused]
    assert isinstance(failed, PortalSyncFailed)
    assert (failed.retriable, failed.reason_code, failed.attempts) == (False, "portal_refused:01", 2)
    assert "MaLinhVuc" in failed.message
    assert PERSONAL_ID not in failed.message
    assert isinstance(by_code[fine], PortalSyncCompleted)
    counters = portal_state(portal_admin)["counters"]
    assert counters["lookups"] == 2  # one per command: the refusal was not retried
    assert len(outcomes.records) == 2
    async with TopicReader(
        connector_settings.kafka_bootstrap_servers, connector.topics.command_dead_letters
    ) as dead:
        (letter,) = await dead.wait_for(1, within=15, settle=0.5)
    headers = dict(letter.headers)
    assert letter.key == refused.encode()
    assert headers["dlq_reason_code"] == b"portal_refused"
    assert headers["dlq_error_class"] == b"PortalRefusedError"
    assert PERSONAL_ID.encode() not in headers["dlq_reason"]
