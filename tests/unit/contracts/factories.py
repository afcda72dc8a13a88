"""Factories for valid contract events and their Kafka records, with overrides for the field under test."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from contracts import (
    AgencyCodeClosed,
    DossierStatusChanged,
    Envelope,
    EventData,
    KafkaRecord,
    PaymentSucceeded,
    encode,
)

VN = dt.timezone(dt.timedelta(hours=7))
RECEIVED = dt.datetime(2025, 6, 12, 8, 30, tzinfo=VN)
PERSONAL_ID = "004095001234"
APPLICANT_NAME = "Nguyễn Thị Hồng Nhung"
PHONE = "0912345678"
SOURCE = "000.00.20.H56"


def dossier_fields(**overrides: Any) -> dict[str, Any]:
    """JSON-compatible data of a valid dossier in processing (status 4), with ``overrides`` applied."""
    fields: dict[str, Any] = {
        "dossier_code": "000.00.20.H56-250612-0007",
        "procedure_code": "2.000815.000.00.00.H56",
        "procedure_name": "Chứng thực bản sao từ bản chính",
        "receiving_agency_code": "000.00.20.H56",
        "status": 4,
        "status_changed_at": "2025-06-12T09:00:00+07:00",
        "channel": 2,
        "received_at": RECEIVED.isoformat(),
        "due_at": (RECEIVED + dt.timedelta(days=3)).isoformat(),
        "applicant": {"kind": "citizen", "name": APPLICANT_NAME, "personal_id": PERSONAL_ID, "phone": PHONE},
        "components": [
            {
                "code": "TP01",
                "name": "Tờ khai đề nghị chứng thực",
                "digitised": True,
                "reused": True,
                "from_national_data_store": False,
            }
        ],
        "fees": [
            {"name": "Lệ phí chứng thực", "code": "LP01", "collection_method": "online", "amount": 2000}
        ],
        "vneid_verified": True,
        "online_payment": 1,
    }
    fields.update(overrides)
    return fields


def make_dossier(**overrides: Any) -> DossierStatusChanged:
    return DossierStatusChanged.model_validate(dossier_fields(**overrides))


def payment_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "reference": "000.00.20.H56-250612-0007-20250612093000",
        "dossier_code": "000.00.20.H56-250612-0007",
        "amount": 52000,
        "lines": [
            {"kind": "fee", "name": "Phí thẩm định", "amount": 50000},
            {"kind": "charge", "name": "Lệ phí", "code": "LP01", "amount": 2000},
        ],
        "occurred_at": "2025-06-12T09:30:00+07:00",
        "transaction_id": "PG20250612000123",
        "bank_code": "VCB",
    }
    fields.update(overrides)
    return fields


def make_payment(**overrides: Any) -> PaymentSucceeded:
    return PaymentSucceeded.model_validate(payment_fields(**overrides))


def closure_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "code": "000.00.00.H34",
        "name": "Ủy ban nhân dân tỉnh Thái Bình",
        "level": 1,
        "decision": {"number": "09/2025/QĐ-TTg", "date": "2025-06-12", "issuer": "Thủ tướng Chính phủ"},
        "successor_code": "000.00.00.H31",
    }
    fields.update(overrides)
    return fields


def make_closure(**overrides: Any) -> AgencyCodeClosed:
    return AgencyCodeClosed.model_validate(closure_fields(**overrides))


def make_envelope(data: EventData | None = None, **overrides: Any) -> Envelope[EventData]:
    fields: dict[str, Any] = {
        "id": "0b5c9d0e-2f1a-4c1e-9f5e-1d2c3b4a5f60",
        "source": SOURCE,
        "time": dt.datetime(2025, 6, 12, 9, 0, 1, tzinfo=VN),
        "data": data if data is not None else make_dossier(),
    }
    fields.update(overrides)
    return Envelope(**fields)


def record_of(
    data: dict[str, Any] | EventData | None = None,
    *,
    event_type: str = DossierStatusChanged.event_type,
    key: bytes | str | None = "subject",
    headers: dict[str, bytes | None] | None = None,
    drop: tuple[str, ...] = (),
    value: bytes | str | None = "data",
) -> tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]:
    """``(key, value, headers)`` of a record carrying ``data`` (JSON data may be invalid), with overrides.

    ``key="subject"`` and ``value="data"`` mean: derived from the data. ``headers`` replaces header values,
    ``drop`` removes headers.
    """
    if data is None:
        data = make_dossier()
    document = data.model_dump(mode="json") if isinstance(data, EventData) else data
    subject = str(document.get("dossier_code", document.get("code", "?")))
    base: KafkaRecord = encode(make_envelope())
    found: dict[str, bytes | None] = dict(base.headers)
    found["ce_type"] = event_type.encode()
    found["ce_subject"] = subject.encode()
    found.update(headers or {})
    for name in drop:
        del found[name]
    body = json.dumps(document, ensure_ascii=False).encode() if value == "data" else value
    record_key = subject.encode() if key == "subject" else key
    assert not isinstance(body, str)
    assert not isinstance(record_key, str)
    return record_key, body, list(found.items())
