"""The online-submission poller: the portal's ``HoSoTrucTuyen`` feed in, ``OnlineSubmissionReceived`` out.

Each round asks for the submissions after the stored cursor (a page of ``poll_page_size``), publishes one
event per submission (key = dossier code) and waits for Kafka's acknowledgement, then stores the page's
``next_cursor`` (:mod:`connectors.portal.cursor`). A full page is followed at once by the next; otherwise the
poller sleeps ``poll_interval_seconds``. A submission the contracts reject goes to ``<submissions>.dlq`` (the
portal's item as JSON, with the reason in headers) before the cursor moves past it, so nothing is dropped.

Event ids are ``portal-submission-<cursor>``: a page published again after a crash between publishing and
storing the cursor carries the same ids, and consumers that dedupe by ``ce_id`` see each submission once.
When the portal or Kafka fails, the round is logged and tried again at the next tick, from the same cursor.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import structlog

from connectors.errors import ConnectorError, PortalRecordError
from connectors.portal.cursor import CursorStore
from connectors.portal.dead_letters import DeadLetterWriter
from connectors.portal.gateway import CallBudget, PortalGateway
from connectors.portal.mapping import submission_event
from connectors.portal.redaction import safe_message
from connectors.portal.retries import KAFKA_PUBLISH, SUBMISSION_PAGE, Sleep, retried
from connectors.portal.stats import ConnectorStats
from connectors.portal.topics import ConnectorTopics
from connectors.publishing import EventPublisher
from contracts import Envelope, EventData

__all__ = ["FEED_SOURCE", "SubmissionPoller", "submission_event_id"]

FEED_SOURCE = "HoSoTrucTuyen"

T = TypeVar("T")

_log = structlog.get_logger("connectors.portal.poller")


def submission_event_id(cursor: int) -> str:
    """The ``ce_id`` of the submission at ``cursor`` in the portal's feed."""
    return f"portal-submission-{cursor}"


class SubmissionPoller:
    """Publishes the portal's online submissions, each once per cursor, until ``stop`` is set."""

    def __init__(
        self,
        *,
        gateway: PortalGateway,
        publisher: EventPublisher,
        cursor: CursorStore,
        dead_letters: DeadLetterWriter,
        topics: ConnectorTopics,
        stats: ConnectorStats,
        source: str,
        page_size: int,
        interval_s: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._gateway = gateway
        self._publisher = publisher
        self._cursor = cursor
        self._dead_letters = dead_letters
        self._topics = topics
        self._stats = stats
        self._source = source
        self._page_size = page_size
        self._interval_s = interval_s
        self._sleep = sleep
        self.position: int | None = None
        """The cursor stored last (``None`` before the first load)."""

    async def run(self, stop: asyncio.Event) -> None:
        while self.position is None and not stop.is_set():
            try:
                self.position = await self._cursor.load()
            except Exception as exc:  # noqa: BLE001 - Kafka may come up later; keep trying
                _log.warning("cannot read the feed cursor yet", error_class=type(exc).__name__)
                await self._pause(stop)
        _log.info("polling online submissions", after=self.position)
        while not stop.is_set():
            try:
                more = await self.poll_once()
            except ConnectorError as exc:
                _log.warning(
                    "polling round failed; trying again from the same cursor",
                    error_class=type(exc).__name__,
                    reason_code=exc.reason_code,
                    error=safe_message(str(exc)),
                )
                more = False
            if not more:
                await self._pause(stop)

    async def poll_once(self) -> bool:
        """One page: publish it, store the cursor; returns whether more submissions are waiting."""
        after = self.position if self.position is not None else await self._cursor.load()
        page = await self._gateway.online_submissions(
            after, self._page_size, CallBudget(), policy=SUBMISSION_PAGE
        )
        self._stats.submission_pages += 1
        events: list[Envelope[EventData]] = []
        for item in page.items:
            envelope = await self._event_or_dead_letter(item)
            if envelope is not None:
                events.append(envelope)
        if events:
            await self._retry(lambda: self._publisher.publish_many(events))
            self._stats.submissions_published += len(events)
        if page.next_cursor != after:
            await self._retry(lambda: self._cursor.save(page.next_cursor))
            _log.info("submissions published", count=len(events), after=after, cursor=page.next_cursor)
        self.position = page.next_cursor
        return page.has_more

    async def _event_or_dead_letter(self, item: Mapping[str, Any]) -> Envelope[EventData] | None:
        try:
            event = submission_event(item)
        except PortalRecordError as exc:
            problem = exc
        else:
            return Envelope(
                id=submission_event_id(event.portal_cursor),
                source=self._source,
                time=event.submitted_at,
                data=event,
            )
        cursor = item.get("cursor")
        code = str(item.get("MaHoSo") or f"cursor-{cursor}")
        value = json.dumps(item, ensure_ascii=False).encode()
        await self._retry(
            lambda: self._dead_letters.portal_item(
                self._topics.submission_dead_letters,
                key=code.encode(),
                value=value,
                error=problem,
                source=FEED_SOURCE,
                cursor=cursor if isinstance(cursor, int) else -1,
            )
        )
        self._stats.submissions_dead_lettered += 1
        _log.warning("submission dead-lettered", portal_cursor=cursor, reason=safe_message(str(problem)))
        return None

    async def _retry(self, send: Callable[[], Awaitable[T]]) -> T:
        return await retried(KAFKA_PUBLISH, send, sleep=self._sleep)

    async def _pause(self, stop: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=self._interval_s)
        except TimeoutError:
            return
