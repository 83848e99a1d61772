"""Queries of the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from shared.db import equal_filters
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.inbox.models import Envoi, Notification, TypeNotification

# Writers of notifications take this lock for their transaction, so ids are committed in
# increasing order: a stream that has sent id N never later misses a row below N.
ORDER_LOCK = "SELECT pg_advisory_xact_lock(hashtext('notifications:ordre'))"


async def inserer(session: AsyncSession, rows: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Insert the notifications of one event (each recipient once); (id, user_id) of the
    new rows."""
    await session.execute(sa.text(ORDER_LOCK))
    table: sa.Table = Notification.__table__  # type: ignore[assignment]
    result = await session.execute(
        pg_insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[table.c.event_id, table.c.user_id])
        .returning(table.c.id, table.c.user_id)
    )
    return [(row.id, row.user_id) for row in result]


async def lister(
    session: AsyncSession,
    user_id: int,
    *,
    lu: bool | None,
    type_notification: TypeNotification | None,
    before: int | None,
    limit: int,
) -> list[Notification]:
    """Up to `limit` of a user's notifications, newest first, before the id `before`."""
    stmt = (
        sa.select(Notification)
        .where(
            Notification.user_id == user_id,
            *equal_filters(
                (Notification.lu, lu), (Notification.type_notification, type_notification)
            ),
        )
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    return list(await session.scalars(stmt))


async def apres(session: AsyncSession, user_id: int, after: int, limit: int) -> list[Notification]:
    """A user's notifications after id `after`, oldest first (the stream's catch-up)."""
    rows = await session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user_id, Notification.id > after)
        .order_by(Notification.id)
        .limit(limit)
    )
    return list(rows)


async def dernier_id(session: AsyncSession, user_id: int) -> int:
    value = await session.scalar(
        sa.select(sa.func.max(Notification.id)).where(Notification.user_id == user_id)
    )
    return int(value or 0)


async def envois_de(session: AsyncSession, ids: list[int]) -> dict[int, list[Envoi]]:
    if not ids:
        return {}
    rows = await session.scalars(
        sa.select(Envoi).where(Envoi.notification_id.in_(ids)).order_by(Envoi.id)
    )
    found: dict[int, list[Envoi]] = {}
    for envoi in rows:
        found.setdefault(envoi.notification_id, []).append(envoi)
    return found


async def marquer_lue(session: AsyncSession, user_id: int, id_: int) -> Notification | None:
    """Mark one of the user's notifications read (the first reading time is kept)."""
    await session.execute(
        sa.update(Notification)
        .where(Notification.id == id_, Notification.user_id == user_id, ~Notification.lu)
        .values(lu=True, date_lu=sa.func.now())
    )
    return await session.scalar(
        sa.select(Notification)
        .where(Notification.id == id_, Notification.user_id == user_id)
        .execution_options(populate_existing=True)
    )


async def marquer_toutes_lues(session: AsyncSession, user_id: int) -> int:
    result = await session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, ~Notification.lu)
        .values(lu=True, date_lu=sa.func.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def non_lues(session: AsyncSession, user_id: int) -> int:
    value = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, ~Notification.lu)
    )
    return int(value or 0)


async def purger(session: AsyncSession, avant: dt.datetime, batch_size: int) -> int:
    """Delete up to `batch_size` read notifications sent before `avant`; unread are kept."""
    doomed = (
        sa.select(Notification.id)
        .where(Notification.lu, Notification.date_envoi < avant)
        .order_by(Notification.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await session.execute(sa.delete(Notification).where(Notification.id.in_(doomed)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
