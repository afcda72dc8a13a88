"""Reporting periods on the Vietnamese calendar: days, months and quarters in Asia/Ho_Chi_Minh.

A period is a set of whole Vietnamese days. Its key is ``2025-07-01`` (day), ``2025-07`` (month) or
``2025-Q3`` (quarter), and its end is 00:00 +07:00 of the day after its last day — the instant figures for a
finished period are judged at.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from contracts.timestamps import VIETNAM_TIME

__all__ = ["Granularity", "local_day", "period_end", "period_key", "period_start"]


class Granularity(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"


def local_day(moment: dt.datetime) -> dt.date:
    """The Vietnamese calendar day of an aware instant."""
    return moment.astimezone(VIETNAM_TIME).date()


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=VIETNAM_TIME)


def _first_day(day: dt.date, granularity: Granularity) -> dt.date:
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_key(day: dt.date, granularity: Granularity) -> str:
    """The key of the period of ``granularity`` containing ``day``."""
    if granularity is Granularity.DAY:
        return day.isoformat()
    if granularity is Granularity.MONTH:
        return f"{day:%Y-%m}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_start(day: dt.date, granularity: Granularity) -> dt.datetime:
    """The first instant of the period of ``granularity`` containing ``day``."""
    return _midnight(_first_day(day, granularity))


def period_end(day: dt.date, granularity: Granularity) -> dt.datetime:
    """The first instant after the period of ``granularity`` containing ``day``."""
    if granularity is Granularity.DAY:
        return _midnight(day + dt.timedelta(days=1))
    first = _first_day(day, granularity)
    months = 1 if granularity is Granularity.MONTH else 3
    index = first.year * 12 + first.month - 1 + months
    return _midnight(dt.date(index // 12, index % 12 + 1, 1))
