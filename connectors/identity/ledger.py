"""What the identity connector has already published: the processed-state file that makes imports idempotent.

A JSON file (``.state/identity/imported.json`` by default), rewritten atomically (a temporary file renamed
over it) after each registry file's events were acknowledged by Kafka::

    {"format": 1,
     "files":  {"<sha256 of a file's bytes>": {"path", "imported_at", "events"}},
     "events": {"<event id>": "<sha256 of the event's data>"},
     "codes":  {"<agency code>": {"status": "active" | "closed", "action", "decision_number",
                                  "decision_date", "successor"}}}

``files`` lists registry files imported without a rejected row (an unchanged one is skipped whole);
``events`` every published event id with a digest of its data (the same id with other data is a change
without a new decision, and is rejected); ``codes`` where each code stands after the decisions seen, which is
what the importer checks new decisions against (a closed code is never reused).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from connectors.errors import RegistryError
from connectors.identity.records import Action
from contracts.events import AgencyCodeClosed, AgencyCodeEvent

__all__ = ["EVENT_ID_NAMESPACE", "CodeStanding", "ImportLedger", "data_digest", "event_id"]

EVENT_ID_NAMESPACE: Final = uuid.UUID("0c4f6a2e-8b1d-5f3a-a7e9-2d6b4c8e1f03")
"""The UUIDv5 namespace of identity event ids (fixed forever: changing it changes every id)."""

_FORMAT = 1


def event_id(code: str, action: Action, decision_number: str) -> str:
    """The CloudEvents id of a decision about a code: the same row always yields the same id."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{code}|{action.value}|{decision_number}"))


def data_digest(event: AgencyCodeEvent) -> str:
    return hashlib.sha256(event.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CodeStanding:
    """Where a code stands after the decisions seen."""

    status: str
    action: str
    decision_number: str
    decision_date: str
    successor: str | None = None

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    def describe(self) -> str:
        return f"decision {self.decision_number} of {self.decision_date}"


@dataclass
class ImportLedger:
    """The processed state, in memory; :meth:`load` and :meth:`save` move it to and from its file."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, str] = field(default_factory=dict)
    codes: dict[str, CodeStanding] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ImportLedger:
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != _FORMAT:
                raise ValueError(f"format {raw.get('format')!r}, expected {_FORMAT}")
            return cls(
                files=dict(raw["files"]),
                events=dict(raw["events"]),
                codes={code: CodeStanding(**standing) for code, standing in raw["codes"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RegistryError(f"{path}: unreadable import state: {exc}") from exc

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "format": _FORMAT,
            "files": self.files,
            "events": self.events,
            "codes": {code: asdict(standing) for code, standing in sorted(self.codes.items())},
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def apply(self, action: Action, event: AgencyCodeEvent) -> None:
        """Take a published decision into account."""
        self.events[event_id(event.code, action, event.decision.number)] = data_digest(event)
        self.codes[event.code] = CodeStanding(
            status="closed" if action is Action.CLOSE else "active",
            action=action.value,
            decision_number=event.decision.number,
            decision_date=event.decision.date.isoformat(),
            successor=event.successor_code if isinstance(event, AgencyCodeClosed) else None,
        )

    def record_file(self, digest: str, path: Path, events: int) -> None:
        self.files[digest] = {
            "path": str(path),
            "imported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "events": events,
        }
