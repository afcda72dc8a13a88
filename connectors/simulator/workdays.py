"""Vietnamese time for the simulator: calendar days in Asia/Ho_Chi_Minh, working days, office hours.

Due dates (NgayHenTra) are promised in working days: Monday to Friday, except the public holidays civil
servants take. The holiday list below is the simulator's own (the official days off of 2025 and 2026 as
announced, Tết and the swapped bridge days included); indicators never need it, since they compare instants
against the due date the province set.
"""

from __future__ import annotations

import datetime as dt

from contracts.timestamps import VIETNAM_TIME

__all__ = [
    "HOLIDAYS",
    "OFFICE_CLOSE",
    "OFFICE_OPEN",
    "VIETNAM_TIME",
    "add_working_days",
    "at_local",
    "is_working_day",
    "local_date",
    "midnight",
    "next_office_moment",
]

OFFICE_OPEN = dt.time(7, 30)
OFFICE_CLOSE = dt.time(17, 0)
"""The one-stop desk's day: due dates fall at closing time."""

HOLIDAYS: frozenset[dt.date] = frozenset(
    [dt.date(2025, 1, 1)]
    + [dt.date(2025, 1, 25) + dt.timedelta(days=n) for n in range(9)]  # Tết Ất Tỵ
    + [dt.date(2025, 4, 7), dt.date(2025, 4, 30), dt.date(2025, 5, 1), dt.date(2025, 5, 2)]
    + [dt.date(2025, 9, 1), dt.date(2025, 9, 2)]
    + [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]
    + [dt.date(2026, 2, 14) + dt.timedelta(days=n) for n in range(9)]  # Tết Bính Ngọ
    + [dt.date(2026, 4, 27), dt.date(2026, 4, 30), dt.date(2026, 5, 1)]
    + [dt.date(2026, 9, 1), dt.date(2026, 9, 2)]
)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a public holiday."""
    return day.weekday() < 5 and day not in HOLIDAYS


def local_date(moment: dt.datetime) -> dt.date:
    """The Vietnamese calendar day of an aware instant."""
    return moment.astimezone(VIETNAM_TIME).date()


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    """``day`` at wall-clock ``time`` in Vietnam."""
    return dt.datetime.combine(day, time, tzinfo=VIETNAM_TIME)


def midnight(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in Vietnam."""
    return at_local(day, dt.time(0, 0))


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The working day ``count`` working days after ``day`` (for 0: ``day`` or the next working day)."""
    current = day
    while not is_working_day(current):
        current += dt.timedelta(days=1)
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def next_office_moment(moment: dt.datetime) -> dt.datetime:
    """``moment`` if the desk is open then, else the next opening time."""
    local = moment.astimezone(VIETNAM_TIME)
    day = local.date()
    if is_working_day(day) and OFFICE_OPEN <= local.time() < OFFICE_CLOSE:
        return local
    if is_working_day(day) and local.time() < OFFICE_OPEN:
        return at_local(day, OFFICE_OPEN)
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return at_local(day, OFFICE_OPEN)
