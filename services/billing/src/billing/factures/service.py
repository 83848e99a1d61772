"""Invoices: drafts and their lines (manual or produced by closed interventions), the
emission with its gapless number, payments, cancellation of a draft, credit notes, the
daily late marking. Amounts follow billing.money's rounding rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from shared.errors import Problem, conflict, not_found, unprocessable
from shared.security import CurrentUser, Role
from shared.uow import UnitOfWork
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing import money
from billing.common import check_readable, client_connu, settings, today
from billing.factures.schemas import (
    AvoirCreate,
    AvoirDetail,
    FactureCreate,
    FactureDetail,
    FactureRead,
    FactureUpdate,
    LigneCreate,
    LigneRead,
    LigneUpdate,
    PaiementCreate,
    TvaTaux,
)
from billing.models import (
    Avoir,
    ClientReplica,
    Compteur,
    Contrat,
    Facture,
    LigneAvoir,
    LigneFacture,
    NatureLigne,
    Paiement,
    StatutFacture,
)

ISSUED = (StatutFacture.envoyee, StatutFacture.en_retard, StatutFacture.payee)
OPEN_FOR_PAYMENT = (StatutFacture.envoyee, StatutFacture.en_retard)


# -- numbering ---------------------------------------------------------------------------


async def next_number(session: AsyncSession, serie: str, annee: int) -> str:
    """`FAC-2026-000001`: the counter row of (serie, year) is created or incremented and
    stays locked until this transaction ends, so concurrent emissions queue behind it
    and a rolled-back emission gives its number back: gapless, in commit order."""
    table = Compteur.__table__
    stmt = pg_insert(table).values(serie=serie, annee=annee, dernier=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.serie, table.c.annee],
        set_={"dernier": table.c.dernier + 1},
    ).returning(table.c.dernier)
    numero = (await session.execute(stmt)).scalar_one()
    return f"{serie}-{annee}-{numero:06d}"


# -- reading -----------------------------------------------------------------------------


def tva_rows(lignes: list[Any]) -> list[TvaTaux]:
    totals = money.totals((ln.montant_ht, ln.taux_tva) for ln in lignes)
    return [
        TvaTaux(taux_tva=taux, base_ht=base, montant_tva=tva)
        for taux, (base, tva) in totals.tva_par_taux.items()
    ]


def event_data(facture: Facture) -> dict[str, Any]:
    return {
        "id": facture.id,
        "client_id": facture.client_id,
        "numero_facture": facture.numero_facture,
        "montant_ht": str(facture.montant_ht),
        "montant_tva": str(facture.montant_tva),
        "montant_ttc": str(facture.montant_ttc),
        "date_emission": facture.date_emission.isoformat() if facture.date_emission else None,
        "date_echeance": facture.date_echeance.isoformat() if facture.date_echeance else None,
        "statut": facture.statut.value,
    }


async def lignes_of(session: AsyncSession, facture_id: int) -> list[LigneFacture]:
    return list(
        await session.scalars(
            sa.select(LigneFacture)
            .where(LigneFacture.facture_id == facture_id)
            .order_by(LigneFacture.id)
        )
    )


async def detail(session: AsyncSession, facture: Facture) -> dict[str, Any]:
    lignes = await lignes_of(session, facture.id)
    paiements = list(
        await session.scalars(
            sa.select(Paiement).where(Paiement.facture_id == facture.id).order_by(Paiement.id)
        )
    )
    base = FactureRead.model_validate(facture).model_dump()
    return FactureDetail(
        **base,
        lignes=[LigneRead.model_validate(ln) for ln in lignes],
        tva=tva_rows(lignes),
        paiements=paiements,  # type: ignore[arg-type]
    ).model_dump(mode="json")


async def get_readable(session: AsyncSession, user: CurrentUser, facture_id: int) -> Facture:
    facture = await session.get(Facture, facture_id)
    if facture is None:
        raise not_found("invoice")
    check_readable(user, facture.client_id, "invoice")
    return facture


async def _locked(session: AsyncSession, facture_id: int) -> Facture:
    facture = await session.get(Facture, facture_id, with_for_update=True, populate_existing=True)
    if facture is None:
        raise not_found("invoice")
    return facture


def _draft_only(facture: Facture) -> None:
    if facture.statut != StatutFacture.brouillon:
        raise conflict(
            f"invoice {facture.id} is {facture.statut.value}: an issued invoice never changes",
            statut=facture.statut.value,
        )


async def list_for_user(
    session: AsyncSession,
    user: CurrentUser,
    client_id: int | None,
    statut: StatutFacture | None,
    after_id: int | None,
    limit: int,
) -> list[Facture]:
    query = sa.select(Facture).order_by(Facture.id).limit(limit)
    if user.role == Role.client:
        query = query.where(Facture.client_id == (user.client_id or -1))
    elif client_id is not None:
        query = query.where(Facture.client_id == client_id)
    if statut is not None:
        query = query.where(Facture.statut == statut)
    if after_id is not None:
        query = query.where(Facture.id > after_id)
    return list(await session.scalars(query))


# -- drafts and lines --------------------------------------------------------------------


def _line_values(
    designation: str, quantite: Decimal, prix_unitaire: Decimal, taux_tva: Decimal
) -> dict[str, Any]:
    amounts = money.line_amounts(quantite, prix_unitaire, taux_tva)
    return {
        "designation": designation,
        "quantite": quantite,
        "prix_unitaire": prix_unitaire,
        "taux_tva": taux_tva,
        "montant_ht": amounts.montant_ht,
        "montant_tva": amounts.montant_tva,
        "montant_ttc": amounts.montant_ttc,
    }


async def recompute(session: AsyncSession, facture: Facture) -> None:
    """The invoice's totals from its lines (rules 2 and 3 of billing.money)."""
    await session.flush()
    lignes = await lignes_of(session, facture.id)
    totals = money.totals((ln.montant_ht, ln.taux_tva) for ln in lignes)
    facture.montant_ht = totals.montant_ht
    facture.montant_tva = totals.montant_tva
    facture.montant_ttc = totals.montant_ttc
    await session.flush()


