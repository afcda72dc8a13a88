"""``lienthong report`` as a real process against the hub's HTTP side served over a real SQLite ledger.

The ledger holds what the hub's rules make of a simulated province's events (duplicates and late events
included), the routing table comes from the shipped registries, and the simulator's truth file is the one
``lienthong simulate --truth`` writes: the command must find every indicator cell in agreement.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from connectors.identity.records import event_of, read_registry
from connectors.identity.shipped import registry_files
from connectors.simulator import DeliveryKind, simulate, truth_document, write_truth
from contracts.structured import from_structured
from hub.app.http import create_http_app
from hub.app.metrics import HubMetrics
from hub.app.state import ROUTING_TABLE, load_table
from hub.rules import LedgerEntry, ParkingLot, RoutingTable, apply_dossier_event, on_identity_event
from hub.store import Change, LedgerStore, open_store
from tests.fixtures.portal import free_port
from tests.fixtures.processes import ROOT
from tests.unit.hub.factories import envelope

_PROVINCE = "cao-bang"


def _routing_table() -> RoutingTable:
    table, lot = RoutingTable(), ParkingLot()
    rows = (row for path in registry_files(_PROVINCE) for row in read_registry(path)[1])
    for index, row in enumerate(rows):
        _, data = event_of(row.fields)
        imported = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
        decision = on_identity_event(
            table, lot, envelope(data, f"registry-{index}", source="identity"), imported
        )
        table, lot = decision.table, decision.lot
    return table


@dataclass(frozen=True)
class _Hub:
    url: str
    truth: Path
    as_of: str


async def _fill(store: LedgerStore, truth: Path) -> str:
    """The ledger of a two-day simulation and its truth file; the truth's ``as_of``."""
    sim = simulate(_PROVINCE, start=dt.date(2025, 7, 1), days=2, seed=7, scale="1/3")
    write_truth(sim, truth)
    entries: dict[str, LedgerEntry] = {}
    for delivery in sim.traffic.deliveries:
        if delivery.kind is DeliveryKind.EVENT:
            code = delivery.dossier_code
            entries[code] = apply_dossier_event(
                entries.get(code), from_structured(delivery.body), delivery.at
            ).entry
    await store.put_state(ROUTING_TABLE, _routing_table().model_dump_json(), 0)
    for code, entry in entries.items():
        await store.apply(
            Change(dossier_code=code, expected_version=0, entry_json=entry.model_dump_json(), event=None)
        )
    as_of: str = truth_document(sim)["indicators"]["as_of"]
    return as_of


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[_Hub]:
    """The hub's HTTP side (``create_http_app``) on a free loopback port over a filled SQLite ledger."""
    store = await open_store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    truth = tmp_path / "truth.json"
    as_of = await _fill(store, truth)

    async def table() -> RoutingTable:
        return (await load_table(store))[0]

    app = create_http_app(store, HubMetrics(), ready=lambda: True, table=table)
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
        yield _Hub(f"http://127.0.0.1:{port}", truth, as_of)
    finally:
        server.should_exit = True
        await task
        await store.close()


@dataclass(frozen=True)
class _Run:
    code: int
    out: str
    err: str


async def _lienthong(*args: str) -> _Run:
    """``lienthong`` in a process of its own (the server keeps answering in this one meanwhile)."""
    env = {key: value for key, value in os.environ.items() if key != "LIENTHONG_HUB_URL"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from deploy.cli import main; main()",
        *args,
        cwd=ROOT,
        env=env | {"COLUMNS": "400", "PYTHONIOENCODING": "utf-8"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return _Run(process.returncode, out.decode(), err.decode())


async def test_the_report_agrees_with_the_simulator_truth_cell_by_cell(hub: _Hub) -> None:
    """Without --as-of, --truth makes the hub judge at the truth's as_of; every cell is marked ✓."""
    run = await _lienthong("report", "--hub-url", hub.url, "--truth", str(hub.truth))
    assert run.code == 0, run.err
    assert "indicators, month 2025-07" in run.out
    assert "dossiers in the ledger" in run.out
    assert "✓" in run.out
    assert "✗" not in run.out
    assert "by day: 0 of" in run.out


async def test_json_prints_the_hub_document_as_it_answered(hub: _Hub) -> None:
    params = {"as_of": hub.as_of, "period": "2025-07-01", "scope": "province"}
    run = await _lienthong(
        "report", "--hub-url", hub.url, "--format", "json", "--as-of", hub.as_of, "--period", "2025-07-01",
        "--scope", "province",
    )  # fmt: skip
    assert run.code == 0, run.err
    printed: dict[str, Any] = json.loads(run.out)
    async with httpx.AsyncClient(base_url=hub.url) as client:
        direct = (await client.get("/report", params=params)).json()
    assert {k: v for k, v in printed.items() if k != "generated_at"} == {
        k: v for k, v in direct.items() if k != "generated_at"
    }
    assert printed["query"] == {"scope": "province", "granularity": "day", "period": "2025-07-01"}
    assert list(printed["indicators"]["province"]["day"]) == ["2025-07-01"]
    assert printed["indicators"]["units"] == {}


async def test_a_truth_that_differs_is_shown_cell_by_cell_and_exits_3(hub: _Hub, tmp_path: Path) -> None:
    truth: dict[str, Any] = json.loads(hub.truth.read_text(encoding="utf-8"))
    reuse = truth["indicators"]["province"]["month"]["2025-07"]["reuse"]
    hub_figures = f"{reuse['numerator']}/{reuse['denominator']}"
    reuse["numerator"] += 1
    changed = tmp_path / "changed-truth.json"
    changed.write_text(json.dumps(truth), encoding="utf-8")
    run = await _lienthong("report", "--hub-url", hub.url, "--truth", str(changed))
    assert run.code == 3
    assert "1 indicator figures differ from the truth" in run.err
    assert (
        f"province month 2025-07 reuse: hub {hub_figures}, truth {reuse['numerator']}/{reuse['denominator']}"
        in run.err
    )
    assert "✗ hub" in run.out


async def test_a_query_the_hub_refuses_exits_1_with_its_reason(hub: _Hub) -> None:
    run = await _lienthong("report", "--hub-url", hub.url, "--period", "2025-13")
    assert run.code == 1
    assert "the hub refused the query: period must be" in run.err


async def test_an_unreachable_hub_exits_1_with_a_clear_message() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    run = await _lienthong("report", "--hub-url", url, "--timeout", "5")
    assert run.code == 1
    assert f"cannot reach the hub at {url}" in run.err
    assert "Traceback" not in run.err
