"""HTTP endpoints of invoices, their lines, payments, credit notes and PDFs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from shared.idempotency import IdempotencyKey
from shared.pagination import ID_CURSOR, CursorQuery, LimitQuery, Page, paginate
from shared.security import StaffDep
from shared.uow import UowDep, request_fingerprint

from billing import penalties
from billing.common import ReaderDep, settings, today
from billing.factures import pdf, service
from billing.factures.schemas import (
    AvoirCreate,
    AvoirDetail,
    FactureCreate,
    FactureDetail,
    FactureRead,
    FactureUpdate,
    LigneCreate,
    LigneUpdate,
    PaiementCreate,
    Penalites,
)
from billing.models import ClientReplica, Facture, StatutFacture

router = APIRouter(tags=["factures"])


@router.post("/factures", status_code=201, response_model=FactureDetail)
async def create_facture(
    body: FactureCreate, request: Request, uow: UowDep, user: StaffDep, key: IdempotencyKey = None
) -> Response:
    return await uow.created(
        key, await request_fingerprint(request), lambda: service.create(uow, body), "factures"
    )


@router.get("/factures", response_model=Page[FactureRead])
async def list_factures(
    uow: UowDep,
    reader: ReaderDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    client_id: int | None = None,
    statut: StatutFacture | None = None,
) -> Page[Any]:
    assert uow.user is not None
    user = uow.user
    return await paginate(
        lambda after, n: service.list_for_user(
            uow.session, user, client_id, statut, after[0] if after else None, n
        ),
        cursor=cursor,
        limit=limit,
        codec=ID_CURSOR,
        key=lambda f: [f.id],
        item=FactureRead.model_validate,
    )


@router.get("/factures/{facture_id}", response_model=FactureDetail)
async def get_facture(facture_id: int, uow: UowDep, reader: ReaderDep) -> Any:
    assert uow.user is not None
    return await service.detail(
        uow.session, await service.get_readable(uow.session, uow.user, facture_id)
    )


@router.patch("/factures/{facture_id}", response_model=FactureDetail)
async def update_facture(facture_id: int, body: FactureUpdate, uow: UowDep, user: StaffDep) -> Any:
    return await service.update(uow, facture_id, body)


@router.post("/factures/{facture_id}/lignes", status_code=201, response_model=FactureDetail)
async def add_ligne(facture_id: int, body: LigneCreate, uow: UowDep, user: StaffDep) -> Any:
    return await service.add_line(uow, facture_id, body)


@router.patch("/factures/{facture_id}/lignes/{ligne_id}", response_model=FactureDetail)
async def update_ligne(
    facture_id: int, ligne_id: int, body: LigneUpdate, uow: UowDep, user: StaffDep
) -> Any:
    return await service.update_line(uow, facture_id, ligne_id, body)


@router.delete("/factures/{facture_id}/lignes/{ligne_id}", status_code=204)
async def delete_ligne(facture_id: int, ligne_id: int, uow: UowDep, user: StaffDep) -> Response:
    await service.delete_line(uow, facture_id, ligne_id)
    return Response(status_code=204)


@router.post("/factures/{facture_id}/emission", response_model=FactureDetail)
async def emettre(facture_id: int, uow: UowDep, user: StaffDep) -> Any:
    return await service.emettre(uow, facture_id)


@router.post("/factures/{facture_id}/paiements", response_model=FactureDetail)
async def payer(facture_id: int, body: PaiementCreate, uow: UowDep, user: StaffDep) -> Any:
    return await service.payer(uow, facture_id, body)


@router.post("/factures/{facture_id}/annulation", response_model=FactureDetail)
async def annuler(facture_id: int, uow: UowDep, user: StaffDep) -> Any:
    return await service.annuler(uow, facture_id)


@router.post("/factures/{facture_id}/avoirs", status_code=201, response_model=AvoirDetail)
async def creer_avoir(
    facture_id: int,
    body: AvoirCreate,
    request: Request,
    uow: UowDep,
    user: StaffDep,
    key: IdempotencyKey = None,
) -> Response:
    return await uow.created(
        key,
        await request_fingerprint(request),
        lambda: service.creer_avoir(uow, facture_id, body),
        "avoirs",
    )


@router.get("/factures/{facture_id}/penalites", response_model=Penalites)
async def penalites(
    facture_id: int, uow: UowDep, reader: ReaderDep, le: dt.date | None = None
) -> Any:
    """Late-payment penalties (law 69-21) owed on `le` (today by default)."""
    assert uow.user is not None
    facture = await service.get_readable(uow.session, uow.user, facture_id)
    day = le or today()
    mois = 0
    if facture.date_echeance and facture.statut in service.OPEN_FOR_PAYMENT:
        mois = penalties.mois_de_retard(facture.date_echeance, day)
    taux = penalties.taux_penalite(mois, settings().taux_directeur)
    return {
        "facture_id": facture.id,
        "le": day,
        "montant_du": facture.solde,
        "mois_de_retard": mois,
        "taux": taux,
        "penalite": penalties.penalite_retard(facture.solde, mois, settings().taux_directeur),
    }


@router.get("/avoirs/{avoir_id}", response_model=AvoirDetail)
async def get_avoir(avoir_id: int, uow: UowDep, reader: ReaderDep) -> Any:
    assert uow.user is not None
    avoir = await service.get_avoir_readable(uow.session, uow.user, avoir_id)
    return await service.avoir_detail(uow.session, avoir)


def _pdf(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@router.get("/factures/{facture_id}/pdf", response_class=Response)
async def facture_pdf(facture_id: int, uow: UowDep, reader: ReaderDep) -> Response:
    assert uow.user is not None
    facture = await service.get_readable(uow.session, uow.user, facture_id)
    nom, ice, adresse = facture.client_nom, facture.client_ice, facture.client_adresse
    if facture.numero_facture is None:  # a draft shows the client as known today
        client = await uow.session.get(ClientReplica, facture.client_id)
        nom = (client.nom_entreprise or client.full_name) if client else None
        ice = client.ice if client else None
        adresse = client.adresse_facturation if client else None
    content = pdf.render(
        kind="FACTURE",
        numero=facture.numero_facture,
        date_emission=facture.date_emission,
        date_echeance=facture.date_echeance,
        delai_jours=facture.delai_paiement_jours,
        client_nom=nom or f"Client n° {facture.client_id}",
        client_adresse=adresse or "",
        client_ice=ice,
        lignes=await service.lignes_of(uow.session, facture.id),
        devise=facture.devise,
        settings=settings(),
        taux_directeur=settings().taux_directeur,
    )
    return _pdf(content, facture.numero_facture or f"brouillon-{facture.id}")


@router.get("/avoirs/{avoir_id}/pdf", response_class=Response)
async def avoir_pdf(avoir_id: int, uow: UowDep, reader: ReaderDep) -> Response:
    assert uow.user is not None
    avoir = await service.get_avoir_readable(uow.session, uow.user, avoir_id)
    facture = await uow.session.get(Facture, avoir.facture_id)
    content = pdf.render(
        kind="AVOIR",
        numero=avoir.numero_avoir,
        date_emission=avoir.date_emission,
        client_nom=avoir.client_nom or f"Client n° {avoir.client_id}",
        client_adresse=avoir.client_adresse or "",
        client_ice=avoir.client_ice,
        lignes=await service.lignes_avoir(uow.session, avoir.id),
        devise=avoir.devise,
        settings=settings(),
        reference=facture.numero_facture if facture else None,
        motif=avoir.motif,
    )
    return _pdf(content, avoir.numero_avoir)
