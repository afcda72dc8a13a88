"""The portal's dossier registry: synced dossiers, progress rows, status history and online submissions.

Plain functions of a SQLite connection, each run inside one transaction by :class:`Database`. They hold the
portal's rules: a create of an existing dossier answers "đã tồn tại", an update of a missing one "không tồn
tại"; the last write wins for the current status (the portal does not reorder what it is sent), while every
status it was told is kept in the history; online submissions get the next dossier code of their agency and
day and a cursor that only grows.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from connectors.national_portal.answers import SyncCode
from connectors.national_portal.clock import format_portal_time, parse_portal_time
from connectors.national_portal.codes import format_dossier_code, local_day
from connectors.national_portal.database import bump
from connectors.national_portal.schemas import DossierRecord, ProgressRow, Submission

__all__ = [
    "SOURCE_ONLINE",
    "SOURCE_PROGRESS",
    "SOURCE_SYNC",
    "add_progress",
    "all_dossiers",
    "all_progress",
    "list_submissions",
    "look_up",
    "submit",
    "sync_dossier",
]

SOURCE_SYNC = "DongBoHoSoMC"
SOURCE_PROGRESS = "CapNhatTienDoHoSoMC"
SOURCE_ONLINE = "HoSoTrucTuyen"


def _record_history(
    conn: sqlite3.Connection, code: str, status: int, *, at: str | None, source: str, now: datetime
) -> None:
    conn.execute(
        "INSERT INTO status_history (ma_ho_so, trang_thai, thoi_diem, source, recorded_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (code, status, at, source, format_portal_time(now)),
    )


def sync_dossier(conn: sqlite3.Connection, record: DossierRecord, updating: bool, now: datetime) -> SyncCode:
    """Create (``updating`` false) or replace (true) one dossier record."""
    code = record.MaHoSo
    existing = conn.execute("SELECT trang_thai, version FROM dossiers WHERE ma_ho_so = ?", (code,)).fetchone()
    if existing is not None and not updating:
        bump(conn, "already_exists")
        return SyncCode.ALREADY_EXISTS
    if existing is None and updating:
        bump(conn, "not_found")
        return SyncCode.NOT_FOUND
    body = json.dumps(record.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
    stamp = now.isoformat()
    if existing is None:
        conn.execute(
            "INSERT INTO dossiers (ma_ho_so, trang_thai, origin, record, version, created_at, updated_at) "
            "VALUES (?, ?, 'sync', ?, 1, ?, ?)",
            (code, record.TrangThaiHoSo, body, stamp, stamp),
        )
        bump(conn, "dossier_creates")
    else:
        conn.execute(
            "UPDATE dossiers SET trang_thai = ?, record = ?, version = version + 1, updated_at = ? "
            "WHERE ma_ho_so = ?",
            (record.TrangThaiHoSo, body, stamp, code),
        )
        bump(conn, "dossier_updates")
    if existing is None or existing["trang_thai"] != record.TrangThaiHoSo:
        _record_history(conn, code, record.TrangThaiHoSo, at=None, source=SOURCE_SYNC, now=now)
    return SyncCode.OK


def add_progress(conn: sqlite3.Connection, row: ProgressRow, now: datetime) -> SyncCode:
    """Store a progress row; it becomes the dossier's current status (last write wins)."""
    found = conn.execute("SELECT record FROM dossiers WHERE ma_ho_so = ?", (row.MaHoSo,)).fetchone()
    if found is None:
        bump(conn, "not_found")
        return SyncCode.NOT_FOUND
    conn.execute(
        "INSERT INTO progress (ma_ho_so, trang_thai, thoi_diem, row, recorded_at) VALUES (?, ?, ?, ?, ?)",
        (
            row.MaHoSo,
            row.TrangThaiHoSo,
            row.ThoiDiemXuLy,
            json.dumps(row.model_dump(mode="json", exclude_none=True), ensure_ascii=False),
            format_portal_time(now),
        ),
    )
    record = json.loads(found["record"])
    record["TrangThaiHoSo"] = row.TrangThaiHoSo
    conn.execute(
        "UPDATE dossiers SET trang_thai = ?, record = ?, version = version + 1, updated_at = ? "
        "WHERE ma_ho_so = ?",
        (row.TrangThaiHoSo, json.dumps(record, ensure_ascii=False), now.isoformat(), row.MaHoSo),
    )
    _record_history(conn, row.MaHoSo, row.TrangThaiHoSo, at=row.ThoiDiemXuLy, source=SOURCE_PROGRESS, now=now)
    bump(conn, "progress_rows")
    return SyncCode.OK


