"""The hub's HTTP side over real HTTP: on a running app (health, readiness, metrics, the report, a masked
dossier), and served alone over a SQLite store written directly (the report's figures, the findings, the
outbox backlog)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from contracts import encode
from deploy.topology import ensure_topics
from hub.app import create_app, dead_letter_topics
from hub.app import http as hub_http
from hub.app.http import create_http_app
from hub.app.metrics import HubMetrics
from hub.app.state import ROUTING_TABLE, load_table
from hub.app.transform import finding_records
from hub.rules import (
    PROVINCE,
    LedgerEntry,
    RoutingTable,
    apply_sync_completed,
    apply_sync_failed,
    compute_indicators,
)
from hub.settings import HubSettings
from hub.store import Change, LedgerStore, OutboxMessage, open_store
from tests.fixtures.portal import free_port
from tests.integration.hub_app.traffic import dossier_topic, produce, run_until_quiescent
from tests.unit.hub.factories import AGENCY, CODE, applied, at, completed, event, failed, issued, table_of


@pytest.mark.kafka
async def test_the_http_side_reports_the_ledger_with_personal_data_masked(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    """/healthz, /readyz, /metrics, /report and /dossiers/{code} answer from the store the app writes."""
    db = tmp_path / "ledger.sqlite3"
    settings = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=group_id,
        database_url=f"sqlite:///{db}",
        http_port=0,
        relay_interval_seconds=0.2,
    )
    await ensure_topics(kafka_bootstrap, dead_letter_topics(settings), partitions=1)
    envelope = event(4, at(1, 9), "http-1")
    name = envelope.data.applicant.name
    await produce(kafka_bootstrap, dossier_topic(topic_prefix), [encode(envelope)])
    app = create_app(settings)
    answers: dict[str, httpx.Response] = {}

    async def look() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.http_port}") as client:
            for path in ("/healthz", "/readyz", "/metrics", "/report", f"/dossiers/{CODE}", "/dossiers/none"):
                answers[path] = await client.get(path)

    await run_until_quiescent(
        app, kafka_bootstrap, group_id, dossier_topic(topic_prefix), db, before_stop=look
    )

    assert answers["/healthz"].status_code == 200
    assert answers["/readyz"].json() == {"status": "ready"}
    metrics = answers["/metrics"].text
    assert 'lienthong_hub_events_total{outcome="applied",topic="lienthong.dossier.events.v1"} 1.0' in metrics
    assert "lienthong_hub_outbox_pending 0.0" in metrics
    report = answers["/report"].json()
    assert report["dossiers"]["total"] == report["dossiers"]["from_province"] == 1
    assert report["syncs"]["commands"] == 1
    assert report["indicators"][PROVINCE]["day"]["2025-07-01"]["received"] == 1
    dossier = answers[f"/dossiers/{CODE}"]
    assert dossier.json()["province"]["revision"] == 1
    assert name not in dossier.text
    assert "<personal data>" in dossier.text
    assert answers["/dossiers/none"].status_code == 404


TABLE = table_of(issued(AGENCY))


def _code(n: int) -> str:
    return f"{AGENCY}-250701-{n:04d}"


def _acknowledged(n: int) -> LedgerEntry:
    entry = applied(event(2, at(1, 8), f"a{n}", code=_code(n)))
    return apply_sync_completed(entry, completed(1, 2, at(1, 8, 2), code=_code(n)), at(1, 8, 2)).entry


def _refused(n: int) -> LedgerEntry:
    entry = applied(event(4, at(1, 9), f"r{n}", code=_code(n)))
    return apply_sync_failed(entry, failed(1, retriable=False, code=_code(n)), at(1, 9, 1)).entry


async def _write(store: LedgerStore, entry: LedgerEntry, *, outbox: int = 0) -> None:
    rows = tuple(OutboxMessage(topic="t", value=f"{entry.dossier_code}-{i}".encode()) for i in range(outbox))
    await store.apply(
        Change(
            dossier_code=entry.dossier_code,
            expected_version=0,
            entry_json=entry.model_dump_json(),
            event=None,
            findings=finding_records(entry.findings),
            outbox=rows,
        )
    )


@asynccontextmanager
async def _served(store: LedgerStore, metrics: HubMetrics) -> AsyncIterator[httpx.AsyncClient]:
    """``create_http_app`` over ``store`` on a free loopback port; yields a client for it."""

    async def table() -> RoutingTable:
        return (await load_table(store))[0]

    app = create_http_app(store, metrics, ready=lambda: True, table=table)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        assert not task.done(), "the hub's HTTP side stopped while starting"
        assert time.monotonic() < deadline, "the hub's HTTP side did not start"
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[LedgerStore]:
    """Two dossiers in step with the portal, one left to an operator (refused), one not synced yet."""
    store = await open_store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    await store.put_state(ROUTING_TABLE, TABLE.model_dump_json(), 0)
    for entry in (_acknowledged(1), _acknowledged(2), _refused(3)):
        await _write(store, entry)
    await _write(store, applied(event(2, at(2, 8), "p4", code=_code(4), received=at(2, 8))), outbox=3)
    try:
        yield store
    finally:
        await store.close()


async def _entries(store: LedgerStore) -> list[LedgerEntry]:
    return [LedgerEntry.model_validate_json(stored.entry_json) async for stored in store.entries()]


async def test_the_report_counts_the_ledger_and_judges_the_indicators_at_as_of(ledger: LedgerStore) -> None:
    """as_of moves the on-time judgement; the counts and findings are the ledger's."""
    async with _served(ledger, HubMetrics()) as client:
        early = await client.get("/report", params={"as_of": "2025-07-02T12:00:00+07:00"})
        late = await client.get("/report", params={"as_of": "2025-07-05T12:00:00+07:00"})
    assert early.status_code == late.status_code == 200
    report = early.json()
    assert report["as_of"] == "2025-07-02T12:00:00+07:00"
    assert report["dossiers"] == {
        "total": 4,
        "from_province": 4,
        "portal_only": 0,
        "unseen": 0,
        "in_step": 2,
        "pending_sync": 1,
    }
    assert report["syncs"] == {"commands": 4, "revisions": 4, "acknowledged": 2, "unacknowledged": 2}
    assert report["findings"]["by_type"] == {"sync_refused": {"open": 0, "healed": 0, "needs_operator": 1}}
    assert [(f["subject"], f["type"]) for f in report["findings"]["needs_operator"]] == [
        (_code(3), "sync_refused")
    ]
    expected = compute_indicators(await _entries(ledger), TABLE, as_of=at(2, 12)).as_json()
    assert report["indicators"] == expected
    on_time = ("indicators", PROVINCE, "month", "2025-07", "on_time")
    assert _dig(report, *on_time)["numerator"] == 4
    assert _dig(late.json(), *on_time)["numerator"] == 0  # due 3 July, none finished: late by 5 July
    assert report["freshness"][PROVINCE]["day"]["2025-07-01"]["max_seconds"] == 120.0


