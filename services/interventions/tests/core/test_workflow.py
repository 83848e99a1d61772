# ruff: noqa: E501
"""The intervention state machine and its clock as pure functions: the expected table is
written out here (API.md's state machine), never read from the code under test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from interventions.interventions import workflow
from interventions.interventions.models import StatutIntervention as St
from shared.security import Role

# (from, to) -> the roles that may make the move; every other pair is refused (409).
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("affectee", "ouverte"): {"admin", "responsable"},
    ("affectee", "en_cours"): {"admin", "responsable", "technicien"},
    ("en_cours", "en_attente"): {"admin", "responsable", "technicien"},
    ("en_attente", "en_cours"): {"admin", "responsable", "technicien"},
    ("en_cours", "cloturee"): {"admin", "responsable", "technicien"},
    ("ouverte", "annulee"): {"admin", "responsable", "client"},
    ("affectee", "annulee"): {"admin", "responsable"},
    ("en_attente", "annulee"): {"admin", "responsable"},
}
EVENTS: dict[tuple[str, str], str] = {
    ("affectee", "ouverte"): "intervention.statut_change",
    ("affectee", "en_cours"): "intervention.statut_change",
    ("en_cours", "en_attente"): "intervention.statut_change",
    ("en_attente", "en_cours"): "intervention.statut_change",
    ("en_cours", "cloturee"): "intervention.cloturee",
    ("ouverte", "annulee"): "intervention.annulee",
    ("affectee", "annulee"): "intervention.annulee",
    ("en_attente", "annulee"): "intervention.annulee",
}
ALL_STATES = [s.value for s in St]
ALL_ROLES = [r.value for r in Role]


@pytest.mark.parametrize("frm", ALL_STATES)
@pytest.mark.parametrize("to", ALL_STATES)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_pair_for_every_role(frm: str, to: str, role: str) -> None:
    move = workflow.move_for(St(frm), St(to), Role(role))
    if role in EXPECTED.get((frm, to), set()):
        assert move is not None
        assert move.event == EVENTS[(frm, to)]
    else:
        assert move is None


def test_assignment_and_archival_are_not_moves() -> None:
    for role in Role:
        assert workflow.move_for(St.ouverte, St.affectee, role) is None
        assert workflow.move_for(St.cloturee, St.archivee, role) is None
    assert "affectation" in workflow.refusal_hint(St.ouverte, St.affectee)
    assert "archival" in workflow.refusal_hint(St.cloturee, St.archivee)


T0 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_worked_2h_paused_3h_worked_1h() -> None:
    p = workflow.periods_after_move([], St.en_cours, at(0))
    p = workflow.periods_after_move(p, St.en_attente, at(2), "pieces")
    p = workflow.periods_after_move(p, St.en_cours, at(5))
    p = workflow.periods_after_move(p, St.cloturee, at(6))
    assert p == [
        {"statut": "en_cours", "debut": "2026-12-07T08:00:00+00:00", "fin": "2026-12-07T10:00:00+00:00"},
        {"statut": "en_attente", "debut": "2026-12-07T10:00:00+00:00", "fin": "2026-12-07T13:00:00+00:00", "motif": "pieces"},
        {"statut": "en_cours", "debut": "2026-12-07T13:00:00+00:00", "fin": "2026-12-07T14:00:00+00:00"},
    ]  # fmt: skip
    assert workflow.durations(p) == (Decimal("3.00"), Decimal("3.00"))


def test_open_period_counts_up_to_now_only_when_asked() -> None:
    p = workflow.periods_after_move([], St.en_cours, at(0))
    assert workflow.durations(p) == (Decimal("0.00"), Decimal("0.00"))
    assert workflow.durations(p, now=at(1.5)) == (Decimal("1.50"), Decimal("0.00"))


def test_costs_and_response_time() -> None:
    assert workflow.labour_cost(Decimal("3.00"), Decimal("250.00")) == Decimal("750.00")
    assert workflow.labour_cost(None, Decimal("250.00")) is None
    assert workflow.total_cost(Decimal("750.00"), Decimal("120.50")) == Decimal("870.50")
    assert workflow.total_cost(None, Decimal("0")) == Decimal("0.00")
    assert workflow.response_hours(at(0), at(1.25)) == Decimal("1.25")
    assert workflow.response_hours(at(0), None) is None


@pytest.mark.parametrize(
    ("periodes", "problem"),
    [
        ([{"statut": "en_cours", "debut": "2026-12-07T08:00:00+00:00", "fin": "2026-12-07T09:00:00+00:00"}], None),
        ([{"statut": "pause", "debut": "2026-12-07T08:00:00+00:00", "fin": "2026-12-07T09:00:00+00:00"}], "periodes[0].statut must be en_cours or en_attente"),
        ([{"statut": "en_cours", "debut": "2026-12-07T08:00:00+00:00", "fin": None}], "periodes[0] needs debut and fin"),
        ([{"statut": "en_cours", "debut": "2026-12-07T09:00:00+00:00", "fin": "2026-12-07T08:00:00+00:00"}], "periodes[0].fin must be after debut"),
        (
            [
                {"statut": "en_cours", "debut": "2026-12-07T08:00:00+00:00", "fin": "2026-12-07T10:00:00+00:00"},
                {"statut": "en_attente", "debut": "2026-12-07T09:00:00+00:00", "fin": "2026-12-07T11:00:00+00:00"},
            ],
            "periodes[1] overlaps the previous period",
        ),
    ],
)  # fmt: skip
def test_corrected_periods_are_checked(periodes: list[dict[str, str]], problem: str | None) -> None:
    assert workflow.valid_periods(periodes) == problem
