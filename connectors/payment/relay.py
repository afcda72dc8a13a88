"""Relaying payments to Kafka exactly once per ``(reference, transaction id, outcome)``.

Three paths lead here: the provincial system registering a transaction (``PaymentInitiated``), the platform's
signed callbacks, and the QUERY job. All of them end in :meth:`PaymentRelay.settle`, which, holding the
reference's lock, (1) re-reads what the state file says, (2) skips what was already published or is
overtaken, (3) publishes with the deterministic event id and waits for Kafka's acknowledgement, and only then
(4) records the publication. A callback is answered "00" only after (3) and (4) — or when (2) found its event
already published. So an identical duplicate, a confirmation racing the QUERY job, and a late confirmation of
an outcome the job already published all yield one event; a crash between (3) and (4) yields a second copy
with the same CloudEvents id, which consumers recognise.

Rules: a failure (or a pending answer) never follows a recorded success or failure; a success does follow a
failure — the platform confirmed money taken after the connector had given the transaction up, and the hub
must see it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Any, Protocol

import structlog
from pydantic import ValidationError

from connectors.errors import CallbackRejectedError
from connectors.payment.messages import Confirmation, Registration, describe_error
from connectors.payment.metrics import Metrics
from connectors.payment.signature import check_signature
from connectors.payment.store import TransactionState, TransactionStore
from connectors.payment.translation import Outcome, PublicationKey, initiated_from, outcome_event
from contracts import Envelope

__all__ = ["EventSink", "PaymentRelay", "Registered"]

_log = structlog.get_logger("payment.relay")


class EventSink(Protocol):
    """What the relay publishes through: :class:`connectors.publishing.EventPublisher` or a test double."""

    async def publish(self, envelope: Envelope[Any]) -> tuple[str, int, int]: ...


class Registered(StrEnum):
    """What became of a registration."""

    CREATED = "created"
    ALREADY = "already_registered"
    CONFLICT = "conflict"


class _KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class PaymentRelay:
    """The connector's one way to publish payment events."""

    def __init__(
        self,
        store: TransactionStore,
        sink: EventSink,
        *,
        source: str,
        partner_code: str,
        partner_secret: str,
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._sink = sink
        self._source = source
        self._partner_code = partner_code
        self._secret = partner_secret
        self._metrics = metrics
        self._clock = clock
        self._locks = _KeyedLocks()

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def register(self, registration: Registration) -> Registered:
        """Start watching a transaction and publish its ``PaymentInitiated`` (once)."""
        if registration.MaDoiTac is not None and registration.MaDoiTac != self._partner_code:
            raise ValueError("MaDoiTac is not this connector's partner code")
        initiated = initiated_from(registration, now=self._now())
        key = PublicationKey.of(initiated.reference, None, Outcome.INITIATED)
        async with self._locks.hold(initiated.reference):
            known = await self._store.transaction(initiated.reference)
            if known is not None:
                same = known.initiated.model_dump(exclude={"occurred_at"}) == initiated.model_dump(
                    exclude={"occurred_at"}
                )
                return Registered.ALREADY if same else Registered.CONFLICT
            where = await self._sink.publish(
                Envelope(id=key.event_id, source=self._source, time=initiated.occurred_at, data=initiated)
            )
            await self._store.record(
                key, where=where, via="registration", now=self._clock(), initiated=initiated
            )
        self._metrics.published[Outcome.INITIATED] += 1
        _log.info("payment registered", reference=initiated.reference, event_id=key.event_id)
        return Registered.CREATED

    async def confirm(self, fields: Mapping[str, object]) -> bool:
        """Handle a callback; True if it published an event, False for a duplicate.

        Raises :class:`CallbackRejectedError` for a callback to refuse, and
        :class:`~connectors.errors.PublishError` when Kafka did not acknowledge.
        """
        check_signature(fields, self._secret)
        try:
            confirmation = Confirmation.model_validate(fields)
        except ValidationError as exc:
            raise CallbackRejectedError(
                f"signed callback with invalid values: {describe_error(exc)}", reason="malformed"
            ) from None
        if confirmation.MaDoiTac != self._partner_code:
            raise CallbackRejectedError("callback for another partner", reason="partner")
        known = await self._store.transaction(confirmation.MaThamChieu)
        if known is None:
            raise CallbackRejectedError("callback for a transaction never registered", reason="unknown")
        if (known.initiated.dossier_code, known.initiated.amount) != (
            confirmation.MaHoSo,
            confirmation.SoTien,
        ):
            raise CallbackRejectedError(
                "callback's MaHoSo or SoTien differ from the registered transaction", reason="mismatch"
            )
        return await self.settle(
            confirmation.MaThamChieu,
            Outcome.SUCCEEDED if confirmation.paid else Outcome.FAILED,
            transaction_id=confirmation.MaGiaoDich,
            occurred_at=confirmation.ThoiGianGD,
            bank_code=confirmation.MaNganHang,
            error_code=None if confirmation.paid else confirmation.MaLoi,
            reason=None if confirmation.paid else confirmation.MoTaLoi,
            via="callback",
        )

    async def settle(
        self,
        reference: str,
        outcome: Outcome,
        *,
        transaction_id: str | None,
        occurred_at: dt.datetime | None,
        via: str,
        bank_code: str | None = None,
        error_code: str | None = None,
        reason: str | None = None,
    ) -> bool:
        """Publish ``outcome`` for a registered transaction unless already published or overtaken."""
        key = PublicationKey.of(reference, transaction_id, outcome)
        async with self._locks.hold(reference):
            known = await self._store.transaction(reference)
            if known is None:
                raise CallbackRejectedError("transaction never registered", reason="unknown")
            closed = known.state in (TransactionState.SUCCEEDED, TransactionState.FAILED)
            if (outcome is not Outcome.SUCCEEDED and closed) or await self._store.published(key) is not None:
                # Repeated pending answers are routine; a repeated confirmation is worth a line.
                log = _log.info if via == "callback" else _log.debug
                log("payment outcome already published", reference=reference, outcome=outcome, via=via)
                return False
            event = outcome_event(
                known.initiated,
                outcome,
                transaction_id=transaction_id,
                occurred_at=occurred_at or self._now(),
                bank_code=bank_code,
                error_code=error_code,
                reason=reason,
            )
            where = await self._sink.publish(
                Envelope(id=key.event_id, source=self._source, time=event.occurred_at, data=event)
            )
            await self._store.record(
                key, where=where, via=via, now=self._clock(), transaction_id=transaction_id
            )
        self._metrics.published[outcome] += 1
        _log.info(
            "payment outcome published", reference=reference, outcome=outcome, via=via, event_id=key.event_id
        )
        return True
