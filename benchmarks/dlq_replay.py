"""Records per second and peak memory of ``lienthong dlq replay`` replaying a dead-letter topic of N records.

For each size in ``--sizes`` (default one: 100,000), a fresh dead-letter topic
``<prefix>lienthong.dossier.events.v1.dlq`` is filled, untimed, with N dead letters by a fast batched
producer in this process: one valid ``DossierStatusChanged`` CloudEvent (``contracts.encode``), built once,
of which only the ``ce_id`` header and the key (a dossier code) vary per record — so each key disagrees
with the event's ``ce_subject``, and the dead letter's reason says so (``key_mismatch``). Every record
carries the ``dlq_*`` headers the hub writes (``hub.app.dead_letters``), its original partition being the
one it lies in.

Then a process of its own (``--worker``) does what ``lienthong dlq replay --topic …`` does: it calls
``hub.dlq.DeadLetterDesk.replay`` (settings as the CLI's, default batch size), which rebuilds the state from
the audit log, reads the topic up to a snapshot of its end, sends each record (``dlq_*`` headers stripped)
to its original topic and partition on the same broker, and writes one audit record per dead letter and one
for the action. ``seconds`` runs from the call to its return. One process per size, so that its peak RSS
(``VmHWM`` of that process, interpreter and imports included; not ``ru_maxrss``, which a child inherits from
the process that forked it) is that replay's own; ``before`` is its ``VmHWM`` with the desk started, just
before the call. The point is the last line: peak RSS of the largest size over that of the smallest — the
desk streams ``batch_size`` records at a time, so memory should not grow with the queue.

Each run checks that the original topic holds N records afterwards and that the desk reports N sent.
Nothing here asserts on time. The broker is ``--bootstrap``, else ``KAFKA_BOOTSTRAP_SERVERS``, else a local
jar broker started in a temporary state directory (``deploy.kafka.LocalKafka``); ``--warm-up`` dead letters
go through an untimed replay first; the topics a run creates (a prefix of its own per run and size, the
audit log included) are deleted at its end.

    .venv/bin/python benchmarks/dlq_replay.py [--sizes 10000,100000] [--bootstrap HOST:PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import DOSSIER_TOPIC, DossierStatusChanged, Envelope, KafkaRecord, encode
from contracts.timestamps import VIETNAM_TIME
from deploy.kafka import LocalKafka, RuntimeSettings
from deploy.topology import DEFAULT_PARTITIONS, ensure_topics
from hub.dlq import DLQ_SUFFIX, DeadLetterDesk, DlqSettings, Selection

_SOURCE = "000.00.00.H14"
_AGENCY = "000.00.20.H14"
_FIRST_DAY = dt.date(2025, 6, 1)
_DATA: dict[str, Any] = {
    "dossier_code": f"{_AGENCY}-250612-0001",
    "procedure_code": "2.000815.000.00.00.H14",
    "procedure_name": "Chứng thực bản sao từ bản chính",
    "receiving_agency_code": _AGENCY,
    "status": 4,
    "status_changed_at": "2025-06-12T09:00:00+07:00",
    "channel": 2,
    "received_at": "2025-06-12T08:30:00+07:00",
    "due_at": "2025-06-15T08:30:00+07:00",
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
_GROUP = "lienthong-hub"


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the dead letters ----------------------------------------------------------------------------------


def _template() -> KafkaRecord:
    """The one dead-lettered event every record copies."""
    data = DossierStatusChanged.model_validate(_DATA)
    changed = dt.datetime(2025, 6, 12, 9, tzinfo=VIETNAM_TIME)
    return encode(Envelope[DossierStatusChanged](id="template", source=_SOURCE, time=changed, data=data))


def _dossier_code(seq: int) -> bytes:
    day = _FIRST_DAY + dt.timedelta(days=seq // 9000)
    return f"{_AGENCY}-{day:%y%m%d}-{seq % 9000 + 1:04d}".encode()


async def _fill(bootstrap: str, dlq: str, original: str, count: int, tag: str) -> None:
    """``count`` dead letters of ``original`` into ``dlq``, round-robin over its partitions, batched."""
    template = _template()
    failed_at = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z").encode()
    context = [
        ("dlq_reason", b"the record's key is not its ce_subject"),
        ("dlq_reason_code", b"key_mismatch"),
        ("dlq_error_class", b"KeyMismatchError"),
        ("dlq_original_topic", original.encode()),
    ]
    closing = [
        ("dlq_consumer_group", _GROUP.encode()),
        ("dlq_attempts", b"1"),
        ("dlq_first_failure_at", failed_at),
        ("dlq_last_failure_at", failed_at),
    ]
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=1024 * 1024
    )
    await producer.start()
    try:
        futures = []
        for partition in range(DEFAULT_PARTITIONS):
            batch = producer.create_batch()
            partition_bytes = str(partition).encode()
            for offset, seq in enumerate(range(partition, count, DEFAULT_PARTITIONS)):
                ce_id = f"bench-{tag}-{seq}".encode()
                headers = [
                    *((name, ce_id if name == "ce_id" else raw) for name, raw in template.headers),
                    *context,
                    ("dlq_original_partition", partition_bytes),
                    ("dlq_original_offset", str(offset).encode()),
                    *closing,
                ]
                fields = {"timestamp": None, "key": _dossier_code(seq), "value": template.value}
                if batch.append(**fields, headers=headers) is None:  # full: send it, start another
                    batch.close()
                    futures.append(await producer.send_batch(batch, dlq, partition=partition))
                    batch = producer.create_batch()
                    batch.append(**fields, headers=headers)
            if batch.record_count():
                batch.close()
                futures.append(await producer.send_batch(batch, dlq, partition=partition))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


# --- the replay's own process --------------------------------------------------------------------------


def _worker(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    settings = DlqSettings(
        kafka_bootstrap_servers=args.bootstrap, topic_prefix=args.prefix, operator="benchmark"
    )

    async def replay() -> dict[str, Any]:
        async with DeadLetterDesk(settings) as desk:
            before = _peak_rss_mib()
            started = time.monotonic()
            outcome = await desk.replay(Selection(topics=(args.dlq,)))
            seconds = time.monotonic() - started
        return {"seconds": seconds, "before_mib": before, "outcome": outcome.as_dict()}

    report = asyncio.run(replay())
    report["peak_rss_mib"] = _peak_rss_mib()
    print(json.dumps(report), flush=True)


# --- the driver ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Row:
    records: int
    seconds: float = 0.0
    before_mib: float = float("nan")
    peak_rss_mib: float = float("nan")
    sent: int = 0
    landed: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    failure: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


async def _topic_size(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(DEFAULT_PARTITIONS)]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


async def _measure(bootstrap: str, tag: str, records: int, limit: float, logs: Path) -> _Row:
    prefix = f"bench-{tag}-{records}."
    original = f"{prefix}{DOSSIER_TOPIC.name}"
    dlq = f"{original}{DLQ_SUFFIX}"
    await ensure_topics(bootstrap, [original, dlq])
    filling = time.monotonic()
    await _fill(bootstrap, dlq, original, records, f"{tag}-{records}")
    print(
        f"{records} dead letters written in {time.monotonic() - filling:.1f} s", file=sys.stderr, flush=True
    )
    row = _Row(records)
    log = logs / f"replay-{records}.log"
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--bootstrap",
        bootstrap,
        "--prefix",
        prefix,
        "--dlq",
        dlq,
    ]
    with log.open("wb") as logfile:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=logfile
        )
    try:
        async with asyncio.timeout(limit):
            out, _ = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"the replay's process exited {process.returncode}")
        report = json.loads(out.decode().strip().splitlines()[-1])
        row.seconds, row.before_mib = report["seconds"], report["before_mib"]
        row.peak_rss_mib, row.sent = report["peak_rss_mib"], report["outcome"].get("sent", 0)
        row.errors = report["outcome"]["errors"]
    except (TimeoutError, RuntimeError, ValueError, IndexError) as exc:
        row.failure = f"{type(exc).__name__}: {exc}".rstrip(": ")
        tail = "\n    ".join(log.read_text(errors="replace").splitlines()[-25:])
        print(f"replay of {records} FAILED ({row.failure}); last lines of {log}:\n    {tail}", flush=True)
    finally:
        if process.returncode is None:  # failed, or interrupted: never leave a replay running
            process.kill()
            await process.wait()
    row.landed = await _topic_size(bootstrap, original)
    outcome = "failed" if row.failure else f"{row.rate:.0f} records/s, peak RSS {row.peak_rss_mib:.0f} MiB"
    print(f"replay of {records}: {outcome}", file=sys.stderr, flush=True)
    return row


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        created = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if created:
            await admin.delete_topics(created)
    finally:
        await admin.close()


def _table(rows: list[_Row]) -> None:
    print(
        f"{'records':>8} {'seconds':>8} {'records/s':>10} {'RSS before':>10} {'peak RSS':>9} "
        f"{'growth':>8} {'sent':>8} {'on topic':>8}"
    )
    for row in rows:
        if row.failure:
            print(f"{row.records:>8} not measured: {row.failure}")
            continue
        print(
            f"{row.records:>8} {row.seconds:>8.2f} {row.rate:>10.0f} {row.before_mib:>6.0f} MiB "
            f"{row.peak_rss_mib:>5.0f} MiB {row.peak_rss_mib - row.before_mib:>4.0f} MiB "
            f"{row.sent:>8} {row.landed:>8}"
        )
    measured = [row for row in rows if not row.failure]
    if len(measured) >= 2:
        small = min(measured, key=lambda row: row.records)
        large = max(measured, key=lambda row: row.records)
        print(
            f"largest / smallest ({large.records} / {small.records} records, "
            f"{large.records / small.records:g}x the queue): peak RSS "
            f"{large.peak_rss_mib / small.peak_rss_mib:.2f}x, records/s {large.rate / small.rate:.2f}x"
        )
    for row in rows:
        notes = []
        if not row.failure and (row.sent != row.records or row.landed != row.records):
            notes.append(f"{row.sent} sent and {row.landed} on the original topic, {row.records} expected")
        if row.errors:
            notes.append(f"errors: {'; '.join(row.errors)}")
        if notes:
            print(f"  ! {row.records}: {'; '.join(notes)}")


async def _main(args: argparse.Namespace, bootstrap: str, sizes: list[int]) -> None:
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="lienthong-bench-") as scratch:
        logs = Path(args.keep_logs) if args.keep_logs else Path(scratch)
        logs.mkdir(parents=True, exist_ok=True)
        try:
            # A just-started broker runs its cold code paths slowly: an untimed replay first.
            if args.warm_up:
                await _measure(bootstrap, f"{tag}-warm", args.warm_up, args.timeout, logs)
            rows = [await _measure(bootstrap, tag, size, args.timeout, logs) for size in sizes]
        finally:
            await _delete_topics(bootstrap, f"bench-{tag}")
    print()
    print(
        f"broker {bootstrap}; {os.cpu_count()} CPUs; {DEFAULT_PARTITIONS} partitions; one dead-letter topic "
        f"replayed to its original topic; desk batch size {DlqSettings().batch_size}"
    )
    print(
        "seconds: DeadLetterDesk.replay called -> returned (audit state, snapshot, sends, audit records)\n"
        "RSS before / peak RSS: VmHWM of the replay's own process with the desk started / at its end"
    )
    _table(rows)


@contextlib.contextmanager
def _broker(configured: str | None) -> Iterator[str]:
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


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of counts") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are counts of at least 1")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=[100_000], help="dead letters per replay, comma-separated (N)"
    )
    parser.add_argument(
        "--bootstrap", help="an existing broker (default: KAFKA_BOOTSTRAP_SERVERS, else local)"
    )
    parser.add_argument("--warm-up", type=int, default=2000, help="dead letters replayed untimed first")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a replay may take")
    parser.add_argument(
        "--keep-logs", metavar="DIR", help="write the replays' logs here (default: discarded)"
    )
    hidden = argparse.SUPPRESS
    parser.add_argument("--worker", action="store_true", help=hidden)
    for name in ("--prefix", "--dlq"):
        parser.add_argument(name, default="", help=hidden)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return
    # aiokafka warns of each produce retried while a just-created topic's leaders settle: expected, and noise.
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    started = time.monotonic()
    with _broker(args.bootstrap) as bootstrap:
        asyncio.run(_main(args, bootstrap, args.sizes))
    print(f"total run time {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
