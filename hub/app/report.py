"""The hub's report: what the ledger holds, how far the portal is in step, the findings, the national-index
indicators and sync freshness, as one JSON document (served at ``/report``)::

    {"as_of", "generated_at", "query": {"scope", "granularity", "period"},
     "dossiers": {"total", "from_province", "portal_only", "unseen", "in_step", "pending_sync"},
     "syncs": {"commands", "revisions", "acknowledged", "unacknowledged"},
     "findings": {"by_type": {type: {state: n}}, "by_state": {state: n},
                  "needs_operator": [finding…], "needs_operator_total"},
     "indicators": {"province": {granularity: {period: cell}}, "units": {unit: {…}}},
     "freshness": {"province": {granularity: {period: {"synced", "pending", "p50_seconds", …}}}, "units": …}}

``indicators`` has the layout of the simulator truth's ``indicators`` (:meth:`IndicatorTable.as_json`),
judged at ``as_of``; ``scope``, ``granularity`` and ``period`` narrow ``indicators`` and ``freshness``
(both keep their ``province`` and ``units`` keys, empty when out of scope). ``dossiers``, ``syncs`` and
``findings`` are the whole ledger as it is now. A finding shows codes, statuses and amounts only (the rules
never put personal data in a detail), so the report carries no personal data.

:func:`report_document` assembles figures already computed (pure); :func:`assemble_report` computes them from
entries in memory; :func:`build_report` streams the store's entries instead of loading them all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable, Collection, Coroutine, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from hub.rules import (
    PROVINCE,
    Finding,
    FindingState,
    FindingType,
    Freshness,
    FreshnessTable,
    Granularity,
    IndicatorTable,
    LedgerEntry,
    RoutingTable,
    compute_indicators,
    sync_freshness,
)
from hub.store import FindingQuery, FindingRecord, LedgerStore, StoredEntry

__all__ = [
    "NEEDS_OPERATOR_LIMIT",
    "LedgerCounts",
    "ReportQuery",
    "assemble_report",
    "build_report",
    "finding_json",
    "parse_instant",
    "period_granularity",
    "report_document",
]

NEEDS_OPERATOR_LIMIT = 200
"""Findings waiting for an operator listed in the report (``needs_operator_total`` counts them all)."""
_BATCH = 500
_BRIDGE_TIMEOUT_SECONDS = 300.0
_PERIOD_FORMS = (
    (Granularity.DAY, re.compile(r"\d{4}-\d{2}-\d{2}")),
    (Granularity.MONTH, re.compile(r"\d{4}-\d{2}")),
    (Granularity.QUARTER, re.compile(r"\d{4}-Q[1-4]")),
)
# an unencoded "+07:00" in a query string arrives as " 07:00"
_LOST_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$")

T = TypeVar("T")


def parse_instant(text: str) -> dt.datetime:
    """An RFC 3339 instant (``2025-07-31T17:00:00+07:00``, ``…Z``); ValueError when it is not one."""
    text = text.strip()
    try:
        moment = dt.datetime.fromisoformat(_LOST_PLUS.sub(r"\1+\2", text))
    except ValueError:
        raise ValueError(
            f"as_of must be an RFC 3339 instant such as 2025-07-31T17:00:00+07:00, got {text!r}"
        ) from None
    if moment.utcoffset() is None:
        raise ValueError(f"as_of needs a UTC offset (Z or +07:00), got {text!r}")
    return moment


def period_granularity(period: str) -> Granularity:
    """The granularity of a period key (``2025-07-01``, ``2025-07``, ``2025-Q3``); ValueError otherwise."""
    for granularity, form in _PERIOD_FORMS:
        if form.fullmatch(period):
            try:
                if granularity is Granularity.DAY:
                    dt.date.fromisoformat(period)
                elif granularity is Granularity.MONTH:
                    dt.date.fromisoformat(f"{period}-01")
            except ValueError:
                break
            return granularity
    raise ValueError(
        f"period must be a day (2025-07-01), a month (2025-07) or a quarter (2025-Q3), got {period!r}"
    )


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """What a report is asked for: the instant the indicators are judged at, and what to narrow them to."""

    as_of: dt.datetime
    scope: str | None = None
    """``province`` or a unit code; None: every scope."""
    granularity: Granularity | None = None
    period: str | None = None
    """A period key of ``granularity`` (which it implies when not given)."""

    def __post_init__(self) -> None:
        if self.as_of.utcoffset() is None:
            raise ValueError("as_of must be timezone-aware")
        if self.period is not None:
            implied = period_granularity(self.period)
            if self.granularity is not None and self.granularity is not implied:
                raise ValueError(f"period {self.period} is a {implied.value}, not a {self.granularity.value}")
            object.__setattr__(self, "granularity", implied)

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, now: dt.datetime) -> ReportQuery:
        """The query of the ``as_of``, ``scope``, ``granularity``, ``period`` parameters.

        A ValueError names a bad one."""
        as_of = params.get("as_of") or None
        granularity = params.get("granularity") or None
        if granularity is not None and granularity not in tuple(Granularity):
            raise ValueError(f"granularity must be day, month or quarter, got {granularity!r}")
        return cls(
            as_of=now if as_of is None else parse_instant(as_of),
            scope=params.get("scope") or None,
            granularity=None if granularity is None else Granularity(granularity),
            period=params.get("period") or None,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "granularity": None if self.granularity is None else self.granularity.value,
            "period": self.period,
        }

    def narrow(self, by_scope: Mapping[str, Any]) -> dict[str, Any]:
        """``{"province": …, "units": {…}}`` (scope → granularity → period → figures) cut to this query."""

        def periods(scope_json: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
            return {
                granularity: {key: cell for key, cell in keys.items() if self.period in (None, key)}
                for granularity, keys in scope_json.items()
                if self.granularity in (None, granularity)
            }

        units: Mapping[str, Any] = by_scope.get("units", {})
        return {
            PROVINCE: periods(by_scope.get(PROVINCE, {})) if self.scope in (None, PROVINCE) else {},
            "units": {unit: periods(scope) for unit, scope in units.items() if self.scope in (None, unit)},
        }


@dataclass(slots=True)
class LedgerCounts:
    """Dossier and sync counts over ledger entries, added one at a time."""

    total: int = 0
    from_province: int = 0
    portal_only: int = 0
    in_step: int = 0
    pending_sync: int = 0
    sync_commands: int = 0
    revisions: int = 0
    acknowledged: int = 0

    def add(self, entry: LedgerEntry) -> None:
        self.total += 1
        self.from_province += entry.province is not None
        self.portal_only += entry.province is None and entry.submission is not None
        self.in_step += entry.in_step
        self.pending_sync += entry.pending
        self.sync_commands += entry.sync.commands
        for record in entry.history:
            if record.revision is not None:
                self.revisions += 1
                self.acknowledged += record.acknowledged_at is not None

    def dossiers_json(self) -> dict[str, int]:
        """Entries in the ledger: known from the province, known only from an online submission on the portal,
        seen in neither (a payment or sync outcome for a dossier not seen yet), in step with the portal, and
        with a sync command out."""
        return {
            "total": self.total,
            "from_province": self.from_province,
            "portal_only": self.portal_only,
            "unseen": self.total - self.from_province - self.portal_only,
            "in_step": self.in_step,
            "pending_sync": self.pending_sync,
        }

    def syncs_json(self) -> dict[str, int]:
        """Sync commands issued (first syncs and re-syncs); revisions applied, and how many of them the portal
        acknowledged (itself or through a later revision)."""
        return {
            "commands": self.sync_commands,
            "revisions": self.revisions,
            "acknowledged": self.acknowledged,
            "unacknowledged": self.revisions - self.acknowledged,
        }


def finding_json(record: FindingRecord) -> dict[str, Any]:
    """A stored finding for operators: its codes, state and detail (no personal data: see the module doc),
    times in UTC."""
    shown: dict[str, Any] = {
        "subject": record.subject,
        "type": record.type,
        "state": record.state,
        "detail": record.detail,
        "opened_at": _utc(record.opened_at),
        "healed_at": _utc(record.healed_at),
    }
    try:
        finding = Finding.model_validate_json(record.data_json)
    except ValueError:  # a record written without the rules' data: its own columns are all there is
        return shown
    return shown | {
        "key": finding.key,
        "action": finding.action.value,
        "updated_at": _utc(finding.updated_at),
        "occurrences": finding.occurrences,
    }


def _utc(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _seconds(value: dt.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _freshness_cell(figures: Freshness) -> dict[str, Any]:
    return {
        "synced": figures.synced,
        "pending": figures.pending,
        "p50_seconds": _seconds(figures.p50),
        "p95_seconds": _seconds(figures.p95),
        "max_seconds": _seconds(figures.max),
    }


def _freshness_json(table: FreshnessTable) -> dict[str, Any]:
    def scope_json(scope: str) -> dict[str, Any]:
        periods = table.get(scope, {})
        return {
            g.value: {key: _freshness_cell(f) for key, f in sorted(periods.get(g, {}).items())}
            for g in Granularity
        }

    return {
        PROVINCE: scope_json(PROVINCE),
        "units": {unit: scope_json(unit) for unit in sorted(s for s in table if s != PROVINCE)},
    }


def _findings_json(
    counts: Mapping[tuple[str, str], int], needs_operator: Sequence[FindingRecord]
) -> dict[str, Any]:
    states = [s.value for s in FindingState]
    by_type: dict[str, dict[str, int]] = {}
    for (kind, state), count in counts.items():
        by_type.setdefault(kind, dict.fromkeys(states, 0))[state] = count
    order = [t.value for t in FindingType]
    ranked = sorted(by_type, key=lambda kind: (order.index(kind) if kind in order else len(order), kind))
    return {
        "by_type": {kind: by_type[kind] for kind in ranked},
        "by_state": {state: sum(c for (_, s), c in counts.items() if s == state) for state in states},
        "needs_operator": [finding_json(record) for record in needs_operator],
        "needs_operator_total": sum(
            c for (_, s), c in counts.items() if s == FindingState.NEEDS_OPERATOR.value
        ),
    }


def report_document(
    query: ReportQuery,
    *,
    counts: LedgerCounts,
    indicators: IndicatorTable,
    freshness: FreshnessTable,
    finding_counts: Mapping[tuple[str, str], int],
    needs_operator: Sequence[FindingRecord],
    generated_at: dt.datetime,
) -> dict[str, Any]:
    """The report from figures already computed (the layout in the module docstring)."""
    return {
        "as_of": query.as_of.isoformat(),
        "generated_at": generated_at.isoformat(),
        "query": query.as_json(),
        "dossiers": counts.dossiers_json(),
        "syncs": counts.syncs_json(),
        "findings": _findings_json(finding_counts, needs_operator),
        "indicators": query.narrow(indicators.as_json()),
        "freshness": query.narrow(_freshness_json(freshness)),
    }


def assemble_report(
    entries: Collection[LedgerEntry],
    table: RoutingTable,
    query: ReportQuery,
    *,
    finding_counts: Mapping[tuple[str, str], int],
    needs_operator: Sequence[FindingRecord],
    generated_at: dt.datetime,
) -> dict[str, Any]:
    """The report over entries held in memory (read three times)."""
    counts = LedgerCounts()
    for entry in entries:
        counts.add(entry)
    return report_document(
        query,
        counts=counts,
        indicators=compute_indicators(entries, table, as_of=query.as_of),
        freshness=sync_freshness(entries, table),
        finding_counts=finding_counts,
        needs_operator=needs_operator,
        generated_at=generated_at,
    )


async def _take(stored: Any, count: int) -> list[StoredEntry]:
    batch: list[StoredEntry] = []
    async for item in stored:
        batch.append(item)
        if len(batch) == count:
            break
    return batch


class _StoreFeed:
    """The store's entries for a synchronous consumer running in a worker thread: each batch is read on the
    event loop, parsed in the thread, and dropped once consumed, so memory stays at one batch."""

    def __init__(
        self,
        store: LedgerStore,
        loop: asyncio.AbstractEventLoop,
        on_entry: Callable[[LedgerEntry], None] | None = None,
    ) -> None:
        self._stored = store.entries(batch_size=_BATCH)
        self._loop = loop
        self._on_entry = on_entry
        self._done = False

    def __iter__(self) -> Iterator[LedgerEntry]:
        while not self._done:
            batch = self._on_loop(_take(self._stored, _BATCH))
            self._done = len(batch) < _BATCH
            for stored in batch:
                entry = LedgerEntry.model_validate_json(stored.entry_json)
                if self._on_entry is not None:
                    self._on_entry(entry)
                yield entry

    def close(self) -> None:
        """Close the store's iterator when the consumer stopped before its end."""
        aclose = getattr(self._stored, "aclose", None)
        if not self._done and aclose is not None:
            self._done = True
            self._on_loop(aclose())

    def _on_loop(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=_BRIDGE_TIMEOUT_SECONDS)


