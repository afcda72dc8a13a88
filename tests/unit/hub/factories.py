"""Factories for the hub's rule tests: dossier snapshots at a status, envelopes, outcomes, payments, codes.

Times are July 2025 in Vietnam (``at(day, hour)``); every factory takes overrides for the field under test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import (
    AgencyCodeAmended,
    AgencyCodeClosed,
    AgencyCodeIssued,
    DossierStatusChanged,
    Envelope,
    EventData,
    OnlineSubmissionReceived,
    PortalSyncCompleted,
    PortalSyncFailed,
)
from contracts.events import (
    PaymentEvent,
    PaymentFailed,
    PaymentInitiated,
    PaymentPending,
    PaymentRefunded,
    PaymentSucceeded,
)
from contracts.timestamps import VIETNAM_TIME
from hub.rules import LedgerEntry, RoutingTable, apply_dossier_event, on_identity_event
from hub.rules.parking import ParkingLot
from tests.unit.contracts.factories import dossier_fields

AGENCY = "000.00.40.H14"
PROVINCE_SOURCE = "000.00.00.H14"
CODE = f"{AGENCY}-250701-0001"
FEE = 52_000
DECISION = {"number": "1135/QĐ-UBND", "date": "2025-07-01", "issuer": "Ủy ban nhân dân tỉnh Cao Bằng"}

_PAYMENT_KINDS: dict[str, type[PaymentEvent]] = {
    "initiated": PaymentInitiated,
    "pending": PaymentPending,
    "succeeded": PaymentSucceeded,
    "failed": PaymentFailed,
    "refunded": PaymentRefunded,
}


def at(day: int, hour: int = 8, minute: int = 0, *, month: int = 7) -> dt.datetime:
    """``day``/``month``/2025 at ``hour:minute`` in Vietnam."""
    return dt.datetime(2025, month, day, hour, minute, tzinfo=VIETNAM_TIME)


def fee_lines(*amounts: int) -> list[dict[str, Any]]:
    return [
        {"name": f"Lệ phí {i}", "code": f"LP{i:02d}", "collection_method": "online", "amount": amount}
        for i, amount in enumerate(amounts, start=1)
    ]


def component(*, reused: bool = False, digitised: bool = False, code: str = "TP01") -> dict[str, Any]:
    return {
        "code": code,
        "name": "Tờ khai",
        "digitised": digitised,
        "reused": reused,
        "from_national_data_store": False,
    }


def snapshot(
    status: int = 4,
    changed: dt.datetime | None = None,
    *,
    code: str = CODE,
    agency: str = AGENCY,
    received: dt.datetime | None = None,
    due: dt.datetime | None = None,
    processed: dt.datetime | None = None,
    delivered: dt.datetime | None = None,
    rounds: tuple[tuple[dt.datetime, dt.datetime | None], ...] = (),
    results: tuple[bool, ...] = (),
    fees: tuple[int, ...] = (FEE,),
    components: tuple[dict[str, Any], ...] | None = None,
    channel: int = 2,
    online_payment: int = 0,
    **overrides: Any,
) -> DossierStatusChanged:
    """A valid snapshot at ``status``: received 1 July 08:00 and due 3 July 17:00 unless told otherwise."""
    changed = changed or at(1, 9)
    unreceived = status in (1, 3, 7) and received is None
    fields = dossier_fields(
        dossier_code=code,
        receiving_agency_code=agency,
        status=status,
        status_changed_at=changed.isoformat(),
        channel=channel,
        received_at=None if unreceived else (received or at(1, 8)).isoformat(),
        due_at=None if unreceived else (due or at(3, 17)).isoformat(),
        fees=fee_lines(*fees),
        supplements=[
            {"requested_at": r.isoformat()} | ({"returned_at": b.isoformat()} if b else {}) for r, b in rounds
        ],
        results=[
            {"code": f"KQ{i}", "name": "Giấy chứng nhận", "electronic": e} for i, e in enumerate(results)
        ],
        online_payment=online_payment,
    )
    if processed is not None:
        fields["processed_at"] = processed.isoformat()
    if delivered is not None:
        fields["delivered_at"] = delivered.isoformat()
    if components is not None:
        fields["components"] = list(components)
    fields.update(overrides)
    return DossierStatusChanged.model_validate(fields)


def envelope(
    data: EventData, event_id: str = "e1", *, source: str = PROVINCE_SOURCE, time: dt.datetime | None = None
) -> Envelope[Any]:
    """An envelope whose ``time`` defaults to the data's own instant (status change, outcome, step)."""
    if time is None:
        for name in ("status_changed_at", "acknowledged_at", "failed_at", "occurred_at", "submitted_at"):
            if hasattr(data, name):
                time = getattr(data, name)
                break
        else:
            time = at(1, 8)
    return Envelope[Any](id=event_id, source=source, time=time, data=data)


