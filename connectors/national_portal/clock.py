"""Time on the portal: an injectable clock and the portal's ``yyyyMMddHHmmss`` wall-clock format.

The portal speaks Vietnamese local time (Asia/Ho_Chi_Minh). Vietnam has kept UTC+07:00 without daylight saving
since 1975, so a fixed offset is exact and needs no tz database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

__all__ = [
    "PORTAL_TIME_FORMAT",
    "VN_TZ",
    "Clock",
    "ManualClock",
    "SystemClock",
    "format_portal_time",
    "parse_portal_time",
]

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
PORTAL_TIME_FORMAT = "%Y%m%d%H%M%S"


class Clock(Protocol):
    """Where the portal reads time: wall time for records, a monotonic one for windows and buckets."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class ManualClock:
    """A clock that moves only when told to; for tests of expiry, windows and buckets."""

    current: datetime = field(default_factory=lambda: datetime(2025, 7, 1, 1, 0, tzinfo=UTC))
    ticks: float = 0.0

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.ticks

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self.ticks += seconds


def format_portal_time(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in Vietnamese local time."""
    return moment.astimezone(VN_TZ).strftime(PORTAL_TIME_FORMAT)


def parse_portal_time(text: str) -> datetime:
    """Read ``yyyyMMddHHmmss`` (Vietnamese local time); raises ``ValueError`` on anything else."""
    if len(text) != 14 or not text.isdigit():
        raise ValueError(f"expected yyyyMMddHHmmss, got {text!r}")
    return datetime.strptime(text, PORTAL_TIME_FORMAT).replace(tzinfo=VN_TZ)
