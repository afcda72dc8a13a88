"""The payment platform (``/api/paygov/...``, protocol 1.0.6 style) and its citizen-side pay page.

Partner calls (bearer token required): ``INIT`` creates a transaction and returns the URL the citizen is sent
to; ``QUERY`` tells ``TrangThaiGD`` (1 success, 3 pending / not known yet, 4 failed); ``GET_BILL`` returns the
e-receipt of a paid transaction. The citizen side (``/pay/{MaThamChieu}``, no token, faulted only when listed
in the profile's scope) is where the simulator "pays" with a :class:`PayAction` body: ``outcome`` success,
fail or pending, ``resolves_to`` for a pending one, ``bank_code`` and ``callback``; the signed confirmation
then goes to the partner's callback URL in the background.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.national_portal.answers import PayCode, pay_answer
from connectors.national_portal.context import json_answer, portal_of, read_json, require_client
from connectors.national_portal.database import bump
from connectors.national_portal.payments import bill, init_transaction, pay, query, transaction
from connectors.national_portal.schemas import PayAction, PaymentInit, PaymentLookup, describe

__all__ = ["get_bill", "initiate", "pay_page", "pay_transaction", "query_transaction"]


async def _invalid(request: Request, detail: str) -> JSONResponse:
    await portal_of(request).db.run(lambda conn: bump(conn, "invalid_requests"))
    return json_answer(pay_answer(PayCode.INVALID, detail))


async def initiate(request: Request) -> JSONResponse:
    """``POST /api/paygov/INIT``."""
    if isinstance(client := await require_client(request), JSONResponse):
        return client
    try:
        init = PaymentInit.model_validate(await read_json(request, empty={}))
    except ValidationError as exc:
        return await _invalid(request, describe(exc))
    portal = portal_of(request)
    now = portal.clock.now()
    code = await portal.db.run(lambda conn: init_transaction(conn, init, portal.partner, now))
    if code is not PayCode.OK:
        return json_answer(pay_answer(code, MaThamChieu=init.MaThamChieu))
    url = f"{portal.settings.base_url()}/pay/{quote(init.MaThamChieu, safe='')}"
    return json_answer(pay_answer(PayCode.OK, MaThamChieu=init.MaThamChieu, DuongDanThanhToan=url))


async def _lookup(request: Request) -> PaymentLookup | JSONResponse:
    if isinstance(client := await require_client(request), JSONResponse):
        return client
    try:
        return PaymentLookup.model_validate(await read_json(request, empty={}))
    except ValidationError as exc:
        return await _invalid(request, describe(exc))


async def query_transaction(request: Request) -> JSONResponse:
    """``POST /api/paygov/QUERY``."""
    if isinstance(lookup := await _lookup(request), JSONResponse):
        return lookup
    portal = portal_of(request)
    now = portal.clock.now()
    answer = await portal.db.run(
        lambda conn: query(conn, lookup.MaDoiTac, lookup.MaThamChieu, portal.partner, now)
    )
    return json_answer(answer)


async def get_bill(request: Request) -> JSONResponse:
    """``POST /api/paygov/GET_BILL``."""
    if isinstance(lookup := await _lookup(request), JSONResponse):
        return lookup
    portal = portal_of(request)
    now = portal.clock.now()
    answer = await portal.db.run(
        lambda conn: bill(conn, lookup.MaDoiTac, lookup.MaThamChieu, portal.partner, now)
    )
    return json_answer(answer)


async def pay_transaction(request: Request) -> JSONResponse:
    """``POST /pay/{reference}``: the simulated citizen completes (or fails) the payment."""
    portal = portal_of(request)
    reference = request.path_params["reference"]
    try:
        action = PayAction.model_validate(await read_json(request, empty={}))
    except ValidationError as exc:
        return await _invalid(request, describe(exc))
    plan = portal.injector.callback_plan()
    now = portal.clock.now()
    answer: dict[str, Any] = await portal.db.run(
        lambda conn: pay(conn, reference, action=action, plan=plan, partner=portal.partner, now=now)
    )
    portal.dispatcher.wake()
    status = 404 if answer["MaLoi"] == PayCode.NOT_FOUND else 200
    return json_answer(answer, status_code=status)


async def pay_page(request: Request) -> JSONResponse:
    """``GET /pay/{reference}``: what the citizen's browser would show, as JSON."""
    portal = portal_of(request)
    reference = request.path_params["reference"]
    now = portal.clock.now()
    found = await portal.db.run(lambda conn: transaction(conn, reference, now))
    if found is None:
        return json_answer(pay_answer(PayCode.NOT_FOUND, MaThamChieu=reference), status_code=404)
    shown = {
        key: found[key] for key in ("MaThamChieu", "MaHoSo", "SoTien", "state", "TrangThaiGD", "MaGiaoDich")
    }
    return json_answer(pay_answer(PayCode.OK, **shown))
