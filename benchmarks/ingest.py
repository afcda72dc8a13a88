"""Throughput and latency of the province HTTP ingest against a plain Kafka producer sending the same records.

The ingest runs as its own process (``lienthong connector province serve``) on a loopback port, publishing to
a real broker: ``KAFKA_BOOTSTRAP_SERVERS`` when set, else a local jar broker started in a temporary state
directory (``deploy.kafka.LocalKafka``). K concurrent httpx clients post N dossier events, first one event
per request (``application/cloudevents+json``), then batches (``application/cloudevents-batch+json``); an
event counts once its request was answered 202, i.e. once Kafka acknowledged it (acks=all).

The broker is warmed up first, untimed (a just-started JVM runs its cold paths slowly). The baseline,
measured in the same run on the same broker: a plain ``AIOKafkaProducer`` (acks=all, idempotent, linger
5 ms) in this process, K concurrent senders, sending the same records already encoded (CloudEvents binary
mode) — one record then its acknowledgement, or a batch then all its acknowledgements. The ratio is what
HTTP, JSON parsing, contract validation and admission cost on top of Kafka itself. Each HTTP client has its
own ``httpx.AsyncClient`` with one keep-alive connection, and request bodies are serialised before the clock
starts, as the baseline's records are encoded before it.

Reported: events/s accepted, p50/p99 request latency, the ingest process's peak RSS (``VmHWM``), and a check
that the topic holds exactly the events accepted.

    .venv/bin/python benchmarks/ingest.py [--clients 16] [--single 3000] [--events 20000] [--batch 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts import DOSSIER_TOPIC, KafkaRecord, encode
from contracts.structured import BATCH_MEDIA_TYPE, EVENT_MEDIA_TYPE, from_structured
from deploy.kafka import LocalKafka, RuntimeSettings
from deploy.topology import ensure_topics, topic_names

ROOT = Path(__file__).resolve().parents[1]
_FIRST_DAY = dt.date(2025, 6, 1)
_DATA: dict[str, Any] = {
    "procedure_code": "2.000815.000.00.00.H14",
    "procedure_name": "Chứng thực bản sao từ bản chính",
    "receiving_agency_code": "000.00.20.H14",
    "status": 4,
    "status_changed_at": "2025-06-12T09:00:00+07:00",
    "channel": 2,
    "received_at": "2025-06-12T08:30:00+07:00",
    "due_at": "2025-06-15T08:30:00+07:00",
    "applicant": {"kind": "citizen", "name": "Nguyễn Thị Hồng Nhung", "personal_id": "004095001234"},
    "components": [
        {
            "code": "TP01",
            "name": "Tờ khai đề nghị chứng thực",
            "digitised": True,
            "reused": True,
            "from_national_data_store": False,
        },
        {
            "code": "TP02",
            "name": "Bản chính giấy tờ",
            "digitised": True,
            "reused": False,
            "from_national_data_store": True,
        },
    ],
    "fees": [{"name": "Lệ phí chứng thực", "code": "LP01", "collection_method": "online", "amount": 2000}],
    "vneid_verified": True,
    "online_payment": 1,
}


def _event(seq: int) -> dict[str, Any]:
    day = _FIRST_DAY + dt.timedelta(days=seq // 9000)
    code = f"000.00.20.H14-{day:%y%m%d}-{seq % 9000 + 1:04d}"
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "000.00.00.H14",
        "type": "vn.gov.lienthong.dossier.status_changed.v1",
        "time": "2025-06-12T09:00:01+07:00",
        "subject": code,
        "datacontenttype": "application/json",
        "data": {"dossier_code": code, **_DATA},
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def _broker() -> Iterator[str]:
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
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


@contextlib.contextmanager
def _ingest(bootstrap: str, prefix: str, log: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIENTHONG_PROVINCE_")}
    env |= {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "LIENTHONG_PROVINCE_TOPIC_PREFIX": prefix}
    command = [
        sys.executable,
        "-c",
        "from deploy.cli.connector_province import province; province()",
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ingest did not become ready:\n{log.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


class Run:
    """One measured phase: events done, wall time, per-request latencies."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.events = 0
        self.seconds = 0.0
        self.latencies: list[float] = []

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def line(self, baseline: Run | None = None) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        ratio = f"  {self.rate / baseline.rate:6.1%} of baseline" if baseline else ""
        return (
            f"{self.label:<34} {self.events:>7} events {self.rate:>9.0f} ev/s  "
            f"p50 {p50:7.2f} ms  p99 {p99:7.2f} ms{ratio}"
        )


Sender = Callable[[Any], Awaitable[int]]
"""Sends one unit of work (a request, or records) and returns how many events it carried."""


