"""The payment connector as a real process on a loopback port, and reading back what it published to Kafka."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

from contracts import PAYMENT_TOPIC, Envelope, EventData, decode
from tests.fixtures.portal import free_port
from tests.fixtures.processes import spawn, stop_process, wait_until_answering

__all__ = ["ConnectorProcess", "metric", "read_payment_events"]

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class ConnectorProcess:
    """A ``lienthong connector payment`` process; ``settings``: ``LIENTHONG_PAYMENT_*`` minus the prefix."""

    db: Path
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.db.with_suffix(".log")

    def start(self, timeout: float = 30.0) -> ConnectorProcess:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIENTHONG_PAYMENT_")}
        env |= {f"LIENTHONG_PAYMENT_{key.upper()}": value for key, value in self.settings.items()}
        command = [
            sys.executable,
            "-c",
            "from deploy.cli.connector_payment import payment_connector; payment_connector()",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
            "--log-level",
            "info",
        ]
        self.process = spawn(command, env=env, log=self.log)
        wait_until_answering(
            self.process, f"{self.base_url}/healthz", log=self.log, what="connector", timeout=timeout
        )
        return self

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


async def metric(base_url: str, name: str, **labels: str) -> int:
    """The value of one sample of the connector's ``/metrics`` (0 when absent)."""
    selector = ",".join(f'{key}="{value}"' for key, value in labels.items())
    wanted = f"{name}{{{selector}}}" if selector else name
    async with httpx.AsyncClient(timeout=5.0) as client:
        text = (await client.get(f"{base_url}/metrics")).text
    for line in text.splitlines():
        sample, _, value = line.rpartition(" ")
        if sample == wanted:
            return int(float(value))
    return 0


async def read_payment_events(
    bootstrap: str, prefix: str, *, expected: int, wait: float = 30.0, settle: float = 1.5
) -> list[Envelope[EventData]]:
    """Every event on the test's payment topic: waits for ``expected`` of them, then ``settle`` seconds more
    so that an extra (duplicate) event would be seen too."""
    consumer = AIOKafkaConsumer(
        f"{prefix}{PAYMENT_TOPIC.name}",
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        events: list[Envelope[EventData]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        settled_at: float | None = None
        while loop.time() < (settled_at if settled_at is not None else deadline):
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                events += [decode(record.key, record.value, record.headers) for record in records]
            if settled_at is None and len(events) >= expected:
                settled_at = loop.time() + settle
        return events
    finally:
        await consumer.stop()
