"""KPIs assembled from the repository's aggregates with the pure formulas of kpis.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from reporting.stats import kpis
from reporting.stats import repository as repo
from reporting.stats.schemas import BacklogLigne, EquipementFiabilite, KpiPeriode, Kpis

ZERO = Decimal("0.00")


async def compute_kpis(
    session: AsyncSession, du: dt.date, au: dt.date, f: repo.Filters, now: dt.datetime
) -> Kpis:
    closed = await repo.closed_by_period(session, f)
    parts = await repo.parts_by_period(session, f)
    revenue = await repo.revenue_by_period(session, f)
    window_hours = Decimal((f.fin - f.debut).total_seconds()) / Decimal(3600)

    days = sorted(
        {r.debut for r in closed} | set(parts) | set(revenue["facture"]) | set(revenue["encaisse"])
    )
    by_day = {r.debut: r for r in closed}
    periodes = []
    for day in days:
        r = by_day.get(day)
        periodes.append(
            KpiPeriode(
                debut=day,
                interventions_cloturees=r.closed if r else 0,
                heures_travail=r.hours if r else ZERO,
                mttr_heures=kpis.mttr(r.repair_hours, r.repairs) if r else None,
                taux_cloture_a_temps=kpis.ratio(r.on_time, r.with_limit) if r else None,
                conformite_sla=kpis.ratio(r.sla_ok, r.closed) if r else None,
                taux_first_time_fix=kpis.ratio(r.first_time, r.corrective) if r else None,
                cout_pieces=parts.get(day, ZERO),
                chiffre_affaires_facture=revenue["facture"].get(day, ZERO),
                chiffre_affaires_encaisse=revenue["encaisse"].get(day, ZERO),
            )
        )

    def total(name: str) -> int | Decimal:
        return sum((getattr(r, name) for r in closed), start=0)

    equipements = []
    for row in await repo.failures_by_equipment(session, f):
        rel = kpis.reliability(window_hours, row.pannes, row.heures, row.reparees)
        equipements.append(
            EquipementFiabilite(
                equipement_id=row.equipement_id,
                nom=row.nom,
                pannes=row.pannes,
                heures_reparation=row.heures,
                mtbf_heures=rel.mtbf,
                mttr_heures=rel.mttr,
                disponibilite=rel.disponibilite,
            )
        )
    if f.equipement_id is not None and not equipements:
        rel = kpis.reliability(window_hours, 0, ZERO, 0)
        equipements.append(
            EquipementFiabilite(
                equipement_id=f.equipement_id,
                nom=await repo.equipment_name(session, f.equipement_id),
                pannes=0,
                heures_reparation=ZERO,
                mtbf_heures=rel.mtbf,
                mttr_heures=rel.mttr,
                disponibilite=rel.disponibilite,
            )
        )

    backlog = [
        BacklogLigne(
            priorite=r.priorite or "inconnue",
            moins_1j=r.moins_1j,
            de_1_a_7j=r.de_1_a_7j,
            de_7_a_30j=r.de_7_a_30j,
            plus_30j=r.plus_30j,
            total=r.total,
        )
        for r in await repo.backlog(session, f, now)
    ]
    return Kpis(
        du=du,
        au=au,
        granularite=f.granularite,
        fuseau=repo.TZ_NAME,
        heures_fenetre=window_hours.quantize(kpis.HOURS),
        interventions_cloturees=int(total("closed")),
        mttr_heures=kpis.mttr(Decimal(total("repair_hours")), int(total("repairs"))),
        heures_travail=Decimal(total("hours")).quantize(kpis.HOURS),
        taux_cloture_a_temps=kpis.ratio(total("on_time"), total("with_limit")),
        conformite_sla=kpis.ratio(total("sla_ok"), total("closed")),
        taux_first_time_fix=kpis.ratio(total("first_time"), total("corrective")),
        cout_pieces=sum(parts.values(), start=ZERO),
        chiffre_affaires_facture=sum(revenue["facture"].values(), start=ZERO),
        chiffre_affaires_encaisse=sum(revenue["encaisse"].values(), start=ZERO),
        avoirs=sum(revenue["avoir"].values(), start=ZERO),
        backlog=backlog,
        equipements=equipements,
        periodes=periodes,
    )
