"""What the rules return, as the store's records: finding rows and outbox rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contracts import Envelope, encode
from hub.rules import Finding
from hub.store import FindingRecord, OutboxMessage, finding_id

__all__ = ["finding_records", "outbox_message"]


def finding_records(findings: Iterable[Finding]) -> tuple[FindingRecord, ...]:
    """The store's records of ``findings``, one per finding id (the last state wins)."""
    records: dict[str, FindingRecord] = {}
    for finding in findings:
        fid = finding_id(finding.type.value, finding.subject, finding.key)
        records[fid] = FindingRecord(
            finding_id=fid,
            subject=finding.subject,
            type=finding.type.value,
            state=finding.state.value,
            detail=finding.detail,
            opened_at=finding.opened_at,
            healed_at=finding.healed_at,
            data_json=finding.model_dump_json(),
        )
    return tuple(records.values())


def outbox_message(topic: str, envelope: Envelope[Any]) -> OutboxMessage:
    """The outbox row publishing ``envelope`` on ``topic``."""
    record = encode(envelope)
    return OutboxMessage(topic=topic, value=record.value, key=record.key, headers=record.headers)
