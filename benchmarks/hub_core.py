"""Events per second through the hub's routing core against a plain aiokafka consume→produce loop.

Every variant reads the same dossier events from a fresh topic with a fresh consumer group, on the same broker
in the same run, and writes one record per event to an output topic, committing offsets as it goes:

* ``plain loop, commit per record`` — an ``AIOKafkaConsumer`` (manual commits) and an ``AIOKafkaProducer``
  configured as the hub's (acks=all, idempotent, linger 5 ms): for each record, send its copy, wait for the
  acknowledgement, commit that record's offset;
* ``plain loop, commit per batch`` — the same, but each ``getmany`` batch is sent, acknowledged and committed
  at once;
* ``hub, SQLite store`` / ``hub, PostgreSQL store`` — ``hub.app.create_app`` (HTTP side off) on a fresh
  ledger, as it stands: it decodes and validates each CloudEvent, applies the rules, stores the entry and the
  portal sync command (outbox) in one transaction, publishes the command and commits offsets, in whatever
  grouping its relay and committer use;
* ``plain loop, per record, again`` — the first baseline once more at the end, to show the run's drift.

The traffic: ``--events`` / 4 dossiers, four status changes each (received, then three updates in
processing), sent round by round across the dossiers, so each event makes one new revision and one command.

Each variant runs in a process of its own (``--worker``), so that nothing left over from one variant slows
the next and its peak RSS is its own: ``VmHWM`` of that process, interpreter and imports included (not
``ru_maxrss``, which a child inherits from the process that forked it). The plain loops' process imports
aiokafka and nothing of lienthong's — this module imports the project inside the functions that use it, for
that reason. A variant's stdout and stderr go to a log file (the hub logs at ``--log-level``, as
``lienthong hub`` does). Two phases per variant:

1. **throughput** — all ``--events`` records are on the input topic before the variant starts; events/s is
   that count over the time from the first record consumed (the plain loop's first ``getmany``; for the
   hub, a FastStream middleware's first call) to the moment every one of them is done: for a plain loop,
   its last commit returned; for the hub, seen from outside (polled every 10 ms), the group's committed
   offsets reach the end of the input and the output topic holds one command per record. Times are
   ``time.monotonic()``, one clock for all processes.
2. **latency** — then ``--paced`` more records are produced at ``--rate`` events/s, below every variant's
   throughput so that no backlog forms; a record's latency runs from the moment this script hands it to its
   producer to the moment its output record (the hub's command) reaches a consumer tailing the output
   topic — what a downstream service such as the portal connector waits, and an end point that does not
   depend on how the variant groups its commits. Producer, observer and variant share the machine; that
   cost is the same for every variant.

Ratios compare events/s with the two plain loops. Nothing here asserts on time; a stall past ``--timeout``
fails the variant and prints its log. The broker is ``--bootstrap``, else ``KAFKA_BOOTSTRAP_SERVERS``, else a
local jar broker started in a temporary state directory (``deploy.kafka.LocalKafka``); ``--warm-up`` records
go through it untimed first; the topics a run creates (a prefix of their own per run and variant) are deleted
at its end. PostgreSQL is ``--postgres-url``, else a throwaway cluster from Debian's
``postgresql`` package (durable defaults, fsync on, as the SQLite store runs with ``synchronous=FULL``), a
schema of its own per run (``benchmarks/_postgres.py``); without either, its row says why it was not measured.

    .venv/bin/python benchmarks/hub_core.py [--events 3000] [--paced 400] [--rate 40]
        [--store sqlite|postgres|both] [--bootstrap HOST:PORT] [--postgres-url URL]
"""

# ruff: noqa: PLC0415 -- lienthong's modules are imported where used: a plain loop's process must not carry them

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

if TYPE_CHECKING:
    from contracts import KafkaRecord

