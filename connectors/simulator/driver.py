"""The driver: sends a simulation's traffic through the real interfaces, in simulated-time order, as fast as
the pipeline takes it.

Time is compressed: requests carry simulated timestamps and nobody waits for them. The deliveries are taken a
window at a time (``window`` deliveries); within a window,

1. online submissions go to the portal first — one agency-day's in the predicted order, several agency-days
   at once — so a dossier exists on the portal before the province reports on it;
2. then, concurrently, province events go to the ingest in ``lanes`` lanes (a dossier always in the same
   lane, each lane one request at a time, so a dossier's events keep their order), and payments run
   (INIT on the portal, registration with the payment connector, the citizen's payment — one dossier's
   attempts one after the other).

At the end, the driver waits (up to ``pending_timeout_seconds``) until the platform knows the outcome of every
pending payment. Every answer is checked; see :class:`~connectors.simulator.report.Report`.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import httpx

from connectors.simulator.ingest_client import PROGRESS as EVENTS_PROGRESS
from connectors.simulator.ingest_client import IngestClient
from connectors.simulator.lifecycle import PaymentAttempt
from connectors.simulator.portal_client import DriveError, PortalClient, PredictionError
from connectors.simulator.report import Display, Report
from connectors.simulator.retries import GAVE_UP, NO_ANSWER, RetryPolicy, Sleep, send_with_retries
from connectors.simulator.traffic import Delivery, DeliveryKind, Traffic
from connectors.simulator.wire import registration_body

__all__ = ["REGISTRATION_PATH", "DriveSettings", "Targets", "drive"]

REGISTRATION_PATH = "/paygov/transactions"
_SUBMISSIONS = "portal submissions"
_PAYMENTS = "payments"
_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class Targets:
    """Where the traffic goes. Without ``payment_url`` transactions are not registered with a connector."""

    ingest_url: str
    portal_url: str
    payment_url: str | None = None
    client_id: str = "lienthong"
    client_secret: str = "lienthong-portal-secret"  # noqa: S105 - the mock portal's development default
    partner_code: str = "LIENTHONG"


@dataclass(frozen=True, slots=True)
class DriveSettings:
    batch_size: int = 200
    lanes: int = 8
    concurrency: int = 8
    """Agency-days submitting, and dossiers paying, at the same time."""
    window: int = 2000
    request_timeout_seconds: float = 30.0
    pending_timeout_seconds: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(slots=True)
class _Run:
    settings: DriveSettings
    report: Report
    display: Display
    ingest: IngestClient
    portal: PortalClient
    payment: httpx.AsyncClient | None
    sleep: Sleep
    pending: list[PaymentAttempt] = field(default_factory=list)
    mispredicted: PredictionError | None = None

    async def _bounded(self, jobs: Sequence[Callable[[], Awaitable[None]]]) -> None:
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def run(job: Callable[[], Awaitable[None]]) -> None:
            async with gate:
                await job()

        await asyncio.gather(*(run(job) for job in jobs))

    async def submissions(self, deliveries: list[Delivery]) -> None:
        groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
        for delivery in deliveries:
            groups[(delivery.body["MaCoQuanTiepNhan"], delivery.body["ThoiDiemNop"][:8])].append(delivery)

        def job(group: list[Delivery]) -> Callable[[], Awaitable[None]]:
            async def submit_all() -> None:
                for delivery in group:
                    if self.mispredicted is not None:
                        return
                    self.report.submissions_sent += 1
                    try:
                        await self.portal.submit(delivery.body, delivery.dossier_code)
                    except PredictionError as exc:
                        self.report.error(str(exc))
                        self.mispredicted = exc
                        return
                    except DriveError as exc:
                        self.report.error(str(exc))
                    else:
                        self.report.submissions_matched += 1
                    self.display.advance(_SUBMISSIONS)

            return submit_all

        await self._bounded([job(group) for group in groups.values()])
        if self.mispredicted is not None:
            raise self.mispredicted

    async def events(self, deliveries: list[Delivery]) -> None:
        lanes: list[list[Delivery]] = [[] for _ in range(self.settings.lanes)]
        for delivery in deliveries:
            lanes[zlib.crc32(delivery.dossier_code.encode()) % len(lanes)].append(delivery)
        await asyncio.gather(*(self.ingest.send_lane(lane) for lane in lanes if lane))

    async def _register(self, attempt: PaymentAttempt) -> None:
        if self.payment is None:
            return
        body = registration_body(attempt, partner_code=self.portal.partner_code)
        payment = self.payment
        try:
            response, attempts = await send_with_retries(
                self.settings.retry,
                self.sleep,
                lambda: payment.post(REGISTRATION_PATH, json=body),
                what=f"POST {REGISTRATION_PATH}",
                retry_on=NO_ANSWER,
            )
        except GAVE_UP as exc:
            raise DriveError(
                f"registration {attempt.reference}: no usable answer after retries: {exc!r}"
            ) from exc
        self.report.retries += attempts - 1
        if not response.is_success:
            raise DriveError(
                f"registration {attempt.reference}: HTTP {response.status_code}: {response.text[:200]}"
            )
        self.report.payments_registered += 1

    async def _pay(self, attempt: PaymentAttempt) -> None:
        await self.portal.initiate(attempt)
        self.report.payments_initiated += 1
        await self._register(attempt)
        await self.portal.pay(attempt)
        self.report.payments_paid += 1
        if attempt.outcome == "pending":
            self.pending.append(attempt)

    async def payments(self, deliveries: list[Delivery]) -> None:
        by_dossier: dict[str, list[PaymentAttempt]] = defaultdict(list)
        for delivery in deliveries:
            assert delivery.payment is not None
            by_dossier[delivery.dossier_code].append(delivery.payment)

        def job(attempts: list[PaymentAttempt]) -> Callable[[], Awaitable[None]]:
            async def pay_all() -> None:
                for attempt in attempts:
                    try:
                        await self._pay(attempt)
                    except DriveError as exc:
                        self.report.error(str(exc))
                    self.display.advance(_PAYMENTS)

            return pay_all

        await self._bounded([job(attempts) for attempts in by_dossier.values()])

    async def wait_pending(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.pending_timeout_seconds
        waiting = list(self.pending)
        while waiting:
            still: list[PaymentAttempt] = []
            for attempt in waiting:
                try:
                    if await self.portal.resolved(attempt):
                        self.report.pending_resolved += 1
                    else:
                        still.append(attempt)
                except DriveError as exc:
                    self.report.error(str(exc))
            waiting = still
            if waiting and loop.time() >= deadline:
                self.report.error(f"{len(waiting)} pending payment(s) still unresolved after the wait")
                return
            if waiting:
                await self.sleep(_POLL_SECONDS)


def _split(deliveries: list[Delivery], kind: DeliveryKind) -> list[Delivery]:
    return [d for d in deliveries if d.kind is kind]


async def drive(
    traffic: Traffic,
    targets: Targets,
    *,
    settings: DriveSettings | None = None,
    display: Display | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Report:
    """Send ``traffic`` to ``targets``; the report says what was sent and every unexpected answer.

    When the portal numbers an online submission differently from the prediction the run stops there: the
    report is marked ``aborted`` and says why.
    """
    chosen = settings or DriveSettings()
    shown = display or Display()
    report = Report()
    deliveries = traffic.deliveries
    shown.planned(
        EVENTS_PROGRESS, sum(1 for d in deliveries if d.kind in (DeliveryKind.EVENT, DeliveryKind.INVALID))
    )
    shown.planned(_SUBMISSIONS, len(_split(deliveries, DeliveryKind.SUBMISSION)))
    shown.planned(_PAYMENTS, len(_split(deliveries, DeliveryKind.PAYMENT)))
    limits = httpx.Limits(max_connections=max(chosen.lanes, chosen.concurrency) * 2)

    def client(url: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=url, timeout=chosen.request_timeout_seconds, limits=limits, transport=transport
        )

    async with client(targets.ingest_url) as ingest_http, client(targets.portal_url) as portal_http:
        payment_http = client(targets.payment_url) if targets.payment_url else None
        portal = PortalClient(
            portal_http,
            client_id=targets.client_id,
            client_secret=targets.client_secret,
            partner_code=targets.partner_code,
            policy=chosen.retry,
            sleep=sleep,
        )
        ingest = IngestClient(
            ingest_http, report, shown, batch_size=chosen.batch_size, policy=chosen.retry, sleep=sleep
        )
        run = _Run(chosen, report, shown, ingest, portal, payment_http, sleep)
        try:
            for start in range(0, len(deliveries), chosen.window):
                window = deliveries[start : start + chosen.window]
                await run.submissions(_split(window, DeliveryKind.SUBMISSION))
                events = [d for d in window if d.kind in (DeliveryKind.EVENT, DeliveryKind.INVALID)]
                await asyncio.gather(run.events(events), run.payments(_split(window, DeliveryKind.PAYMENT)))
            await run.wait_pending()
        except PredictionError:
            report.aborted = True
        finally:
            report.retries += portal.retries
            if payment_http is not None:
                await payment_http.aclose()
    return report
