"""What closed work bills: `intervention.cloturee` (quota count and lines, once per
intervention), `piece.consommee` (parts), `intervention.corrigee` (a draft line adjusted,
or a credit note once the line was issued).

Billing rules: an intervention within its contract's quota bills nothing; beyond the
quota or with no active contract it bills its working hours x the contract's hourly rate
(or the default rate), travel when the contract says so, and its parts at their price
plus the contract's markup. Under warranty (`sous_garantie`) labour and parts are free.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from shared.events import Event
from shared.logging import get_logger
from shared.uow import UnitOfWork
from sqlalchemy.dialects.postgresql import insert as pg_insert

from billing.common import decimal_or, parse_time, settings, today
from billing.contrats import service as contrats
from billing.factures import service as factures
from billing.factures.schemas import AvoirCreate
from billing.models import (
    Contrat,
    Facture,
    InterventionCloturee,
    LigneAvoir,
    LigneFacture,
    NatureLigne,
    PieceConsommee,
    StatutFacture,
)
from billing.money import centimes

log = get_logger(__name__)


def _rate(contrat: Contrat | None) -> Decimal:
    if contrat is not None and contrat.taux_horaire is not None:
        return contrat.taux_horaire
    return settings().taux_horaire_defaut


def _labour_designation(intervention_id: int, titre: object) -> str:
    suffix = f" - {titre}" if isinstance(titre, str) and titre.strip() else ""
    return f"Main-d'oeuvre, intervention n° {intervention_id}{suffix}"[:500]


async def on_cloturee(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    iid, client_id = data.get("id"), data.get("client_id")
    if not isinstance(iid, int) or not isinstance(client_id, int):
        log.warning("billing.cloturee_malformed", event_id=str(event.id))
        return
    session = uow.session
    closed_at = parse_time(data.get("date_fin")) or event.occurred_at
    sous_garantie = data.get("sous_garantie") is True
    duree = max(decimal_or(data.get("duree_reelle"), Decimal(0)), Decimal(0))
    table = InterventionCloturee.__table__
    claimed = await session.execute(
        pg_insert(table)
        .values(
            intervention_id=iid,
            client_id=client_id,
            dans_quota=False,
            facturable=False,
            sous_garantie=sous_garantie,
            duree_reelle=duree.quantize(Decimal("0.001")),
            cloturee_at=closed_at,
        )
        .on_conflict_do_nothing()
        .returning(table.c.intervention_id)
    )
    if claimed.scalar_one_or_none() is None:
        log.info("billing.cloturee_already_counted", intervention_id=iid)
        return
    contrat = await contrats.covering(session, client_id, today(closed_at), lock=True)
    dans_quota = await contrats.count_closed(uow, contrat) if contrat is not None else False
    row = await session.get(InterventionCloturee, iid)
    assert row is not None
    row.contrat_id = contrat.id if contrat else None
    row.dans_quota = dans_quota
    row.facturable = not dans_quota
    await session.flush()
    if dans_quota:
        return
    contrat_id = contrat.id if contrat else None
    if not sous_garantie and duree > 0:
        await factures.add_auto_line(
            session,
            client_id=client_id,
            contrat_id=contrat_id,
            source=f"mo:{iid}",
            nature=NatureLigne.main_oeuvre,
            intervention_id=iid,
            designation=_labour_designation(iid, data.get("titre")),
            quantite=row.duree_reelle,
            prix_unitaire=_rate(contrat),
        )
    if contrat is not None and contrat.facturer_deplacement and contrat.frais_deplacement > 0:
        await factures.add_auto_line(
            session,
            client_id=client_id,
            contrat_id=contrat_id,
            source=f"dep:{iid}",
            nature=NatureLigne.deplacement,
            intervention_id=iid,
            designation=f"Déplacement, intervention n° {iid}",
            quantite=Decimal(1),
            prix_unitaire=contrat.frais_deplacement,
        )
    if not sous_garantie:
        pieces = await session.scalars(
            sa.select(PieceConsommee)
            .where(PieceConsommee.intervention_id == iid)
            .order_by(PieceConsommee.id)
        )
        for piece in list(pieces):
            await _bill_piece(uow, piece, contrat)


async def _bill_piece(uow: UnitOfWork, piece: PieceConsommee, contrat: Contrat | None) -> None:
    markup = contrat.majoration_pieces if contrat is not None else Decimal(0)
    prix = centimes(piece.prix_unitaire * (1 + markup))
    label = " ".join(x for x in (piece.reference, piece.nom) if x) or f"pièce {piece.piece_id}"
    row = await uow.session.get(InterventionCloturee, piece.intervention_id)
    assert row is not None
    await factures.add_auto_line(
        uow.session,
        client_id=row.client_id,
        contrat_id=row.contrat_id,
        source=f"piece:{piece.id}",
        nature=NatureLigne.piece,
        intervention_id=piece.intervention_id,
        designation=f"Pièce {label}, intervention n° {piece.intervention_id}"[:500],
        quantite=piece.quantite,
        prix_unitaire=prix,
    )


async def on_piece(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    pid, iid = data.get("id"), data.get("intervention_id")
    quantite = decimal_or(data.get("quantite"), Decimal(0))
    prix = decimal_or(data.get("prix_unitaire"), Decimal(0))
    if not isinstance(pid, int) or not isinstance(iid, int) or quantite == 0:
        log.warning("billing.piece_malformed", event_id=str(event.id))
        return
    table = PieceConsommee.__table__
    inserted = await uow.session.execute(
        pg_insert(table)
        .values(
            id=pid,
            intervention_id=iid,
            client_id=data.get("client_id") if isinstance(data.get("client_id"), int) else None,
            piece_id=data.get("piece_id") if isinstance(data.get("piece_id"), int) else None,
            reference=str(data.get("reference") or "")[:100] or None,
            nom=str(data.get("nom") or "")[:255] or None,
            quantite=quantite.quantize(Decimal("0.001")),
            prix_unitaire=centimes(prix),
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    if inserted.scalar_one_or_none() is None:
        return
    closed = await uow.session.get(InterventionCloturee, iid)
    if closed is None or not closed.facturable or closed.sous_garantie:
        return  # billed (or not) when the intervention closes
    contrat = await uow.session.get(Contrat, closed.contrat_id) if closed.contrat_id else None
    piece = await uow.session.get(PieceConsommee, pid)
    assert piece is not None
    await _bill_piece(uow, piece, contrat)


async def on_corrigee(uow: UnitOfWork, event: Event) -> None:
    """A corrected duration or warranty flag: the labour billed follows it."""
    data = event.data
    iid = data.get("id")
    apres = data.get("apres") if isinstance(data.get("apres"), dict) else {}
    if not isinstance(iid, int) or not ({"duree_reelle", "sous_garantie"} & set(apres)):
        return
    session = uow.session
    row = await session.get(InterventionCloturee, iid, with_for_update=True)
    if row is None:
        return  # not closed yet: the closing event carries the corrected values
    if "duree_reelle" in apres:
        row.duree_reelle = max(decimal_or(apres["duree_reelle"], row.duree_reelle), Decimal(0))
    if "sous_garantie" in apres:
        row.sous_garantie = apres["sous_garantie"] is True
    await session.flush()
    if not row.facturable:
        return
    wanted = Decimal(0) if row.sous_garantie else row.duree_reelle
    labour = (
        await session.execute(
            sa.select(LigneFacture, Facture.statut)
            .join(Facture, Facture.id == LigneFacture.facture_id)
            .where(
                LigneFacture.intervention_id == iid,
                LigneFacture.nature == NatureLigne.main_oeuvre,
                Facture.statut != StatutFacture.annulee,
            )
            .order_by(LigneFacture.id)
        )
    ).all()
    credited = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LigneAvoir.quantite), 0)).where(
            LigneAvoir.intervention_id == iid, LigneAvoir.nature == NatureLigne.main_oeuvre
        )
    )
    issued = [ln for ln, statut in labour if statut != StatutFacture.brouillon]
    drafts = [ln for ln, statut in labour if statut == StatutFacture.brouillon]
    issued_hours = sum((ln.quantite for ln in issued), Decimal(0)) - Decimal(credited)
    target = wanted - issued_hours
    contrat = await session.get(Contrat, row.contrat_id) if row.contrat_id else None
    if target >= 0:
        if drafts:
            first, *rest = drafts
            facture = await factures._locked(session, first.facture_id)
            for extra in rest:
                await session.delete(extra)
            if target == 0:
                await session.delete(first)
            else:
                values = factures._line_values(
                    first.designation, target, first.prix_unitaire, first.taux_tva
                )
                for key, value in values.items():
                    setattr(first, key, value)
            await factures.recompute(session, facture)
        elif target > 0:
            await factures.add_auto_line(
                session,
                client_id=row.client_id,
                contrat_id=row.contrat_id,
                source=f"mo:{iid}:{event.id}",
                nature=NatureLigne.main_oeuvre,
                intervention_id=iid,
                designation=_labour_designation(iid, data.get("titre")) + " (complément)",
                quantite=target,
                prix_unitaire=_rate(contrat),
            )
        return
    # less than already issued: drop draft labour, credit the difference
    for ln in drafts:
        facture = await factures._locked(session, ln.facture_id)
        await session.delete(ln)
        await factures.recompute(session, facture)
    last = issued[-1]
    values = factures._line_values(
        f"Correction de la main-d'oeuvre, intervention n° {iid}",
        -target,
        last.prix_unitaire,
        last.taux_tva,
    )
    await factures.creer_avoir(
        uow,
        last.facture_id,
        AvoirCreate(motif=f"Correction de l'intervention n° {iid}"),
        lignes=[{"nature": NatureLigne.main_oeuvre, "intervention_id": iid, **values}],
        now=event.occurred_at if isinstance(event.occurred_at, dt.datetime) else None,
    )
