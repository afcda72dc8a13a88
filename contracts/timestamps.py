"""Timestamps: timezone-aware only, and the portal's ``yyyyMMddHHmmss`` wall-clock form in Vietnam time.

A naive date-time names no instant (the same wall-clock reading is seven hours apart in Hà Nội and UTC), so
the contracts reject it. On the wire, timestamps are RFC 3339 strings with an offset. The older portal API
takes ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh time; :func:`to_portal_time` and :func:`from_portal_time`
convert.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

from contracts.codes._problem import invalid

__all__ = [
    "PORTAL_TIME_FORMAT",
    "VIETNAM_TIME",
    "Timestamp",
    "from_portal_time",
    "require_aware",
    "to_portal_time",
]

VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Asia/Ho_Chi_Minh as a fixed offset: Vietnam has kept UTC+7 without daylight saving since 1975, and a fixed
offset needs no tz database on the host."""

PORTAL_TIME_FORMAT = "%Y%m%d%H%M%S"


def require_aware(value: dt.datetime) -> dt.datetime:
    """Return ``value`` if it carries a UTC offset; raise a ``ValueError`` for a naive date-time."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise invalid(
            "timestamp_naive",
            "timestamp must be timezone-aware (e.g. 2025-06-12T08:30:00+07:00); got a naive date-time "
            "without an offset",
        )
    return value


def to_portal_time(value: dt.datetime) -> str:
    """Render an aware timestamp as the portal's ``yyyyMMddHHmmss`` in Vietnam time (seconds truncated)."""
    return require_aware(value).astimezone(VIETNAM_TIME).strftime(PORTAL_TIME_FORMAT)


def from_portal_time(value: str) -> dt.datetime:
    """Parse the portal's ``yyyyMMddHHmmss`` (Vietnam time) into an aware timestamp."""
    if len(value) != 14 or not (value.isascii() and value.isdigit()):
        raise invalid("portal_time", "portal time must be 14 digits, yyyyMMddHHmmss")
    try:
        parsed = dt.datetime.strptime(value, PORTAL_TIME_FORMAT)
    except ValueError:
        raise invalid(
            "portal_time", f"portal time '{value}' is not a real date and time (yyyyMMddHHmmss)"
        ) from None
    return parsed.replace(tzinfo=VIETNAM_TIME)


Timestamp = Annotated[dt.datetime, AfterValidator(require_aware)]
"""A timezone-aware date-time; RFC 3339 with an offset on the wire."""
