"""Document rules: who may add and read an intervention's documents, and the record of
each upload (row, audit entry, `document.ajoute` event) in the request's transaction."""

from __future__ import annotations

from typing import Any

from shared.errors import Problem, conflict, not_found
from shared.pagination import Page
from shared.security import CurrentUser
from shared.uow import UnitOfWork

from interventions.documents import repository
from interventions.documents.models import Document, TypeDocument
from interventions.documents.schemas import DocumentRead
from interventions.historique.service import record
from interventions.interventions.models import StatutIntervention
from interventions.interventions.service import get_for_user


async def check_can_add(uow: UnitOfWork, user: CurrentUser, intervention_id: int) -> None:
    """404 unless the user sees the intervention (staff, its technician, its client);
    409 once it is archived (its file is closed)."""
    intervention = await get_for_user(uow, user, intervention_id)
    if intervention.statut == StatutIntervention.archivee:
        raise conflict("an archived intervention takes no more documents")


async def ajouter(
    uow: UnitOfWork,
    user: CurrentUser,
    intervention_id: int,
    *,
    nom_fichier: str,
    chemin: str,
    type_document: TypeDocument,
    taille: int,
    description: str | None,
    mime_type: str,
    checksum: str,
) -> Document:
    """Record a stored file as a document of the intervention."""
    # Checked again under the row lock: the upload took time, the assignment may have moved.
    intervention = await get_for_user(uow, user, intervention_id, for_update=True)
    if intervention.statut == StatutIntervention.archivee:
        raise conflict("an archived intervention takes no more documents")
    document = Document(
        intervention_id=intervention_id,
        nom_fichier=nom_fichier,
        chemin=chemin,
        type_document=type_document.value,
        taille=taille,
        description=description,
        uploaded_by=user.id,
        mime_type=mime_type,
        checksum=checksum,
    )
    uow.session.add(document)
    await uow.session.flush()
    values = {
        "id": document.id,
        "intervention_id": intervention_id,
        "nom_fichier": nom_fichier,
        "type_document": document.type_document,
        "taille": taille,
        "mime_type": mime_type,
        "checksum": checksum,
    }
    await record(
        uow,
        intervention_id=intervention_id,
        action="upload_document",
        description=f"Document ajouté : {nom_fichier}",
        ancienne_valeur=None,
        nouvelle_valeur=values,
        user_id=user.id,
    )
    uow.emit(
        "document.ajoute",
        document.id,
        {**values, "client_id": intervention.client_id, "uploaded_by": user.id},
    )
    return document


async def get(uow: UnitOfWork, user: CurrentUser, document_id: int) -> Document:
    """A document whose intervention the user can see; 404 for anyone else."""
    document = await repository.get(uow.session, document_id)
    if document is None:
        raise not_found("document")
    if document.intervention_id is None:
        if not user.is_staff:
            raise not_found("document")
        return document
    try:
        await get_for_user(uow, user, document.intervention_id)
    except Problem as exc:
        if exc.status == 404:
            raise not_found("document") from exc
        raise
    return document


async def lister(
    uow: UnitOfWork,
    user: CurrentUser,
    intervention_id: int,
    *,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    await get_for_user(uow, user, intervention_id)
    return await repository.Documents(uow).page(
        cursor=cursor,
        limit=limit,
        where=[Document.intervention_id == intervention_id],
        item=DocumentRead.model_validate,
    )