async def _check_contrat(session: AsyncSession, contrat_id: int | None, client_id: int) -> None:
    if contrat_id is None:
        return
    contrat = await session.get(Contrat, contrat_id)
    if contrat is None or contrat.client_id != client_id:
        raise unprocessable(f"contract {contrat_id} is not one of this client's", "contrat_id")


async def create(uow: UnitOfWork, body: FactureCreate) -> dict[str, Any]:
    await client_connu(uow.session, body.client_id)
    await _check_contrat(uow.session, body.contrat_id, body.client_id)
    facture = Facture(
        client_id=body.client_id,
        contrat_id=body.contrat_id,
        description=body.description,
        taux_tva=body.taux_tva,
        devise=body.devise,
        delai_paiement_jours=body.delai_paiement_jours,
        statut=StatutFacture.brouillon,
        automatique=False,
    )
    uow.session.add(facture)
    await uow.session.flush()
    for ligne in body.lignes:
        uow.session.add(_manual_line(facture, ligne))
    await recompute(uow.session, facture)
    await uow.session.refresh(facture)
    return await detail(uow.session, facture)


def _manual_line(facture: Facture, body: LigneCreate) -> LigneFacture:
    taux = body.taux_tva if body.taux_tva is not None else facture.taux_tva
    return LigneFacture(
        facture_id=facture.id,
        nature=NatureLigne.manuelle,
        **_line_values(body.designation, body.quantite, body.prix_unitaire, taux),
    )


async def update(uow: UnitOfWork, facture_id: int, body: FactureUpdate) -> dict[str, Any]:
    facture = await _locked(uow.session, facture_id)
    _draft_only(facture)
    values = body.model_dump(exclude_unset=True)
    if "contrat_id" in values:
        await _check_contrat(uow.session, values["contrat_id"], facture.client_id)
    for key, value in values.items():
        setattr(facture, key, value)
    await uow.session.flush()
    await uow.session.refresh(facture)
    return await detail(uow.session, facture)


