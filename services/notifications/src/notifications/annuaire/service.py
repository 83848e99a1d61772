"""Event handlers feeding the directory (`user.*`, `technicien.*`, `client.*`,
`equipement.*`, and the names and links carried by `intervention.*`)."""

from __future__ import annotations

from typing import Any

from shared.events import Event
from shared.logging import get_logger
from shared.uow import UnitOfWork

from notifications.annuaire import repository
from notifications.annuaire.models import (
    ClientReplica,
    EquipementReplica,
    InterventionReplica,
    TechnicienReplica,
    UtilisateurReplica,
)

log = get_logger(__name__)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _active(event: Event, gone: str) -> bool:
    return bool(event.data.get("is_active", True)) and not event.type.endswith(gone)


async def on_user(uow: UnitOfWork, event: Event) -> None:
    """user.created|updated|deactivated -> the directory (deactivated = inactive, kept)."""
    data = event.data
    if _int(data.get("id")) is None or not isinstance(data.get("role"), str):
        log.warning("annuaire.user_malformed", event_id=str(event.id))
        return
    await repository.upsert(
        uow.session,
        UtilisateurReplica,
        {
            "id": data["id"],
            "username": data.get("username"),
            "email": data.get("email") or None,
            "full_name": data.get("full_name"),
            "role": data["role"],
            "is_active": _active(event, ".deactivated"),
            "technicien_id": _int(data.get("technicien_id")),
            "client_id": _int(data.get("client_id")),
            "updated_at": event.occurred_at,
        },
    )


async def on_technicien(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    if _int(data.get("id")) is None:
        log.warning("annuaire.technicien_malformed", event_id=str(event.id))
        return
    await repository.upsert(
        uow.session,
        TechnicienReplica,
        {
            "id": data["id"],
            "user_id": _int(data.get("user_id")),
            "full_name": data.get("full_name"),
            "is_active": _active(event, ".deleted"),
            "updated_at": event.occurred_at,
        },
    )


async def on_client(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    if _int(data.get("id")) is None:
        log.warning("annuaire.client_malformed", event_id=str(event.id))
        return
    await repository.upsert(
        uow.session,
        ClientReplica,
        {
            "id": data["id"],
            "user_id": _int(data.get("user_id")),
            "nom_entreprise": data.get("nom_entreprise"),
            "full_name": data.get("full_name"),
            "is_active": _active(event, ".deleted"),
            "updated_at": event.occurred_at,
        },
    )


async def on_equipement(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    if _int(data.get("id")) is None:
        return
    await repository.upsert(
        uow.session,
        EquipementReplica,
        {
            "id": data["id"],
            "client_id": _int(data.get("client_id")),
            "nom": data.get("nom"),
            "numero_serie": data.get("numero_serie"),
            "updated_at": event.occurred_at,
        },
    )


async def remember_intervention(uow: UnitOfWork, event: Event) -> None:
    """Keep the title, equipment, client and technician of an intervention, so planning
    and SLA events (which carry only its id) can name them."""
    data = event.data
    if _int(data.get("id")) is None:
        return
    await repository.upsert(
        uow.session,
        InterventionReplica,
        {
            "id": data["id"],
            "titre": data.get("titre"),
            "equipement_id": _int(data.get("equipement_id")),
            "client_id": _int(data.get("client_id")),
            "technicien_id": _int(data.get("technicien_id")),
            "statut": data.get("statut"),
            "updated_at": event.occurred_at,
        },
    )
