"""The rules on competences and on which technician holds them. Never commits."""

from __future__ import annotations

from typing import Any

from shared.db import equal_filters
from shared.errors import conflict, not_found
from shared.pagination import Page
from shared.uow import UnitOfWork
from shared.versioning import check_version

from auth.competences import repository
from auth.competences.models import Competence
from auth.competences.repository import Competences
from auth.competences.schemas import (
    CompetenceCreate,
    CompetenceRead,
    CompetenceUpdate,
    TechnicienCompetenceRead,
    TechnicienCompetenceSet,
)
from auth.integrity import flush_unique
from auth.models import NiveauCompetence
from auth.techniciens import service as techniciens_service

_UNIQUE = {"uq_competences_nom": "nom"}


async def create_competence(uow: UnitOfWork, data: CompetenceCreate) -> Competence:
    competence = Competence(**data.model_dump())
    uow.session.add(competence)
    await flush_unique(uow.session, _UNIQUE)
    return competence


async def list_competences(
    uow: UnitOfWork,
    *,
    cursor: str | None,
    limit: int,
    active: bool | None,
    niveau_requis: NiveauCompetence | None,
) -> Page[Any]:
    where = equal_filters((Competence.active, active), (Competence.niveau_requis, niveau_requis))
    return await Competences(uow).page(
        cursor=cursor, limit=limit, where=where, item=CompetenceRead.model_validate
    )


async def get_competence(
    uow: UnitOfWork, competence_id: int, *, for_update: bool = False
) -> Competence:
    competence = await Competences(uow).get(competence_id, for_update=for_update)
    if competence is None:
        raise not_found("competence")
    return competence


async def update_competence(
    uow: UnitOfWork, competence_id: int, changes: CompetenceUpdate, if_match: str | None
) -> Competence:
    competence = await get_competence(uow, competence_id, for_update=True)
    check_version(if_match, competence.version)
    values: dict[str, Any] = {
        name: value
        for name, value in changes.changes().items()
        if getattr(competence, name) != value
    }
    for name, value in values.items():
        setattr(competence, name, value)
    if values:
        await flush_unique(uow.session, _UNIQUE)
    return competence


async def delete_competence(uow: UnitOfWork, competence_id: int) -> None:
    """Only a competence nobody holds is deleted; one that is held is history (409, set
    `active` to false instead). The RESTRICT foreign key backs this under concurrency."""
    competence = await get_competence(uow, competence_id, for_update=True)
    if await repository.is_held(uow.session, competence_id):
        raise conflict("technicians hold this competence: set active to false instead")
    await uow.session.delete(competence)
    await uow.session.flush()


async def technicien_competences(
    uow: UnitOfWork, technicien_id: int
) -> list[TechnicienCompetenceRead]:
    await techniciens_service.get_technicien(uow, technicien_id)
    rows = await repository.of_technicien(uow.session, technicien_id)
    return [TechnicienCompetenceRead.model_validate(dict(row)) for row in rows]


async def set_technicien_competence(
    uow: UnitOfWork, technicien_id: int, competence_id: int, data: TechnicienCompetenceSet
) -> tuple[TechnicienCompetenceRead, bool]:
    """Create or replace the assignment; returns it and whether it is new."""
    await techniciens_service.get_technicien(uow, technicien_id)
    competence = await get_competence(uow, competence_id)
    if not competence.active:
        raise conflict("this competence is no longer active")
    created = await repository.upsert_assignment(
        uow.session, technicien_id, competence_id, data.model_dump()
    )
    row = await repository.assignment(uow.session, technicien_id, competence_id)
    assert row is not None  # just written in this transaction
    return TechnicienCompetenceRead.model_validate(dict(row)), created


async def remove_technicien_competence(
    uow: UnitOfWork, technicien_id: int, competence_id: int
) -> None:
    await techniciens_service.get_technicien(uow, technicien_id)
    if not await repository.delete_assignment(uow.session, technicien_id, competence_id):
        raise not_found("competence of this technicien")
