"""The dossier sync API (``/api/dvc/...``), modelled on the portal's older sync services.

``DongBoHoSoMC`` and ``CapNhatTienDoHoSoMC`` take ``{"data": [...]}`` (a bare list is accepted too;
``isUpdating`` may also come as a query parameter, as some clients send it). Items are validated and applied
one by one: the answer carries one result per item in ``data`` and, at the top, ``"00"`` only when every item
succeeded, else the code of the first item that failed.
"""

from __future__ import annotations

import sqlite3
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.national_portal.answers import SyncCode, sync_answer
from connectors.national_portal.context import json_answer, portal_of, read_json, require_client
from connectors.national_portal.database import bump
from connectors.national_portal.registry import add_progress, list_submissions, look_up, sync_dossier
from connectors.national_portal.schemas import DossierRecord, ProgressRow, describe

__all__ = ["list_online_submissions", "look_up_dossier", "push_progress", "sync_dossiers"]

_MAX_PAGE = 500
M = TypeVar("M", bound=BaseModel)


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
        return value.strip().lower() in {"true", "1"}
    if isinstance(value, int) and value in {0, 1}:
        return bool(value)
    return None


def _status_out_of_range(item: dict[str, Any], *names: str) -> bool:
    for name in names:
        if name in item:
            try:
                status = int(item[name])
            except (TypeError, ValueError):
                return False
            return not 1 <= status <= 10
    return False


def _validate(model: type[M], item: object, *status_names: str) -> M | dict[str, Any]:
    """The parsed item, or its per-item error result."""
    code = item.get("MaHoSo") if isinstance(item, dict) else None
    if not isinstance(item, dict):
        return sync_answer(SyncCode.INVALID, "mỗi phần tử phải là một đối tượng", MaHoSo=None)
    if _status_out_of_range(item, *status_names):
        return sync_answer(SyncCode.INVALID_STATUS, "giá trị phải từ 1 đến 10", MaHoSo=code)
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        return sync_answer(SyncCode.INVALID, describe(exc), MaHoSo=code)


def _items(body: Any) -> list[Any] | None:
    items = body.get("data") if isinstance(body, dict) else body
    return items if isinstance(items, list) and items else None


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    failed = next((result for result in results if result["error_code"] != SyncCode.OK), None)
    if failed is None:
        return sync_answer(SyncCode.OK, data=results)
    return {"error_code": failed["error_code"], "message": failed["message"], "data": results}


async def _apply(request: Request, parsed: list[Any], operation: Any) -> JSONResponse:
    portal = portal_of(request)
    now = portal.clock.now()

    def run(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        results = []
        for item in parsed:
            if isinstance(item, dict):
                bump(conn, "invalid_requests")
                results.append(item)
                continue
            code: SyncCode = operation(conn, item, now)
            results.append(sync_answer(code, MaHoSo=item.MaHoSo))
        return results

    return json_answer(_summary(await portal.db.run(run)))


async def sync_dossiers(request: Request) -> JSONResponse:
    """``POST /api/dvc/DongBoHoSoMC``: create (``isUpdating`` false) or update (true) dossiers."""
    if isinstance(client := await require_client(request), JSONResponse):
        return client
    body = await read_json(request)
    items = _items(body)
    raw_flag = body.get("isUpdating") if isinstance(body, dict) and "isUpdating" in body else None
    updating = _flag(raw_flag if raw_flag is not None else request.query_params.get("isUpdating", False))
    if items is None or updating is None:
        detail = "isUpdating phải là true/false" if items is not None else "data phải là danh sách hồ sơ"
        await portal_of(request).db.run(lambda conn: bump(conn, "invalid_requests"))
        return json_answer(sync_answer(SyncCode.INVALID, detail))
    parsed = [_validate(DossierRecord, item, "TrangThaiHoSo") for item in items]
    return await _apply(request, parsed, lambda conn, record, now: sync_dossier(conn, record, updating, now))


async def push_progress(request: Request) -> JSONResponse:
    """``POST /api/dvc/CapNhatTienDoHoSoMC``: progress rows; each sets the dossier's current status."""
    if isinstance(client := await require_client(request), JSONResponse):
        return client
    items = _items(await read_json(request))
    if items is None:
        await portal_of(request).db.run(lambda conn: bump(conn, "invalid_requests"))
        return json_answer(sync_answer(SyncCode.INVALID, "data phải là danh sách tiến độ"))
    parsed = [_validate(ProgressRow, item, "TrangThaiHoSo", "TrangThai") for item in items]
    return await _apply(request, parsed, add_progress)


async def look_up_dossier(request: Request) -> JSONResponse:
    """``GET /api/dvc/TraCuuHoSo?MaHoSo=`` or ``POST`` with ``{"MaHoSo": ...}``."""
    if isinstance(client := await require_client(request), JSONResponse):
        return client
    body = await read_json(request) if request.method == "POST" else None
    code = body.get("MaHoSo") if isinstance(body, dict) else request.query_params.get("MaHoSo")
    if not isinstance(code, str) or not code.strip():
        return json_answer(sync_answer(SyncCode.INVALID, "thiếu MaHoSo"))
    found = await portal_of(request).db.run(lambda conn: look_up(conn, code.strip()))
    if found is None:
        return json_answer(sync_answer(SyncCode.NOT_FOUND, MaHoSo=code))
    return json_answer(sync_answer(SyncCode.OK, data=found))


def _non_negative(text: str | None, default: int) -> int | None:
    if text is None or text == "":
        return default
    return int(text) if text.isdigit() else None


async def list_online_submissions(request: Request) -> JSONResponse:
    """``GET /api/dvc/HoSoTrucTuyen?after=<cursor>&limit=<n>``: new online submissions, oldest first."""
    if isinstance(client := await require_client(request), JSONResponse):
        return client
    after = _non_negative(request.query_params.get("after"), 0)
    limit = _non_negative(request.query_params.get("limit"), 100)
    if after is None or limit is None or not 1 <= limit <= _MAX_PAGE:
        return json_answer(sync_answer(SyncCode.INVALID, f"after ≥ 0, 1 ≤ limit ≤ {_MAX_PAGE}"))
    items, more = await portal_of(request).db.run(lambda conn: list_submissions(conn, after, limit))
    next_cursor = items[-1]["cursor"] if items else after
    return json_answer(sync_answer(SyncCode.OK, data=items, next_cursor=next_cursor, has_more=more))
