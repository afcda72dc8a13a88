"""Drift lookups via real Kafka against the mock portal process: what the portal holds is reported, nothing is
written; a lookup the portal does not answer publishes nothing and is committed all the same."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from connectors.portal import PortalConnector, PortalConnectorSettings
from connectors.portal.outcomes import outcome_id
from contracts import (
    DossierStatus,
    Envelope,
    EventData,
    LookupReason,
    PortalLookupCompleted,
    PortalLookupRequested,
    PortalSyncCompleted,
)
from tests.integration.portal_connector.connector_harness import (
    TopicReader,
    portal_state,
    publish,
    running,
    set_faults,
    wait_until,
)
from tests.unit.portal_connector.portal_factories import command_envelope, dossier_code, make_command

pytestmark = pytest.mark.kafka

_HUB = "urn:lienthong:hub"


def _lookup(code: str) -> Envelope[EventData]:
    command = PortalLookupRequested(
        dossier_code=code, reason=LookupReason.DRIFT, requested_at=dt.datetime.now(dt.UTC)
    )
    return Envelope(id=str(uuid.uuid4()), source=_HUB, data=command)


async def _committed(settings: PortalConnectorSettings, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(settings.group_id)
    finally:
        await admin.close()
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def test_a_lookup_reports_the_status_the_portal_holds_or_that_it_has_none(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    synced, unknown = dossier_code(21), dossier_code(22)
    bootstrap, prefix = connector_settings.kafka_bootstrap_servers, connector_settings.topic_prefix
    connector = PortalConnector(connector_settings, poll=False)
    found, missing = _lookup(synced), _lookup(unknown)
    async with (
        running(connector),
        TopicReader(bootstrap, connector.topics.outcomes) as outcomes,
    ):
        await publish(bootstrap, prefix, [command_envelope(make_command(synced, status=4))])
        await outcomes.wait_for(1)
        written = portal_state(portal_admin)["counters"]
        await publish(bootstrap, prefix, [found, missing])
        await outcomes.wait_for(3, settle=0.5)
    events = outcomes.events()
    assert isinstance(events[0].data, PortalSyncCompleted)
    answers = {event.subject: event for event in events[1:]}
    assert set(answers) == {synced, unknown}
    held, absent = answers[synced], answers[unknown]
    assert isinstance(held.data, PortalLookupCompleted)
    assert (held.data.found, held.data.status) == (True, DossierStatus.PROCESSING)
    assert held.data.requested_at == found.data.requested_at  # type: ignore[attr-defined]
    assert held.id == outcome_id(found.id, PortalLookupCompleted.event_type)
    assert isinstance(absent.data, PortalLookupCompleted)
    assert (absent.data.found, absent.data.status) == (False, None)
    assert absent.id == outcome_id(missing.id, PortalLookupCompleted.event_type)
    counters = portal_state(portal_admin)["counters"]
    assert counters["lookups"] == written["lookups"] + 2
    for write in ("dossier_creates", "dossier_updates", "progress_rows"):
        assert counters.get(write, 0) == written.get(write, 0), f"a lookup wrote to the portal ({write})"
    assert (connector.stats.lookups, connector.stats.lookups_failed) == (2, 0)
    assert await _committed(connector_settings, connector.topics.commands) == 3


async def test_a_lookup_the_portal_does_not_answer_publishes_nothing_and_is_committed(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    code = dossier_code(23)
    bootstrap, prefix = connector_settings.kafka_bootstrap_servers, connector_settings.topic_prefix
    settings = connector_settings.model_copy(
        update={"retry_max_attempts": 2, "retry_after_cap_seconds": 0.1, "retry_max_wait_seconds": 0.1}
    )
    connector = PortalConnector(settings, poll=False)
    set_faults(portal_admin, {"overload": {"probability": 1.0, "paths": ["/api/dvc/TraCuuHoSo"]}})
    unanswered, answered = _lookup(code), _lookup(code)
    async with (
        running(connector),
        TopicReader(bootstrap, connector.topics.outcomes) as outcomes,
    ):
        await publish(bootstrap, prefix, [unanswered])
        await wait_until(lambda: connector.stats.lookups_failed == 1, within=60)
        set_faults(portal_admin, {})
        await publish(bootstrap, prefix, [answered])
        await outcomes.wait_for(1, settle=0.5)
    (outcome,) = outcomes.events()
    assert outcome.id == outcome_id(answered.id, PortalLookupCompleted.event_type)
    assert isinstance(outcome.data, PortalLookupCompleted)
    assert (outcome.data.found, outcome.data.status) == (False, None)
    assert (connector.stats.lookups, connector.stats.dead_lettered) == (2, 0)
    assert await _committed(settings, connector.topics.commands) == 2
