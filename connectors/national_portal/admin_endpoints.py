"""The mock's own control surface (never part of the real portal): health, state, reset and faults.

``GET /admin/state`` is the whole state as JSON, for tests and operators checking what the portal "knows":
dossiers with current status and history, progress rows, online submissions, payment transactions with their
callback deliveries and attempts, and counters (including ``faults`` by kind).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.national_portal.context import json_answer, portal_of, read_json
from connectors.national_portal.faults import FaultProfile
from connectors.national_portal.payments import all_payments
from connectors.national_portal.registry import all_dossiers, all_progress
from connectors.national_portal.schemas import describe

__all__ = ["get_faults", "health", "put_faults", "reset", "state"]


async def health(request: Request) -> JSONResponse:
    portal = portal_of(request)
    await portal.db.run(lambda conn: conn.execute("SELECT 1").fetchone())
    return json_answer({"status": "ok", "now": portal.clock.now().isoformat()})


def _counters(conn: sqlite3.Connection) -> dict[str, Any]:
    counters: dict[str, Any] = {"faults": {}}
    for row in conn.execute("SELECT name, value FROM counters ORDER BY name").fetchall():
        name, value = row["name"], row["value"]
        if name.startswith("faults."):
            counters["faults"][name.removeprefix("faults.")] = value
        else:
            counters[name] = value
    return counters


async def state(request: Request) -> JSONResponse:
    portal = portal_of(request)
    now = portal.clock.now()

    def snapshot(conn: sqlite3.Connection) -> dict[str, Any]:
        submissions = conn.execute(
            "SELECT cursor, ma_ho_so, agency, submitted_at, record FROM submissions"
        ).fetchall()
        return {
            "now": now.isoformat(),
            "dossiers": all_dossiers(conn),
            "progress": all_progress(conn),
            "submissions": [
                {
                    "cursor": row["cursor"],
                    "MaHoSo": row["ma_ho_so"],
                    "MaCoQuanTiepNhan": row["agency"],
                    "ThoiDiemNop": row["submitted_at"],
                    "record": json.loads(row["record"]),
                }
                for row in submissions
            ],
            "payments": all_payments(conn, now),
            "counters": _counters(conn),
        }

    snapshot_now = await portal.db.run(snapshot)
    snapshot_now["faults"] = portal.injector.describe()
    return json_answer(snapshot_now)


async def reset(request: Request) -> JSONResponse:
    """Forget everything (data, counters) and go back to the initial fault profile."""
    portal = portal_of(request)
    await portal.db.run(portal.db.clear)
    portal.injector.apply(portal.initial_faults)
    return json_answer({"status": "reset"})


async def get_faults(request: Request) -> JSONResponse:
    return json_answer(portal_of(request).injector.describe())


async def put_faults(request: Request) -> JSONResponse:
    """Replace the fault profile (``{}`` heals the portal); windows count from now."""
    portal = portal_of(request)
    try:
        profile = FaultProfile.model_validate(await read_json(request, empty={}))
    except ValidationError as exc:
        return json_answer({"error": "invalid fault profile", "detail": describe(exc)}, 422)
    portal.injector.apply(profile)
    return json_answer(portal.injector.describe())
