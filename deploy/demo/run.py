"""``lienthong demo``: the whole pipeline on the embedded default, judged against the simulator's truth.

1. The broker (local jar broker, or ``KAFKA_BOOTSTRAP_SERVERS``) and the contract topics under a fresh prefix.
2. Real processes on loopback ports: the mock national portal with the default fault schedule, the province
   ingest, the payment connector, the portal connector, the hub (SQLite ledger) and the province delivery,
   which posts routed online submissions to a stand-in province system (:mod:`.province_system`).
3. The identity connector imports the province's registries (codes, then the 2025 closures).
4. The simulator generates the province's traffic with its ground truth and drives it through the real
   interfaces, with live progress.
5. When the pipeline is quiescent — every consumer group caught up, the hub's outbox empty, and the portal in
   step with the province for every dossier not left to an operator (or the settle timeout passed) — the hub's
   report is taken as of the simulation's horizon and compared with the truth, indicator by indicator; the
   portal's admin state dossier by dossier; and what the province system received, submission by submission.

Everything a run writes (logs, SQLite files, the truth) stays in its run directory for a look afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from connectors.identity import RegistryImporter, registry_files
from connectors.portal.tiers import read_stamp
from connectors.portal.topics import ConnectorTopics
from connectors.publishing import EventPublisher
from connectors.simulator import Display, DriveSettings, Simulation, Targets, drive, simulate, write_truth
from connectors.simulator.truth import truth_document
from contracts import (
    DOSSIER_TOPIC,
    IDENTITY_TOPIC,
    PAYMENT_TOPIC,
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    SUBMISSION_TOPIC,
)
from deploy.demo.pieces import Piece, free_port
from deploy.demo.province_system import DeliveryComparison, ProvinceSystem, compare_deliveries
from deploy.demo.verdict import PortalComparison, compare_portal
from deploy.demo.watch import KafkaWatch, hub_metrics, metric_sum, portal_state
from deploy.topology import ensure_topics, topic_names

__all__ = ["DEFAULT_FAULTS", "DemoOptions", "DemoOutcome", "run_demo"]

DEFAULT_FAULTS: dict[str, Any] = {
    "scope": ["/api/"],
    "latency": {"kind": "lognormal", "median_ms": 3, "p99_ms": 40},
    "overload": {"windows": [{"start_s": 40, "end_s": 70}], "probability": 0.01},
    "throttle": {"probability": 0.01, "retry_after_s": 1},
    "timeout": {"probability": 0.002, "hold_s": 3, "mode": "504"},
    "drop_after_write": {"probability": 0.005},
}
"""The portal's default fault schedule: a 30-second outage (503) 40 s into the traffic, and all along 1 %
random 503s, 1 % throttling (429), 0.2 % gateway timeouts and 0.5 % answers lost after the write committed."""

_WEBHOOK_SECRET = secrets.token_hex(16).encode()
"""Signs the province delivery's requests to the demo's province system (fresh each run)."""
_HUB_GROUP = "lienthong-hub"
_PORTAL_GROUP = "lienthong-portal-connector"
_HUB_TOPICS = (DOSSIER_TOPIC, PORTAL_OUTCOME_TOPIC, SUBMISSION_TOPIC, PAYMENT_TOPIC, IDENTITY_TOPIC)
_RETRY_TIERS = (5.0, 15.0, 45.0)
"""The portal connector's retry tiers in the demo: the production 1 min / 10 min / 1 h, compressed. With
the sync deadline at 8 s, the 30-second outage outlasts the in-process retries, and the syncs it meets
climb the tiers and drain once the portal is back."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    province: str = "cao-bang"
    days: int = 30
    seed: int = 1
    scale: Fraction = Fraction(1, 8)
    """An eighth of the profile's volume: Cao Bằng at ≈22 dossiers a day (≈670 in 30 days), which the portal
    connector syncs through the faulty mock portal in a few minutes on two cores; ``--scale 1`` is the full
    profile."""
    start: dt.date = dt.date(2025, 7, 1)
    faults: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_FAULTS))
    run_dir: Path | None = None
    settle_timeout_seconds: float = 300.0
    """How long to wait, once the traffic is sent, for the pipeline to settle before judging it anyway."""


