"""The rules on competences and on which technician holds them. Never commits."""

from __future__ import annotations

from typing import Any

from shared.errors import conflict, not_found
from shared.security import CurrentUser
from shared.versioning import check_version
from sqlalchemy.ext.asyncio import AsyncSession

from auth.competences import repository
from auth.competences.models import Competence
from auth.competences.schemas import (
    CompetenceCreate,
    CompetenceUpdate,
    TechnicienCompetenceRead,
    TechnicienCompetenceSet,
)
from auth.integrity import flush_unique
from auth.techniciens import service as techniciens_service

_UNIQUE = {"uq_competences_nom": "nom"}


async def create_competence(session: AsyncSession, data: CompetenceCreate) -> Competence:
    competence = Competence(**data.model_dump())
    session.add(competence)
    await flush_unique(session, _UNIQUE)
    return competence


async def get_competence(
    session: AsyncSession, competence_id: int, *, for_update: bool = False
) -> Competence:
    competence = await repository.get(session, competence_id, for_update=for_update)
    if competence is None:
        raise not_found("competence")
    return competence


async def update_competence(
    session: AsyncSession, competence_id: int, changes: CompetenceUpdate, if_match: str | None
) -> Competence:
    competence = await get_competence(session, competence_id, for_update=True)
    check_version(if_match, competence.version)
    values: dict[str, Any] = {
        name: value
        for name, value in changes.changes().items()
        if getattr(competence, name) != value
    }
    for name, value in values.items():
        setattr(competence, name, value)
    if values:
        await flush_unique(session, _UNIQUE)
    return competence


async def delete_competence(session: AsyncSession, competence_id: int) -> None:
    """Only a competence nobody holds is deleted; one that is held is history (409, set
    `active` to false instead). The RESTRICT foreign key backs this under concurrency."""
    competence = await get_competence(session, competence_id, for_update=True)
    if await repository.is_held(session, competence_id):
        raise conflict("technicians hold this competence: set active to false instead")
    await session.delete(competence)
    await session.flush()


async def technicien_competences(
    session: AsyncSession, actor: CurrentUser, technicien_id: int
) -> list[TechnicienCompetenceRead]:
    await techniciens_service.get_technicien(session, actor, technicien_id)
    rows = await repository.of_technicien(session, technicien_id)
    return [TechnicienCompetenceRead.model_validate(dict(row)) for row in rows]


async def set_technicien_competence(
    session: AsyncSession,
    actor: CurrentUser,
    technicien_id: int,
    competence_id: int,
    data: TechnicienCompetenceSet,
) -> tuple[TechnicienCompetenceRead, bool]:
    """Create or replace the assignment; returns it and whether it is new."""
    await techniciens_service.get_technicien(session, actor, technicien_id)
    competence = await get_competence(session, competence_id)
    if not competence.active:
        raise conflict("this competence is no longer active")
    created = await repository.upsert_assignment(
        session, technicien_id, competence_id, data.model_dump()
    )
    row = await repository.assignment(session, technicien_id, competence_id)
    assert row is not None  # just written in this transaction
    return TechnicienCompetenceRead.model_validate(dict(row)), created


async def remove_technicien_competence(
    session: AsyncSession, actor: CurrentUser, technicien_id: int, competence_id: int
) -> None:
    await techniciens_service.get_technicien(session, actor, technicien_id)
    if not await repository.delete_assignment(session, technicien_id, competence_id):
        raise not_found("competence of this technicien")