_SOURCE = "000.00.00.H14"
_AGENCY = "000.00.20.H14"
_STATUSES = (2, 4, 4, 4)
_DATA: dict[str, Any] = {
    "procedure_code": "2.000815.000.00.00.H14",
    "procedure_name": "Chứng thực bản sao từ bản chính",
    "receiving_agency_code": _AGENCY,
    "channel": 2,
    "applicant": {"kind": "citizen", "name": "Nguyễn Thị Hồng Nhung", "personal_id": "004095001234"},
    "components": [
        {
            "code": "TP01",
            "name": "Tờ khai",
            "digitised": True,
            "reused": True,
            "from_national_data_store": False,
        }
    ],
    "fees": [{"name": "Lệ phí chứng thực", "code": "LP01", "collection_method": "online", "amount": 2000}],
    "vneid_verified": True,
    "online_payment": 1,
}
_PLAIN_EACH, _PLAIN_BATCH, _HUB = "plain-each", "plain-batch", "hub"


# --- traffic -------------------------------------------------------------------------------------------


def _traffic(first: int, events: int, tag: str) -> list[KafkaRecord]:
    """``events`` / 4 dossiers numbered from ``first``, four status changes each, sent round by round."""
    from contracts import DossierStatusChanged, Envelope, encode
    from contracts.timestamps import VIETNAM_TIME

    received = dt.datetime.now(VIETNAM_TIME).replace(microsecond=0) - dt.timedelta(hours=1)
    dossiers = range(first, first + events // len(_STATUSES))
    records = []
    for step, status in enumerate(_STATUSES):
        changed = received + dt.timedelta(minutes=10 * (step + 1))
        for seq in dossiers:
            data = DossierStatusChanged.model_validate(
                _DATA
                | {
                    "dossier_code": f"{_AGENCY}-{received:%Y%m%d}-{seq:07d}",
                    "status": status,
                    "status_changed_at": changed.isoformat(),
                    "received_at": received.isoformat(),
                    "due_at": (received + dt.timedelta(days=3)).isoformat(),
                }
            )
            envelope = Envelope[DossierStatusChanged](
                id=f"bench-{tag}-{seq}-{step}", source=_SOURCE, time=changed, data=data
            )
            records.append(encode(envelope))
    return records


async def _produce(bootstrap: str, topic: str, records: list[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, key=r.key, value=r.value, headers=list(r.headers)) for r in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


# --- the variant's own process -------------------------------------------------------------------------


class _Progress:
    """The variant's reports to the driver: JSON lines on a pipe of their own (its stdout carries logs)."""

    def __init__(self, report: IO[str], drain: int) -> None:
        self._report = report
        self._drain = drain
        self._consumed = False
        self._committed = 0

    def emit(self, **fields: Any) -> None:
        self._report.write(f"{json.dumps(fields)}\n")
        self._report.flush()

    def consumed(self) -> None:
        if not self._consumed:
            self._consumed = True
            self.emit(phase="consumed", at=time.monotonic())

    def committed(self, count: int) -> None:
        before, self._committed = self._committed, self._committed + count
        if before < self._drain <= self._committed:
            self.emit(phase="drained", at=time.monotonic())


async def _plain_worker(
    args: argparse.Namespace, progress: _Progress, stop: asyncio.Event, *, batch: bool
) -> None:
    consumer = AIOKafkaConsumer(
        args.source,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=args.bootstrap, acks="all", enable_idempotence=True, linger_ms=args.linger_ms
    )
    await producer.start()
    await consumer.start()
    try:
        while not stop.is_set():
            fetched = await consumer.getmany(timeout_ms=100)
            if not fetched:
                continue
            progress.consumed()
            if batch:
                futures = [
                    await producer.send(args.output, key=r.key, value=r.value, headers=list(r.headers))
                    for records in fetched.values()
                    for r in records
                ]
                await asyncio.gather(*futures)
                await consumer.commit({tp: records[-1].offset + 1 for tp, records in fetched.items()})
                progress.committed(len(futures))
                continue
            for tp, records in fetched.items():
                for r in records:
                    await producer.send_and_wait(
                        args.output, key=r.key, value=r.value, headers=list(r.headers)
                    )
                    await consumer.commit({tp: r.offset + 1})
                    progress.committed(1)
    finally:
        await consumer.stop()
        await producer.stop()


async def _hub_worker(args: argparse.Namespace, progress: _Progress, stop: asyncio.Event) -> dict[str, int]:
    """Run the hub until told to stop; what became of the records it consumed, from its own metrics."""
    from faststream import BaseMiddleware

    from deploy.logging import configure_logging
    from hub.app import create_app
    from hub.settings import HubSettings

    configure_logging(level=args.log_level, json=True)
    settings = HubSettings(
        kafka_bootstrap_servers=args.bootstrap,
        topic_prefix=args.prefix,
        group_id=args.group,
        database_url=args.database_url,
        http_enabled=False,
    )
    app = create_app(settings)

    class FirstConsumed(BaseMiddleware[Any, Any]):
        async def consume_scope(self, call_next: Callable[..., Awaitable[Any]], msg: Any) -> Any:
            progress.consumed()
            return await call_next(msg)

    app.broker.add_middleware(FirstConsumed)
    await app.start()
    try:
        await stop.wait()
    finally:
        await app.stop()
    outcomes: Counter[str] = Counter()
    for metric in app.metrics.registry.collect():
        if metric.name == "lienthong_hub_events":
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    outcomes[sample.labels["outcome"]] += int(sample.value)
    return dict(outcomes)


def _worker(args: argparse.Namespace) -> None:
    progress = _Progress(os.fdopen(args.report_fd, "w"), args.drain)
    logging.basicConfig(level=logging.WARNING)  # the hub's worker replaces this with its own configuration

    async def work() -> dict[str, int]:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        if args.worker == _HUB:
            return await _hub_worker(args, progress, stop)
        await _plain_worker(args, progress, stop, batch=args.worker == _PLAIN_BATCH)
        return {}

    outcomes = asyncio.run(work())
    status = Path("/proc/self/status").read_text().splitlines()
    peak_kib = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    progress.emit(phase="done", outcomes=outcomes, peak_rss_mib=peak_kib / 1024)


# --- the driver ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Row:
    label: str
    records: int = 0
    seconds: float = 0.0
    latencies: list[float] = dataclasses.field(default_factory=list)
    peak_rss_mib: float = float("nan")
    outcomes: dict[str, int] = dataclasses.field(default_factory=dict)
    outputs: int = 0
    expected_outputs: int = 0
    failure: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


@dataclasses.dataclass(frozen=True)
class _Run:
    """What every variant of one run shares."""

    bootstrap: str
    tag: str
    drain: list[KafkaRecord]
    paced: list[KafkaRecord]
    rate: float
    timeout: float
    log_level: str
    linger_ms: int
    logs: Path
    partitions: int
    """Of every topic (``deploy.topology.DEFAULT_PARTITIONS``)."""
    created: list[str] = dataclasses.field(default_factory=list)
    """The topics this run created, deleted at its end."""

    def all_of(self, topic: str) -> list[TopicPartition]:
        return [TopicPartition(topic, p) for p in range(self.partitions)]


async def _line(process: asyncio.subprocess.Process, report: asyncio.StreamReader) -> dict[str, Any]:
    raw = await report.readline()
    if not raw:
        raise RuntimeError(f"the variant's process exited ({await process.wait()}) before reporting")
    found: dict[str, Any] = json.loads(raw)
    return found


async def _paced(run: _Run, source: str, output: str) -> list[float]:
    """Produce the paced records at ``run.rate``; each one's time until its output reaches a consumer."""
    observer = AIOKafkaConsumer(bootstrap_servers=run.bootstrap, enable_auto_commit=False)
    producer = AIOKafkaProducer(bootstrap_servers=run.bootstrap, acks="all", enable_idempotence=True)
    await observer.start()
    await producer.start()
    sent: dict[tuple[bytes, int], float] = {}
    latencies: list[float] = []
    try:
        partitions = run.all_of(output)
        observer.assign(partitions)
        await observer.seek_to_end(*partitions)
        for tp in partitions:
            await observer.position(tp)

        async def observe() -> None:
            seen: Counter[bytes] = Counter()
            while len(latencies) < len(run.paced):
                fetched = await observer.getmany(timeout_ms=200)
                arrived = time.perf_counter()
                for records in fetched.values():
                    for r in records:
                        started = sent.get((r.key, seen[r.key]))
                        seen[r.key] += 1
                        if started is not None:
                            latencies.append(arrived - started)

        watching = asyncio.create_task(observe())
        occurrences: Counter[bytes] = Counter()
        futures = []
        begun = time.perf_counter()
        for i, record in enumerate(run.paced):
            await asyncio.sleep(max(0.0, begun + i / run.rate - time.perf_counter()))
            sent[(record.key, occurrences[record.key])] = time.perf_counter()
            occurrences[record.key] += 1
            futures.append(
                await producer.send(source, key=record.key, value=record.value, headers=list(record.headers))
            )
        await asyncio.gather(*futures)
        try:
            await asyncio.wait_for(watching, run.timeout)
        except TimeoutError:
            raise RuntimeError(f"only {len(latencies)} of {len(run.paced)} paced outputs arrived") from None
    finally:
        await producer.stop()
        await observer.stop()
    return latencies


async def _caught_up(run: _Run, group: str, source: str, output: str, records: int) -> float:
    """When (``time.monotonic()``) ``group`` had committed ``records`` offsets of ``source`` and ``output``
    held ``records`` records, polled every 10 ms: the end of a phase, seen from outside the variant."""
    admin = AIOKafkaAdminClient(bootstrap_servers=run.bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=run.bootstrap)
    inputs, outputs = run.all_of(source), run.all_of(output)
    await admin.start()
    await consumer.start()
    committed = published = 0
    try:
        async with asyncio.timeout(run.timeout):
            while True:
                polled = time.monotonic()
                with contextlib.suppress(GroupCoordinatorNotAvailableError):  # nothing committed yet
                    offsets = await admin.list_consumer_group_offsets(group, partitions=inputs)
                    committed = sum(max(meta.offset, 0) for meta in offsets.values() if meta is not None)
                if committed >= records:
                    published = sum((await consumer.end_offsets(outputs)).values())
                    if published >= records:
                        return polled
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise RuntimeError(
            f"after {run.timeout:g} s, {committed} of {records} offsets committed, {published} outputs"
        ) from None
    finally:
        await consumer.stop()
        await admin.close()


async def _topics(run: _Run, prefix: str) -> tuple[str, str]:
    """Create the contract and dead-letter topics under ``prefix``; the input and output topics' names."""
    from contracts import DOSSIER_TOPIC, PORTAL_COMMAND_TOPIC
    from deploy.topology import ensure_topics, topic_names
    from hub.app import dead_letter_topics
    from hub.settings import HubSettings

    dead_letters = dead_letter_topics(HubSettings(topic_prefix=prefix, http_enabled=False))
    run.created.extend(await ensure_topics(run.bootstrap, topic_names(prefix) + dead_letters))
    return f"{prefix}{DOSSIER_TOPIC.name}", f"{prefix}{PORTAL_COMMAND_TOPIC.name}"


async def _spawn(
    command: list[str], log: Path
) -> tuple[asyncio.subprocess.Process, asyncio.StreamReader, asyncio.BaseTransport]:
    """Start a variant's process, its output into ``log``, its reports on a pipe of their own."""
    report, child_end = os.pipe()
    reader = asyncio.StreamReader()
    transport, _ = await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(report, "rb")
    )
    with log.open("wb") as logfile:
        process = await asyncio.create_subprocess_exec(
            *command, "--report-fd", str(child_end), stdout=logfile, stderr=logfile, pass_fds=(child_end,)
        )
    os.close(child_end)
    return process, reader, transport


async def _measure(
    run: _Run, label: str, worker: str, database_url: str = "", *, drain: int = 0, paced: bool = True
) -> _Row:
    slug = f"{worker}-{database_url.partition(':')[0]}".rstrip("-")
    prefix, group = f"bench-{run.tag}-{slug}.", f"bench-{run.tag}-{slug}"
    records = run.drain[:drain] if drain else run.drain
    total = len(records) + (len(run.paced) if paced else 0)
    source, output = await _topics(run, prefix)
    await _produce(run.bootstrap, source, records)
    log = run.logs / f"{slug}.log"
    command = [
        sys.executable, __file__, "--worker", worker, "--bootstrap", run.bootstrap, "--prefix", prefix,
        "--group", group, "--source", source, "--output", output, "--drain", str(len(records)),
        "--database-url", database_url, "--log-level", run.log_level, "--linger-ms", str(run.linger_ms),
    ]  # fmt: skip
    row = _Row(label)
    process, reader, transport = await _spawn(command, log)
    phase = "starting"
    try:
        async with asyncio.timeout(run.timeout):
            first = (await _line(process, reader))["at"]
        phase = "draining"
        if worker == _HUB:  # its commits and its commands go their own ways: watch both from outside
            drained = await _caught_up(run, group, source, output, len(records))
        else:
            async with asyncio.timeout(run.timeout):
                drained = (await _line(process, reader))["at"]
        row.records, row.seconds = len(records), drained - first
        phase = "paced"
        if paced:
            row.latencies = await _paced(run, source, output)
        await _caught_up(run, group, source, output, total)
        phase = "stopping"
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(run.timeout):
            done = await _line(process, reader)
            await process.wait()
        row.peak_rss_mib, row.outcomes = done["peak_rss_mib"], done["outcomes"]
    except (TimeoutError, RuntimeError) as exc:
        row.failure = f"{phase}: {type(exc).__name__}: {exc}".rstrip(": ")
        tail = "\n    ".join(log.read_text(errors="replace").splitlines()[-25:])
        print(f"{label} FAILED ({row.failure}); last lines of {log}:\n    {tail}", flush=True)
    finally:
        transport.close()
        if process.returncode is None:  # failed, or interrupted: never leave a variant running
            process.kill()
            await process.wait()
    row.outputs, row.expected_outputs = await _topic_size(run, output), total
    print(f"{label}: {'failed' if row.failure else f'{row.rate:.1f} events/s'}", file=sys.stderr, flush=True)
    return row


async def _topic_size(run: _Run, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=run.bootstrap)
    await consumer.start()
    try:
        return sum((await consumer.end_offsets(run.all_of(topic))).values())
    finally:
        await consumer.stop()


async def _delete_topics(run: _Run) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=run.bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(run.created)
    finally:
        await admin.close()


def _table(rows: list[_Row], each: _Row, batch: _Row, rate: float) -> None:
    print(
        f"{'variant':<32} {'records':>7} {'events/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'vs per-record':>13} {'vs batch':>8} {'peak RSS':>9}"
    )
    for row in rows:
        if row.failure and not row.records:
            print(f"{row.label:<32} not measured: {row.failure}")
            continue
        ratios = [f"{row.rate / base.rate:.1%}" if base.rate else "-" for base in (each, batch)]
        print(
            f"{row.label:<32} {row.records:>7} {row.rate:>9.1f} {row.percentile(0.50):>7.1f} "
            f"{row.percentile(0.95):>7.1f} {row.percentile(0.99):>7.1f} {ratios[0]:>13} {ratios[1]:>8} "
            f"{row.peak_rss_mib:>5.0f} MiB"
        )
    for row in rows:
        notes = []
        if row.records and row.outputs != row.expected_outputs:
            notes.append(f"{row.outputs} records on the output topic, {row.expected_outputs} expected")
        if set(row.outcomes) - {"committed", "applied"}:
            notes.append(f"outcomes {row.outcomes}")
        if row.records and rate > 0.8 * row.rate:
            notes.append(f"the paced rate {rate:g}/s is near its throughput: latencies include queueing")
        if row.failure and row.records:
            notes.append(row.failure)
        if notes:
            print(f"  ! {row.label}: {'; '.join(notes)}")


async def _main(args: argparse.Namespace, bootstrap: str, postgres: str | None, why_not: str) -> None:
    from deploy.topology import DEFAULT_PARTITIONS

    tag = uuid.uuid4().hex[:8]
    events = max(len(_STATUSES), args.events - args.events % len(_STATUSES))
    paced = args.paced - args.paced % len(_STATUSES)
    warm_up = min(events, args.warm_up)
    with tempfile.TemporaryDirectory(prefix="lienthong-bench-") as scratch:
        run = _Run(
            bootstrap=bootstrap,
            tag=tag,
            drain=_traffic(1, events, tag),
            paced=_traffic(1 + events, paced, tag),
            rate=args.rate,
            timeout=args.timeout,
            log_level=args.log_level,
            linger_ms=args.linger_ms,
            logs=Path(args.keep_logs) if args.keep_logs else Path(scratch),
            partitions=DEFAULT_PARTITIONS,
        )
        run.logs.mkdir(parents=True, exist_ok=True)
        # A just-started broker runs its cold code paths (produce, offset commit) slowly for the first
        # thousand or so round trips: warm them up, untimed, before any variant.
        warm = dataclasses.replace(run, tag=f"{tag}-warm")
        if warm_up:
            await _measure(warm, "warm-up", _PLAIN_EACH, drain=warm_up, paced=False)
        each = await _measure(run, "plain loop, commit per record", _PLAIN_EACH)
        batch = await _measure(run, "plain loop, commit per batch", _PLAIN_BATCH)
        rows = [each, batch]
        if args.store in ("sqlite", "both"):
            db = Path(scratch) / "ledger.sqlite3"
            rows.append(await _measure(run, "hub, SQLite store", _HUB, f"sqlite:///{db}"))
        if args.store in ("postgres", "both"):
            if postgres is None:
                rows.append(_Row("hub, PostgreSQL store", failure=why_not))
            else:
                rows.append(await _measure(run, "hub, PostgreSQL store", _HUB, postgres))
        # The same baseline once more, last: how far the machine and the broker drifted during the run.
        again = dataclasses.replace(run, tag=f"{tag}-again")
        rows.append(await _measure(again, "plain loop, per record, again", _PLAIN_EACH))
        await _delete_topics(run)
    print()
    print(
        f"broker {bootstrap}; {os.cpu_count()} CPUs; {events} events drained ({events // len(_STATUSES)} "
        f"dossiers x {len(_STATUSES)} status changes), then {paced} paced at {args.rate:g}/s for latency"
    )
    print(
        f"producers acks=all, idempotent; plain loops linger {args.linger_ms} ms (the hub's producer: 5 ms); "
        f"each variant's output to a log file (the hub logging at {args.log_level})"
    )
    if postgres is not None:
        from benchmarks._postgres import describe

        print(f"PostgreSQL: {describe(postgres)}")
    print(
        "events/s: drained records / (first consumed -> all offsets committed and all outputs on the topic)\n"
        "latency: paced record handed to the producer -> its output read by a consumer tailing the topic\n"
        "peak RSS: VmHWM of the variant's own process"
    )
    _table(rows, each, batch, args.rate)


@contextlib.contextmanager
def _broker(configured: str | None) -> Iterator[str]:
    from deploy.kafka import LocalKafka, RuntimeSettings

    configured = configured or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if configured:
        yield configured
        return
    with tempfile.TemporaryDirectory(prefix="lienthong-bench-") as state:
        runtime = LocalKafka(RuntimeSettings(state_dir=Path(state)))
        status = runtime.up(timeout=180)
        try:
            assert status.bootstrap is not None
            yield status.bootstrap
        finally:
            runtime.down()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=3000, help="records drained for events/s (N)")
    parser.add_argument("--paced", type=int, default=400, help="records sent at --rate for latency")
    parser.add_argument("--rate", type=float, default=40.0, help="events/s of the paced phase")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--bootstrap", help="an existing broker (default: KAFKA_BOOTSTRAP_SERVERS, else local)"
    )
    parser.add_argument("--postgres-url", help="a database to use (default: a throwaway cluster)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info")
    parser.add_argument("--linger-ms", type=int, default=5, help="the plain loops' producer linger")
    parser.add_argument("--warm-up", type=int, default=2000, help="untimed records through the broker first")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a phase may take")
    parser.add_argument(
        "--keep-logs", metavar="DIR", help="write the variants' logs here (default: discarded)"
    )
    hidden = argparse.SUPPRESS
    for name in ("--worker", "--prefix", "--group", "--source", "--output", "--database-url"):
        parser.add_argument(name, default="", help=hidden)
    for name in ("--drain", "--report-fd"):
        parser.add_argument(name, type=int, default=0, help=hidden)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return
    from benchmarks._postgres import database

    # aiokafka warns of each produce retried while a just-created topic's leaders settle: expected, and noise.
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    started = time.monotonic()
    ledger: contextlib.AbstractContextManager[tuple[str | None, str]] = (
        contextlib.nullcontext((None, "not asked for"))
        if args.store == "sqlite"
        else database(args.postgres_url)
    )
    with _broker(args.bootstrap) as bootstrap, ledger as (postgres, why_not):
        asyncio.run(_main(args, bootstrap, postgres, why_not))
    print(f"total run time {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