async def add_line(uow: UnitOfWork, facture_id: int, body: LigneCreate) -> dict[str, Any]:
    facture = await _locked(uow.session, facture_id)
    _draft_only(facture)
    uow.session.add(_manual_line(facture, body))
    await recompute(uow.session, facture)
    await uow.session.refresh(facture)
    return await detail(uow.session, facture)


async def _locked_line(
    session: AsyncSession, facture_id: int, ligne_id: int
) -> tuple[Facture, LigneFacture]:
    facture = await _locked(session, facture_id)
    ligne = await session.get(LigneFacture, ligne_id)
    if ligne is None or ligne.facture_id != facture.id:
        raise not_found("invoice line")
    _draft_only(facture)
    return facture, ligne


async def update_line(
    uow: UnitOfWork, facture_id: int, ligne_id: int, body: LigneUpdate
) -> dict[str, Any]:
    facture, ligne = await _locked_line(uow.session, facture_id, ligne_id)
    values = body.model_dump(exclude_unset=True, exclude_none=True)
    merged = {
        "designation": values.get("designation", ligne.designation),
        "quantite": values.get("quantite", ligne.quantite),
        "prix_unitaire": values.get("prix_unitaire", ligne.prix_unitaire),
        "taux_tva": values.get("taux_tva", ligne.taux_tva),
    }
    for key, value in _line_values(**merged).items():
        setattr(ligne, key, value)
    await recompute(uow.session, facture)
    await uow.session.refresh(facture)
    return await detail(uow.session, facture)


async def delete_line(uow: UnitOfWork, facture_id: int, ligne_id: int) -> None:
    facture, ligne = await _locked_line(uow.session, facture_id, ligne_id)
    await uow.session.delete(ligne)
    await recompute(uow.session, facture)


