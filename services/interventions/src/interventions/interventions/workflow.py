"""The intervention state machine and its clock, as pure functions (no database, no I/O).

- `MOVES`: API.md's state machine, (from, to) -> who may, the audit action, the event.
  Any pair missing answers 409; ouverte -> affectee goes through `affecter`, cloturee ->
  archivee only through the archival task.
- Working periods: each stretch `en_cours` (working) or `en_attente` (waiting) is recorded
  as `{"statut", "debut", "fin", "motif"?}`; `duree_reelle` is the sum of the working ones,
  `duree_attente` of the waiting ones, in hours to the hundredth.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.security import Role

from interventions.historique.models import ActionHistorique as A
from interventions.interventions.models import StatutIntervention as St

STAFF = frozenset({Role.admin, Role.responsable})
STAFF_AND_TECHNICIEN = frozenset({Role.admin, Role.responsable, Role.technicien})
STATUT_CHANGE = "intervention.statut_change"
CLOTUREE = "intervention.cloturee"


@dataclass(frozen=True, slots=True)
class Move:
    roles: frozenset[Role]
    action: A
    event: str


MOVES: dict[tuple[St, St], Move] = {
    (St.affectee, St.ouverte): Move(STAFF, A.affectation, STATUT_CHANGE),
    (St.affectee, St.en_cours): Move(STAFF_AND_TECHNICIEN, A.debut_intervention, STATUT_CHANGE),
    (St.en_cours, St.en_attente): Move(STAFF_AND_TECHNICIEN, A.changement_statut, STATUT_CHANGE),
    (St.en_attente, St.en_cours): Move(STAFF_AND_TECHNICIEN, A.changement_statut, STATUT_CHANGE),
    (St.en_cours, St.cloturee): Move(STAFF_AND_TECHNICIEN, A.fin_intervention, CLOTUREE),
    (St.ouverte, St.annulee): Move(STAFF | {Role.client}, A.annulation, "intervention.annulee"),
    (St.affectee, St.annulee): Move(STAFF, A.annulation, "intervention.annulee"),
    (St.en_attente, St.annulee): Move(STAFF, A.annulation, "intervention.annulee"),
}  # fmt: skip
FINAL = frozenset({St.annulee, St.archivee})
# statuts whose descriptive fields are frozen (a cloturee one takes corrections only)
READ_ONLY = frozenset({St.cloturee, St.annulee, St.archivee})
ASSIGNABLE = frozenset({St.ouverte, St.affectee})
WORKING = St.en_cours.value
WAITING = St.en_attente.value
MOTIFS_ATTENTE = ("client", "pieces", "technique", "autre")
HUNDREDTH = decimal.Decimal("0.01")


def move_for(frm: St, to: St, role: Role) -> Move | None:
    """The move if `role` may take an intervention from `frm` to `to`, else None."""
    move = MOVES.get((frm, to))
    if move is None or role not in move.roles:
        return None
    return move


def refusal_hint(frm: St, to: St) -> str:
    if (frm, to) == (St.ouverte, St.affectee):
        return " (use POST /interventions/{id}/affectation)"
    if (frm, to) == (St.cloturee, St.archivee):
        return " (only the archival task archives)"
    return ""


# -- working time -----------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def close_periods(periodes: Iterable[Mapping[str, Any]], at: dt.datetime) -> list[dict[str, Any]]:
    """The periods with the open one (if any) ended at `at`."""
    return [{**p, "fin": _iso(at)} if p.get("fin") is None else dict(p) for p in periodes]


def periods_after_move(
    periodes: Iterable[Mapping[str, Any]],
    to: St,
    at: dt.datetime,
    motif: str | None = None,
) -> list[dict[str, Any]]:
    """The periods once the intervention moves to `to` at `at`: the open period ends, and a
    move to en_cours / en_attente opens a working / waiting one."""
    result = close_periods(periodes, at)
    if to == St.en_cours:
        result.append({"statut": WORKING, "debut": _iso(at), "fin": None})
    elif to == St.en_attente:
        result.append({"statut": WAITING, "debut": _iso(at), "fin": None, "motif": motif})
    return result


def hours(seconds: float | decimal.Decimal) -> decimal.Decimal:
    value = decimal.Decimal(str(seconds)) / 3600
    return value.quantize(HUNDREDTH, rounding=decimal.ROUND_HALF_UP)


def durations(
    periodes: Iterable[Mapping[str, Any]], now: dt.datetime | None = None
) -> tuple[decimal.Decimal, decimal.Decimal]:
    """(working hours, waiting hours); an open period counts up to `now` (or not at all)."""
    seconds = {WORKING: decimal.Decimal(0), WAITING: decimal.Decimal(0)}
    for periode in periodes:
        debut = _time(periode.get("debut"))
        fin = _time(periode.get("fin")) or now
        statut = periode.get("statut")
        if debut is None or fin is None or statut not in seconds or fin <= debut:
            continue
        seconds[statut] += decimal.Decimal(str((fin - debut).total_seconds()))
    return hours(seconds[WORKING]), hours(seconds[WAITING])


def response_hours(created: dt.datetime, picked_up: dt.datetime | None) -> decimal.Decimal | None:
    """Response time: creation -> first en_cours, in hours."""
    if picked_up is None:
        return None
    return hours(max((picked_up - created).total_seconds(), 0))


def labour_cost(duree: decimal.Decimal | None, rate: decimal.Decimal) -> decimal.Decimal | None:
    if duree is None:
        return None
    return (duree * rate).quantize(HUNDREDTH, rounding=decimal.ROUND_HALF_UP)


def total_cost(
    main_oeuvre: decimal.Decimal | None, pieces: decimal.Decimal | None
) -> decimal.Decimal:
    return ((main_oeuvre or decimal.Decimal(0)) + (pieces or decimal.Decimal(0))).quantize(
        HUNDREDTH
    )


def valid_periods(periodes: list[dict[str, Any]]) -> str | None:
    """Why a list of corrected periods is not acceptable, or None: every period closed,
    `fin` after `debut`, in time order without overlap."""
    previous_end: dt.datetime | None = None
    for index, periode in enumerate(periodes):
        debut, fin = _time(periode.get("debut")), _time(periode.get("fin"))
        if periode.get("statut") not in (WORKING, WAITING):
            return f"periodes[{index}].statut must be en_cours or en_attente"
        if debut is None or fin is None:
            return f"periodes[{index}] needs debut and fin"
        if fin <= debut:
            return f"periodes[{index}].fin must be after debut"
        if previous_end is not None and debut < previous_end:
            return f"periodes[{index}] overlaps the previous period"
        previous_end = fin
    return None
