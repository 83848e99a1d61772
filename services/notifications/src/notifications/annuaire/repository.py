"""Queries of the directory: upserts from events, and who the recipients are."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.annuaire.models import (
    ClientReplica,
    EquipementReplica,
    InterventionReplica,
    Replica,
    TechnicienReplica,
    UtilisateurReplica,
)

RESPONSABLES = ("responsable", "admin")


async def upsert(session: AsyncSession, model: Replica, values: dict[str, Any]) -> None:
    """Insert or update a replica row, unless it already holds a newer event's state."""
    table: sa.Table = model.__table__  # type: ignore[assignment]
    stmt = pg_insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={k: stmt.excluded[k] for k in values if k != "id"},
        where=table.c.updated_at <= stmt.excluded.updated_at,
    )
    await session.execute(stmt)


async def responsables(session: AsyncSession) -> list[int]:
    """Active users with the role responsable or admin."""
    rows = await session.scalars(
        sa.select(UtilisateurReplica.id)
        .where(UtilisateurReplica.is_active, UtilisateurReplica.role.in_(RESPONSABLES))
        .order_by(UtilisateurReplica.id)
    )
    return list(rows)


async def user_of_client(session: AsyncSession, client_id: int | None) -> int | None:
    """The active user account of a client (from `user.*`, else from `client.*`)."""
    if client_id is None:
        return None
    linked = sa.select(ClientReplica.user_id).where(ClientReplica.id == client_id)
    return await session.scalar(
        sa.select(UtilisateurReplica.id)
        .where(
            UtilisateurReplica.is_active,
            UtilisateurReplica.role == "client",
            sa.or_(
                UtilisateurReplica.client_id == client_id,
                UtilisateurReplica.id == linked.scalar_subquery(),
            ),
        )
        .order_by(UtilisateurReplica.id)
        .limit(1)
    )


async def user_of_technicien(session: AsyncSession, technicien_id: int | None) -> int | None:
    """The active user account of a technician (from `user.*`, else `technicien.*`)."""
    if technicien_id is None:
        return None
    linked = sa.select(TechnicienReplica.user_id).where(TechnicienReplica.id == technicien_id)
    return await session.scalar(
        sa.select(UtilisateurReplica.id)
        .where(
            UtilisateurReplica.is_active,
            UtilisateurReplica.role == "technicien",
            sa.or_(
                UtilisateurReplica.technicien_id == technicien_id,
                UtilisateurReplica.id == linked.scalar_subquery(),
            ),
        )
        .order_by(UtilisateurReplica.id)
        .limit(1)
    )


async def active_users(session: AsyncSession, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` that are known and active, in the given order."""
    if not user_ids:
        return []
    rows = set(
        await session.scalars(
            sa.select(UtilisateurReplica.id).where(
                UtilisateurReplica.id.in_(user_ids), UtilisateurReplica.is_active
            )
        )
    )
    return [u for u in user_ids if u in rows]


async def emails(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    """The e-mail address of each of `user_ids` that has one."""
    if not user_ids:
        return {}
    rows = await session.execute(
        sa.select(UtilisateurReplica.id, UtilisateurReplica.email).where(
            UtilisateurReplica.id.in_(user_ids), UtilisateurReplica.email.is_not(None)
        )
    )
    return {row.id: row.email for row in rows if row.email}


async def get_intervention(session: AsyncSession, id_: int | None) -> InterventionReplica | None:
    return None if id_ is None else await session.get(InterventionReplica, id_)


async def get_equipement(session: AsyncSession, id_: int | None) -> EquipementReplica | None:
    return None if id_ is None else await session.get(EquipementReplica, id_)


async def get_client(session: AsyncSession, id_: int | None) -> ClientReplica | None:
    return None if id_ is None else await session.get(ClientReplica, id_)


async def get_technicien(session: AsyncSession, id_: int | None) -> TechnicienReplica | None:
    return None if id_ is None else await session.get(TechnicienReplica, id_)