def _dig(value: Any, *path: str) -> Any:
    for name in path:
        value = value[name]
    return value


async def test_the_report_is_narrowed_by_scope_granularity_and_period(ledger: LedgerStore) -> None:
    async with _served(ledger, HubMetrics()) as client:
        by_day = (await client.get("/report", params={"scope": AGENCY, "period": "2025-07-02"})).json()
        province = (
            await client.get("/report", params={"scope": "province", "granularity": "quarter"})
        ).json()
    assert by_day["query"] == {"scope": AGENCY, "granularity": "day", "period": "2025-07-02"}
    assert by_day["indicators"] == {"province": {}, "units": {AGENCY: {"day": {"2025-07-02": _cell(by_day)}}}}
    assert _cell(by_day)["received"] == 1
    assert province["indicators"]["units"] == {}
    assert list(province["indicators"][PROVINCE]) == ["quarter"]


def _cell(report: dict[str, Any]) -> Any:
    return report["indicators"]["units"][AGENCY]["day"]["2025-07-02"]


async def test_a_bad_report_parameter_is_a_400_naming_it_and_a_raw_plus_in_as_of_is_understood(
    ledger: LedgerStore,
) -> None:
    async with _served(ledger, HubMetrics()) as client:
        bad = await client.get("/report", params={"period": "2025-13"})
        naive = await client.get("/report", params={"as_of": "2025-07-02T12:00:00"})
        raw = await client.get("/report?as_of=2025-07-02T12:00:00+07:00")
    assert bad.status_code == naive.status_code == 400
    assert "period must be" in bad.json()["error"]
    assert "UTC offset" in naive.json()["error"]
    assert raw.status_code == 200
    assert raw.json()["as_of"] == "2025-07-02T12:00:00+07:00"


async def test_findings_are_listed_by_state_type_and_dossier_without_personal_data(
    ledger: LedgerStore,
) -> None:
    refused = _refused(3)
    assert refused.province is not None
    applicant = refused.province.snapshot.applicant
    async with _served(ledger, HubMetrics()) as client:
        waiting = await client.get("/findings", params={"state": "needs_operator"})
        by_type = await client.get("/findings", params={"type": "sync_refused", "dossier": _code(3)})
        elsewhere = await client.get("/findings", params={"dossier": _code(1)})
        bad_state = await client.get("/findings", params={"state": "closed"})
        bad_limit = await client.get("/findings", params={"limit": "0"})
    [finding] = waiting.json()["findings"]
    assert (finding["subject"], finding["type"], finding["state"]) == (
        _code(3),
        "sync_refused",
        "needs_operator",
    )
    assert finding["action"] == "operator"
    assert "revision 1" in finding["detail"]
    assert waiting.json()["truncated"] is False
    assert by_type.json()["findings"] == [finding]
    assert elsewhere.json() == {"findings": [], "count": 0, "truncated": False}
    assert bad_state.status_code == bad_limit.status_code == 400
    assert "state must be one of" in bad_state.json()["error"]
    assert applicant.name not in waiting.text
    assert applicant.personal_id not in waiting.text


async def test_findings_past_the_limit_are_cut_and_said_to_be(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        for n in range(1, 4):
            await _write(store, _refused(n))
        async with _served(store, HubMetrics()) as client:
            answer = (await client.get("/findings", params={"limit": "2"})).json()
    finally:
        await store.close()
    assert [f["subject"] for f in answer["findings"]] == [_code(1), _code(2)]
    assert (answer["count"], answer["truncated"]) == (2, True)


async def test_metrics_count_the_outbox_with_a_bound_until_the_relay_reports_it(
    ledger: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = HubMetrics()
    async with _served(ledger, metrics) as client:
        counted = (await client.get("/metrics")).text
        monkeypatch.setattr(hub_http, "OUTBOX_COUNT_BOUND", 2)
        capped = (await client.get("/metrics")).text
        metrics.outbox_pending(0)
        reported = (await client.get("/metrics")).text
    assert "lienthong_hub_outbox_pending 3.0" in counted
    assert "lienthong_hub_outbox_pending_capped 0.0" in counted
    assert 'lienthong_hub_findings{state="needs_operator",type="sync_refused"} 1.0' in counted
    assert "lienthong_hub_outbox_pending 2.0" in capped
    assert "lienthong_hub_outbox_pending_capped 1.0" in capped
    assert "lienthong_hub_outbox_pending 0.0" in reported
    assert "lienthong_hub_outbox_pending_capped 0.0" in reported