@dataclass
class DemoOutcome:
    """What the run measured; :attr:`ok` is the exit status."""

    run_dir: Path
    truth: dict[str, Any]
    report: dict[str, Any]
    portal: PortalComparison
    deliveries: DeliveryComparison
    indicator_differences: list[Any]
    dead_letters: int
    tiers: dict[str, int]
    """Syncs parked per retry tier (``tier 1`` …) and commands held behind them (``held``)."""
    settled: bool
    timings: dict[str, float]
    sent: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.settled and self.portal.ok and self.deliveries.ok and not self.indicator_differences


def _run_dir(options: DemoOptions) -> Path:
    if options.run_dir is not None:
        return options.run_dir
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(".state/demo") / stamp


class _Pipeline:
    """The pieces of one run, started in dependency order and stopped in reverse."""

    def __init__(
        self,
        bootstrap: str,
        prefix: str,
        run_dir: Path,
        faults: Mapping[str, Any],
        province_system: ProvinceSystem,
    ) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.run_dir = run_dir
        self.ports = {name: free_port() for name in ("portal", "ingest", "payment", "hub")}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        kafka = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        (run_dir / "faults.json").write_text(json.dumps(faults, indent=2))
        logs = run_dir / "logs"
        self.pieces = [
            Piece(
                "mock national portal",
                [
                    "portal",
                    "--port",
                    str(self.ports["portal"]),
                    "--db",
                    str(run_dir / "portal.sqlite3"),
                    "--faults",
                    str(run_dir / "faults.json"),
                    "--callback-url",
                    f"{self.urls['payment']}/paygov/callback",
                    "--log-level",
                    "warning",
                ],
                logs / "portal.log",
                {
                    "LIENTHONG_PORTAL_PENDING_RESOLUTION_SECONDS": "2",
                    "LIENTHONG_PORTAL_CALLBACK_RETRY_BASE_SECONDS": "0.5",
                },
                f"{self.urls['portal']}/healthz",
            ),
            Piece(
                "province ingest",
                [
                    "connector",
                    "province",
                    "serve",
                    "--port",
                    str(self.ports["ingest"]),
                    "--topic-prefix",
                    prefix,
                    "--log-level",
                    "warning",
                ],
                logs / "province.log",
                kafka,
                f"{self.urls['ingest']}/readyz",
            ),
            Piece(
                "payment connector",
                [
                    "connector",
                    "payment",
                    "--port",
                    str(self.ports["payment"]),
                    "--db",
                    str(run_dir / "payment.sqlite3"),
                    "--platform-url",
                    self.urls["portal"],
                    "--topic-prefix",
                    prefix,
                    "--log-level",
                    "warning",
                ],
                logs / "payment.log",
                {**kafka, "LIENTHONG_PAYMENT_QUERY_AFTER": "5", "LIENTHONG_PAYMENT_QUERY_INTERVAL": "2"},
                f"{self.urls['payment']}/healthz",
            ),
            Piece(
                "hub",
                [
                    "hub",
                    "--database-url",
                    f"sqlite:///{run_dir / 'ledger.sqlite3'}",
                    "--topic-prefix",
                    prefix,
                    "--http-port",
                    str(self.ports["hub"]),
                    "--log-level",
                    "warning",
                ],
                logs / "hub.log",
                {
                    **kafka,
                    "LIENTHONG_HUB_RECONCILE_INTERVAL_SECONDS": "5",
                    "LIENTHONG_HUB_SYNC_SLA_SECONDS": "240",
                    "LIENTHONG_HUB_RESYNC_INTERVAL_SECONDS": "240",
                    "LIENTHONG_HUB_OUTAGE_RETRY_SECONDS": "10",
                    "LIENTHONG_HUB_RELAY_INTERVAL_SECONDS": "0.5",
                },
                f"{self.urls['hub']}/readyz",
            ),
            Piece(
                "portal connector",
                [
                    "connector",
                    "portal",
                    "--portal-url",
                    self.urls["portal"],
                    "--topic-prefix",
                    prefix,
                    "--log-level",
                    "warning",
                ],
                logs / "portal-connector.log",
                {
                    **kafka,
                    "LIENTHONG_PORTAL_CONNECTOR_RATE_LIMIT_PER_SECOND": "1000",
                    "LIENTHONG_PORTAL_CONNECTOR_RATE_LIMIT_BURST": "200",
                    "LIENTHONG_PORTAL_CONNECTOR_POLL_INTERVAL_SECONDS": "1",
                    "LIENTHONG_PORTAL_CONNECTOR_SYNC_DEADLINE_SECONDS": "8",
                    "LIENTHONG_PORTAL_CONNECTOR_RETRY_TIER_SECONDS": json.dumps(list(_RETRY_TIERS)),
                    "LIENTHONG_PORTAL_CONNECTOR_MAX_BATCH_RECORDS": "60",
                    "LIENTHONG_PORTAL_CONNECTOR_KEY_CONCURRENCY": "8",
                },
                None,
            ),
            Piece(
                "province delivery",
                [
                    "connector",
                    "province",
                    "deliver",
                    "--webhook-url",
                    province_system.url,
                    "--topic-prefix",
                    prefix,
                    "--log-level",
                    "warning",
                ],
                logs / "province-deliver.log",
                {**kafka, "LIENTHONG_PROVINCE_WEBHOOK_SECRET": _WEBHOOK_SECRET.decode()},
                None,
            ),
        ]

    def start(self, say: Callable[[str], None]) -> None:
        for piece in self.pieces:
            piece.start()
        for piece in self.pieces:
            piece.wait_ready()
            say(f"  {piece.name:<22} pid {piece.process.pid if piece.process else '?'}  log {piece.log}")

    def check(self) -> None:
        for piece in self.pieces:
            piece.check()

    def stop(self) -> None:
        for piece in reversed(self.pieces):
            with contextlib.suppress(Exception):
                piece.stop()


