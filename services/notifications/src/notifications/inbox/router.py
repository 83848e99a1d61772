"""HTTP endpoints of the inbox: one's own notifications, read marks, the unread count."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from shared.errors import not_found
from shared.pagination import ID_CURSOR, CursorQuery, LimitQuery, Page, paginate
from shared.uow import UowDep

from notifications.inbox import repository
from notifications.inbox.models import TypeNotification
from notifications.inbox.schemas import Lues, NonLues, NotificationRead

router = APIRouter(tags=["notifications"])
IdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/notifications", response_model=Page[NotificationRead])
async def list_notifications(
    uow: UowDep,
    lu: bool | None = None,
    type_notification: TypeNotification | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[Any]:
    """One's own notifications, newest first; filters `lu`, `type_notification`."""
    assert uow.user is not None
    user_id = uow.user.id

    async def fetch(before: tuple[int, ...] | None, n: int) -> list[NotificationRead]:
        rows = await repository.lister(
            uow.session,
            user_id,
            lu=lu,
            type_notification=type_notification,
            before=before[0] if before else None,
            limit=n,
        )
        envois = await repository.envois_de(uow.session, [r.id for r in rows])
        return [NotificationRead.of(r, envois.get(r.id)) for r in rows]

    return await paginate(fetch, cursor=cursor, limit=limit, codec=ID_CURSOR, key=lambda n: [n.id])


@router.get("/notifications/non-lues", response_model=NonLues)
async def unread_count(uow: UowDep) -> NonLues:
    """How many of one's notifications are unread."""
    assert uow.user is not None
    return NonLues(non_lues=await repository.non_lues(uow.session, uow.user.id))


@router.post("/notifications/lecture", response_model=Lues)
async def mark_all_read(uow: UowDep) -> Lues:
    """Mark all one's notifications read."""
    assert uow.user is not None
    return Lues(marquees=await repository.marquer_toutes_lues(uow.session, uow.user.id))


@router.post("/notifications/{notification_id}/lecture", response_model=NotificationRead)
async def mark_read(notification_id: IdPath, uow: UowDep) -> NotificationRead:
    """Mark one of one's notifications read (404 for anyone else's)."""
    assert uow.user is not None
    row = await repository.marquer_lue(uow.session, uow.user.id, notification_id)
    if row is None:
        raise not_found(f"notification {notification_id}")
    envois = await repository.envois_de(uow.session, [row.id])
    return NotificationRead.of(row, envois.get(row.id))
