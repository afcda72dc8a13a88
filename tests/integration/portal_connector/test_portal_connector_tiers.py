"""Retry tiers against the real broker and the mock portal over HTTP: an outage longer than the in-process
retries is ridden out in the tiers, each dossier's commands stay in order, and what no tier could sync is
dead-lettered with its context while the dossier's later commands follow it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from connectors.portal import PortalConnector, PortalConnectorSettings
from connectors.portal.dead_letters import DLQ_HEADERS
from connectors.portal.outcomes import outcome_id
from contracts import Envelope, EventData, PortalSyncCompleted, PortalSyncFailed
from hub.dlq import DeadLetterDesk, DlqSettings, Selection
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

STATUSES = (2, 3, 4)
"""Each dossier's revisions 1, 2, 3 carry these statuses."""


def _tiered(settings: PortalConnectorSettings, tiers: tuple[float, ...]) -> PortalConnectorSettings:
    """In-process retries that give up within about a second, so the tiers take over (and that ride out
    the moment the circuit breaker lets one probe through while the others wait)."""
    return settings.model_copy(
        update={
            "retry_max_attempts": 4,
            "retry_max_delay_seconds": 1.0,
            "sync_deadline_seconds": 2.0,
            "breaker_open_seconds": 0.2,
            "retry_tier_seconds": tiers,
        }
    )


def _progress(state: dict[str, Any], code: str) -> list[int]:
    """The statuses of the progress rows the connector added to the dossier, in the portal's order."""
    dossier = next((d for d in state["dossiers"] if d["MaHoSo"] == code), None)
    if dossier is None:
        return []
    rows = dossier["history"]
    return [row["TrangThaiHoSo"] for row in rows if row["NguonCapNhat"] == "CapNhatTienDoHoSoMC"]


def _commands(codes: list[str]) -> list[Envelope[EventData]]:
    """Each dossier's revisions in order, the dossiers interleaved as a province would send them."""
    return [
        command_envelope(make_command(code, status=status, revision=revision))
        for revision, status in enumerate(STATUSES, start=1)
        for code in codes
    ]


async def test_an_outage_longer_than_the_retries_climbs_the_tiers_and_drains_in_order(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """Every command of an outage ends with exactly one completed outcome, each dossier's in revision order,
    with nothing dead-lettered and no operator: the first revisions climb the tiers, the later ones are
    held behind them."""
    settings = _tiered(connector_settings, (0.5, 1.5, 4.0))
    codes = [dossier_code(n) for n in range(101, 106)]
    commands = _commands(codes)
    connector = PortalConnector(settings, poll=False)
    set_faults(portal_admin, {"overload": {"windows": [{"start_s": 0, "end_s": 5}]}})
    async with (
        TopicReader(settings.kafka_bootstrap_servers, connector.topics.outcomes) as outcomes,
        running(connector),
    ):
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, commands)
        await outcomes.wait_for(len(commands), within=90, settle=1.0)
    # the connector created its tiers when it started: read them now
    async with (
        TopicReader(settings.kafka_bootstrap_servers, connector.topics.retry_tier(2)) as second_tier,
        TopicReader(settings.kafka_bootstrap_servers, connector.topics.command_dead_letters) as dead,
    ):
        await second_tier.wait_for(1, within=15, settle=0.5)
        await dead.poll()

    expected = {outcome_id(c.id, "vn.gov.lienthong.portal.sync_completed.v1") for c in commands}
    got = outcomes.events()
    assert all(isinstance(event.data, PortalSyncCompleted) for event in got), [e.data for e in got]
    assert Counter(event.id for event in got) == Counter(expected)  # each command exactly once
    assert connector.stats.parked >= len(codes)  # every first revision met the outage
    assert connector.stats.held >= len(codes)  # later revisions waited behind them
    assert second_tier.records, "the outage was meant to outlast the first tier"
    assert dead.records == []
    state = portal_state(portal_admin)
    assert state["counters"]["faults"].get("overload", 0) > 0
    for code in codes:
        assert _progress(state, code) == list(STATUSES), code