def event(status: int, changed: dt.datetime, event_id: str, **fields: Any) -> Envelope[Any]:
    return envelope(snapshot(status, changed, **fields), event_id)


def applied(*events: Envelope[Any], now: dt.datetime | None = None) -> LedgerEntry:
    """The entry after applying ``events`` in order (each at its own event time unless ``now`` is given)."""
    entry: LedgerEntry | None = None
    for item in events:
        entry = apply_dossier_event(entry, item, now or item.time).entry
    assert entry is not None
    return entry


def completed(
    revision: int,
    status: int = 4,
    acknowledged: dt.datetime | None = None,
    *,
    code: str = CODE,
    event_id: str = "",
) -> Envelope[Any]:
    acknowledged = acknowledged or at(1, 9, 1)
    data = PortalSyncCompleted(
        dossier_code=code,
        revision=revision,
        status=status,
        created=revision == 1,
        attempts=1,
        requested_at=acknowledged - dt.timedelta(seconds=30),
        acknowledged_at=acknowledged,
    )
    return envelope(data, event_id or f"ok-{revision}-{acknowledged.isoformat()}", source="portal-connector")


def failed(
    revision: int, *, retriable: bool, when: dt.datetime | None = None, code: str = CODE, event_id: str = ""
) -> Envelope[Any]:
    when = when or at(1, 9, 1)
    data = PortalSyncFailed(
        dossier_code=code,
        revision=revision,
        retriable=retriable,
        reason_code="portal_unavailable" if retriable else "portal_refused:01",
        message="Cổng không nhận hồ sơ",
        attempts=3,
        requested_at=when - dt.timedelta(seconds=30),
        failed_at=when,
    )
    return envelope(data, event_id or f"ko-{revision}-{when.isoformat()}", source="portal-connector")


def payment(
    kind: str,
    *,
    reference: str = f"{CODE}-20250701090000",
    transaction: str | None = "PG0001",
    amount: int = FEE,
    code: str = CODE,
    when: dt.datetime | None = None,
    event_id: str = "",
) -> Envelope[Any]:
    model = _PAYMENT_KINDS[kind]
    fields: dict[str, Any] = {
        "reference": reference,
        "dossier_code": code,
        "amount": amount,
        "lines": [{"kind": "charge", "name": "Lệ phí 1", "code": "LP01", "amount": amount}],
        "occurred_at": (when or at(1, 9, 30)).isoformat(),
    }
    if transaction is not None:
        fields["transaction_id"] = transaction
    data = model.model_validate(fields)
    return envelope(data, event_id or f"pay-{kind}-{reference}-{transaction}", source="payment-connector")


def issued(
    code: str, *, parent: str | None = "000.00.00.H14", name: str = "Ủy ban nhân dân xã Bảo Lâm"
) -> Any:
    return AgencyCodeIssued.model_validate(
        {"code": code, "name": name, "parent_code": parent, "level": 2 if parent else 1, "decision": DECISION}
    )


def amended(code: str, *, name: str = "Ủy ban nhân dân xã Bảo Lâm (đổi tên)") -> Any:
    return AgencyCodeAmended.model_validate(
        {
            "code": code,
            "name": name,
            "parent_code": "000.00.00.H14",
            "level": 2,
            "decision": DECISION | {"number": "1200/QĐ-UBND"},
        }
    )


def closed(code: str, successor: str) -> Any:
    return AgencyCodeClosed.model_validate(
        {
            "code": code,
            "name": "Ủy ban nhân dân huyện cũ",
            "parent_code": "000.00.00.H14",
            "level": 2,
            "successor_code": successor,
            "decision": DECISION | {"number": "1136/QĐ-UBND"},
        }
    )


def table_of(*events: Any, now: dt.datetime | None = None) -> RoutingTable:
    """The routing table after the identity ``events`` (data), in order."""
    table, lot = RoutingTable(), ParkingLot()
    for i, data in enumerate(events):
        decision = on_identity_event(table, lot, envelope(data, f"id-{i}", source="identity"), now or at(1))
        assert decision.refusal is None, decision.refusal
        table, lot = decision.table, decision.lot
    return table


def submission(
    *,
    code: str = CODE,
    agency: str = AGENCY,
    cursor: int = 1,
    when: dt.datetime | None = None,
    event_id: str = "",
) -> Envelope[Any]:
    when = when or at(1, 7)
    dossier = snapshot(1, when, code=code, agency=agency)
    data = OnlineSubmissionReceived(
        dossier_code=code, portal_cursor=cursor, submitted_at=when, dossier=dossier
    )
    return envelope(data, event_id or f"portal-submission-{cursor}", source="portal-connector")