async def _import_identity(bootstrap: str, prefix: str, province: str, state_file: Path) -> int:
    async with EventPublisher(
        bootstrap, client_id=f"lienthong-demo-identity-{os.getpid()}", topic_prefix=prefix
    ) as pub:
        importer = RegistryImporter(pub, state_file, source="urn:lienthong:connector:identity")
        reports = await importer.import_files(registry_files(province))
    rejected = [row for report in reports for row in report.rejected]
    if rejected:
        raise RuntimeError(f"the shipped registries of {province} have rejected rows: {rejected[:3]}")
    return sum(sum(report.published.values()) for report in reports)


@contextlib.contextmanager
def _stopping(pipeline: _Pipeline, province: ProvinceSystem) -> Iterator[_Pipeline]:
    try:
        yield pipeline
    finally:
        pipeline.stop()
        province.stop()


class _Progress:
    """A line every few seconds on how far the pipeline has got (works on a terminal and in a log alike)."""

    def __init__(
        self, watch: KafkaWatch, hub: httpx.AsyncClient, prefix: str, say: Callable[[str], None]
    ) -> None:
        self._watch = watch
        self._hub = hub
        self._prefix = prefix
        self._say = say
        self._began = time.monotonic()

    async def snapshot(self) -> dict[str, float]:
        names = [f"{self._prefix}{t.name}" for t in _HUB_TOPICS]
        hub_lag = await self._watch.lag(_HUB_GROUP, names)
        portal_lag = await self._watch.lag(_PORTAL_GROUP, [f"{self._prefix}{PORTAL_COMMAND_TOPIC.name}"])
        tiered = await self._watch.pending(_PORTAL_GROUP, _tier_topics(self._prefix))
        samples = await hub_metrics(self._hub)
        return {
            "tiered": tiered,
            "records": hub_lag.ends,
            "hub_lag": hub_lag.lag,
            "commands": portal_lag.ends,
            "portal_lag": portal_lag.lag,
            "outbox": metric_sum(samples, "lienthong_hub_outbox_pending"),
            "processed": metric_sum(samples, "lienthong_hub_events_total"),
        }

    async def show(self) -> dict[str, float]:
        now = await self.snapshot()
        self._say(
            f"  [{time.monotonic() - self._began:6.1f} s] hub: {now['processed']:,.0f} records processed, "
            f"lag {now['hub_lag']:,.0f}, outbox {now['outbox']:,.0f} | portal connector: "
            f"{now['commands'] - now['portal_lag']:,.0f}/{now['commands']:,.0f} sync commands done, "
            f"{now['tiered']:,.0f} in the retry tiers"
        )
        return now

    async def every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            with contextlib.suppress(Exception):
                await self.show()