def _history(conn: sqlite3.Connection, code: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT trang_thai, thoi_diem, source, recorded_at FROM status_history "
        "WHERE ma_ho_so = ? ORDER BY id",
        (code,),
    ).fetchall()
    return [
        {
            "TrangThaiHoSo": row["trang_thai"],
            "ThoiDiem": row["thoi_diem"],
            "NguonCapNhat": row["source"],
            "ThoiDiemGhiNhan": row["recorded_at"],
        }
        for row in rows
    ]


def _dossier(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(row["record"])
    record["TrangThaiHoSo"] = row["trang_thai"]
    record["LichSuTrangThai"] = _history(conn, row["ma_ho_so"])
    return record


def look_up(conn: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    """``TraCuuHoSo``: the record with its current status and status history, or ``None``."""
    bump(conn, "lookups")
    row = conn.execute("SELECT * FROM dossiers WHERE ma_ho_so = ?", (code,)).fetchone()
    return None if row is None else _dossier(conn, row)


def _next_code(conn: sqlite3.Connection, agency: str, moment: datetime) -> str:
    day = local_day(moment)
    while True:
        sequence = conn.execute(
            "INSERT INTO code_sequences (agency, day, last) VALUES (?, ?, 1) "
            "ON CONFLICT (agency, day) DO UPDATE SET last = last + 1 RETURNING last",
            (agency, day.isoformat()),
        ).fetchone()[0]
        code = format_dossier_code(agency, day, int(sequence))
        # A code the province already synced under the same agency and day is never handed out twice.
        if conn.execute("SELECT 1 FROM dossiers WHERE ma_ho_so = ?", (code,)).fetchone() is None:
            return code


def submit(conn: sqlite3.Connection, submission: Submission, now: datetime) -> tuple[str, int]:
    """File a citizen's online submission (status 1, channel 2): returns its dossier code and cursor."""
    moment = parse_portal_time(submission.ThoiDiemNop) if submission.ThoiDiemNop else now
    code = _next_code(conn, submission.MaCoQuanTiepNhan, moment)
    record = submission.model_dump(mode="json", exclude_none=True)
    record.update(
        MaHoSo=code,
        TrangThaiHoSo=1,
        KenhThucHien=2,
        ThoiDiemNop=format_portal_time(moment),
    )
    body = json.dumps(record, ensure_ascii=False)
    conn.execute(
        "INSERT INTO dossiers (ma_ho_so, trang_thai, origin, record, version, created_at, updated_at) "
        "VALUES (?, 1, 'online', ?, 1, ?, ?)",
        (code, body, now.isoformat(), now.isoformat()),
    )
    _record_history(conn, code, 1, at=record["ThoiDiemNop"], source=SOURCE_ONLINE, now=now)
    cursor = conn.execute(
        "INSERT INTO submissions (ma_ho_so, agency, submitted_at, record) VALUES (?, ?, ?, ?) "
        "RETURNING cursor",
        (code, submission.MaCoQuanTiepNhan, record["ThoiDiemNop"], body),
    ).fetchone()[0]
    bump(conn, "submissions")
    return code, int(cursor)


def list_submissions(conn: sqlite3.Connection, after: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Submissions with a cursor above ``after``, oldest first, and whether more follow."""
    rows = conn.execute(
        "SELECT cursor, record FROM submissions WHERE cursor > ? ORDER BY cursor LIMIT ?", (after, limit + 1)
    ).fetchall()
    items = [{"cursor": row["cursor"], **json.loads(row["record"])} for row in rows[:limit]]
    return items, len(rows) > limit


def all_dossiers(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM dossiers ORDER BY created_at, ma_ho_so").fetchall()
    return [
        {
            "MaHoSo": row["ma_ho_so"],
            "TrangThaiHoSo": row["trang_thai"],
            "origin": row["origin"],
            "version": row["version"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "history": _history(conn, row["ma_ho_so"]),
            "record": json.loads(row["record"]),
        }
        for row in rows
    ]


def all_progress(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT id, row, recorded_at FROM progress ORDER BY id").fetchall()
    return [{"id": row["id"], "recorded_at": row["recorded_at"], **json.loads(row["row"])} for row in rows]
