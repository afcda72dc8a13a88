"""Importing registry files: validate every decision, publish the new ones, remember what was published.

For each file, in the order given: a file imported before without a rejected row (same bytes) is skipped
whole. Otherwise every row is checked — its shape (:func:`connectors.identity.records.event_of`), then
against what the earlier decisions say (the ledger, plus the rows accepted before it):

* a closed code is never reused: issuing, amending or closing it again is rejected;
* issuing a code already issued is rejected (a change is an ``amend``);
* a closed successor, or a closed parent of an issued or amended code, is rejected (name the code that
  took over);
* a row whose event id (code + action + decision number) was published before is skipped when its content is
  the same, and rejected when it differs (a change needs a new decision).

Accepted rows are published (``AgencyCodeIssued/Amended/Closed``, key = agency code, deterministic ids) and,
once Kafka acknowledged all of them, taken into the ledger, which is saved. Rejected rows are reported with
their line numbers and published nothing; the other rows of the file still are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from connectors.identity.ledger import CodeStanding, ImportLedger, data_digest, event_id
from connectors.identity.records import Action, RegistryRow, RowProblemError, event_of, read_registry
from contracts import Envelope, EventData
from contracts.events import AgencyCodeClosed, AgencyCodeEvent
from contracts.timestamps import VIETNAM_TIME

__all__ = ["Accepted", "BatchSink", "FileReport", "RegistryImporter", "Rejection", "plan_rows"]

_log = structlog.get_logger("identity.importer")


class BatchSink(Protocol):
    """What the importer publishes through: :class:`connectors.publishing.EventPublisher` or a test double."""

    async def publish_many(self, envelopes: Sequence[Envelope[EventData]]) -> list[tuple[str, int, int]]: ...


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not published, and why."""

    path: Path
    line: int
    code: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code or '-'}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Accepted:
    """A row to publish."""

    line: int
    action: Action
    event: AgencyCodeEvent

    @property
    def event_id(self) -> str:
        return event_id(self.event.code, self.action, self.event.decision.number)


@dataclass
class FileReport:
    """What became of one file."""

    path: Path
    unchanged: bool = False
    published: Counter[str] = field(default_factory=Counter)
    already_imported: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def published_total(self) -> int:
        return sum(self.published.values())


def _conflict(action: Action, event: AgencyCodeEvent, codes: dict[str, CodeStanding]) -> str | None:
    standing = codes.get(event.code)
    if standing is not None and standing.closed:
        if action is Action.ISSUE:
            return f"code was closed by {standing.describe()}; a closed code is never reused"
        if action is Action.AMEND:
            return f"code is closed ({standing.describe()}); a closed code cannot be amended"
        return f"code is already closed by {standing.describe()}"
    if action is Action.ISSUE and standing is not None:
        return f"code is already issued ({standing.describe()}); a change to it is an amend"
    # Closing a child of a closed body is fine (closures come in any order); issuing or amending one is not.
    related: list[tuple[str, str | None]] = []
    if isinstance(event, AgencyCodeClosed):
        related.append(("successor", event.successor_code))
    if action is not Action.CLOSE:
        related.append(("parent", event.parent_code))
    for role, code in related:
        other = codes.get(code) if code is not None else None
        if other is not None and other.closed:
            return f"{role} {code} is closed ({other.describe()}); name its successor {other.successor}"
    return None


def plan_rows(
    path: Path, rows: Sequence[RegistryRow], ledger: ImportLedger
) -> tuple[list[Accepted], int, list[Rejection]]:
    """Which rows to publish, how many were imported before, which are rejected; ``ledger`` is unchanged."""
    scratch = ImportLedger(events=dict(ledger.events), codes=dict(ledger.codes))
    accepted: list[Accepted] = []
    rejected: list[Rejection] = []
    already = 0
    for row in rows:
        code = row.fields.get("code") if isinstance(row.fields.get("code"), str) else None
        try:
            action, event = event_of(row.fields)
        except RowProblemError as exc:
            rejected.append(Rejection(path, row.line, code, str(exc)))
            continue
        candidate = Accepted(row.line, action, event)
        known = scratch.events.get(candidate.event_id)
        if known is not None:
            if known == data_digest(event):
                already += 1
            else:
                reason = (
                    f"{action} by decision {event.decision.number} was imported before with other content; "
                    "a change needs a new decision"
                )
                rejected.append(Rejection(path, row.line, event.code, reason))
            continue
        problem = _conflict(action, event, scratch.codes)
        if problem is not None:
            rejected.append(Rejection(path, row.line, event.code, problem))
            continue
        scratch.apply(action, event)
        accepted.append(candidate)
    return accepted, already, rejected


def _decision_time(event: AgencyCodeEvent) -> dt.datetime:
    return dt.datetime.combine(event.decision.date, dt.time(), tzinfo=VIETNAM_TIME)


class RegistryImporter:
    """Imports registry files into Kafka (or only checks them, without a sink)."""

    def __init__(
        self, sink: BatchSink | None, state_file: Path, *, source: str, batch_size: int = 500
    ) -> None:
        self._sink = sink
        self._state_file = state_file
        self._source = source
        self._batch_size = batch_size

    async def import_files(self, paths: Sequence[Path]) -> list[FileReport]:
        """Import ``paths`` in order; without a sink, check them only (nothing published or saved)."""
        ledger = ImportLedger.load(self._state_file)
        return [await self._import(path, ledger) for path in paths]

    async def _import(self, path: Path, ledger: ImportLedger) -> FileReport:
        content, rows = read_registry(path)
        digest = hashlib.sha256(content).hexdigest()
        report = FileReport(path)
        if digest in ledger.files:
            report.unchanged = True
            return report
        accepted, report.already_imported, report.rejected = plan_rows(path, rows, ledger)
        envelopes: list[Envelope[EventData]] = [
            Envelope(id=item.event_id, source=self._source, time=_decision_time(item.event), data=item.event)
            for item in accepted
        ]
        if self._sink is not None:
            for start in range(0, len(envelopes), self._batch_size):
                await self._sink.publish_many(envelopes[start : start + self._batch_size])
        for item in accepted:
            ledger.apply(item.action, item.event)
            report.published[item.action.value] += 1
        if self._sink is None:  # a check: later files see this one's decisions, nothing is saved
            return report
        if not report.rejected:
            ledger.record_file(digest, path, len(accepted))
        ledger.save(self._state_file)
        _log.info(
            "registry imported",
            file=str(path),
            published=report.published_total,
            already_imported=report.already_imported,
            rejected=len(report.rejected),
        )
        return report
