"""Business hours (pure): a contract's working days and hours in Africa/Casablanca, minus
Moroccan public holidays, to measure SLA clocks and place their deadlines.

Holidays come from the `holidays` library (fixed and Islamic, the latter estimated), then
per-date overrides (the Islamic dates are announced late): `True` adds a date, `False`
removes one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Africa/Casablanca")
_MAX_DAYS = 3660  # a deadline further than ten years away is a configuration error


def jours_feries(
    years: Iterable[int], overrides: Mapping[dt.date, bool] | None = None
) -> frozenset[dt.date]:
    dates = set(holidays.country_holidays("MA", years=list(years)).keys())
    for day, ferie in (overrides or {}).items():
        if ferie:
            dates.add(day)
        else:
            dates.discard(day)
    return frozenset(dates)


@dataclass(frozen=True, slots=True)
class Horaires:
    jours: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, Monday = 1
    debut: dt.time = dt.time(8, 30)
    fin: dt.time = dt.time(17, 30)
    feries: frozenset[dt.date] = field(default_factory=frozenset)

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        if day.isoweekday() not in self.jours or day in self.feries or self.fin <= self.debut:
            return None
        return (
            dt.datetime.combine(day, self.debut, TZ),
            dt.datetime.combine(day, self.fin, TZ),
        )

    def secondes_ouvrees(self, start: dt.datetime, end: dt.datetime) -> int:
        """Business seconds between two instants (0 when end <= start)."""
        if end <= start:
            return 0
        total = 0.0
        day = start.astimezone(TZ).date()
        last = end.astimezone(TZ).date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                lo, hi = max(start, window[0]), min(end, window[1])
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += dt.timedelta(days=1)
        return int(total)

    def ajouter(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """The instant `seconds` business seconds after `start`."""
        remaining = dt.timedelta(seconds=seconds)
        day = start.astimezone(TZ).date()
        for _ in range(_MAX_DAYS):
            window = self._window(day)
            if window is not None:
                lo = max(start, window[0])
                if window[1] > lo:
                    available = window[1] - lo
                    if remaining <= available:
                        return (lo + remaining).astimezone(dt.UTC)
                    remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("no business hours within ten years")


def echeance(
    horaires: Horaires,
    debut: dt.datetime,
    budget_heures: float,
    pauses: Iterable[tuple[dt.datetime, dt.datetime]] = (),
) -> dt.datetime:
    """The deadline of a clock started at `debut` with `budget_heures` business hours,
    moved by the business time of the closed `pauses`."""
    paused = sum(horaires.secondes_ouvrees(a, b) for a, b in pauses)
    return horaires.ajouter(debut, int(budget_heures * 3600) + paused)


def consomme(
    horaires: Horaires,
    debut: dt.datetime,
    le: dt.datetime,
    pauses: Iterable[tuple[dt.datetime, dt.datetime]] = (),
) -> int:
    """Business seconds of the clock used at `le` (pauses, even one still open, excluded)."""
    used = horaires.secondes_ouvrees(debut, le)
    for a, b in pauses:
        used -= horaires.secondes_ouvrees(max(a, debut), min(b, le))
    return max(used, 0)