async def _needs_operator(hub: httpx.AsyncClient) -> dict[str, str]:
    """Dossier code → reason, for every finding the hub left to an operator."""
    answer = await hub.get("/findings", params={"state": "needs_operator"})
    answer.raise_for_status()
    found: dict[str, str] = {}
    for finding in answer.json()["findings"]:
        found.setdefault(finding["subject"], f"{finding['type']}: {finding['detail']}")
    return found


async def _judge_portal(
    portal: httpx.AsyncClient, hub: httpx.AsyncClient, truth: dict[str, Any]
) -> PortalComparison:
    state = await portal_state(portal)
    return compare_portal(truth["dossiers"], state["dossiers"], await _needs_operator(hub))


async def _settle(
    progress: _Progress,
    pipeline: _Pipeline,
    portal: httpx.AsyncClient,
    hub: httpx.AsyncClient,
    truth: dict[str, Any],
    *,
    province: ProvinceSystem,
    within: float,
) -> bool:
    """Wait until caught up, the outbox empty, the portal in step and every submission delivered to the
    province, twice 3 s apart; False on timeout."""
    deadline = time.monotonic() + within
    calm = 0
    while time.monotonic() < deadline:
        pipeline.check()
        now = await progress.show()
        quiet = now["hub_lag"] == 0 and now["portal_lag"] == 0 and now["tiered"] == 0 and now["outbox"] == 0
        delivered = compare_deliveries(truth["dossiers"], province.snapshot()).ok
        if quiet and delivered and (await _judge_portal(portal, hub, truth)).ok:
            calm += 1
            if calm >= 2:
                return True
        else:
            calm = 0
        await asyncio.sleep(3.0)
    return False


def _tier_topics(prefix: str) -> list[str]:
    topics = ConnectorTopics(prefix)
    return [topics.retry_tier(tier) for tier in range(1, len(_RETRY_TIERS) + 1)]


async def _dead_letters(watch: KafkaWatch, prefix: str) -> int:
    names = [f"{prefix}{t.name}.dlq" for t in _HUB_TOPICS]
    names.append(f"{prefix}{PORTAL_COMMAND_TOPIC.name}.dlq")
    return len(await watch.committed_records(names))


async def _tier_counts(watch: KafkaWatch, prefix: str) -> dict[str, int]:
    """How many syncs each tier took, and how many commands were held behind them."""
    counts = {f"tier {tier}": 0 for tier in range(1, len(_RETRY_TIERS) + 1)} | {"held": 0}
    for record in await watch.committed_records(_tier_topics(prefix)):
        stamp = read_stamp(record.headers)
        if stamp is None:
            continue
        counts["held" if stamp.held else f"tier {stamp.tier}"] += 1
    return counts