async def auto_draft(session: AsyncSession, client_id: int, contrat_id: int | None) -> Facture:
    """The client's open automatic draft (created once, even under concurrency), locked."""
    table = Facture.__table__
    await session.execute(
        pg_insert(table)
        .values(
            client_id=client_id,
            contrat_id=contrat_id,
            statut=StatutFacture.brouillon.value,
            automatique=True,
            taux_tva=settings().taux_tva_defaut,
            montant_ht=0,
            montant_tva=0,
            montant_ttc=0,
            montant_paye=0,
            montant_avoirs=0,
            devise="MAD",
            description="Interventions hors contrat ou au-delà du forfait",
        )
        .on_conflict_do_nothing(
            index_elements=[table.c.client_id],
            index_where=sa.text("statut = 'brouillon' AND automatique"),
        )
    )
    facture = await session.scalar(
        sa.select(Facture)
        .where(
            Facture.client_id == client_id,
            Facture.statut == StatutFacture.brouillon,
            Facture.automatique.is_(True),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert facture is not None
    return facture


async def add_auto_line(
    session: AsyncSession,
    *,
    client_id: int,
    contrat_id: int | None,
    source: str,
    nature: NatureLigne,
    intervention_id: int | None,
    designation: str,
    quantite: Decimal,
    prix_unitaire: Decimal,
    taux_tva: Decimal | None = None,
) -> bool:
    """A line on the client's automatic draft, once per `source`; False if already there."""
    facture = await auto_draft(session, client_id, contrat_id)
    taux = taux_tva if taux_tva is not None else facture.taux_tva
    table = LigneFacture.__table__
    values = _line_values(designation, quantite, prix_unitaire, taux)
    inserted = await session.execute(
        pg_insert(table)
        .values(
            facture_id=facture.id,
            nature=nature.value,
            intervention_id=intervention_id,
            source=source,
            **values,
        )
        .on_conflict_do_nothing(index_elements=[table.c.source])
        .returning(table.c.id)
    )
    if inserted.scalar_one_or_none() is None:
        return False
    await recompute(session, facture)
    return True


# -- emission, payments, cancellation ----------------------------------------------------


async def _client_block(session: AsyncSession, client_id: int) -> tuple[str, str | None, str]:
    client = await session.get(ClientReplica, client_id)
    if client is None:
        return (f"Client n° {client_id}", None, "")
    nom = client.nom_entreprise or client.full_name or f"Client n° {client_id}"
    return (nom, client.ice, client.adresse_facturation or "")


async def emettre(
    uow: UnitOfWork, facture_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """brouillon -> envoyee: the number, the dates, the frozen client block."""
    session = uow.session
    facture = await _locked(session, facture_id)
    _draft_only(facture)
    lignes = await lignes_of(session, facture.id)
    if not lignes:
        raise conflict("an invoice without lines cannot be issued")
    if facture.montant_ttc <= 0:
        raise conflict("an invoice's total must be positive to be issued")
    delai = facture.delai_paiement_jours
    if delai is None and facture.contrat_id is not None:
        contrat = await session.get(Contrat, facture.contrat_id)
        delai = contrat.delai_paiement_jours if contrat else None
    delai = delai or settings().delai_paiement_jours
    if delai > 120:
        raise unprocessable("law 69-21: payment terms are at most 120 days", "delai_paiement_jours")
    day = today(now)
    facture.numero_facture = await next_number(session, "FAC", day.year)
    facture.date_emission = day
    facture.delai_paiement_jours = delai
    facture.date_echeance = day + dt.timedelta(days=delai)
    facture.statut = StatutFacture.envoyee
    facture.client_nom, facture.client_ice, facture.client_adresse = await _client_block(
        session, facture.client_id
    )
    await session.flush()
    await session.refresh(facture)
    uow.emit("facture.emise", facture.id, event_data(facture))
    return await detail(session, facture)


async def payer(uow: UnitOfWork, facture_id: int, body: PaiementCreate) -> dict[str, Any]:
    session = uow.session
    facture = await _locked(session, facture_id)
    if facture.statut not in OPEN_FOR_PAYMENT:
        raise conflict(f"invoice {facture.id} is {facture.statut.value}: no payment expected")
    if facture.date_emission and body.date_paiement < facture.date_emission:
        raise unprocessable("the payment predates the invoice", "date_paiement")
    if body.montant > facture.solde:
        raise unprocessable(f"the balance is {facture.solde}", "montant")
    session.add(
        Paiement(
            facture_id=facture.id,
            date_paiement=body.date_paiement,
            montant=body.montant,
            mode_paiement=body.mode_paiement,
            reference=body.reference,
        )
    )
    facture.montant_paye = facture.montant_paye + body.montant
    facture.mode_paiement = body.mode_paiement.value
    if facture.solde == 0:
        facture.statut = StatutFacture.payee
        facture.date_paiement = body.date_paiement
    await session.flush()
    await session.refresh(facture)
    if facture.statut == StatutFacture.payee:
        uow.emit("facture.payee", facture.id, event_data(facture))
    return await detail(session, facture)


async def annuler(uow: UnitOfWork, facture_id: int) -> dict[str, Any]:
    facture = await _locked(uow.session, facture_id)
    if facture.statut != StatutFacture.brouillon:
        raise conflict("only a draft is cancelled; an issued invoice takes a credit note")
    facture.statut = StatutFacture.annulee
    await uow.session.flush()
    await uow.session.refresh(facture)
    uow.emit("facture.annulee", facture.id, event_data(facture))
    return await detail(uow.session, facture)


async def mark_late(uow: UnitOfWork, day: dt.date, batch: int) -> int:
    """Issued invoices with a balance past `date_echeance` -> en_retard (a batch)."""
    rows = list(
        await uow.session.scalars(
            sa.select(Facture)
            .where(Facture.statut == StatutFacture.envoyee, Facture.date_echeance < day)
            .order_by(Facture.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    late = [f for f in rows if f.solde > 0]
    for facture in late:
        facture.statut = StatutFacture.en_retard
    await uow.session.flush()
    for facture in late:
        await uow.session.refresh(facture)
        uow.emit("facture.en_retard", facture.id, event_data(facture))
    return len(late)


# -- credit notes ------------------------------------------------------------------------


async def creer_avoir(
    uow: UnitOfWork,
    facture_id: int,
    body: AvoirCreate,
    *,
    lignes: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """A credit note on an issued invoice, numbered `AV-YYYY-NNNNNN` at once. Without
    lines, the whole invoice is credited; its total never exceeds what is left."""
    session = uow.session
    facture = await _locked(session, facture_id)
    if facture.statut not in ISSUED:
        raise conflict("a credit note applies to an issued invoice; cancel a draft instead")
    if lignes is None:
        if body.lignes is None:
            lignes = [
                {
                    "nature": ln.nature,
                    "intervention_id": ln.intervention_id,
                    **_line_values(ln.designation, ln.quantite, ln.prix_unitaire, ln.taux_tva),
                }
                for ln in await lignes_of(session, facture.id)
            ]
        else:
            lignes = [
                {
                    "nature": NatureLigne.manuelle,
                    "intervention_id": None,
                    **_line_values(
                        ln.designation,
                        ln.quantite,
                        ln.prix_unitaire,
                        ln.taux_tva if ln.taux_tva is not None else facture.taux_tva,
                    ),
                }
                for ln in body.lignes
            ]
    totals = money.totals((ln["montant_ht"], ln["taux_tva"]) for ln in lignes)
    if totals.montant_ttc <= 0:
        raise unprocessable("a credit note's total must be positive", "lignes")
    if totals.montant_ttc > facture.montant_ttc - facture.montant_avoirs:
        raise Problem(
            409,
            "the credit notes would exceed the invoice",
            restant=str(facture.montant_ttc - facture.montant_avoirs),
        )
    day = today(now)
    avoir = Avoir(
        numero_avoir=await next_number(session, "AV", day.year),
        facture_id=facture.id,
        client_id=facture.client_id,
        date_emission=day,
        motif=body.motif,
        montant_ht=totals.montant_ht,
        montant_tva=totals.montant_tva,
        montant_ttc=totals.montant_ttc,
        devise=facture.devise,
        client_nom=facture.client_nom,
        client_ice=facture.client_ice,
        client_adresse=facture.client_adresse,
    )
    session.add(avoir)
    await session.flush()
    for ln in lignes:
        session.add(LigneAvoir(avoir_id=avoir.id, **ln))
    facture.montant_avoirs = facture.montant_avoirs + totals.montant_ttc
    if facture.solde <= 0 and facture.statut != StatutFacture.payee:
        facture.statut = StatutFacture.payee
    await session.flush()
    await session.refresh(avoir)
    uow.emit("avoir.emis", avoir.id, avoir_event(avoir))
    return await avoir_detail(session, avoir)


def avoir_event(avoir: Avoir) -> dict[str, Any]:
    return {
        "id": avoir.id,
        "client_id": avoir.client_id,
        "facture_id": avoir.facture_id,
        "numero_avoir": avoir.numero_avoir,
        "montant_ht": str(avoir.montant_ht),
        "montant_tva": str(avoir.montant_tva),
        "montant_ttc": str(avoir.montant_ttc),
        "date_emission": avoir.date_emission.isoformat(),
        "date_echeance": None,
        "statut": "emis",
    }


async def lignes_avoir(session: AsyncSession, avoir_id: int) -> list[LigneAvoir]:
    return list(
        await session.scalars(
            sa.select(LigneAvoir).where(LigneAvoir.avoir_id == avoir_id).order_by(LigneAvoir.id)
        )
    )


async def avoir_detail(session: AsyncSession, avoir: Avoir) -> dict[str, Any]:
    from billing.factures.schemas import AvoirRead

    lignes = await lignes_avoir(session, avoir.id)
    base = AvoirRead.model_validate(avoir).model_dump()
    return AvoirDetail(
        **base, lignes=[LigneRead.model_validate(ln) for ln in lignes], tva=tva_rows(lignes)
    ).model_dump(mode="json")


async def get_avoir_readable(session: AsyncSession, user: CurrentUser, avoir_id: int) -> Avoir:
    avoir = await session.get(Avoir, avoir_id)
    if avoir is None:
        raise not_found("credit note")
    check_readable(user, avoir.client_id, "credit note")
    return avoir
