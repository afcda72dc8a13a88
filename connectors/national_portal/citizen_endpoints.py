"""The citizen side of the portal: filing a dossier online (``POST /citizen/submissions``).

No token: on the real portal this is the citizen's own session (VNeID login), which the mock does not model.
The portal assigns the dossier code (``<MaCoQuanTiepNhan>-YYMMDD-NNNN``) and stores the dossier with status 1
(new, submitted online, not yet received) and channel 2 (online); the province's connector then sees it
through ``GET /api/dvc/HoSoTrucTuyen``. ``ThoiDiemNop`` (``yyyyMMddHHmmss``) backdates the submission, e.g.
for a simulated day; it defaults to now.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.national_portal.answers import SyncCode, sync_answer
from connectors.national_portal.context import json_answer, portal_of, read_json
from connectors.national_portal.database import bump
from connectors.national_portal.registry import submit
from connectors.national_portal.schemas import Submission, describe

__all__ = ["file_submission"]


async def file_submission(request: Request) -> JSONResponse:
    portal = portal_of(request)
    try:
        submission = Submission.model_validate(await read_json(request, empty={}))
    except ValidationError as exc:
        await portal.db.run(lambda conn: bump(conn, "invalid_requests"))
        return json_answer(sync_answer(SyncCode.INVALID, describe(exc)))
    now = portal.clock.now()
    code, cursor = await portal.db.run(lambda conn: submit(conn, submission, now))
    return json_answer(sync_answer(SyncCode.OK, MaHoSo=code, cursor=cursor))
