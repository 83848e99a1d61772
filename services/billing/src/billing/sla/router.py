"""Public holidays: the library's Moroccan dates and the per-date overrides (admin)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import holidays
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from shared.security import AdminDep, StaffDep
from shared.uow import UowDep
from sqlalchemy.dialects.postgresql import insert as pg_insert

from billing.models import JourFerie
from billing.sla.horaires import jours_feries
from billing.sla.service import overrides

router = APIRouter(tags=["jours-feries"])


class JourFerieBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nom: str = Field(min_length=1, max_length=200)
    ferie: bool = True


class JourFerieRead(BaseModel):
    date: dt.date
    nom: str


@router.get("/jours-feries", response_model=list[JourFerieRead])
async def list_jours_feries(
    uow: UowDep, user: StaffDep, annee: int = Query(ge=2000, le=2100)
) -> list[dict[str, Any]]:
    extra = await overrides(uow.session)
    names = dict(holidays.country_holidays("MA", years=annee, language="fr").items())
    rows = await uow.session.execute(JourFerie.__table__.select().where(JourFerie.ferie.is_(True)))
    names.update({r.date: r.nom for r in rows})
    dates = sorted(d for d in jours_feries([annee], extra) if d.year == annee)
    return [{"date": d, "nom": names.get(d, "Jour férié")} for d in dates]


@router.put("/jours-feries/{jour}", response_model=JourFerieRead)
async def put_jour_ferie(
    jour: dt.date, body: JourFerieBody, uow: UowDep, user: AdminDep
) -> dict[str, Any]:
    """Add (`ferie: true`) or remove (`false`) a date, e.g. an announced Islamic holiday."""
    table = JourFerie.__table__
    stmt = pg_insert(table).values(date=jour, nom=body.nom, ferie=body.ferie)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.date], set_={"nom": body.nom, "ferie": body.ferie}
    )
    await uow.session.execute(stmt)
    return {"date": jour, "nom": body.nom}
