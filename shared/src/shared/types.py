"""Input types every service uses for dates, times and ids, and the database loaders that
make stored dates always readable.

- `UtcDateTime`: an ISO 8601 time WITH a UTC offset (a naive one is 422), inside the
  documented window (years 1900 to 2200, checked in UTC) - a time outside it is 422 before
  anything is stored.
- `Date`: a calendar date inside the same window.
- `Id` (bodies) and `PathId` (paths, query strings): strict positive integers; `true`,
  `"1"`, `1.0`, `"1_000"` or `" 1"` are 422, not ids.
- `install_lenient_loaders()`: PostgreSQL accepts years Python cannot represent (after
  9999, or `infinity`); such a stored value is read as the nearest representable one
  instead of failing every read of its row.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import Format
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

MIN_YEAR = 1900
MAX_YEAR = 2200
WINDOW_MIN = dt.datetime(MIN_YEAR, 1, 1, tzinfo=dt.UTC)
WINDOW_MAX = dt.datetime(MAX_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
WINDOW = f"years {MIN_YEAR} to {MAX_YEAR}"
# PostgreSQL bigint: the widest id column.
MAX_ID = 2**63 - 1


def _in_window(value: dt.datetime) -> dt.datetime:
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError as exc:  # 9999-12-31T23:59-14:00 is year 10000 in UTC
        raise ValueError(f"outside the accepted window ({WINDOW}, UTC)") from exc
    if not WINDOW_MIN <= utc <= WINDOW_MAX:
        raise ValueError(f"outside the accepted window ({WINDOW}, UTC)")
    return value


def _date_in_window(value: dt.date) -> dt.date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"outside the accepted window ({WINDOW})")
    return value


UtcDateTime = Annotated[
    AwareDatetime,
    AfterValidator(_in_window),
    Field(description=f"ISO 8601 with a UTC offset, {WINDOW}"),
]
Date = Annotated[dt.date, AfterValidator(_date_in_window), Field(description=WINDOW)]

Id = Annotated[int, Field(strict=True, gt=0, le=MAX_ID)]

_DIGITS = re.compile(r"[1-9][0-9]{0,18}")


def _strict_path_int(value: Any) -> Any:
    """Path and query values arrive as text: only plain decimal digits are an id."""
    if isinstance(value, bool):
        raise ValueError("an id is a positive integer")
    if isinstance(value, str):
        if _DIGITS.fullmatch(value) is None:
            raise ValueError("an id is a positive integer written in digits")
        return int(value)
    return value


PathId = Annotated[int, BeforeValidator(_strict_path_int), Field(gt=0, le=MAX_ID)]


# -- reading stored values that Python cannot represent ---------------------------------

_MAX_AWARE = dt.datetime.max.replace(tzinfo=dt.UTC)
_MIN_AWARE = dt.datetime.min.replace(tzinfo=dt.UTC)


def _lenient(base: type, high: Any, low: Any) -> type:
    # psycopg's C loaders cannot be subclassed: wrap one instead
    class Lenient(Loader):
        format = base.format

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._inner = base(oid, context)

        def load(self, data: Any) -> Any:
            try:
                return self._inner.load(data)
            except psycopg.DataError:
                raw = bytes(data)
                # text: a leading '-' or ' BC' means before year 1; binary: the sign bit
                if self.format == Format.BINARY:
                    negative = raw[:1] >= b"\x80"
                else:
                    negative = raw.startswith(b"-") or raw.endswith(b"BC")
                return low if negative else high

    Lenient.__name__ = f"Lenient{base.__name__}"
    return Lenient


_installed = False


def install_lenient_loaders(adapters: Any = None) -> None:
    """Register, once per process (or on `adapters`), loaders for timestamptz, timestamp
    and date that answer the nearest representable value instead of raising."""
    global _installed
    if adapters is None:
        if _installed:
            return
        _installed = True
        adapters = psycopg.adapters
    targets = {
        "timestamptz": (_MAX_AWARE, _MIN_AWARE),
        "timestamp": (dt.datetime.max, dt.datetime.min),
        "date": (dt.date.max, dt.date.min),
    }
    for name, (high, low) in targets.items():
        oid = adapters.types[name].oid
        for fmt in (Format.TEXT, Format.BINARY):
            base = adapters.get_loader(oid, fmt)
            if base is None or base.__name__.startswith("Lenient"):
                continue
            adapters.register_loader(oid, _lenient(base, high, low))


# Every engine copies psycopg's loaders when it is made: register ours before any can be.
install_lenient_loaders()
