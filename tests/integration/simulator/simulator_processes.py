"""What the simulator's integration tests run against: the payment connector as a real process, the province
ingest served in this process over real HTTP (for runs without Kafka), and a small stand-in for the payment
connector that records what it is sent."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from connectors.province import InMemorySink, ProvinceSettings, create_app
from tests.fixtures.portal import free_port
from tests.fixtures.processes import spawn, stop_process, wait_until_answering

__all__ = ["PaymentConnectorProcess", "PaymentStandIn", "serve_ingest"]

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class PaymentConnectorProcess:
    """``lienthong connector payment`` on loopback; ``settings`` are ``LIENTHONG_PAYMENT_*`` unprefixed."""

    db: Path
    port: int
    settings: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> PaymentConnectorProcess:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIENTHONG_PAYMENT_")}
        env |= {f"LIENTHONG_PAYMENT_{key.upper()}": value for key, value in self.settings.items()}
        command = [
            sys.executable,
            "-c",
            "from deploy.cli.connector_payment import payment_connector; payment_connector()",
            *("--port", str(self.port), "--db", str(self.db), "--log-level", "warning"),
        ]
        log = self.db.with_suffix(".log")
        self.process = spawn(command, env=env, log=log)
        wait_until_answering(
            self.process, f"{self.base_url}/healthz", log=log, what="payment connector", timeout=timeout
        )
        return self

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


@asynccontextmanager
async def serve_ingest(sink: InMemorySink) -> AsyncIterator[str]:
    """The province ingest application on a free loopback port, publishing into ``sink``; yields its URL."""
    port = free_port()
    app = create_app(ProvinceSettings(), sink_factory=lambda: sink)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + 10
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the ingest did not get ready"
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class PaymentStandIn:
    """Records registrations (``POST /paygov/transactions``, answered 201) and callbacks (answered 00)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.registrations: list[dict[str, Any]] = []
        self.callbacks: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                registration = self.path == "/paygov/transactions"
                (stand_in.registrations if registration else stand_in.callbacks).append(body)
                answer = json.dumps({"MaLoi": "00"}).encode()
                self.send_response(201 if registration else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                """Quiet: the tests read the recorded bodies."""

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="payment-stand-in", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> PaymentStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
