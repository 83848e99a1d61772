"""The clock and the company's calendar: times are stored in UTC, day rules (a due date, "today",
"within 24 h" shown to people, archival dates) follow the local calendar of `MIF_TIMEZONE`
(default Africa/Casablanca).

`utcnow` is looked up through this module (`clock.utcnow()`), so a test can fix the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Africa/Casablanca"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@functools.cache
def timezone() -> ZoneInfo:
    """The company's time zone: the `MIF_TIMEZONE` setting."""
    return ZoneInfo(os.environ.get("MIF_TIMEZONE") or DEFAULT_TIMEZONE)


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day of `moment` in the company's time zone."""
    return moment.astimezone(timezone()).date()


def local_today(now: dt.datetime | None = None) -> dt.date:
    return local_date(now or utcnow())


def end_of_local_day(day: dt.date) -> dt.datetime:
    """The last second of `day` in the company's time zone, as a UTC time."""
    local = dt.datetime.combine(day, dt.time(23, 59, 59), timezone())
    return local.astimezone(dt.UTC)


def start_of_local_day(day: dt.date) -> dt.datetime:
    """Midnight opening `day` in the company's time zone, as a UTC time."""
    return dt.datetime.combine(day, dt.time(0, 0), timezone()).astimezone(dt.UTC)
