"""The routing table: every agency identity code the hub has heard of, and where a code leads today.

Built from the identity connector's events (issued, amended, closed with a successor). A closed code is
never reused (Decision 09/2025/QĐ-TTg): issuing, amending or closing it again is refused with a reason, and
the table is left as it was. Amending or closing a code the table never saw issued is accepted — the
registries predate lienthong — and so is a closure whose successor is not known yet (identity events are
keyed by code, so one code's closure can overtake its successor's issue).

:func:`resolve` follows successors from a code until an active code (:class:`Resolved`), a code the table
does not know (:class:`Unknown`), or a code already visited (:class:`Cycle`: reported, never looped on).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from contracts.codes import parse_agency_code
from contracts.events import AgencyCodeClosed, AgencyCodeEvent, AgencyCodeIssued
from hub.rules._model import RuleModel

__all__ = [
    "CodeRecord",
    "CodeState",
    "Cycle",
    "Resolution",
    "Resolved",
    "RoutingTable",
    "TableChange",
    "Unknown",
    "apply_identity_event",
    "province_of",
    "resolve",
]


class CodeState(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class CodeRecord(RuleModel):
    """A code's record after the last decision the hub applied."""

    code: str
    state: CodeState
    name: str
    level: int
    parent_code: str | None = None
    successor_code: str | None = None
    decision_number: str
    decision_date: dt.date


class RoutingTable(RuleModel):
    """Codes by code. Never changed in place: :func:`apply_identity_event` returns a new table."""

    codes: dict[str, CodeRecord] = Field(default_factory=dict)

    def get(self, code: str) -> CodeRecord | None:
        return self.codes.get(code)


@dataclass(frozen=True, slots=True)
class Resolved:
    """``chain`` ends at an active code; the codes before it were closed and followed."""

    chain: tuple[str, ...]

    @property
    def code(self) -> str:
        return self.chain[-1]

    @property
    def followed_from(self) -> tuple[str, ...]:
        return self.chain[:-1]


@dataclass(frozen=True, slots=True)
class Unknown:
    """``chain`` ends at a code the table does not know (the addressed code itself, or a successor)."""

    chain: tuple[str, ...]

    @property
    def code(self) -> str:
        return self.chain[-1]


@dataclass(frozen=True, slots=True)
class Cycle:
    """Closed codes lead back to one already visited; ``chain`` ends with the repeated code."""

    chain: tuple[str, ...]


Resolution = Resolved | Unknown | Cycle


def resolve(table: RoutingTable, code: str) -> Resolution:
    """Where ``code`` leads: successors are followed until an active, unknown or repeated code."""
    chain = [code]
    while True:
        record = table.get(chain[-1])
        if record is None:
            return Unknown(tuple(chain))
        if record.state is CodeState.ACTIVE or record.successor_code is None:
            return Resolved(tuple(chain))
        successor = record.successor_code
        if successor in chain:
            return Cycle((*chain, successor))
        chain.append(successor)


def province_of(code: str) -> str:
    """The level-1 part of a code (``H14`` for ``000.00.20.H14`` and ``H14.07``): the province whose
    one-stop system receives dossiers addressed to it."""
    return parse_agency_code(code).level_1


@dataclass(frozen=True, slots=True)
class TableChange:
    """The table after one identity event; ``refusal`` says why it was left unchanged."""

    table: RoutingTable
    changed: bool
    refusal: str | None = None


def _closed_by(record: CodeRecord) -> str:
    return (
        f"code {record.code} was closed by decision {record.decision_number} of "
        f"{record.decision_date.isoformat()} (successor {record.successor_code})"
    )


def apply_identity_event(table: RoutingTable, event: AgencyCodeEvent) -> TableChange:
    """The table with one registry decision applied, or unchanged with the reason it was refused."""
    found = table.get(event.code)
    successor = event.successor_code if isinstance(event, AgencyCodeClosed) else None
    record = CodeRecord(
        code=event.code,
        state=CodeState.CLOSED if successor is not None else CodeState.ACTIVE,
        name=event.name,
        level=event.level,
        parent_code=event.parent_code,
        successor_code=successor,
        decision_number=event.decision.number,
        decision_date=event.decision.date,
    )
    if found == record:
        return TableChange(table=table, changed=False)
    if found is not None and found.state is CodeState.CLOSED:
        verb = {AgencyCodeIssued: "issued again", AgencyCodeClosed: "closed again"}.get(
            type(event), "amended"
        )
        return TableChange(
            table=table,
            changed=False,
            refusal=f"{_closed_by(found)}; a closed code is never {verb} or reused",
        )
    if found is not None and isinstance(event, AgencyCodeIssued):
        return TableChange(
            table=table,
            changed=False,
            refusal=(
                f"code {event.code} is already issued (decision {found.decision_number} of "
                f"{found.decision_date.isoformat()}); a change is an amendment"
            ),
        )
    return TableChange(table=RoutingTable(codes={**table.codes, event.code: record}), changed=True)
