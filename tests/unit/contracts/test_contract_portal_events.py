"""Portal-flow events refuse snapshots that contradict their own key or purpose."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from contracts import (
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    DossierStatus,
    Envelope,
    LookupReason,
    OnlineSubmissionReceived,
    PortalLookupCompleted,
    PortalLookupRequested,
    PortalSyncRequested,
    SyncReason,
    decode,
    encode,
    topic_for,
)
from tests.unit.contracts.factories import make_dossier

NOW = dt.datetime(2025, 6, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_sync_request_must_carry_its_own_dossier() -> None:
    with pytest.raises(ValidationError, match=r"dossier\.dossier_code must equal dossier_code"):
        PortalSyncRequested(
            dossier_code="000.00.20.H56-250612-0008",
            revision=1,
            reason=SyncReason.PROVINCE_EVENT,
            requested_at=NOW,
            dossier=make_dossier(),
        )


def test_online_submission_must_be_a_new_registration() -> None:
    processing = make_dossier()
    with pytest.raises(ValidationError, match="carries status 1"):
        OnlineSubmissionReceived(
            dossier_code=processing.dossier_code, portal_cursor=1, submitted_at=NOW, dossier=processing
        )


def test_revision_starts_at_one() -> None:
    dossier = make_dossier()
    with pytest.raises(ValidationError, match="revision"):
        PortalSyncRequested(
            dossier_code=dossier.dossier_code,
            revision=0,
            reason=SyncReason.RESYNC,
            requested_at=NOW,
            dossier=dossier,
        )


def test_a_lookup_travels_as_a_command_and_its_answer_as_an_outcome_keyed_by_dossier() -> None:
    code = make_dossier().dossier_code
    request = PortalLookupRequested(dossier_code=code, reason=LookupReason.DRIFT, requested_at=NOW)
    answer = PortalLookupCompleted(
        dossier_code=code, found=True, status=DossierStatus.PROCESSING, looked_up_at=NOW, requested_at=NOW
    )
    assert (topic_for(request), topic_for(answer)) == (PORTAL_COMMAND_TOPIC, PORTAL_OUTCOME_TOPIC)
    for data in (request, answer):
        record = encode(Envelope(id="lookup-1", source="urn:lienthong:hub", time=NOW, data=data))
        assert record.key == code.encode()
        assert decode(record.key, record.value, record.headers).data == data


def test_a_found_dossier_carries_its_status_and_a_missing_one_none() -> None:
    code = make_dossier().dossier_code
    missing = PortalLookupCompleted(dossier_code=code, found=False, looked_up_at=NOW, requested_at=NOW)
    assert missing.status is None
    with pytest.raises(ValidationError, match="carries the status it holds"):
        PortalLookupCompleted(dossier_code=code, found=True, looked_up_at=NOW, requested_at=NOW)
    with pytest.raises(ValidationError, match="has no status"):
        PortalLookupCompleted(
            dossier_code=code, found=False, status=DossierStatus.RECEIVED, looked_up_at=NOW, requested_at=NOW
        )


def test_a_lookup_request_names_a_known_reason() -> None:
    with pytest.raises(ValidationError, match="reason"):
        PortalLookupRequested.model_validate(
            {"dossier_code": make_dossier().dossier_code, "reason": "curiosity", "requested_at": NOW}
        )
