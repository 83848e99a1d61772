"""Queries of the technician and client replicas."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.techniciens.models import ClientReplica, TechnicienReplica


async def upsert(
    session: AsyncSession,
    model: type[TechnicienReplica] | type[ClientReplica],
    values: dict[str, Any],
) -> None:
    """Insert or update a replica row, unless it already holds a newer event's state."""
    table: sa.Table = model.__table__  # type: ignore[assignment]
    stmt = pg_insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={k: stmt.excluded[k] for k in values if k != "id"},
        where=table.c.updated_at <= stmt.excluded.updated_at,
    )
    await session.execute(stmt)


async def get_technicien(
    session: AsyncSession, technicien_id: int, *, refresh: bool = False
) -> TechnicienReplica | None:
    return await session.get(TechnicienReplica, technicien_id, populate_existing=refresh)


async def get_client(
    session: AsyncSession, client_id: int, *, refresh: bool = False
) -> ClientReplica | None:
    return await session.get(ClientReplica, client_id, populate_existing=refresh)


async def list_techniciens(session: AsyncSession) -> list[TechnicienReplica]:
    rows = await session.scalars(sa.select(TechnicienReplica).order_by(TechnicienReplica.id))
    return list(rows)
