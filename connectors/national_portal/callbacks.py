"""Delivering payment confirmations to the partner's callback URL, in the background, with bounded retries.

Deliveries live in the database (scheduled when the citizen pays), so a restart resumes them. The dispatcher
wakes when a payment is made or every ``poll_seconds``, posts every delivery that is due, and records each
attempt. A 2xx answer delivers; anything else (an error status, a refused connection, a timeout) is retried
after ``base * 2**(attempt - 1)`` seconds until ``max_attempts`` attempts, then the delivery is marked failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from connectors.national_portal.clock import Clock
from connectors.national_portal.database import Database, bump

__all__ = ["CallbackDispatcher", "DeliveryPolicy"]

_log = structlog.get_logger("national_portal.callbacks")


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    url: str | None
    max_attempts: int
    retry_base_seconds: float
    timeout_seconds: float
    poll_seconds: float = 0.25


def _due(conn: sqlite3.Connection, now_ts: float) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, ma_tham_chieu, copy, payload, attempts FROM deliveries "
        "WHERE state = 'scheduled' AND due_at <= ? ORDER BY due_at, id LIMIT 50",
        (now_ts,),
    ).fetchall()
    return [dict(row) for row in rows]


class CallbackDispatcher:
    """Runs as one background task of the app (started and cancelled by its lifespan)."""

    def __init__(self, db: Database, policy: DeliveryPolicy, clock: Clock) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self._policy.timeout_seconds) as client:
            while True:
                due = await self._db.run(lambda conn: _due(conn, self._clock.now().timestamp()))
                if due:
                    await asyncio.gather(*(self._deliver(client, delivery) for delivery in due))
                    continue
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._policy.poll_seconds)

    async def _deliver(self, client: httpx.AsyncClient, delivery: dict[str, Any]) -> None:
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        if self._policy.url is None:
            error = "no callback URL configured"
        else:
            try:
                response = await client.post(
                    self._policy.url,
                    content=delivery["payload"].encode("utf-8"),
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
                status = response.status_code
                if not response.is_success:
                    error = f"HTTP {status}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = round((time.perf_counter() - started) * 1000)
        await self._db.run(lambda conn: self._record(conn, delivery, status, error, duration_ms))

    def _record(
        self,
        conn: sqlite3.Connection,
        delivery: dict[str, Any],
        status: int | None,
        error: str | None,
        duration_ms: int,
    ) -> None:
        if conn.execute("SELECT 1 FROM deliveries WHERE id = ?", (delivery["id"],)).fetchone() is None:
            return  # the portal was reset while this attempt was under way
        now = self._clock.now()
        attempts = int(delivery["attempts"]) + 1
        conn.execute(
            "INSERT INTO delivery_attempts (delivery_id, attempted_at, status, error, duration_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            (delivery["id"], now.isoformat(), status, error, duration_ms),
        )
        bump(conn, "callback_attempts")
        fields = {"reference": delivery["ma_tham_chieu"], "copy": delivery["copy"], "attempt": attempts}
        if error is None:
            conn.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = ?, delivered_at = ? WHERE id = ?",
                (attempts, now.isoformat(), delivery["id"]),
            )
            bump(conn, "callbacks_delivered")
            _log.info("callback delivered", status=status, **fields)
        elif self._policy.url is None or attempts >= self._policy.max_attempts:
            conn.execute(
                "UPDATE deliveries SET state = 'failed', attempts = ? WHERE id = ?",
                (attempts, delivery["id"]),
            )
            bump(conn, "callbacks_failed")
            _log.warning("callback given up", error=error, **fields)
        else:
            retry_in = self._policy.retry_base_seconds * 2 ** (attempts - 1)
            conn.execute(
                "UPDATE deliveries SET attempts = ?, due_at = ? WHERE id = ?",
                (attempts, now.timestamp() + retry_in, delivery["id"]),
            )
            _log.info("callback failed, will retry", error=error, retry_in_s=retry_in, **fields)
