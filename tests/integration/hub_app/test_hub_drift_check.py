"""Against a real broker: the periodic drift check asks the portal connector to look up dossiers the hub
believes in step once the portal's word on them is older than the drift interval, and compares the answer —
another status opens a status mismatch and re-syncs; the province's status opens nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from contracts import (
    DOSSIER_TOPIC,
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    DossierStatus,
    Envelope,
    LookupReason,
    PortalLookupCompleted,
    PortalLookupRequested,
    PortalSyncRequested,
    SyncReason,
    decode,
)
from deploy.topology import ensure_topics, topic_names
from hub.rules import FindingState, FindingType
from hub.settings import HubSettings
from hub.store import FindingQuery
from tests.fixtures.province import read_topic
from tests.integration.hub_app.traffic import running_hub, send_envelopes, stored_entry, wait_for
from tests.unit.hub.factories import AGENCY, at, completed, envelope, event

pytestmark = pytest.mark.kafka

_DRIFTED = f"{AGENCY}-250701-0011"
_STEADY = f"{AGENCY}-250701-0012"
_SLA_SECONDS = 1.0


async def _commands(bootstrap: str, prefix: str) -> list[Envelope[Any]]:
    records = await read_topic(bootstrap, f"{prefix}{PORTAL_COMMAND_TOPIC.name}")
    return [decode(r.key, r.value, r.headers) for r in records]


def _lookups(commands: list[Envelope[Any]], code: str) -> list[PortalLookupRequested]:
    return [c.data for c in commands if isinstance(c.data, PortalLookupRequested) and c.subject == code]


def _resyncs(commands: list[Envelope[Any]], code: str) -> list[PortalSyncRequested]:
    return [
        c.data
        for c in commands
        if isinstance(c.data, PortalSyncRequested)
        and c.subject == code
        and c.data.reason is SyncReason.RESYNC
    ]


def _answer(request: PortalLookupRequested, status: DossierStatus) -> Envelope[Any]:
    data = PortalLookupCompleted(
        dossier_code=request.dossier_code,
        found=True,
        status=status,
        looked_up_at=dt.datetime.now(dt.UTC),
        requested_at=request.requested_at,
    )
    return envelope(data, f"lookup-{request.dossier_code}", source="portal-connector")


async def test_the_drift_check_looks_up_dossiers_in_step_and_resyncs_the_one_that_drifted(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    await ensure_topics(kafka_bootstrap, topic_names(topic_prefix))
    settings = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=group_id,
        http_enabled=False,
        relay_interval_seconds=0.2,
        reconcile_interval_seconds=0.3,
        full_check_interval_seconds=0.3,
        sync_sla_seconds=_SLA_SECONDS,
        drift_check_interval_seconds=0.5,
    )
    codes = (_DRIFTED, _STEADY)
    async with running_hub(settings, tmp_path / "ledger.sqlite3") as store:
        await send_envelopes(
            kafka_bootstrap,
            topic_prefix,
            DOSSIER_TOPIC.name,
            *(event(4, at(1, 9), f"e-{code}", code=code) for code in codes),
        )

        async def province_applied() -> bool:
            entries = [await stored_entry(store, code) for code in codes]
            return all(entry is not None for entry in entries)

        await wait_for("the province's events are applied", province_applied)
        now = dt.datetime.now(dt.UTC)
        await send_envelopes(
            kafka_bootstrap,
            topic_prefix,
            PORTAL_OUTCOME_TOPIC.name,
            *(completed(1, 4, now, code=code, event_id=f"ok-{code}") for code in codes),
        )

        async def both_in_step() -> bool:
            entries = [await stored_entry(store, code) for code in codes]
            return all(entry is not None and entry.in_step for entry in entries)

        await wait_for("the portal's acknowledgements are applied", both_in_step)

        async def lookups_requested() -> bool:
            commands = await _commands(kafka_bootstrap, topic_prefix)
            return all(_lookups(commands, code) for code in codes)

        await wait_for("a lookup of each dossier is requested after the drift interval", lookups_requested)

        async def sla_passed() -> bool:  # the rules open a mismatch only past the SLA from the first event
            entries = [await stored_entry(store, code) for code in codes]
            firsts = [
                e.province.first_applied_at for e in entries if e is not None and e.province is not None
            ]
            return len(firsts) == len(codes) and all(
                dt.datetime.now(dt.UTC) - first >= dt.timedelta(seconds=_SLA_SECONDS) for first in firsts
            )

        await wait_for("the sync SLA has passed since the province's events", sla_passed)
        commands = await _commands(kafka_bootstrap, topic_prefix)
        for code in codes:
            (request,) = _lookups(commands, code)  # asked once: no new request while the answer is awaited
            assert request.reason is LookupReason.DRIFT
            stored = await stored_entry(store, code)
            assert stored is not None
            assert stored.portal.lookup_requested_at == request.requested_at
        drifted, steady = (_lookups(commands, code)[0] for code in codes)
        await send_envelopes(
            kafka_bootstrap,
            topic_prefix,
            PORTAL_OUTCOME_TOPIC.name,
            _answer(drifted, DossierStatus.RECEIVED),
            _answer(steady, DossierStatus.PROCESSING),
        )

        async def mismatch_opened() -> bool:
            found = await store.findings(
                FindingQuery(type=FindingType.STATUS_MISMATCH.value, subject=_DRIFTED)
            )
            return any(f.state == FindingState.OPEN.value for f in found)

        await wait_for(
            "a status mismatch opens for the dossier the portal holds at another status", mismatch_opened
        )

        async def resync_published() -> bool:
            return bool(_resyncs(await _commands(kafka_bootstrap, topic_prefix), _DRIFTED))

        await wait_for("the drifted dossier is re-synced", resync_published)

        async def steady_answer_applied() -> bool:
            entry = await stored_entry(store, _STEADY)
            return entry is not None and entry.portal.looked_up_status is DossierStatus.PROCESSING

        await wait_for("the lookup that found the province's status is applied", steady_answer_applied)
        steady_entry = await stored_entry(store, _STEADY)
        assert steady_entry is not None
        assert steady_entry.in_step
        assert steady_entry.findings == ()
        assert await store.findings(FindingQuery(subject=_STEADY)) == ()
        drifted_entry = await stored_entry(store, _DRIFTED)
        assert drifted_entry is not None
        assert not drifted_entry.in_step
        assert drifted_entry.portal.looked_up_status is DossierStatus.RECEIVED

    commands = await _commands(kafka_bootstrap, topic_prefix)
    (resync,) = _resyncs(commands, _DRIFTED)
    assert (resync.revision, resync.dossier.status) == (1, DossierStatus.PROCESSING)
    assert _resyncs(commands, _STEADY) == []
