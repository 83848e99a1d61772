"""From an event to its notifications: the rules applied, each recipient told once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.db import Database
from shared.events import Event
from shared.uow import UnitOfWork, unit_of_work
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.annuaire import repository as annuaire
from notifications.annuaire.service import remember_intervention
from notifications.database import SCHEMA
from notifications.email import service as email
from notifications.inbox import repository
from notifications.inbox.contexte import Contexte, contexte
from notifications.inbox.rules import PAR_EVENT, Qui, Regle
from notifications.preferences import repository as preferences


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def destinataires(session: AsyncSession, qui: Qui, event: Event, ctx: Contexte) -> list[int]:
    """The user ids one recipient kind of a rule names for this event."""
    data = event.data
    if qui is Qui.responsables:
        return await annuaire.responsables(session)
    if qui is Qui.technicien:
        direct = _int(data.get("technicien_user_id"))
        if direct is not None and await annuaire.active_users(session, [direct]):
            return [direct]
        user = await annuaire.user_of_technicien(session, _int(ctx["technicien_id"]))
        return [user] if user is not None else []
    if qui is Qui.client:
        user = await annuaire.user_of_client(session, _int(ctx["client_id"]))
        return [user] if user is not None else []
    if qui is Qui.auteur:
        author = _int(data.get("created_by"))
        return await annuaire.active_users(session, [author] if author is not None else [])
    listed = data.get("destinataires")
    ids = [u for u in listed if _int(u) is not None] if isinstance(listed, list) else []
    return await annuaire.active_users(session, ids)


def render(regle: Regle, ctx: Contexte) -> tuple[str, str, str]:
    return (
        regle.titre.format_map(ctx)[:255],
        regle.message.format_map(ctx),
        regle.lien.format_map(ctx),
    )


async def notifier(uow: UnitOfWork, event: Event) -> None:
    """The handler of every event someone must be told of (see `inbox.rules`)."""
    if event.type.startswith("intervention."):
        await remember_intervention(uow, event)
    regles = PAR_EVENT.get(event.type)
    if not regles:
        return
    session = uow.session
    ctx = await contexte(session, event)
    told: set[int] = set()
    rows: list[dict[str, Any]] = []
    for regle in regles:
        for qui in regle.qui:
            users = [u for u in await destinataires(session, qui, event, ctx) if u not in told]
            if regle.suivi and qui is Qui.client:
                muted = await preferences.suivi_coupe(session, users)
                users = [u for u in users if u not in muted]
            if not users:
                continue
            titre, message, lien = render(regle, ctx)
            for user_id in users:
                told.add(user_id)
                rows.append(
                    {
                        "user_id": user_id,
                        "titre": titre,
                        "message": message,
                        "type_notification": regle.type_notification,
                        "intervention_id": _int(ctx["intervention_id"]),
                        "metadata": {
                            "lien": lien,
                            "event_type": event.type,
                            "event_id": str(event.id),
                            "aggregate_id": event.aggregate_id,
                        },
                        "event_id": event.id,
                    }
                )
    if not rows:
        return
    created = await repository.inserer(session, rows)
    types = {row["user_id"]: row["type_notification"] for row in rows}
    await email.planifier(uow, [(nid, uid, types[uid].value) for nid, uid in created])


async def purger(db: Database, *, retention_days: int, batch_size: int) -> int:
    """The seed's policy: read notifications older than the retention period deleted,
    one batch per transaction (short locks), unread ones kept."""
    avant = dt.datetime.now(dt.UTC) - dt.timedelta(days=retention_days)
    total = 0
    while True:
        async with unit_of_work(db, schema=SCHEMA) as uow:
            deleted = await repository.purger(uow.session, avant, batch_size)
        total += deleted
        if deleted < batch_size:
            return total
