"""``create_app(settings)``: the mock portal as a Starlette application, its routes declared in one table.

Nothing happens at import time; construction only builds objects (and reads the fault-profile file when one is
named). The database file is opened when the application starts (lifespan) and closed when it stops, and the
callback dispatcher runs as a background task in between. Faults wrap the whole application (see
:mod:`connectors.national_portal.middleware`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.national_portal import admin_endpoints as admin
from connectors.national_portal import citizen_endpoints as citizen
from connectors.national_portal import payment_endpoints as payment
from connectors.national_portal import sync_endpoints as sync
from connectors.national_portal.callbacks import CallbackDispatcher, DeliveryPolicy
from connectors.national_portal.clock import Clock, SystemClock
from connectors.national_portal.context import BadBodyError, Portal, json_answer
from connectors.national_portal.database import Database
from connectors.national_portal.injector import FaultInjector
from connectors.national_portal.middleware import ASGIApp, FaultMiddleware
from connectors.national_portal.oauth import issue_token
from connectors.national_portal.payments import Partner
from connectors.national_portal.settings import PortalSettings
from connectors.national_portal.tokens import TokenIssuer

__all__ = ["ROUTES", "PortalApp", "create_app"]

ROUTES: tuple[Route, ...] = (
    Route("/oauth/token", issue_token, methods=["POST"]),
    Route("/api/dvc/DongBoHoSoMC", sync.sync_dossiers, methods=["POST"]),
    Route("/api/dvc/CapNhatTienDoHoSoMC", sync.push_progress, methods=["POST"]),
    Route("/api/dvc/TraCuuHoSo", sync.look_up_dossier, methods=["GET", "POST"]),
    Route("/api/dvc/HoSoTrucTuyen", sync.list_online_submissions, methods=["GET"]),
    Route("/api/paygov/INIT", payment.initiate, methods=["POST"]),
    Route("/api/paygov/QUERY", payment.query_transaction, methods=["POST"]),
    Route("/api/paygov/GET_BILL", payment.get_bill, methods=["POST"]),
    Route("/citizen/submissions", citizen.file_submission, methods=["POST"]),
    Route("/pay/{reference}", payment.pay_page, methods=["GET"]),
    Route("/pay/{reference}", payment.pay_transaction, methods=["POST"]),
    Route("/healthz", admin.health, methods=["GET"]),
    Route("/admin/state", admin.state, methods=["GET"]),
    Route("/admin/reset", admin.reset, methods=["POST"]),
    Route("/admin/faults", admin.get_faults, methods=["GET"]),
    Route("/admin/faults", admin.put_faults, methods=["PUT"]),
)


class PortalApp(Starlette):
    """Starlette with the fault layer outside everything else, so it can drop connections the server owns."""

    def build_middleware_stack(self) -> ASGIApp:
        inner: ASGIApp = super().build_middleware_stack()
        portal: Portal = self.state.portal
        return FaultMiddleware(inner, portal.injector, portal.tokens, portal.db)


async def _bad_body(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadBodyError)
    return exc.response


async def _not_found(request: Request, exc: Exception) -> Response:
    return json_answer({"error_code": "404", "message": f"Không tìm thấy {request.url.path}"}, 404)


async def _wrong_method(request: Request, exc: Exception) -> Response:
    return json_answer(
        {"error_code": "405", "message": f"Phương thức {request.method} không được hỗ trợ"}, 405
    )


def create_app(settings: PortalSettings, *, clock: Clock | None = None) -> PortalApp:
    """Build the portal; ``clock`` is for tests that move time by hand."""
    clock = clock or SystemClock()
    initial_faults = settings.initial_faults()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        portal: Portal = app.state.portal
        portal.db.open()
        task = asyncio.create_task(portal.dispatcher.run(), name="portal-callback-dispatcher")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            portal.db.close()

    app = PortalApp(
        routes=list(ROUTES),
        lifespan=lifespan,
        exception_handlers={BadBodyError: _bad_body, 404: _not_found, 405: _wrong_method},
    )
    db = Database(settings.database)
    portal = Portal(
        settings=settings,
        clock=clock,
        db=db,
        tokens=TokenIssuer(
            settings.client_id, settings.client_secret.get_secret_value(), settings.token_ttl_seconds, clock
        ),
        injector=FaultInjector(initial_faults, settings.seed, clock),
        dispatcher=CallbackDispatcher(
            db,
            DeliveryPolicy(
                url=settings.payment_callback_url,
                max_attempts=settings.callback_max_attempts,
                retry_base_seconds=settings.callback_retry_base_seconds,
                timeout_seconds=settings.callback_timeout_seconds,
            ),
            clock,
        ),
        partner=Partner(
            settings.payment_partner_code,
            settings.payment_secret.get_secret_value(),
            settings.pending_resolution_seconds,
        ),
        initial_faults=initial_faults,
    )
    app.state.portal = portal
    return app
