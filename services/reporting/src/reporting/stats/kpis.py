"""The maintenance KPIs' formulas, pure: aggregates in, figures out (hours, rates 0..1).

SQL (stats.repository) sums and counts over the read models; these functions turn the
sums into figures, so the formulas are written once and tested by hand.

- MTTR = working hours of the closed corrective interventions / their number.
  Working hours: the working periods of `intervention.cloturee` (waiting excluded),
  else `duree_reelle`.
- For one equipment over a window of T hours with n failures (corrective interventions
  created in the window, cancelled ones excluded) repaired in R working hours:
  MTBF = (T - R) / n, availability = (T - R) / T. With no failure MTBF is undefined (null)
  and availability 1.
- On-time closure rate = closed with `date_fin <= date_limite` / closed with a `date_limite`.
- SLA compliance = closed without an `sla.depasse` / closed.
- First-time fix = closed corrective with at most one planned visit / closed corrective.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HOURS = Decimal("0.01")
RATE = Decimal("0.0001")


def ratio(part: int | Decimal, whole: int | Decimal, quantum: Decimal = RATE) -> Decimal | None:
    """part / whole rounded, None when whole is 0 (no data is not 0 %)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(quantum)


def mttr(repair_hours: Decimal, repairs: int) -> Decimal | None:
    return ratio(repair_hours, repairs, HOURS)


@dataclass(frozen=True, slots=True)
class Reliability:
    mtbf: Decimal | None
    mttr: Decimal | None
    disponibilite: Decimal


def reliability(
    window_hours: Decimal, failures: int, repair_hours: Decimal, repaired: int
) -> Reliability:
    """MTBF, MTTR and availability of one equipment over a window of `window_hours`."""
    uptime = max(Decimal(0), Decimal(window_hours) - Decimal(repair_hours))
    return Reliability(
        mtbf=ratio(uptime, failures, HOURS),
        mttr=mttr(Decimal(repair_hours), repaired),
        disponibilite=ratio(uptime, window_hours) if window_hours else Decimal(1),
    )


AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("moins_1j", 1),
    ("1_7j", 7),
    ("7_30j", 30),
    ("plus_30j", None),
)


def age_bucket(age_days: float) -> str:
    """The backlog age class of an open intervention `age_days` old."""
    for name, limit in AGE_BUCKETS:
        if limit is None or age_days < limit:
            return name
    return AGE_BUCKETS[-1][0]
