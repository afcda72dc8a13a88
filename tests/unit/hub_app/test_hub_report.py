"""The hub's report: ledger counts, findings, indicators at ``as_of``, freshness, narrowing, streaming."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.app import report as report_module
from hub.app.report import (
    LedgerCounts,
    ReportQuery,
    assemble_report,
    build_report,
    finding_json,
    parse_instant,
)
from hub.app.state import ROUTING_TABLE
from hub.app.transform import finding_records
from hub.rules import (
    PROVINCE,
    Granularity,
    LedgerEntry,
    ParkingLot,
    apply_payment,
    apply_sync_completed,
    apply_sync_failed,
    compute_indicators,
    route_submission,
)
from hub.store import Change, FindingQuery, LedgerStore, StoredEntry, open_store
from tests.unit.hub.factories import (
    AGENCY,
    applied,
    at,
    completed,
    event,
    failed,
    issued,
    payment,
    submission,
    table_of,
)

OTHER = "000.00.41.H14"
TABLE = table_of(issued(AGENCY), issued(OTHER))


def _code(n: int, agency: str = AGENCY) -> str:
    return f"{agency}-250701-{n:04d}"


def _in_step() -> LedgerEntry:
    """Received 1 July 08:00, acknowledged by the portal five minutes later."""
    entry = applied(event(2, at(1, 8), "a1", code=_code(1)))
    return apply_sync_completed(entry, completed(1, 2, at(1, 8, 5), code=_code(1)), at(1, 8, 5)).entry


def _pending() -> LedgerEntry:
    """Two revisions, neither acknowledged; due 3 July 17:00 and still in progress."""
    return applied(event(2, at(1, 8), "b1", code=_code(2)), event(4, at(1, 9), "b2", code=_code(2)))


def _portal_only() -> LedgerEntry:
    routed = route_submission(None, ParkingLot(), TABLE, submission(code=_code(3)), at(1, 7))
    return routed.entry


def _unseen() -> LedgerEntry:
    reference = f"{_code(4)}-1"
    return apply_payment(None, payment("succeeded", code=_code(4), reference=reference), at(1, 9)).entry


def _other_unit() -> LedgerEntry:
    return applied(event(2, at(2, 8), "c1", code=_code(5, OTHER), agency=OTHER, received=at(2, 8)))


def _refused() -> LedgerEntry:
    entry = applied(event(2, at(1, 8), "d1", code=_code(6)))
    return apply_sync_failed(entry, failed(1, retriable=False, code=_code(6)), at(1, 9, 1)).entry


ENTRIES = [_in_step(), _pending(), _portal_only(), _unseen(), _other_unit()]


def _report(entries: list[LedgerEntry] = ENTRIES, **query: Any) -> dict[str, Any]:
    return assemble_report(
        entries,
        TABLE,
        ReportQuery(as_of=query.pop("as_of", at(2, 12)), **query),
        finding_counts={},
        needs_operator=(),
        generated_at=at(2, 12),
    )


def test_dossiers_are_counted_by_where_the_hub_knows_them_from_and_how_the_portal_stands() -> None:
    assert _report()["dossiers"] == {
        "total": 5,
        "from_province": 3,
        "portal_only": 1,
        "unseen": 1,
        "in_step": 1,
        "pending_sync": 2,
    }


def test_syncs_count_the_commands_issued_and_the_revisions_the_portal_acknowledged() -> None:
    assert _report()["syncs"] == {"commands": 4, "revisions": 4, "acknowledged": 1, "unacknowledged": 3}


def test_a_refused_sync_is_not_pending_and_leaves_its_revision_unacknowledged() -> None:
    counts = LedgerCounts()
    counts.add(_refused())
    assert counts.dossiers_json()["pending_sync"] == 0
    assert counts.syncs_json() == {"commands": 1, "revisions": 1, "acknowledged": 0, "unacknowledged": 1}


def test_the_indicators_are_those_of_the_rules_judged_at_as_of() -> None:
    early, late = _report(as_of=at(2, 12)), _report(as_of=at(5, 12))
    assert early["as_of"] == at(2, 12).isoformat()
    assert early["indicators"] == compute_indicators(ENTRIES, TABLE, as_of=at(2, 12)).as_json()
    month = ("indicators", PROVINCE, "month", "2025-07", "on_time")
    assert _dig(early, *month) == {"numerator": 3, "denominator": 3, "value": 1.0}
    assert _dig(late, *month) == {"numerator": 0, "denominator": 3, "value": 0.0}


def _dig(value: Any, *path: str) -> Any:
    for name in path:
        value = value[name]
    return value


def test_freshness_gives_the_delays_in_seconds_and_the_revisions_still_pending() -> None:
    day = _report()["freshness"][PROVINCE]["day"]
    assert day["2025-07-01"] == {
        "synced": 1,
        "pending": 2,
        "p50_seconds": 300.0,
        "p95_seconds": 300.0,
        "max_seconds": 300.0,
    }
    assert day["2025-07-02"]["pending"] == 1
    assert set(_report()["freshness"]["units"]) == {AGENCY, OTHER}


def test_a_unit_scope_keeps_only_that_unit() -> None:
    narrowed = _report(scope=OTHER)
    for part in ("indicators", "freshness"):
        assert narrowed[part][PROVINCE] == {}
        assert list(narrowed[part]["units"]) == [OTHER]
    assert narrowed["query"] == {"scope": OTHER, "granularity": None, "period": None}
    assert narrowed["dossiers"]["total"] == 5  # the ledger counts are never narrowed


def test_the_province_scope_drops_the_units() -> None:
    narrowed = _report(scope=PROVINCE)
    assert narrowed["indicators"]["units"] == {}
    assert narrowed["indicators"][PROVINCE] == _report()["indicators"][PROVINCE]


def test_a_period_implies_its_granularity_and_keeps_only_that_period() -> None:
    narrowed = _report(period="2025-07-02")
    assert narrowed["query"] == {"scope": None, "granularity": "day", "period": "2025-07-02"}
    assert narrowed["indicators"][PROVINCE].keys() == {"day"}
    assert narrowed["indicators"][PROVINCE]["day"].keys() == {"2025-07-02"}
    assert narrowed["indicators"]["units"][AGENCY] == {"day": {}}
    assert narrowed["freshness"][PROVINCE]["day"].keys() == {"2025-07-02"}


def test_a_granularity_keeps_every_period_of_it() -> None:
    narrowed = _report(granularity=Granularity.QUARTER)
    assert narrowed["indicators"][PROVINCE] == {"quarter": _report()["indicators"][PROVINCE]["quarter"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2025-13"}, "period must be"),
        ({"period": "July"}, "period must be"),
        ({"period": "2025-07", "granularity": "day"}, "is a month, not a day"),
        ({"granularity": "week"}, "granularity must be"),
        ({"as_of": "yesterday"}, "RFC 3339"),
        ({"as_of": "2025-07-31T00:00:00"}, "UTC offset"),
    ],
)
def test_a_bad_parameter_is_refused_with_its_name(params: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReportQuery.from_params(params, now=at(1))


def test_as_of_defaults_to_now_and_survives_a_plus_lost_in_a_query_string() -> None:
    assert ReportQuery.from_params({}, now=at(3)).as_of == at(3)
    assert parse_instant("2025-07-31T17:00:00 07:00") == dt.datetime.fromisoformat(
        "2025-07-31T17:00:00+07:00"
    )
    assert parse_instant("2025-07-31T10:00:00Z") == dt.datetime(2025, 7, 31, 10, tzinfo=dt.UTC)


def test_findings_are_counted_by_type_and_state_and_the_operator_list_shows_codes_only() -> None:
    refused = _refused()
    waiting = finding_records(refused.findings)
    assert [r.state for r in waiting] == ["needs_operator"]
    counts = {("sync_refused", "needs_operator"): 1, ("regression", "healed"): 2, ("regression", "open"): 1}
    found = assemble_report(
        [refused],
        TABLE,
        ReportQuery(as_of=at(2)),
        finding_counts=counts,
        needs_operator=waiting,
        generated_at=at(2),
    )["findings"]
    assert found["by_type"] == {
        "regression": {"open": 1, "healed": 2, "needs_operator": 0},
        "sync_refused": {"open": 0, "healed": 0, "needs_operator": 1},
    }
    assert found["by_state"] == {"open": 1, "healed": 2, "needs_operator": 1}
    assert found["needs_operator_total"] == 1
    [listed] = found["needs_operator"]
    assert (listed["subject"], listed["type"], listed["state"]) == (
        _code(6),
        "sync_refused",
        "needs_operator",
    )
    assert "revision 1" in listed["detail"]
    assert listed["action"] == "operator"
    assert refused.province is not None
    applicant = refused.province.snapshot.applicant
    assert applicant.name not in str(found)
    assert applicant.personal_id not in str(found)


def test_a_finding_record_without_the_rules_data_shows_its_own_columns() -> None:
    [record] = finding_records(_refused().findings)
    bare = type(record)(**{**{f: getattr(record, f) for f in record.__slots__}, "data_json": "{}"})
    assert finding_json(bare) == {k: v for k, v in finding_json(record).items() if k in finding_json(bare)}
    assert "action" not in finding_json(bare)


async def _stored(entries: list[LedgerEntry]) -> LedgerStore:
    store = await open_store("sqlite:///:memory:")
    await store.put_state(ROUTING_TABLE, TABLE.model_dump_json(), 0)
    for entry in entries:
        await store.apply(
            Change(
                dossier_code=entry.dossier_code,
                expected_version=0,
                entry_json=entry.model_dump_json(),
                event=None,
                findings=finding_records(entry.findings),
            )
        )
    return store


async def test_the_streamed_report_over_a_store_equals_the_one_over_the_same_entries_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches of two: the walk crosses batch ends and a last short batch."""
    monkeypatch.setattr(report_module, "_BATCH", 2)
    entries = [*ENTRIES, _refused()]
    store = await _stored(entries)
    try:
        query = ReportQuery(as_of=at(2, 12))
        streamed = await build_report(store, TABLE, query, generated_at=at(2, 12))
        counts = await store.finding_counts()
        needs_operator = await store.findings(FindingQuery(state="needs_operator"))
    finally:
        await store.close()
    in_memory = assemble_report(
        entries, TABLE, query, finding_counts=counts, needs_operator=needs_operator, generated_at=at(2, 12)
    )
    assert streamed == in_memory
    assert streamed["dossiers"]["total"] == 6
    assert [f["subject"] for f in streamed["findings"]["needs_operator"]] == [_code(6)]


class _FailingStore:
    """A store whose entry walk breaks after its third entry (in the second batch of two)."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def entries(self, *, batch_size: int = 500) -> AsyncIterator[StoredEntry]:
        seen = 0
        async for stored in self._store.entries(batch_size=batch_size):
            if seen == 3:
                raise OSError("the disk went away")
            seen += 1
            yield stored


async def test_a_store_failing_in_the_middle_of_the_walk_fails_the_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report_module, "_BATCH", 2)
    store = await _stored(ENTRIES)
    try:
        with pytest.raises(OSError, match="the disk went away"):
            await build_report(_FailingStore(store), TABLE, ReportQuery(as_of=at(2)), generated_at=at(2))  # type: ignore[arg-type]
    finally:
        await store.close()
