"""The events file feeds the province backfill importer: valid events published, invalid ones refused."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from connectors.province import Backfill, InMemorySink
from connectors.simulator import DeliveryKind, simulate, write_events


async def test_the_backfill_publishes_every_valid_event_and_refuses_every_invalid_one(tmp_path: Path) -> None:
    sim = simulate("lam-dong", start=dt.date(2025, 7, 1), days=2, seed=17, scale="0.2")
    path = tmp_path / "events.jsonl"
    write_events(sim, path)
    sink = InMemorySink()
    await sink.start()
    report = await Backfill(sink, default_source="urn:lienthong:test").run(path)
    published = Counter(dict(record.headers)["ce_id"].decode() for record in sink.records())
    expected = Counter(d.body["id"] for d in sim.traffic.deliveries if d.kind is DeliveryKind.EVENT)
    assert published == expected
    assert report.rejected == len(sim.traffic.invalid) > 0