async def test_a_sync_no_tier_could_make_is_dead_lettered_and_the_dossiers_later_commands_follow(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """The head fails at every tier: it is dead-lettered byte for byte with its context and reported failed;
    the commands held behind it are then synced in order once the portal is back. An operator's replay of
    the dead letter afterwards finds the portal further on and does not take it back."""
    settings = _tiered(connector_settings, (0.3, 0.3, 3.0))
    code = dossier_code(111)
    first, *later = _commands([code])
    connector = PortalConnector(settings, poll=False)
    set_faults(portal_admin, {"overload": {"probability": 1.0}})
    bootstrap, prefix = settings.kafka_bootstrap_servers, settings.topic_prefix
    async with (
        TopicReader(bootstrap, connector.topics.outcomes) as outcomes,
        TopicReader(bootstrap, connector.topics.commands) as sent,
    ):
        async with running(connector):
            await publish(bootstrap, prefix, [first])
            await wait_until(lambda: connector.stats.parked >= 1)
            await publish(bootstrap, prefix, later)
            await wait_until(lambda: connector.stats.held >= len(later))
            await wait_until(lambda: connector.stats.dead_lettered >= 1, within=60)
            set_faults(portal_admin, {})
            await outcomes.wait_for(3, within=60, settle=1.0)
            replayed = await _replay_dossier(settings, code)
            await outcomes.wait_for(4, within=60, settle=1.0)
        await sent.wait_for(4)
    async with TopicReader(bootstrap, connector.topics.command_dead_letters) as dead:
        await dead.wait_for(1, within=15, settle=0.5)

    (letter,) = dead.records
    original = next(r for r in sent.records if decode_id(r) == first.id)
    assert (letter.key, letter.value) == (original.key, original.value)
    headers = dict(letter.headers)
    assert letter.headers[: len(original.headers)] == original.headers  # byte for byte, then the context
    assert set(DLQ_HEADERS) <= set(headers)
    assert headers["dlq_original_topic"] == connector.topics.commands.encode()
    assert headers["dlq_original_partition"] == str(original.partition).encode()
    assert headers["dlq_original_offset"] == str(original.offset).encode()
    assert headers["dlq_consumer_group"] == settings.group_id.encode()
    assert headers["dlq_attempts"] == b"4"  # the command topic, then three tiers
    assert headers["dlq_reason_code"] in {b"portal_unavailable", b"portal_circuit_open"}
    assert headers["dlq_first_failure_at"] < headers["dlq_last_failure_at"]
    assert not any(name.startswith("retry_") for name, _ in letter.headers)

    before_replay, (after_replay,) = outcomes.events()[:3], outcomes.events()[3:]
    by_revision = {event.data.revision: event.data for event in before_replay}  # type: ignore[union-attr]
    assert sorted(by_revision) == [1, 2, 3]
    assert isinstance(by_revision[1], PortalSyncFailed)
    assert by_revision[1].retriable
    assert all(isinstance(by_revision[r], PortalSyncCompleted) for r in (2, 3))
    assert replayed == 1
    assert isinstance(after_replay.data, PortalSyncCompleted)
    assert after_replay.data.revision == 1  # done: the hub sees an acknowledgement older than revision 3
    assert _progress(portal_state(portal_admin), code) == list(STATUSES[1:])  # not taken back to revision 1


async def _replay_dossier(settings: PortalConnectorSettings, code: str) -> int:
    """``lienthong dlq replay --dossier <code>``, as the operator's desk does it; how many were sent."""
    desk_settings = DlqSettings(
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        topic_prefix=settings.topic_prefix,
        operator="tests",
    )
    async with DeadLetterDesk(desk_settings) as desk:
        outcome = await desk.replay(Selection(dossiers=(code,)))
    return outcome.steps["sent"]


def decode_id(record: Any) -> str:
    return dict(record.headers)["ce_id"].decode()


async def test_holds_are_read_back_from_the_tiers_after_a_restart(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """A connector stops while a dossier's first command is parked; a new one, which never saw it, still
    holds the dossier's next command behind it: the holds are what the tiers contain."""
    settings = _tiered(connector_settings, (3.0, 3.0, 3.0))
    code = dossier_code(121)
    first, second, third = _commands([code])
    bootstrap, prefix = settings.kafka_bootstrap_servers, settings.topic_prefix
    set_faults(portal_admin, {"overload": {"probability": 1.0}})
    before = PortalConnector(settings, poll=False)
    async with running(before):
        await publish(bootstrap, prefix, [first])
        await wait_until(lambda: before.stats.parked >= 1)
    assert before.consumer is not None
    assert before.consumer.book.count() == 1

    await publish(bootstrap, prefix, [second, third])
    set_faults(portal_admin, {})
    after = PortalConnector(settings, poll=False)
    async with TopicReader(bootstrap, after.topics.outcomes) as outcomes, running(after):
        await outcomes.wait_for(3, within=60, settle=1.0)
    assert after.stats.held == 2  # it knew of the parked one before reading the later ones
    assert [event.data.revision for event in outcomes.events()] == [1, 2, 3]  # type: ignore[union-attr]
    assert all(isinstance(event.data, PortalSyncCompleted) for event in outcomes.events())
    assert _progress(portal_state(portal_admin), code) == list(STATUSES)
