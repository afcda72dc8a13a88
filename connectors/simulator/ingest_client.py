"""Sending province events to the province connector's HTTP ingest, and checking every answer.

Valid events go in batches (``application/cloudevents-batch+json``); a batch never repeats an event id (the
ingest refuses that), so an exact duplicate always travels in a later request than its original. Each invalid
event goes alone, so its refusal cannot hold valid events back. Expected answers:

* a batch of valid events: 202 with ``accepted`` equal to the batch size and the ids in order;
* an invalid event: 400 refusing index 0 with its id, naming the field the contracts object to.

Anything else is an error in the report. When valid events are refused (400), the ones not refused are sent
again in a request of their own, so one wrongly refused event does not hide the rest from the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from connectors.province import EVENTS_PATH
from connectors.simulator.report import Display, Report
from connectors.simulator.retries import GAVE_UP, NO_ANSWER, RetryPolicy, Sleep, send_with_retries
from connectors.simulator.traffic import Delivery, DeliveryKind
from contracts.structured import BATCH_MEDIA_TYPE

__all__ = ["PROGRESS", "IngestClient"]

PROGRESS = "province events"
"""The progress bar these events advance."""


class IngestClient:
    """Sends one lane of events at a time, in order, and tallies the answers in ``report``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        report: Report,
        display: Display,
        *,
        batch_size: int,
        policy: RetryPolicy,
        sleep: Sleep,
    ) -> None:
        self._http = http
        self._report = report
        self._display = display
        self._batch_size = batch_size
        self._policy = policy
        self._sleep = sleep

    async def send_lane(self, deliveries: Sequence[Delivery]) -> None:
        """Send ``deliveries`` (events and invalid events of some dossiers) in their order."""
        batch: list[Delivery] = []
        ids: set[str] = set()
        for delivery in deliveries:
            if delivery.kind is DeliveryKind.INVALID:
                await self._flush(batch, ids)
                await self._send_invalid(delivery)
                continue
            event_id = delivery.body["id"]
            if event_id in ids or len(batch) >= self._batch_size:
                await self._flush(batch, ids)
            batch.append(delivery)
            ids.add(event_id)
        await self._flush(batch, ids)

    async def _flush(self, batch: list[Delivery], ids: set[str]) -> None:
        if batch:
            await self._send_valid(list(batch))
            batch.clear()
            ids.clear()

    async def _post(self, events: list[dict[str, Any]]) -> httpx.Response | None:
        body = json.dumps(events, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": BATCH_MEDIA_TYPE}
        try:
            response, attempts = await send_with_retries(
                self._policy,
                self._sleep,
                lambda: self._http.post(EVENTS_PATH, content=body, headers=headers),
                what=f"POST {EVENTS_PATH}",
                retry_on=NO_ANSWER,
            )
        except GAVE_UP as exc:
            self._report.error(f"ingest: no answer for {len(events)} event(s) after retries: {exc!r}")
            return None
        self._report.event_requests += 1
        self._report.retries += attempts - 1
        return response

    async def _send_valid(self, batch: list[Delivery], *, resend: bool = False) -> None:
        if not resend:
            self._report.events_sent += len(batch)
            self._report.duplicates_sent += sum(1 for d in batch if d.duplicate)
        response = await self._post([d.body for d in batch])
        self._display.advance(PROGRESS, 0 if resend else len(batch))
        if response is None:
            return
        ids = [d.body["id"] for d in batch]
        answer = _json(response)
        if response.status_code == 202 and answer.get("accepted") == len(batch) and answer.get("ids") == ids:
            self._report.events_accepted += len(batch)
            return
        rejected = answer.get("rejected") if response.status_code == 400 else None
        if not isinstance(rejected, list) or resend:
            self._report.error(
                f"ingest: unexpected answer HTTP {response.status_code} "
                f"to {len(batch)} valid event(s): {answer}"
            )
            return
        refused = {item.get("index") for item in rejected if isinstance(item, dict)}
        for item in rejected:
            self._report.error(f"ingest: valid event {item.get('id')} refused: {item.get('reason')}")
        rest = [d for index, d in enumerate(batch) if index not in refused]
        if rest:
            await self._send_valid(rest, resend=True)

    async def _send_invalid(self, delivery: Delivery) -> None:
        expected = delivery.invalid
        assert expected is not None
        self._report.invalid_sent += 1
        response = await self._post([delivery.body])
        self._display.advance(PROGRESS)
        if response is None:
            return
        answer = _json(response)
        rejected = answer.get("rejected")
        if response.status_code != 400 or not isinstance(rejected, list) or len(rejected) != 1:
            self._report.error(
                f"ingest: invalid event {expected.id} ({expected.kind}) "
                f"answered HTTP {response.status_code}: {answer}"
            )
            return
        item = rejected[0]
        reason = str(item.get("reason", ""))
        named = expected.path in (None, "$") or str(expected.path) in reason
        if item.get("index") != 0 or item.get("id") != expected.id or not named:
            self._report.error(
                f"ingest: invalid event {expected.id} ({expected.kind}) refused unexpectedly: {item}"
            )
            return
        self._report.invalid_rejected += 1


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {"body": response.text[:200]}
    return answer if isinstance(answer, dict) else {"body": answer}
