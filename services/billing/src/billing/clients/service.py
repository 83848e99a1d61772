"""The replica of auth's clients (name, ICE, billing address), fed by `client.*`."""

from __future__ import annotations

from shared.events import Event
from shared.logging import get_logger
from shared.uow import UnitOfWork
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.common import valid_ice
from billing.models import ClientReplica

log = get_logger(__name__)


async def on_client(uow: UnitOfWork, event: Event) -> None:
    """client.created|updated|deleted -> the replica; never an older event over a newer."""
    data = event.data
    if not isinstance(data.get("id"), int):
        log.warning("replica.client_malformed", event_id=str(event.id))
        return
    adresse = data.get("adresse_facturation")
    values = {
        "id": data["id"],
        "user_id": data.get("user_id") if isinstance(data.get("user_id"), int) else None,
        "nom_entreprise": _text(data.get("nom_entreprise"), 255),
        "full_name": _text(data.get("full_name"), 255),
        "email": _text(data.get("email"), 255),
        "ice": valid_ice(data.get("ice")),
        "adresse_facturation": _text(adresse, 2000),
        "is_active": bool(data.get("is_active", True)) and event.type != "client.deleted",
        "updated_at": event.occurred_at,
    }
    table = ClientReplica.__table__
    stmt = pg_insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={k: stmt.excluded[k] for k in values if k != "id"},
        where=table.c.updated_at <= stmt.excluded.updated_at,
    )
    await uow.session.execute(stmt)


def _text(value: object, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value.strip() else None


async def get(session: AsyncSession, client_id: int) -> ClientReplica | None:
    return await session.get(ClientReplica, client_id)
