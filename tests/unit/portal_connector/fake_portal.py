"""An in-memory stand-in for the portal client, with the portal's rules and scripted failures.

It keeps the real portal's answers — a create of a dossier it has is refused ``03``, an update of one it
lacks ``04`` — and can fail calls on purpose: ``fail(op, error, ...)`` raises the errors on the next calls of
``op``; ``drop_after_write(op)`` applies the next write and then raises as a dropped connection would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.errors import PortalRefusedError, PortalUnavailableError
from connectors.portal.client import SubmissionPage
from connectors.portal.mapping import portal_record
from contracts import DossierStatusChanged


class FakePortalClient:
    def __init__(self) -> None:
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.creates = 0
        self.progress: list[Mapping[str, Any]] = []
        self.submissions: list[dict[str, Any]] = []
        self._failures: dict[str, list[Exception]] = defaultdict(list)
        self._drops: dict[str, int] = defaultdict(int)
        self.requests = 0
        self.tokens_issued = 1

    def fail(self, operation: str, *errors: Exception) -> None:
        self._failures[operation].extend(errors)

    def drop_after_write(self, operation: str, times: int = 1) -> None:
        self._drops[operation] += times

    def _enter(self, operation: str) -> None:
        self.calls.append(operation)
        self.requests += 1
        if self._failures[operation]:
            raise self._failures[operation].pop(0)

    def _leave(self, operation: str) -> None:
        if self._drops[operation]:
            self._drops[operation] -= 1
            raise PortalUnavailableError(f"{operation}: the exchange failed (RemoteProtocolError)")

    async def lookup(self, code: str) -> dict[str, Any] | None:
        self._enter("lookup")
        found = self.dossiers.get(code)
        return None if found is None else dict(found)

    async def create(self, dossier: DossierStatusChanged) -> None:
        self._enter("create")
        if dossier.dossier_code in self.dossiers:
            self._leave("create")
            raise PortalRefusedError("create: the portal refused (03) Hồ sơ đã tồn tại", error_code="03")
        self.dossiers[dossier.dossier_code] = {**portal_record(dossier), "LichSuTrangThai": []}
        self.creates += 1
        self._leave("create")

    async def update(self, dossier: DossierStatusChanged) -> None:
        self._enter("update")
        if dossier.dossier_code not in self.dossiers:
            raise PortalRefusedError("update: the portal refused (04) Hồ sơ không tồn tại", error_code="04")
        history = self.dossiers[dossier.dossier_code]["LichSuTrangThai"]
        self.dossiers[dossier.dossier_code] = {**portal_record(dossier), "LichSuTrangThai": history}
        self._leave("update")

    async def push_progress(self, code: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self._enter("progress")
        if code not in self.dossiers:
            raise PortalRefusedError("progress: the portal refused (04)", error_code="04")
        for row in rows:
            self.progress.append(row)
            record = self.dossiers[code]
            record["TrangThaiHoSo"] = row["TrangThai"]
            record["LichSuTrangThai"].append(
                {
                    "TrangThaiHoSo": row["TrangThai"],
                    "ThoiDiem": row["ThoiDiemXuLy"],
                    "NguonCapNhat": "CapNhatTienDoHoSoMC",
                }
            )
        self._leave("progress")

    async def online_submissions(self, after: int, limit: int) -> SubmissionPage:
        self._enter("submissions")
        items = [item for item in self.submissions if item["cursor"] > after]
        page = items[:limit]
        return SubmissionPage(tuple(page), page[-1]["cursor"] if page else after, len(items) > limit)
