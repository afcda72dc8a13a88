"""The Python library provincial systems embed to publish their dossier events straight to Kafka.

::

    async with ProvincePublisher("kafka:9092", source="000.00.00.H14") as publisher:
        receipt = await publisher.publish(DossierStatusChanged(...))            # a data model
        receipt = await publisher.publish(publisher.from_data(event_type, {...}))  # a dict of data
        receipts = await publisher.publish_many([ProvincePublisher.from_cloudevent(event), ...])

Every event is validated against the contracts before anything is sent — a batch is checked whole first, so
an invalid event means nothing of it was sent — and admitted by type as on the HTTP ingest
(:mod:`connectors.province.admission`). Publishing goes through :class:`~connectors.publishing.EventPublisher`
(idempotent, acks=all): :meth:`ProvincePublisher.publish` returns once Kafka acknowledged, with where the
record landed.

Errors: :class:`~contracts.ContractError` for an event the contracts refuse,
:class:`~connectors.errors.EventRefusedError` for a type provinces do not publish (both carry a note naming
the event's position in a batch), :class:`~connectors.errors.PublishError` when Kafka did not acknowledge
within ``publish_timeout_seconds`` — retry then with the same envelopes (same ids), so consumers can
deduplicate.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from pydantic import TypeAdapter, ValidationError

from connectors.errors import ConnectorError
from connectors.province.admission import admit_event
from connectors.province.sink import EventSink, publish_within, stop_within
from connectors.publishing import EventPublisher
from contracts import ContractError, Envelope, EventData
from contracts.codes import OpaqueCode

__all__ = ["ProvincePublisher", "Receipt"]


@dataclass(frozen=True, slots=True)
class Receipt:
    """Where an acknowledged event landed."""

    id: str
    topic: str
    partition: int
    offset: int


_SOURCE = TypeAdapter(OpaqueCode)


def _source(source: str) -> str:
    try:
        return _SOURCE.validate_python(source)
    except ValidationError as exc:
        raise ValueError(f"source: {exc.errors(include_url=False)[0]['msg']}") from None


def _dumped(data: EventData) -> Any:
    # Unvalidated models (model_construct, model_copy(update=...)) may hold anything; validation follows.
    return json.loads(data.model_dump_json(warnings=False))


def _structured(
    event_type: str, source: str, data: Any, *, event_id: str | None, time: dt.datetime | None
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id if event_id is not None else str(uuid.uuid4()),
        "source": source,
        "type": event_type,
        "time": (time if time is not None else dt.datetime.now(dt.UTC)).isoformat(),
        "data": data,
    }


class ProvincePublisher:
    """Validates, admits and publishes a province's events; waits for Kafka's acknowledgement."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        source: str,
        topic_prefix: str = "",
        client_id: str = "lienthong-province-client",
        publish_timeout_seconds: float = 30.0,
        sink: EventSink | None = None,
    ) -> None:
        self.source = _source(source)
        self._publish_timeout = publish_timeout_seconds
        self._sink: EventSink = sink or EventPublisher(
            bootstrap_servers,
            client_id=client_id,
            topic_prefix=topic_prefix,
            request_timeout_ms=int(publish_timeout_seconds * 1000),
        )

    async def start(self) -> None:
        """Connect to Kafka; PublishError when no broker answers."""
        await self._sink.start()

    async def stop(self) -> None:
        """Flush what is still buffered and disconnect."""
        await stop_within(self._sink, self._publish_timeout)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def envelope(
        self, data: EventData, *, event_id: str | None = None, time: dt.datetime | None = None
    ) -> Envelope[EventData]:
        """``data`` in a validated envelope from this publisher's source; a new UUID and now unless given."""
        dumped = _dumped(data)
        return admit_event(_structured(data.event_type, self.source, dumped, event_id=event_id, time=time))

    def from_data(
        self,
        event_type: str,
        data: Mapping[str, Any],
        *,
        event_id: str | None = None,
        time: dt.datetime | None = None,
    ) -> Envelope[EventData]:
        """An envelope of ``event_type`` whose data is validated from a dict: JSON values, or Python values
        that serialise to them (datetimes, enums, models)."""
        return admit_event(_structured(event_type, self.source, dict(data), event_id=event_id, time=time))

    @staticmethod
    def from_cloudevent(event: Mapping[str, Any]) -> Envelope[EventData]:
        """The envelope of a structured-mode CloudEvent (a parsed JSON object), validated and admitted."""
        return admit_event(dict(event))

    async def publish(self, event: EventData | Envelope[EventData]) -> Receipt:
        """Publish one event (a data model gets a new envelope from this source); returns once durable."""
        (receipt,) = await self.publish_many([event])
        return receipt

    async def publish_many(self, events: Iterable[EventData | Envelope[EventData]]) -> list[Receipt]:
        """Validate every event, then publish them pipelined; returns once Kafka acknowledged them all.

        Nothing is sent when any event is invalid. Records of one dossier keep their order.
        """
        envelopes: list[Envelope[EventData]] = []
        for index, event in enumerate(events):
            try:
                if isinstance(event, Envelope):
                    # Through JSON and back: models built with model_construct() or copied with
                    # model_copy(update=...) skipped validation; consumers would refuse them.
                    dumped = _dumped(event.data)
                    again = _structured(event.type, event.source, dumped, event_id=event.id, time=event.time)
                    envelopes.append(admit_event(again))
                else:
                    envelopes.append(self.envelope(event))
            except (ContractError, ConnectorError) as exc:
                exc.add_note(f"event {index} of the batch; nothing was published")
                raise
        landed = await publish_within(self._sink, envelopes, self._publish_timeout)
        return [
            Receipt(envelope.id, topic, partition, offset)
            for envelope, (topic, partition, offset) in zip(envelopes, landed, strict=True)
        ]