async def _drive(run: Run, work: list[Any], senders: list[Sender]) -> None:
    """Each sender is one client: it takes the next unit of work as soon as its previous one is answered."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for unit in work:
        queue.put_nowait(unit)

    async def worker(send: Sender) -> None:
        while not queue.empty():
            unit = queue.get_nowait()
            started = time.perf_counter()
            count = await send(unit)
            run.latencies.append(time.perf_counter() - started)
            run.events += count

    started = time.perf_counter()
    await asyncio.gather(*(worker(send) for send in senders))
    run.seconds = time.perf_counter() - started


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _baseline(bootstrap: str, topic: str, records: list[KafkaRecord], size: int, clients: int) -> Run:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    run = Run(f"baseline producer, {'1 per send' if size == 1 else f'batches of {size}'}")
    try:

        async def send(chunk: list[KafkaRecord]) -> int:
            futures = [
                await producer.send(topic, key=r.key, value=r.value, headers=list(r.headers)) for r in chunk
            ]
            await asyncio.gather(*futures)
            return len(chunk)

        await send(records[:10])  # connections and metadata before the clock starts
        await _drive(run, _chunks(records, size), [send] * clients)
    finally:
        await producer.stop()
    return run


async def _http(url: str, events: list[dict[str, Any]], size: int, clients: int) -> Run:
    """K clients, each its own httpx.AsyncClient with one keep-alive connection (as K systems would be)."""
    run = Run(f"HTTP ingest, {'1 event per request' if size == 1 else f'batches of {size}'}")
    media_type = EVENT_MEDIA_TYPE if size == 1 else BATCH_MEDIA_TYPE
    # Bodies are serialised before the clock starts, as the baseline's records are encoded before it.
    bodies = [
        (json.dumps(chunk[0] if size == 1 else chunk, ensure_ascii=False).encode(), len(chunk))
        for chunk in _chunks(events, size)
    ]
    async with contextlib.AsyncExitStack() as stack:
        senders: list[Sender] = []
        for _ in range(clients):
            client = await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=1))
            )
            senders.append(_poster(client, media_type))
        await _drive(run, bodies, senders)
    return run


def _poster(client: httpx.AsyncClient, media_type: str) -> Sender:
    async def send(unit: tuple[bytes, int]) -> int:
        body, count = unit
        answer = await client.post("/v1/events", content=body, headers={"content-type": media_type})
        if answer.status_code != 202:
            raise RuntimeError(f"ingest answered {answer.status_code}: {answer.text[:300]}")
        return count

    return send


async def _records_on(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(6)]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


async def _main(args: argparse.Namespace, bootstrap: str) -> None:
    tag = uuid.uuid4().hex[:8]
    baseline_prefix, ingest_prefix = f"bench-{tag}-base.", f"bench-{tag}-http."
    await ensure_topics(bootstrap, topic_names(baseline_prefix) + topic_names(ingest_prefix))
    total = args.single + args.events
    events = [_event(seq) for seq in range(total)]
    records = [encode(from_structured(event)) for event in events]
    single_events, batch_events = events[: args.single], events[args.single :]
    single_records, batch_records = records[: args.single], records[args.single :]
    base_topic = f"{baseline_prefix}{DOSSIER_TOPIC.name}"
    http_topic = f"{ingest_prefix}{DOSSIER_TOPIC.name}"

    # A broker just started runs its JIT-cold code paths slowly: warm it up, untimed, before either side.
    await _baseline(bootstrap, base_topic, batch_records[: args.events // 2], args.batch, args.clients)
    base_single = await _baseline(bootstrap, base_topic, single_records, 1, args.clients)
    base_batch = await _baseline(bootstrap, base_topic, batch_records, args.batch, args.clients)
    with (
        tempfile.TemporaryDirectory(prefix="lienthong-bench-") as scratch,
        _ingest(bootstrap, ingest_prefix, Path(scratch) / "ingest.log") as (url, pid),
    ):
        warm_up = [_event(200_000 + i) for i in range(2 * args.clients)]
        await _http(url, warm_up, 1, args.clients)
        http_single = await _http(url, single_events, 1, args.clients)
        http_batch = await _http(url, batch_events, args.batch, args.clients)
        peak = _peak_rss_mib(pid)
    on_topic = await _records_on(bootstrap, http_topic)

    print(f"broker {bootstrap}; {args.clients} concurrent clients; loopback; acks=all, idempotent")
    for run, baseline in (
        (base_single, None),
        (http_single, base_single),
        (base_batch, None),
        (http_batch, base_batch),
    ):
        print(run.line(baseline))
    print(f"ingest process peak RSS (VmHWM): {peak:.0f} MiB")
    expected = len(warm_up) + total
    verdict = "ok" if on_topic == expected else "MISMATCH"
    print(f"on the ingest's topic: {on_topic} records, {expected} accepted ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (K)")
    parser.add_argument("--single", type=int, default=3000, help="events sent one per request")
    parser.add_argument("--events", type=int, default=20000, help="events sent in batches (N)")
    parser.add_argument("--batch", type=int, default=100, help="events per batch request")
    args = parser.parse_args()
    started = time.monotonic()
    with _broker() as bootstrap:
        asyncio.run(_main(args, bootstrap))
    print(f"total run time {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
