"""Late-payment penalties of law 69-21 (pure).

The rate is Bank Al-Maghrib's policy rate for the first month of delay, plus 0.85 % for
each further month or part of a month; it applies to the amount left unpaid. A month of
delay runs from the day after `date_echeance` to the same day of the next month.
Example (policy rate 2.25 %, 10 000.00 MAD unpaid): 1 month -> 225.00, 2 months -> 310.00.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from billing.money import centimes

MAJORATION_MENSUELLE = Decimal("0.0085")


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mois_de_retard(date_echeance: dt.date, le: dt.date) -> int:
    """Months of delay, a started month counting whole (0 when not late)."""
    if le <= date_echeance:
        return 0
    months = 1
    while add_months(date_echeance, months) < le:
        months += 1
    return months


def taux_penalite(mois: int, taux_directeur: Decimal) -> Decimal:
    if mois <= 0:
        return Decimal("0")
    return taux_directeur + MAJORATION_MENSUELLE * (mois - 1)


def penalite_retard(montant_du: Decimal, mois: int, taux_directeur: Decimal) -> Decimal:
    """The penalty on `montant_du` after `mois` months of delay, to the centime."""
    return centimes(montant_du * taux_penalite(mois, taux_directeur))