def _consume(feed: _StoreFeed, consumer: Callable[[Iterable[LedgerEntry]], T]) -> T:
    try:
        return consumer(feed)
    finally:
        feed.close()


async def build_report(
    store: LedgerStore,
    table: RoutingTable,
    query: ReportQuery,
    *,
    generated_at: dt.datetime,
    needs_operator_limit: int = NEEDS_OPERATOR_LIMIT,
) -> dict[str, Any]:
    """The report over the whole store, its entries streamed.

    The indicators (with the counts) and the freshness each take one pass over the entries, in a worker thread
    of their own while the event loop reads the next batch, so the hub's consumer keeps running meanwhile.
    Their own threads, not the default executor: the store's calls need that one while they wait."""
    loop = asyncio.get_running_loop()
    counts = LedgerCounts()
    counted, plain = _StoreFeed(store, loop, on_entry=counts.add), _StoreFeed(store, loop)
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hub-report")
    try:
        indicators, freshness = await asyncio.gather(
            loop.run_in_executor(
                pool, _consume, counted, lambda e: compute_indicators(e, table, as_of=query.as_of)
            ),
            loop.run_in_executor(pool, _consume, plain, lambda e: sync_freshness(e, table)),
        )
    finally:
        pool.shutdown(wait=False)  # waiting here would block the loop a thread still needs
    needs_operator = await store.findings(
        FindingQuery(state=FindingState.NEEDS_OPERATOR.value, limit=needs_operator_limit)
    )
    return report_document(
        query,
        counts=counts,
        indicators=indicators,
        freshness=freshness,
        finding_counts=await store.finding_counts(),
        needs_operator=needs_operator,
        generated_at=generated_at,
    )
