"""The portal connector as one runnable piece, built from its settings: command consumer and feed poller.

:func:`create_connector` builds it; :meth:`PortalConnector.run` opens the portal client and the Kafka
producers, creates the connector's own topics when missing, and runs the command consumer and the submission
poller side by side until the ``stop`` event is set; then each finishes what it is doing and everything is
closed. The two share one portal client, one circuit breaker and one rate limit: the portal sees a single
well-behaved client. Nothing touches the network before :meth:`~PortalConnector.run`.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from httpx import AsyncBaseTransport

from connectors.portal.breaker import CircuitBreaker
from connectors.portal.client import PortalClient
from connectors.portal.consumer import CommandConsumer
from connectors.portal.cursor import CursorStore
from connectors.portal.dead_letters import DeadLetterWriter
from connectors.portal.gateway import PortalGateway
from connectors.portal.limiter import RateLimiter
from connectors.portal.lookup import DossierLookup
from connectors.portal.moves import Mover
from connectors.portal.poller import SubmissionPoller
from connectors.portal.producer import RecordProducer
from connectors.portal.retries import Sleep
from connectors.portal.settings import PortalConnectorSettings
from connectors.portal.stats import ConnectorStats
from connectors.portal.sync import DossierSync
from connectors.portal.topics import ConnectorTopics, ensure_connector_topics
from connectors.publishing import EventPublisher

__all__ = ["PortalConnector", "create_connector"]

_log = structlog.get_logger("connectors.portal")


class PortalConnector:
    """One connector process's work; ``consume``/``poll`` switch either half off (tests, split deploys)."""

    def __init__(
        self,
        settings: PortalConnectorSettings,
        *,
        consume: bool = True,
        poll: bool = True,
        sleep: Sleep = asyncio.sleep,
        transport: AsyncBaseTransport | None = None,
        shutdown_grace_s: float = 20.0,
    ) -> None:
        self.settings = settings
        self.topics = ConnectorTopics(settings.topic_prefix)
        self.stats = ConnectorStats()
        self.consumer: CommandConsumer | None = None
        """Set while running: the command consumer (its holds, for tests)."""
        self.gateway: PortalGateway | None = None
        """Set while running: the portal client behind its breaker and limiter (counters for tests)."""
        self._consume = consume
        self._poll = poll
        self._sleep = sleep
        self._transport = transport
        self._grace = shutdown_grace_s

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set (or a part fails: the other is then stopped too and the error raised)."""
        settings = self.settings
        async with contextlib.AsyncExitStack() as stack:
            client = await stack.enter_async_context(
                PortalClient(
                    settings.portal_base_url,
                    settings.portal_client_id,
                    settings.portal_client_secret,
                    timeout_s=settings.request_timeout_seconds,
                    refresh_margin_s=settings.token_refresh_margin_seconds,
                    transport=self._transport,
                )
            )
            publisher = await stack.enter_async_context(
                EventPublisher(
                    settings.kafka_bootstrap_servers,
                    client_id=f"{settings.group_id}-events",
                    topic_prefix=settings.topic_prefix,
                )
            )
            producer = await stack.enter_async_context(
                RecordProducer(settings.kafka_bootstrap_servers, client_id=f"{settings.group_id}-records")
            )
            await ensure_connector_topics(
                settings.kafka_bootstrap_servers,
                self.topics,
                replication_factor=settings.topic_replication_factor,
                tiers=len(settings.retry_tier_seconds),
            )
            mover = Mover(
                settings.kafka_bootstrap_servers,
                group_id=settings.group_id,
                client_id=f"{settings.group_id}-moves",
            )
            if self._consume:
                await mover.start()
                stack.push_async_callback(mover.stop)
            self.gateway = gateway = PortalGateway(
                client,
                breaker=CircuitBreaker(settings.breaker_failure_threshold, settings.breaker_open_seconds),
                limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
                policy=settings.portal_call_policy(),
                sleep=self._sleep,
            )
            dead_letters = DeadLetterWriter(producer, group_id=settings.group_id)
            _log.info("portal connector running", consume=self._consume, poll=self._poll)
            try:
                async with asyncio.TaskGroup() as group:
                    if self._consume:
                        group.create_task(self._consumer(gateway, publisher, mover).run(stop))
                    if self._poll:
                        group.create_task(self._poller(gateway, publisher, producer, dead_letters).run(stop))
            finally:
                _log.info(
                    "portal connector stopped",
                    portal_requests=client.requests,
                    tokens_issued=client.tokens_issued,
                    breaker_opened=gateway.breaker.times_opened,
                    **self.stats.as_dict(),
                )

    def _consumer(self, gateway: PortalGateway, publisher: EventPublisher, mover: Mover) -> CommandConsumer:
        self.consumer = CommandConsumer(
            self.settings,
            sync=DossierSync(gateway, deadline_s=self.settings.sync_deadline_seconds),
            lookup=DossierLookup(gateway, deadline_s=self.settings.sync_deadline_seconds),
            publisher=publisher,
            mover=mover,
            stats=self.stats,
            sleep=self._sleep,
            shutdown_grace_s=self._grace,
        )
        return self.consumer

    def _poller(
        self,
        gateway: PortalGateway,
        publisher: EventPublisher,
        producer: RecordProducer,
        dead_letters: DeadLetterWriter,
    ) -> SubmissionPoller:
        settings = self.settings
        return SubmissionPoller(
            gateway=gateway,
            publisher=publisher,
            cursor=CursorStore(
                settings.kafka_bootstrap_servers, self.topics.cursor, settings.cursor_key, producer
            ),
            dead_letters=dead_letters,
            topics=self.topics,
            stats=self.stats,
            source=settings.source,
            page_size=settings.poll_page_size,
            interval_s=settings.poll_interval_seconds,
            sleep=self._sleep,
        )


def create_connector(
    settings: PortalConnectorSettings,
    *,
    consume: bool = True,
    poll: bool = True,
    shutdown_grace_s: float = 20.0,
) -> PortalConnector:
    """The connector for ``settings``; see :class:`PortalConnector` for the options."""
    return PortalConnector(settings, consume=consume, poll=poll, shutdown_grace_s=shutdown_grace_s)
