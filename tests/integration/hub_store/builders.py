"""Builders for the store tests: changes, findings and outbox messages with overridable defaults."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from hub.store import Change, EventId, FindingRecord, OutboxMessage, finding_id

__all__ = ["SOURCE", "T0", "code", "entry_json", "event", "finding", "make_change", "message"]

T0 = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
SOURCE = "H14.1"
SYNC_TOPIC = "lienthong.portal.sync-requested.v1"


def code(n: int = 0) -> str:
    """A dossier code; distinct ``n`` give distinct codes, in the same order."""
    return f"H14.22-250301-{n:04d}"


def event(name: str | None = None, source: str = SOURCE) -> EventId:
    return EventId(source=source, id=name or str(uuid.uuid4()))


def entry_json(dossier_code: str, **fields: Any) -> str:
    """A ledger-entry-like JSON document (the store never parses it); the Vietnamese checks the round trip."""
    return json.dumps({"dossier_code": dossier_code, "note": "Hồ sơ đăng ký kinh doanh", **fields})


def finding(
    subject: str, type_: str = "missing_on_portal", state: str = "open", key: str = "", **overrides: Any
) -> FindingRecord:
    fields: dict[str, Any] = {
        "finding_id": finding_id(type_, subject, key),
        "subject": subject,
        "type": type_,
        "state": state,
        "detail": f"{type_} for {subject}",
        "opened_at": T0,
        "healed_at": T0 + dt.timedelta(hours=1) if state == "healed" else None,
        "data_json": json.dumps({"type": type_, "subject": subject, "key": key}),
    }
    return FindingRecord(**(fields | overrides))


def message(dossier_code: str, n: int = 0, **overrides: Any) -> OutboxMessage:
    fields: dict[str, Any] = {
        "topic": SYNC_TOPIC,
        "key": dossier_code.encode(),
        "value": json.dumps({"dossier_code": dossier_code, "n": n}).encode(),
        "headers": (("ce_id", f"cmd-{dossier_code}-{n}".encode()), ("ce_type", b"portal.sync-requested.v1")),
    }
    return OutboxMessage(**(fields | overrides))


def make_change(dossier_code: str, expected_version: int = 0, **overrides: Any) -> Change:
    fields: dict[str, Any] = {
        "dossier_code": dossier_code,
        "expected_version": expected_version,
        "entry_json": entry_json(dossier_code, version=expected_version + 1),
        "event": event(),
    }
    return Change(**(fields | overrides))
