"""HTTP endpoints of the statistics: the seed's views and the KPIs."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from shared.errors import Problem, forbidden
from shared.security import Role
from shared.uow import UowDep

from reporting.stats import repository as repo
from reporting.stats.schemas import (
    ClientEquipmentSummary,
    ClientSummaryPage,
    Kpis,
    TechnicianStats,
    TechnicianStatsPage,
)
from reporting.stats.service import compute_kpis

router = APIRouter(prefix="/stats", tags=["stats"])
MAX_DAYS = 3660


class Granularite(StrEnum):
    day = "day"
    week = "week"
    month = "month"


KPI_DESCRIPTION = """Maintenance KPIs over the read models, for the days `du`..`au`
(inclusive, Africa/Casablanca; default the last 30 days), all in hours or rates 0..1.

- **MTTR** (`mttr_heures`) = working hours of the corrective interventions closed in the
  window / their number. Working hours: the working periods of `intervention.cloturee`
  (waiting time excluded), else `duree_reelle`.
- **MTBF** per equipment = (T - R) / n, **availability** (`disponibilite`) = (T - R) / T, where
  T = hours of the window, n = failures (corrective interventions created in the window,
  cancelled ones excluded), R = working hours of those repaired. No failure: MTBF null,
  availability 1. The 50 equipments with the most failures are listed.
- **Backlog**: open interventions (`ouverte`, `affectee`, `en_cours`, `en_attente`) by
  priority and age (< 1 day, 1-7, 7-30, > 30 days since `date_creation`), now.
- **On-time closure rate** = closed in the window with `date_fin <= date_limite` / closed
  in the window with a `date_limite`.
- **SLA compliance** = closed without an `sla.depasse` event / closed.
- **First-time fix** = closed corrective with at most one planned visit (`planning`, not
  cancelled) / closed corrective.
- **Parts cost** = sum of `piece.consommee` amounts in the window (returns negative).
- **Labour hours** = working hours of the interventions closed in the window.
- **Revenue invoiced** = TTC of invoices issued in the window (cancelled excluded);
  **paid** = TTC of invoices paid in the window; **avoirs** = TTC of credit notes issued.
- `periodes`: the same per day, ISO week (Monday) or month (`granularite`), by the
  Casablanca date of closure, consumption, issue or payment.

Null is "no data", never 0 %. A rate with no denominator is null."""


@router.get("/techniciens", response_model=TechnicianStatsPage)
async def technicien_stats(uow: UowDep) -> TechnicianStatsPage:
    """The seed's `mv_technician_stats` (admin, responsable), with its last refresh time."""
    _staff(uow)
    rows = await repo.technician_stats(uow.session)
    return TechnicianStatsPage(
        items=[TechnicianStats.model_validate(dict(r)) for r in rows],
        rafraichi_le=await repo.refreshed_at(uow.session, "mv_technician_stats"),
    )


@router.get("/clients", response_model=ClientSummaryPage)
async def client_stats(uow: UowDep) -> ClientSummaryPage:
    """The seed's `mv_client_equipment_summary`: every client for staff, its own row for a
    client; with the view's last refresh time."""
    user = uow.user
    assert user is not None
    if user.is_staff:
        client_id = None
    elif user.role == Role.client and user.client_id is not None:
        client_id = user.client_id
    else:
        raise forbidden("reserved to staff and clients")
    rows = await repo.client_summaries(uow.session, client_id)
    return ClientSummaryPage(
        items=[ClientEquipmentSummary.model_validate(dict(r)) for r in rows],
        rafraichi_le=await repo.refreshed_at(uow.session, "mv_client_equipment_summary"),
    )


@router.get("/kpis", response_model=Kpis, description=KPI_DESCRIPTION)
async def kpis(
    uow: UowDep,
    du: dt.date | None = None,
    au: dt.date | None = None,
    granularite: Granularite = Granularite.month,
    client_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    equipement_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    criticite: Annotated[str | None, Query(pattern="^(critique|haute|normale|basse)$")] = None,
    technicien_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Kpis:
    _staff(uow)
    now = dt.datetime.now(dt.UTC)
    au = au or now.astimezone(repo.TZ).date()
    du = du or au - dt.timedelta(days=29)
    if du > au:
        raise Problem(422, "du must not be after au", errors=[{"field": "du", "message": "> au"}])
    if (au - du).days > MAX_DAYS or du.year < 1970 or au.year > 9000:
        raise Problem(
            422,
            f"the window is limited to {MAX_DAYS} days from 1970",
            errors=[{"field": "au", "message": "window too long"}],
        )
    debut, fin = repo.window(du, au)
    filters = repo.Filters(
        debut, fin, granularite.value, client_id, equipement_id, criticite, technicien_id
    )
    return await compute_kpis(uow.session, du, au, filters, now)


def _staff(uow: UowDep) -> None:
    if uow.user is None or not uow.user.is_staff:
        raise forbidden("reserved to admins and responsables")
