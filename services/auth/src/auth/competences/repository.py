"""Every query on `competences` and `technicien_competence`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from shared.repository import Keyset, Repository
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from auth.competences.models import Competence, TechnicienCompetence


class Competences(Repository[Competence]):
    model = Competence
    keyset = Keyset(Competence.id)


async def is_held(session: AsyncSession, competence_id: int) -> bool:
    statement = sa.select(sa.exists().where(TechnicienCompetence.competence_id == competence_id))
    return bool((await session.execute(statement)).scalar())


_ASSIGNMENT = (
    sa.select(
        TechnicienCompetence.technicien_id,
        TechnicienCompetence.competence_id,
        Competence.nom,
        TechnicienCompetence.niveau_acquis,
        TechnicienCompetence.date_acquisition,
        TechnicienCompetence.date_expiration,
        TechnicienCompetence.notes,
        TechnicienCompetence.certifie,
    )
    .select_from(TechnicienCompetence)
    .join(Competence, Competence.id == TechnicienCompetence.competence_id)
)


async def of_technicien(session: AsyncSession, technicien_id: int) -> list[RowMapping]:
    statement = _ASSIGNMENT.where(TechnicienCompetence.technicien_id == technicien_id).order_by(
        TechnicienCompetence.competence_id
    )
    return list((await session.execute(statement)).mappings().all())


async def assignment(
    session: AsyncSession, technicien_id: int, competence_id: int
) -> RowMapping | None:
    statement = _ASSIGNMENT.where(
        TechnicienCompetence.technicien_id == technicien_id,
        TechnicienCompetence.competence_id == competence_id,
    )
    return (await session.execute(statement)).mappings().one_or_none()


async def upsert_assignment(
    session: AsyncSession, technicien_id: int, competence_id: int, values: dict[str, object]
) -> bool:
    """Insert or replace; True when the row is new (one statement, safe under concurrency)."""
    insert = pg_insert(TechnicienCompetence).values(
        technicien_id=technicien_id, competence_id=competence_id, **values
    )
    # xmax = 0 on the returned row version means it was inserted, not updated.
    statement: Any = insert.on_conflict_do_update(
        index_elements=["technicien_id", "competence_id"], set_=values
    ).returning(sa.literal_column("xmax = 0").label("inserted"))
    return bool((await session.execute(statement)).scalar_one())


async def delete_assignment(session: AsyncSession, technicien_id: int, competence_id: int) -> bool:
    result = await session.execute(
        sa.delete(TechnicienCompetence)
        .where(
            TechnicienCompetence.technicien_id == technicien_id,
            TechnicienCompetence.competence_id == competence_id,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
