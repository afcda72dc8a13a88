"""The re-query job (đối soát): ask the platform about transactions whose outcome never arrived.

Every ``query_interval`` the job takes the watched transactions still initiated or pending at least
``query_after`` after they were registered (and not asked about within the last ``query_interval``), and
calls ``QUERY`` for each:

* ``TrangThaiGD`` 1 → ``PaymentSucceeded``; 4 → ``PaymentFailed``;
* 3 (the platform does not know yet) → ``PaymentPending`` the first time, then keep asking;
* once ``give_up_after`` has passed since registration and the platform still has no outcome (3, an error
  answer, or no answer at all) → ``PaymentFailed`` with reason ``expired``.

Publishing goes through :class:`~connectors.payment.relay.PaymentRelay`, so a confirmation that arrives by
callback as well yields one event. A platform or Kafka failure is logged and counted; the transaction is
asked about again at the next due pass.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from connectors.errors import ConnectorError, PaymentPlatformError
from connectors.payment.messages import QueryAnswer
from connectors.payment.metrics import Metrics, QueryResult
from connectors.payment.platform import PlatformClient
from connectors.payment.relay import PaymentRelay
from connectors.payment.store import TransactionStore, WatchedTransaction
from connectors.payment.translation import EXPIRED_REASON, Outcome

__all__ = ["QueryJob", "QuerySchedule"]

_log = structlog.get_logger("payment.query_job")

_SUCCESS, _PENDING, _FAILED = 1, 3, 4


@dataclass(frozen=True, slots=True)
class QuerySchedule:
    """The job's three durations, in seconds."""

    query_after: float
    give_up_after: float
    query_interval: float


class QueryJob:
    """Runs as one background task of the connector (started and cancelled by the app's lifespan)."""

    def __init__(
        self,
        store: TransactionStore,
        platform: PlatformClient,
        relay: PaymentRelay,
        schedule: QuerySchedule,
        metrics: Metrics,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._platform = platform
        self._relay = relay
        self._schedule = schedule
        self._metrics = metrics
        self._clock = clock

    async def run(self) -> None:
        """Run passes forever, ``query_interval`` apart."""
        while True:
            try:
                await self.run_once()
            except ConnectorError as exc:  # a pass that failed is retried at the next one
                _log.warning("query pass failed", error=type(exc).__name__, detail=str(exc))
            await asyncio.sleep(self._schedule.query_interval)

    async def run_once(self) -> int:
        """One pass over the transactions due; returns how many were asked about."""
        due = await self._store.due(
            now=self._clock(),
            query_after=self._schedule.query_after,
            query_interval=self._schedule.query_interval,
        )
        for transaction in due:
            await self._check(transaction)
        return len(due)

    async def _check(self, transaction: WatchedTransaction) -> None:
        now = self._clock()
        expired = now - transaction.registered_at >= self._schedule.give_up_after
        answer: QueryAnswer | None = None
        try:
            answer = await self._platform.query(transaction.reference)
        except PaymentPlatformError as exc:
            self._metrics.queries[QueryResult.ERROR] += 1
            _log.warning(
                "QUERY failed", reference=transaction.reference, error=type(exc).__name__, detail=str(exc)
            )
        finally:
            await self._store.mark_queried(transaction.reference, now=now)
        status = None if answer is None else answer.TrangThaiGD
        transaction_id = None if answer is None else answer.MaGiaoDich
        if answer is not None and status in (_SUCCESS, _FAILED):
            outcome = Outcome.SUCCEEDED if status == _SUCCESS else Outcome.FAILED
            self._metrics.queries[outcome.value] += 1
            await self._relay.settle(
                transaction.reference,
                outcome,
                transaction_id=transaction_id,
                occurred_at=answer.ThoiGianGD,
                bank_code=answer.MaNganHang,
                via="query",
            )
        elif expired:
            self._metrics.queries[QueryResult.EXPIRED] += 1
            await self._relay.settle(
                transaction.reference,
                Outcome.FAILED,
                transaction_id=transaction_id or transaction.transaction_id,
                occurred_at=None,
                reason=EXPIRED_REASON,
                via="expiry",
            )
        elif status == _PENDING:
            self._metrics.queries[QueryResult.PENDING] += 1
            await self._relay.settle(
                transaction.reference,
                Outcome.PENDING,
                transaction_id=transaction_id,
                occurred_at=None,
                via="query",
            )
        elif answer is not None:
            self._metrics.queries[QueryResult.ERROR] += 1
            _log.warning(
                "QUERY answered an unknown TrangThaiGD", reference=transaction.reference, status=status
            )
