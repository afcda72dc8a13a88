"""Against a real broker: online submissions routed to the province (closed codes followed, unknown codes
parked then released), and the periodic check re-syncing a dossier the portal never acknowledged, healing it
once acknowledged, and dead-lettering a submission whose code was never issued."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from contracts import (
    DOSSIER_TOPIC,
    IDENTITY_TOPIC,
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    ROUTED_SUBMISSION_TOPIC,
    SUBMISSION_TOPIC,
    Envelope,
    PortalSyncRequested,
    SubmissionRouted,
    SyncReason,
    decode,
)
from deploy.topology import ensure_topics, topic_names
from hub.app import dead_letter_topics
from hub.rules import FindingState, FindingType, SubmissionState
from hub.settings import HubSettings
from hub.store import FindingQuery
from tests.fixtures.province import read_topic
from tests.integration.hub_app.traffic import running_hub, send_envelopes, stored_entry, wait_for
from tests.unit.hub.factories import AGENCY, CODE, at, closed, completed, envelope, event, issued, submission

pytestmark = pytest.mark.kafka

_PROVINCE = "000.00.00.H14"
_CLOSED = "000.00.41.H14"
_LATE = "000.00.42.H14"


def _settings(bootstrap: str, prefix: str, group: str, **overrides: Any) -> HubSettings:
    return HubSettings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        group_id=group,
        http_enabled=False,
        relay_interval_seconds=0.2,
        **overrides,
    )


def _identity(data: Any, n: int) -> Envelope[Any]:
    return envelope(data, f"registry-{n}", source="urn:lienthong:connector:identity")


async def test_submissions_reach_the_province_through_successors_and_after_parking(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    await ensure_topics(kafka_bootstrap, topic_names(topic_prefix))
    direct = submission(cursor=1)
    via_closed = submission(code=f"{_CLOSED}-250701-0001", agency=_CLOSED, cursor=2)
    late = submission(code=f"{_LATE}-250701-0001", agency=_LATE, cursor=3)
    registry = [issued(_PROVINCE, parent=None), issued(AGENCY), issued(_CLOSED), closed(_CLOSED, AGENCY)]
    await send_envelopes(
        kafka_bootstrap,
        topic_prefix,
        IDENTITY_TOPIC.name,
        *(_identity(data, n) for n, data in enumerate(registry)),
    )
    settings = _settings(kafka_bootstrap, topic_prefix, group_id)
    async with running_hub(settings, tmp_path / "ledger.sqlite3") as store:

        async def table_loaded() -> bool:
            stored = await store.get_state("routing_table")
            return stored is not None and _CLOSED in stored.value_json and '"closed"' in stored.value_json

        await wait_for("the registry is applied", table_loaded)
        await send_envelopes(kafka_bootstrap, topic_prefix, SUBMISSION_TOPIC.name, direct, via_closed, late)

        async def late_parked() -> bool:
            entry = await stored_entry(store, late.subject)
            return entry is not None and entry.submission is not None

        await wait_for("the submission for the unknown code is recorded", late_parked)
        parked = await stored_entry(store, late.subject)
        assert parked is not None
        assert parked.submission is not None
        assert parked.submission.state is SubmissionState.PARKED
        await send_envelopes(kafka_bootstrap, topic_prefix, IDENTITY_TOPIC.name, _identity(issued(_LATE), 9))

        async def released() -> bool:
            entry = await stored_entry(store, late.subject)
            return entry is not None and entry.submission is not None and entry.submission.routed_to == _LATE

        await wait_for("the parked submission is released", released)

        async def three_published() -> bool:
            routed = await read_topic(kafka_bootstrap, f"{topic_prefix}{ROUTED_SUBMISSION_TOPIC.name}")
            return len(routed) >= 3

        await wait_for("three routed submissions are published", three_published)
        lot = await store.get_state("parking_lot")
        assert lot is not None
        assert '"items":[]' in lot.value_json.replace(" ", "")

    records = await read_topic(kafka_bootstrap, f"{topic_prefix}{ROUTED_SUBMISSION_TOPIC.name}")
    routed = [decode(r.key, r.value, r.headers).data for r in records]
    assert all(isinstance(item, SubmissionRouted) for item in routed)
    by_code = {item.dossier_code: item for item in routed if isinstance(item, SubmissionRouted)}
    assert len(by_code) == len(routed) == 3, "each submission is published once"
    assert (by_code[CODE].receiving_agency_code, by_code[CODE].followed_from) == (AGENCY, ())
    assert by_code[via_closed.subject].receiving_agency_code == AGENCY
    assert by_code[via_closed.subject].followed_from == (_CLOSED,)
    assert by_code[late.subject].receiving_agency_code == _LATE
    assert [r.key for r in records if r.key is not None] == [
        item.dossier_code.encode() for item in routed if isinstance(item, SubmissionRouted)
    ]


async def test_the_periodic_check_resyncs_the_unacknowledged_and_heals_once_acknowledged(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    await ensure_topics(kafka_bootstrap, topic_names(topic_prefix))
    settings = _settings(
        kafka_bootstrap,
        topic_prefix,
        group_id,
        reconcile_interval_seconds=0.3,
        sync_sla_seconds=1.0,
        resync_interval_seconds=60.0,
    )
    async with running_hub(settings, tmp_path / "ledger.sqlite3") as store:
        await send_envelopes(kafka_bootstrap, topic_prefix, DOSSIER_TOPIC.name, event(4, at(1, 9), "e-1"))

        async def missing_opened() -> bool:
            found = await store.findings(FindingQuery(type=FindingType.MISSING_ON_PORTAL.value))
            return any(f.state == FindingState.OPEN.value for f in found)

        await wait_for("a missing-on-portal finding opens past the SLA", missing_opened)

        async def resync_published() -> bool:
            records = await read_topic(kafka_bootstrap, f"{topic_prefix}{PORTAL_COMMAND_TOPIC.name}")
            return len(records) >= 2

        await wait_for("a re-sync command is published", resync_published)
        await send_envelopes(
            kafka_bootstrap, topic_prefix, PORTAL_OUTCOME_TOPIC.name, completed(1, 4, at(1, 9, 5))
        )

        async def healed() -> bool:
            found = await store.findings(FindingQuery(type=FindingType.MISSING_ON_PORTAL.value))
            return bool(found) and all(f.state == FindingState.HEALED.value for f in found)

        await wait_for("the finding heals once the portal acknowledged", healed)
        await asyncio.sleep(1.0)  # more rounds run: nothing more is sent for an acknowledged dossier

    records = await read_topic(kafka_bootstrap, f"{topic_prefix}{PORTAL_COMMAND_TOPIC.name}")
    commands = [decode(r.key, r.value, r.headers).data for r in records]
    reasons = [c.reason for c in commands if isinstance(c, PortalSyncRequested)]
    assert reasons == [SyncReason.PROVINCE_EVENT, SyncReason.RESYNC], "one re-sync within the resync interval"


async def test_a_submission_whose_code_is_never_issued_is_left_to_an_operator(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    settings = _settings(
        kafka_bootstrap, topic_prefix, group_id, reconcile_interval_seconds=0.3, park_grace_seconds=1.0
    )
    await ensure_topics(kafka_bootstrap, [*topic_names(topic_prefix), *dead_letter_topics(settings)])
    never = submission(code=f"{_LATE}-250701-0001", agency=_LATE, cursor=1)
    async with running_hub(settings, tmp_path / "ledger.sqlite3") as store:
        await send_envelopes(kafka_bootstrap, topic_prefix, SUBMISSION_TOPIC.name, never)

        async def dead_lettered() -> bool:
            entry = await stored_entry(store, never.subject)
            return (
                entry is not None
                and entry.submission is not None
                and entry.submission.state is SubmissionState.DEAD_LETTERED
            )

        await wait_for("the parked submission expires", dead_lettered)
        found = await store.findings(FindingQuery(state=FindingState.NEEDS_OPERATOR.value))
        expected = [(never.subject, FindingType.UNKNOWN_AGENCY_CODE.value)]
        assert [(f.subject, f.type) for f in found] == expected
        lot = await store.get_state("parking_lot")
        assert lot is not None
        assert '"items":[]' in lot.value_json.replace(" ", "")
    routed = await read_topic(kafka_bootstrap, f"{topic_prefix}{ROUTED_SUBMISSION_TOPIC.name}")
    assert routed == []
