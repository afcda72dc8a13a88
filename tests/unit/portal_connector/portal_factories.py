"""Factories of dossier snapshots and sync commands for the portal connector's tests (keyword overrides)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from contracts import DossierStatusChanged, Envelope, EventData, PortalSyncRequested, SyncReason

VN = dt.timezone(dt.timedelta(hours=7))
RECEIVED = dt.datetime(2025, 6, 12, 8, 0, tzinfo=VN)
PERSONAL_ID = "004095001234"
APPLICANT_NAME = "Nông Văn An"
AGENCY = "000.00.20.H14"
PROVINCE_SOURCE = "000.00.00.H14"


def dossier_code(sequence: int, agency: str = AGENCY) -> str:
    return f"{agency}-250612-{sequence:04d}"


def snapshot_fields(code: str = dossier_code(7), status: int = 2, **overrides: Any) -> dict[str, Any]:
    """A valid snapshot at ``status``, with the dates that status needs."""
    fields: dict[str, Any] = {
        "dossier_code": code,
        "procedure_code": "2.000815",
        "procedure_name": "Chứng thực bản sao từ bản chính",
        "field_code": "CTHC",
        "receiving_agency_code": code.rsplit("-", 2)[0],
        "status": status,
        "status_changed_at": RECEIVED + dt.timedelta(hours=status),
        "channel": 1,
        "applicant": {"kind": "citizen", "name": APPLICANT_NAME, "personal_id": PERSONAL_ID},
        "components": [
            {
                "code": "TP1",
                "name": "Bản chính giấy tờ",
                "digitised": True,
                "reused": True,
                "from_national_data_store": False,
            },
            {
                "code": "TP2",
                "name": "Căn cước công dân",
                "digitised": True,
                "reused": False,
                "from_national_data_store": True,
            },
        ],
        "fees": [
            {"name": "Lệ phí chứng thực", "code": "LP01", "collection_method": "online", "amount": 6000}
        ],
        "vneid_verified": True,
        "online_payment": 1,
    }
    if status == 1:
        fields["channel"] = 2
        fields["status_changed_at"] = RECEIVED - dt.timedelta(hours=1)
    elif status not in (3, 7):
        fields["received_at"] = RECEIVED
        fields["due_at"] = RECEIVED + dt.timedelta(days=3)
    if status in (9, 10):
        fields["processed_at"] = RECEIVED + dt.timedelta(days=1)
    if status == 10:
        fields["delivered_at"] = RECEIVED + dt.timedelta(days=2)
    if status == 5:
        fields["supplements"] = [
            {"requested_at": RECEIVED + dt.timedelta(hours=5), "reason": "Thiếu bản sao"}
        ]
    fields.update(overrides)
    return fields


def make_snapshot(code: str = dossier_code(7), status: int = 2, **overrides: Any) -> DossierStatusChanged:
    return DossierStatusChanged.model_validate(snapshot_fields(code, status, **overrides))


def make_command(
    code: str = dossier_code(7), status: int = 2, revision: int = 1, **overrides: Any
) -> PortalSyncRequested:
    return PortalSyncRequested(
        dossier_code=code,
        revision=revision,
        reason=SyncReason.PROVINCE_EVENT,
        requested_at=RECEIVED + dt.timedelta(hours=status, seconds=1),
        dossier=make_snapshot(code, status, **overrides),
    )


def command_envelope(command: PortalSyncRequested, event_id: str | None = None) -> Envelope[EventData]:
    return Envelope(id=event_id or str(uuid.uuid4()), source="lienthong-hub", data=command)
