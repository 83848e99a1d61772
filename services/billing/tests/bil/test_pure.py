"""Pure modules against values computed by hand: rounding and totals, late penalties,
amounts in words, business hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from billing import money, penalties
from billing.sla.horaires import TZ, Horaires, consomme, echeance, jours_feries
from billing.words import montant_en_lettres, nombre_en_lettres

# (lines as (quantite, prix_unitaire, taux_tva)), expected HT, {taux: TVA}, TVA, TTC
TOTALS = [
    # 0.125 x 1 = 0.125 -> 0.13 (half-up); TVA 20 % of 0.13 = 0.026 -> 0.03
    ([("1", "0.125", "0.20")], "0.13", {"0.2": "0.03"}, "0.03", "0.16"),
    # 3 x 33.335 = 100.005 -> 100.01; TVA 20.002 -> 20.00
    ([("3", "33.335", "0.20")], "100.01", {"0.2": "20.00"}, "20.00", "120.01"),
    # two lines at 20 % summed before the TVA: 10.125->10.13, 0.333x3=0.999->1.00
    # base 11.13 x 0.20 = 2.226 -> 2.23 (per-line TVAs 2.03 + 0.20 = 2.23 here too)
    ([("1", "10.125", "0.20"), ("3", "0.333", "0.20")], "11.13", {"0.2": "2.23"}, "2.23", "13.36"),
    # where per-rate rounding differs from per-line: 3 lines of 0.05 at 10 %
    # lines 0.05 each (TVA 0.005 -> 0.01 each = 0.03), per rate: 0.15 x 0.10 = 0.015 -> 0.02
    ([("1", "0.05", "0.10")] * 3, "0.15", {"0.1": "0.02"}, "0.02", "0.17"),
    # several rates: 1250.00 at 20 %, 2 x 87.45 = 174.90 at 14 %, 12.5 x 7.99 = 99.875
    # -> 99.88 at 7 %; TVA 250.00, 24.486 -> 24.49, 6.9916 -> 6.99
    (
        [("1", "1250", "0.20"), ("2", "87.45", "0.14"), ("12.5", "7.99", "0.07")],
        "1524.78",
        {"0.07": "6.99", "0.14": "24.49", "0.2": "250.00"},
        "281.48",
        "1806.26",
    ),
    # a credit note (avoir) of 2.5 h at 350.00 with a 0.005 edge: 2.5 x 350.002 = 875.005
    # -> 875.01; TVA 175.002 -> 175.00
    ([("2.5", "350.002", "0.20")], "875.01", {"0.2": "175.00"}, "175.00", "1050.01"),
    # an SLA credit line (negative) on an invoice: 4 h x 350 = 1400.00, -500.00
    (
        [("4", "350", "0.20"), ("1", "-500", "0.20")],
        "900.00", {"0.2": "180.00"}, "180.00", "1080.00",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "ht", "par_taux", "tva", "ttc"), TOTALS)
def test_totals_and_rounding(lines, ht, par_taux, tva, ttc) -> None:
    amounts = [money.line_amounts(D(q), D(p), D(t)) for q, p, t in lines]
    result = money.totals((a.montant_ht, D(t)) for a, (_, _, t) in zip(amounts, lines, strict=True))
    assert result.montant_ht == D(ht)
    assert {str(k): str(v[1]) for k, v in result.tva_par_taux.items()} == par_taux
    assert result.montant_tva == D(tva)
    assert result.montant_ttc == D(ttc)


def test_half_up_not_bankers() -> None:
    assert money.centimes(D("2.675")) == D("2.68")
    assert money.centimes(D("2.665")) == D("2.67")
    assert money.centimes(D("-2.675")) == D("-2.68")


# 10 000.00 MAD unpaid, policy rate 2.25 %: 1 month 2.25 % = 225.00;
# 2 months 2.25 + 0.85 = 3.10 % = 310.00; 5 months 2.25 + 4 x 0.85 = 5.65 % = 565.00
@pytest.mark.parametrize(
    ("mois", "taux", "penalite"),
    [(0, "0", "0.00"), (1, "0.0225", "225.00"), (2, "0.0310", "310.00"), (5, "0.0565", "565.00")],
)
def test_late_penalties(mois, taux, penalite) -> None:
    assert penalties.taux_penalite(mois, D("0.0225")) == D(taux)
    assert penalties.penalite_retard(D("10000.00"), mois, D("0.0225")) == D(penalite)


def test_late_penalty_odd_amount() -> None:
    # 1 234.57 x (3 % + 0.85 %) = 47.530945 -> 47.53
    assert penalties.penalite_retard(D("1234.57"), 2, D("0.03")) == D("47.53")


@pytest.mark.parametrize(
    ("echeance", "le", "mois"),
    [
        ("2026-01-31", "2026-01-31", 0),
        ("2026-01-31", "2026-02-01", 1),
        ("2026-01-31", "2026-02-28", 1),  # to the same day of next month (clamped)
        ("2026-01-31", "2026-03-01", 2),
        ("2026-03-15", "2026-04-15", 1),
        ("2026-03-15", "2026-04-16", 2),
        ("2026-03-15", "2026-08-15", 5),
        ("2026-03-15", "2026-08-16", 6),
    ],
)
def test_months_of_delay(echeance, le, mois) -> None:
    assert (
        penalties.mois_de_retard(dt.date.fromisoformat(echeance), dt.date.fromisoformat(le)) == mois
    )


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zéro"),
        (1, "un"),
        (17, "dix-sept"),
        (21, "vingt et un"),
        (71, "soixante et onze"),
        (72, "soixante-douze"),
        (80, "quatre-vingts"),
        (81, "quatre-vingt-un"),
        (91, "quatre-vingt-onze"),
        (100, "cent"),
        (101, "cent un"),
        (200, "deux cents"),
        (280, "deux cent quatre-vingts"),
        (1000, "mille"),
        (1806, "mille huit cent six"),
        (2000, "deux mille"),
        (80000, "quatre-vingt mille"),
        (200000, "deux cent mille"),
        (1000000, "un million"),
        (2500001, "deux millions cinq cent mille un"),
    ],
)
def test_numbers_in_words(n, words) -> None:
    assert nombre_en_lettres(n) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1806.26", "mille huit cent six dirhams et vingt-six centimes"),
        ("1.01", "un dirham et un centime"),
        ("0.50", "zéro dirham et cinquante centimes"),
        ("1080.00", "mille quatre-vingts dirhams"),
        ("2000000.00", "deux millions de dirhams"),
    ],
)
def test_amount_in_words(amount, words) -> None:
    assert montant_en_lettres(D(amount)) == words


def _local(y, m, d, hh, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_business_hours_around_a_holiday() -> None:
    feries = jours_feries([2026])
    assert dt.date(2026, 11, 18) in feries  # fête de l'indépendance, a Wednesday
    h = Horaires(feries=feries)  # Monday-Friday 08:30-17:30
    # Monday 16 Nov 09:00 + 16 business hours: 8.5 h Monday, 7.5 h Tuesday -> Tue 16:00
    assert echeance(h, _local(2026, 11, 16, 9), 16) == _local(2026, 11, 17, 16)
    # 10 business hours of pause (Mon 12:00 -> Tue 13:00 = 5.5 h + 4.5 h) move it by 10 h:
    # Tue 16:00 + 1.5 h, Wednesday is a holiday, Thursday 08:30 + 8.5 h = 17:00
    pause = (_local(2026, 11, 16, 12), _local(2026, 11, 17, 13))
    assert h.secondes_ouvrees(*pause) == 10 * 3600
    assert echeance(h, _local(2026, 11, 16, 9), 16, [pause]) == _local(2026, 11, 19, 17)
    # the holiday, the weekend and nights count nothing
    assert h.secondes_ouvrees(_local(2026, 11, 17, 17), _local(2026, 11, 19, 9)) == 3600
    assert h.secondes_ouvrees(_local(2026, 11, 20, 17), _local(2026, 11, 23, 9)) == 3600
    assert consomme(h, _local(2026, 11, 16, 9), _local(2026, 11, 17, 14), [pause]) == 4 * 3600


def test_holiday_overrides() -> None:
    base = jours_feries([2026])
    estimated = dt.date(2026, 3, 20)  # Aïd al-Fitr, estimated by the library
    moved = jours_feries([2026], {estimated: False, dt.date(2026, 3, 22): True})
    assert estimated in base and estimated not in moved
    assert dt.date(2026, 3, 22) in moved
