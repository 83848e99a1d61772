"""SLA tracking of covered interventions: response (creation -> first `en_cours`) and
resolution (creation -> `cloturee`) clocks in the contract's business hours, paused while
the intervention waits at the client's request; `sla.risque` at 80 % of a budget,
`sla.depasse` at breach (once each), a breach adding the contract's penalty as a credit
line on the client's next invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from shared.events import Event
from shared.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from billing.common import parse_time, today
from billing.contrats import service as contrats
from billing.factures import service as factures
from billing.models import Contrat, JourFerie, NatureLigne, SlaSuivi
from billing.sla.horaires import Horaires, consomme, echeance, jours_feries

KINDS = ("reponse", "resolution")
_LABEL = {"reponse": "de réponse", "resolution": "de résolution"}


async def overrides(session: AsyncSession) -> dict[dt.date, bool]:
    rows = await session.execute(sa.select(JourFerie.date, JourFerie.ferie))
    return {d: f for d, f in rows.all()}


async def horaires(session: AsyncSession, contrat: Contrat, years: range) -> Horaires:
    return Horaires(
        jours=frozenset(contrat.jours_ouvres),
        debut=contrat.heure_debut,
        fin=contrat.heure_fin,
        feries=jours_feries(years, await overrides(session)),
    )


def _pauses(suivi: SlaSuivi) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in suivi.pauses]


def _budget(contrat: Contrat, priorite: str, kind: str) -> Decimal | None:
    entry = (contrat.sla or {}).get(priorite)
    if not isinstance(entry, dict):
        return None
    try:
        return Decimal(str(entry[f"{kind}_heures"]))
    except (KeyError, ArithmeticError, ValueError):
        return None


async def on_intervention(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    iid, client_id = data.get("id"), data.get("client_id")
    if not isinstance(iid, int) or not isinstance(client_id, int):
        return
    session = uow.session
    suivi = await session.get(SlaSuivi, iid, with_for_update=True)
    at = event.occurred_at
    if suivi is None:
        created = parse_time(data.get("date_creation")) or at
        contrat = await contrats.covering(session, client_id, today(created))
        priorite = data.get("priorite")
        if (
            contrat is None
            or not isinstance(priorite, str)
            or not (contrat.sla or {}).get(priorite)
        ):
            return
        suivi = SlaSuivi(
            intervention_id=iid,
            contrat_id=contrat.id,
            client_id=client_id,
            priorite=priorite,
            date_creation=created,
            pauses=[],
        )
        session.add(suivi)
    if not suivi.ouvert:
        return
    statut = data.get("statut")
    prise = parse_time(data.get("date_prise_en_charge"))
    if suivi.date_prise_en_charge is None and (prise or statut == "en_cours"):
        suivi.date_prise_en_charge = prise or at
    if statut == "en_attente" and data.get("motif_attente") == "client":
        if suivi.pause_debut is None:
            suivi.pause_debut = at
    elif suivi.pause_debut is not None:
        suivi.pauses = [*suivi.pauses, [suivi.pause_debut.isoformat(), at.isoformat()]]
        suivi.pause_debut = None
    if event.type == "intervention.cloturee" or statut == "cloturee":
        suivi.date_cloture = parse_time(data.get("date_fin")) or at
    await session.flush()
    contrat = await session.get(Contrat, suivi.contrat_id)
    assert contrat is not None
    await evaluate(uow, suivi, contrat, at)
    if suivi.date_cloture is not None or statut in ("annulee", "archivee"):
        suivi.ouvert = False
    await session.flush()


async def evaluate(uow: UnitOfWork, suivi: SlaSuivi, contrat: Contrat, now: dt.datetime) -> None:
    """Place both deadlines and publish what crossed 80 % or 100 % of its budget."""
    years = range(suivi.date_creation.year, max(now.year, suivi.date_creation.year) + 3)
    h = await horaires(uow.session, contrat, years)
    pauses = _pauses(suivi)
    for kind in KINDS:
        budget = _budget(contrat, suivi.priorite, kind)
        if budget is None:
            continue
        end = suivi.date_prise_en_charge if kind == "reponse" else suivi.date_cloture
        kind_pauses = [p for p in pauses if end is None or p[0] < end]
        deadline = echeance(h, suivi.date_creation, float(budget), kind_pauses)
        setattr(suivi, f"echeance_{kind}", deadline)
        if getattr(suivi, f"depasse_{kind}"):
            continue
        if end is None and suivi.pause_debut is not None:
            continue  # the clock is stopped while the client is waited for
        used = consomme(h, suivi.date_creation, end or now, kind_pauses)
        limit = int(budget * 3600)
        if (end is not None and used > limit) or (end is None and used >= limit):
            setattr(suivi, f"depasse_{kind}", True)
            setattr(suivi, f"risque_{kind}", True)
            uow.emit("sla.depasse", suivi.intervention_id, _event(suivi, kind, deadline))
            await _penalise(uow, suivi, contrat, kind)
        elif end is None and used * 5 >= limit * 4 and not getattr(suivi, f"risque_{kind}"):
            setattr(suivi, f"risque_{kind}", True)
            uow.emit("sla.risque", suivi.intervention_id, _event(suivi, kind, deadline))


def _event(suivi: SlaSuivi, kind: str, deadline: dt.datetime) -> dict[str, Any]:
    return {
        "contrat_id": suivi.contrat_id,
        "client_id": suivi.client_id,
        "intervention_id": suivi.intervention_id,
        "priorite": suivi.priorite,
        "kind": kind,
        "echeance": deadline.isoformat(),
    }


async def _penalise(uow: UnitOfWork, suivi: SlaSuivi, contrat: Contrat, kind: str) -> None:
    if contrat.penalite_sla <= 0:
        return
    await factures.add_auto_line(
        uow.session,
        client_id=suivi.client_id,
        contrat_id=contrat.id,
        source=f"sla:{suivi.intervention_id}:{kind}",
        nature=NatureLigne.penalite_sla,
        intervention_id=suivi.intervention_id,
        designation=(
            f"Pénalité SLA : délai {_LABEL[kind]} dépassé, intervention n° "
            f"{suivi.intervention_id} (contrat {contrat.numero_contrat})"
        ),
        quantite=Decimal(1),
        prix_unitaire=-contrat.penalite_sla,
    )


async def check_deadlines(uow: UnitOfWork, now: dt.datetime, batch: int) -> int:
    """The beat's pass: open, running clocks evaluated at `now` (deadlines passing with no
    event); returns how many were looked at."""
    rows = list(
        await uow.session.scalars(
            sa.select(SlaSuivi)
            .where(SlaSuivi.ouvert.is_(True), SlaSuivi.pause_debut.is_(None))
            .where(
                sa.or_(SlaSuivi.depasse_reponse.is_(False), SlaSuivi.depasse_resolution.is_(False))
            )
            .order_by(SlaSuivi.intervention_id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    for suivi in rows:
        contrat = await uow.session.get(Contrat, suivi.contrat_id)
        assert contrat is not None
        await evaluate(uow, suivi, contrat, now)
    await uow.session.flush()
    return len(rows)


async def rapport(
    session: AsyncSession, contrat: Contrat, du: dt.date | None, au: dt.date | None
) -> dict[str, Any]:
    query = sa.select(SlaSuivi).where(SlaSuivi.contrat_id == contrat.id)
    if du is not None:
        query = query.where(SlaSuivi.date_creation >= dt.datetime.combine(du, dt.time(), dt.UTC))
    if au is not None:
        end = dt.datetime.combine(au + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(SlaSuivi.date_creation < end)
    by: dict[str, dict[str, int]] = {}
    for s in await session.scalars(query):
        row = by.setdefault(
            s.priorite,
            dict.fromkeys(
                ("interventions", "reponse_respectee", "reponse_depassee",
                 "resolution_respectee", "resolution_depassee", "en_cours"), 0
            ),
        )  # fmt: skip
        row["interventions"] += 1
        row["reponse_depassee"] += s.depasse_reponse
        row["reponse_respectee"] += s.date_prise_en_charge is not None and not s.depasse_reponse
        row["resolution_depassee"] += s.depasse_resolution
        row["resolution_respectee"] += s.date_cloture is not None and not s.depasse_resolution
        row["en_cours"] += s.ouvert
    priorites = []
    for priorite, row in sorted(by.items()):

        def rate(ok: int, ko: int) -> Decimal | None:
            return (Decimal(ok) / Decimal(ok + ko)).quantize(Decimal("0.0001")) if ok + ko else None

        priorites.append(
            {
                "priorite": priorite,
                **row,
                "taux_reponse": rate(row["reponse_respectee"], row["reponse_depassee"]),
                "taux_resolution": rate(row["resolution_respectee"], row["resolution_depassee"]),
            }
        )
    return {"contrat_id": contrat.id, "du": du, "au": au, "priorites": priorites}
