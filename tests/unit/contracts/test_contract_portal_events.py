"""Portal-flow events refuse snapshots that contradict their own key or purpose."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from contracts import OnlineSubmissionReceived, PortalSyncRequested, SyncReason
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
