"""The audit log of the dead-letter tool: one JSON record per operator action and per dead letter touched.

Records travel on ``<prefix>lienthong.dlq.audit.v1`` (one partition, kept forever: the state is rebuilt from
it) as compact JSON, in two kinds::

    {"kind": "action", "action_id", "action": "replay"|"discard"|"show", "operator", "at", "dry_run",
     "selection": {ids, topics, reasons, agencies, dossiers, since, until, all}, "options": {…},
     "result": {counts…, "errors": […]}}
    {"kind": "letter", "action_id", "action": "replay"|"discard", "operator", "at", "letter": "T:P:O",
     "target": topic replayed to | null, "reason": discard reason | null, "event_id": ce_id | null}

A letter record is written once the effect is durable (the replayed record acknowledged by Kafka); the
action record closes the action with its result. :class:`AuditState` is what replay, discard, list and show
need from the log: which dead letters were replayed (to which topic) and which were discarded.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from hub.dlq.errors import InvalidLetterIdError
from hub.dlq.letters import LetterId

__all__ = [
    "AUDIT_TOPIC",
    "ActionRecord",
    "AuditRecord",
    "AuditState",
    "LetterRecord",
    "audit_value",
    "new_action_id",
    "parse_audit",
]

AUDIT_TOPIC = "lienthong.dlq.audit.v1"

Action = Literal["replay", "discard", "show"]


def new_action_id() -> str:
    return str(uuid.uuid4())


class _Record(BaseModel):
    # extra="ignore": a newer tool may add fields; an older one still rebuilds the state from the log.
    model_config = ConfigDict(frozen=True, extra="ignore")

    action_id: str
    operator: str
    at: AwareDatetime


class ActionRecord(_Record):
    """One operator action and its result."""

    kind: Literal["action"] = "action"
    action: Action
    dry_run: bool = False
    selection: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] = Field(default_factory=dict)


class LetterRecord(_Record):
    """One dead letter replayed (to ``target``) or discarded (for ``reason``)."""

    kind: Literal["letter"] = "letter"
    action: Literal["replay", "discard"]
    letter: str
    target: str | None = None
    reason: str | None = None
    event_id: str | None = None


AuditRecord = Annotated[ActionRecord | LetterRecord, Field(discriminator="kind")]
_RECORD: TypeAdapter[ActionRecord | LetterRecord] = TypeAdapter(AuditRecord)


def audit_value(record: ActionRecord | LetterRecord) -> bytes:
    """The Kafka value of an audit record."""
    return record.model_dump_json().encode()


def parse_audit(value: bytes | None) -> ActionRecord | LetterRecord | None:
    """The audit record in ``value``; ``None`` for anything else (a foreign record is not fatal)."""
    if not value:
        return None
    try:
        return _RECORD.validate_json(value)
    except ValidationError:
        return None


@dataclass
class AuditState:
    """What the audit log says about dead letters: the only per-letter state the tool keeps."""

    replayed: dict[LetterId, tuple[str, ...]] = field(default_factory=dict)
    """Each replayed dead letter → the topics it was replayed to (interned: a handful of distinct names)."""
    discarded: set[LetterId] = field(default_factory=set)
    malformed: int = 0
    """Records on the audit topic that are not audit records (ignored)."""

    def apply(self, record: ActionRecord | LetterRecord | None) -> None:
        if record is None:
            self.malformed += 1
            return
        if not isinstance(record, LetterRecord):
            return
        try:
            letter_id = LetterId.parse(record.letter)
        except InvalidLetterIdError:
            self.malformed += 1
            return
        if record.action == "discard":
            self.discarded.add(letter_id)
        elif record.target:
            targets = self.replayed.get(letter_id, ())
            if record.target not in targets:
                self.replayed[letter_id] = (*targets, sys.intern(record.target))

    def replayed_to(self, letter_id: LetterId) -> tuple[str, ...]:
        return self.replayed.get(letter_id, ())

    def is_discarded(self, letter_id: LetterId) -> bool:
        return letter_id in self.discarded
