"""Riding out an overloaded portal (a 503 window, random 503s, 429s, dropped answers): 50 commands."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest

from connectors.portal import PortalConnector, PortalConnectorSettings
from contracts import PortalSyncCompleted
from tests.integration.portal_connector.connector_harness import (
    TopicReader,
    portal_state,
    publish,
    running,
    set_faults,
)
from tests.unit.portal_connector.portal_factories import command_envelope, dossier_code, make_command

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

OVERLOAD = {
    "overload": {"windows": [{"start_s": 0, "end_s": 4}], "probability": 0.05},
    "throttle": {"probability": 0.05, "retry_after_s": 1},
    "drop_after_write": {"probability": 0.05},
    "latency": {"kind": "uniform", "min_ms": 1, "max_ms": 20},
    "seed": 20250701,
}


def _commands() -> list[tuple[str, int, int]]:
    """(code, revision, status): 20 dossiers, 10 reaching status 9 and 10 stopping at 4 — 50 commands."""
    plan = []
    for sequence in range(1, 21):
        statuses = (2, 4, 9) if sequence <= 10 else (2, 4)
        plan.extend(
            (dossier_code(sequence), revision, status) for revision, status in enumerate(statuses, start=1)
        )
    return plan


async def test_overload_window_is_ridden_out_without_duplicate_creates(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """Each dossier ends with its latest status, created once; each command has exactly one outcome."""
    plan = _commands()
    assert len(plan) == 50
    settings = connector_settings.model_copy(update={"breaker_failure_threshold": 3})
    connector = PortalConnector(settings, poll=False)
    started = time.monotonic()
    async with (
        running(connector),
        TopicReader(connector_settings.kafka_bootstrap_servers, connector.topics.outcomes) as outcomes,
    ):
        set_faults(portal_admin, OVERLOAD)
        await publish(
            connector_settings.kafka_bootstrap_servers,
            connector_settings.topic_prefix,
            [command_envelope(make_command(code, status, revision)) for code, revision, status in plan],
        )
        await outcomes.wait_for(len(plan), within=180, settle=1.5)
        elapsed = time.monotonic() - started
        assert connector.gateway is not None
        requests, breaker_opened = connector.gateway.client.requests, connector.gateway.breaker.times_opened
    events = outcomes.events()
    answered = Counter((event.data.business_key, event.data.revision) for event in events)  # type: ignore[attr-defined]
    assert answered == Counter((code, revision) for code, revision, _ in plan)
    assert all(isinstance(event.data, PortalSyncCompleted) for event in events)

    state = portal_state(portal_admin)
    latest = {code: status for code, _, status in plan}
    on_portal = {dossier["MaHoSo"]: dossier["TrangThaiHoSo"] for dossier in state["dossiers"]}
    assert on_portal == latest
    counters = state["counters"]
    assert counters["dossier_creates"] == len(latest)
    faults = counters["faults"]
    assert faults["overload"] > 0
    attempts = sum(event.data.attempts for event in events)  # type: ignore[attr-defined]
    print(
        f"\noverload: {len(plan)} commands in {elapsed:.1f}s; {requests} API requests by the connector "
        f"({attempts} attempts reported), breaker opened {breaker_opened}x; "
        f"portal: lookups={counters['lookups']} "
        f"creates={counters['dossier_creates']} updates={counters.get('dossier_updates', 0)} "
        f"already_exists={counters.get('already_exists', 0)} progress_rows={counters['progress_rows']} "
        f"faults={faults}"
    )
