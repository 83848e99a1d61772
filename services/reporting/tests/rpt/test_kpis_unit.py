"""The KPI formulas on hand-computed values."""

from decimal import Decimal

from reporting.readmodels.handlers import working_hours
from reporting.stats import kpis


def test_ratio_and_mttr() -> None:
    assert kpis.ratio(2, 3) == Decimal("0.6667")
    assert kpis.ratio(0, 0) is None
    assert kpis.mttr(Decimal("12"), 3) == Decimal("4.00")
    assert kpis.mttr(Decimal("0"), 0) is None


def test_reliability_of_one_equipment() -> None:
    # 30 days = 720 h, 3 failures repaired in 4 + 6 + 2 = 12 h
    r = kpis.reliability(Decimal(720), 3, Decimal(12), 3)
    assert r.mtbf == Decimal("236.00")  # (720 - 12) / 3
    assert r.mttr == Decimal("4.00")
    assert r.disponibilite == Decimal("0.9833")  # 708 / 720
    none = kpis.reliability(Decimal(720), 0, Decimal(0), 0)
    assert none.mtbf is None and none.disponibilite == Decimal("1.0000")


def test_age_buckets() -> None:
    assert [kpis.age_bucket(d) for d in (0.5, 1, 6.9, 7, 29, 30, 400)] == [
        "moins_1j",
        "1_7j",
        "1_7j",
        "7_30j",
        "7_30j",
        "plus_30j",
        "plus_30j",
    ]


def test_working_hours_skip_waiting() -> None:
    periodes = [
        {
            "debut": "2026-11-02T09:00:00+00:00",
            "fin": "2026-11-02T12:00:00+00:00",
            "statut": "en_cours",
        },
        {
            "debut": "2026-11-02T12:00:00+00:00",
            "fin": "2026-11-02T14:00:00+00:00",
            "statut": "en_attente",
        },
        {
            "debut": "2026-11-02T14:00:00+00:00",
            "fin": "2026-11-02T15:30:00+00:00",
            "statut": "en_cours",
        },
    ]
    assert working_hours(periodes) == Decimal("4.50")