async def _send_traffic(
    sim: Simulation,
    pipeline: _Pipeline,
    portal: httpx.AsyncClient,
    faults: Mapping[str, Any],
    console: Console,
) -> Any:
    """Drive the simulated traffic; the fault profile is applied again first, so that its windows count
    from the start of the traffic rather than from the portal's start."""
    targets = Targets(pipeline.urls["ingest"], pipeline.urls["portal"], pipeline.urls["payment"])
    if faults:
        (await portal.put("/admin/faults", json=dict(faults))).raise_for_status()
    with Display(console) as display:
        return await drive(sim.traffic, targets, settings=DriveSettings(), display=display)


async def run_demo(
    bootstrap: str, options: DemoOptions, *, console: Console, say: Callable[[str], None]
) -> DemoOutcome:
    """Run the whole demo against ``bootstrap``; the pieces are stopped whatever happens."""
    timings: dict[str, float] = {}
    began = time.monotonic()
    run_dir = _run_dir(options).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    prefix = f"demo-{run_dir.name.lower()}."
    say(f"run directory: {run_dir}; topics under '{prefix}'")

    sim: Simulation = simulate(
        options.province, start=options.start, days=options.days, seed=options.seed, scale=options.scale
    )
    write_truth(sim, run_dir / "truth.json")
    truth = truth_document(sim)
    timings["generate"] = time.monotonic() - began
    say(
        f"simulated {options.days} days of {options.province} (seed {options.seed}): {len(sim.dossiers):,} "
        f"dossiers, {len(sim.traffic.deliveries):,} deliveries; truth in {run_dir / 'truth.json'}"
    )

    await ensure_topics(bootstrap, [*topic_names(prefix), *(f"{prefix}{t.name}.dlq" for t in _HUB_TOPICS)])
    province = ProvinceSystem(_WEBHOOK_SECRET).start()
    pipeline = _Pipeline(bootstrap, prefix, run_dir, options.faults, province)
    with _stopping(pipeline, province):
        say("starting the pieces:")
        mark = time.monotonic()
        await asyncio.to_thread(pipeline.start, say)
        timings["start"] = time.monotonic() - mark
        published = await _import_identity(bootstrap, prefix, options.province, run_dir / "identity.json")
        say(f"identity connector: {published} registry decisions published")

        watch = KafkaWatch(bootstrap)
        await watch.start()
        limits = httpx.Limits(max_connections=4)
        async with (
            httpx.AsyncClient(base_url=pipeline.urls["hub"], timeout=30.0, limits=limits) as hub,
            httpx.AsyncClient(base_url=pipeline.urls["portal"], timeout=60.0, limits=limits) as portal,
        ):
            try:
                progress = _Progress(watch, hub, prefix, say)
                ticker = asyncio.create_task(progress.every(10.0))
                mark = time.monotonic()
                sent = await _send_traffic(sim, pipeline, portal, options.faults, console)
                timings["send"] = time.monotonic() - mark
                say(
                    f"simulator: traffic sent in {timings['send']:.1f} s"
                    + ("" if sent.ok else f"; errors: {sent.errors[:3]}")
                )
                ticker.cancel()
                mark = time.monotonic()
                settled = await _settle(
                    progress,
                    pipeline,
                    portal,
                    hub,
                    truth,
                    province=province,
                    within=options.settle_timeout_seconds,
                )
                timings["settle"] = time.monotonic() - mark
                horizon = truth["indicators"]["as_of"]
                answer = await hub.get("/report", params={"as_of": horizon})
                answer.raise_for_status()
                report = answer.json()
                comparison = await _judge_portal(portal, hub, truth)
                dead, tiers = await _dead_letters(watch, prefix), await _tier_counts(watch, prefix)
            finally:
                await watch.close()
    timings["total"] = time.monotonic() - began
    from deploy.reporting import indicator_differences  # noqa: PLC0415 -- only when judging

    return DemoOutcome(
        run_dir=run_dir,
        truth=truth,
        report=report,
        portal=comparison,
        deliveries=compare_deliveries(truth["dossiers"], province.snapshot()),
        indicator_differences=indicator_differences(report, truth),
        dead_letters=dead,
        tiers=tiers,
        settled=settled and sent.ok,
        timings=timings,
        sent=dict(sent.rows()),
    )
