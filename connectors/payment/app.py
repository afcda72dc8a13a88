"""``create_app(settings)``: the payment connector as a Starlette app — callback receiver and QUERY job.

Nothing happens at import time or construction: the state file is opened, the Kafka producer connected and
the QUERY job started when the application starts (lifespan), and all of it is stopped in reverse order when
it stops. Tests may pass their own event sink (an in-memory double) and an httpx transport for the platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from connectors.payment import endpoints
from connectors.payment.endpoints import Runtime
from connectors.payment.metrics import Metrics
from connectors.payment.platform import PlatformClient
from connectors.payment.reconciliation import QueryJob, QuerySchedule
from connectors.payment.relay import EventSink, PaymentRelay
from connectors.payment.settings import PaymentSettings
from connectors.payment.store import TransactionStore
from connectors.publishing import EventPublisher

__all__ = ["ROUTES", "create_app"]

ROUTES: tuple[Route, ...] = (
    Route("/paygov/callback", endpoints.receive_callback, methods=["POST"]),
    Route("/paygov/transactions", endpoints.register_transaction, methods=["POST"]),
    Route("/metrics", endpoints.metrics, methods=["GET"]),
    Route("/healthz", endpoints.health, methods=["GET"]),
)


def create_app(
    settings: PaymentSettings,
    *,
    sink: EventSink | None = None,
    platform_transport: httpx.AsyncBaseTransport | None = None,
    run_query_job: bool = True,
) -> Starlette:
    """Build the connector; ``sink`` replaces the Kafka publisher (tests), ``run_query_job`` the job task."""
    store = TransactionStore(settings.database)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # aiokafka's producer binds to the running loop, so it is built here, not at construction.
        publisher: EventPublisher | None = None
        target: EventSink
        if sink is None:
            publisher = target = EventPublisher(
                settings.kafka_bootstrap_servers,
                client_id=f"lienthong-payment-{os.getpid()}",
                topic_prefix=settings.topic_prefix,
            )
        else:
            target = sink
        relay = PaymentRelay(
            store,
            target,
            source=settings.source,
            partner_code=settings.partner_code,
            partner_secret=settings.partner_secret.get_secret_value(),
            metrics=metrics,
        )
        platform = PlatformClient(
            settings.platform_url,
            partner_code=settings.partner_code,
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            timeout=settings.platform_timeout,
            transport=platform_transport,
        )
        store.open()
        task: asyncio.Task[None] | None = None
        try:
            if publisher is not None:
                await publisher.start()
            app.state.payment = Runtime(relay=relay, store=store, metrics=metrics)
            if run_query_job:
                schedule = QuerySchedule(
                    settings.query_after, settings.give_up_after, settings.query_interval
                )
                job = QueryJob(store, platform, relay, schedule, metrics)
                task = asyncio.create_task(job.run(), name="payment-query-job")
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await platform.aclose()
            if publisher is not None:
                await publisher.stop()
            store.close()

    return Starlette(routes=list(ROUTES), lifespan=lifespan)
