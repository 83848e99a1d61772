"""Replicas of auth's technicians and clients: event handlers and the checks built on them."""

from __future__ import annotations

from typing import Any

from shared.errors import Problem, conflict, unprocessable
from shared.events import Event
from shared.logging import get_logger
from shared.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.techniciens import repository
from interventions.techniciens.models import (
    INDISPONIBLE,
    ClientReplica,
    Disponibilite,
    TechnicienReplica,
)

log = get_logger(__name__)


def _disponibilite(value: Any) -> Disponibilite:
    try:
        return Disponibilite(value)
    except ValueError:
        # an unknown value must not make a technician look available
        return Disponibilite.indisponible


async def on_technicien(uow: UnitOfWork, event: Event) -> None:
    """technicien.created|updated|deleted -> the replica (deleted = inactive, kept)."""
    data = event.data
    if not isinstance(data.get("id"), int):
        log.warning("replica.technicien_malformed", event_id=str(event.id))
        return
    values = {
        "id": data["id"],
        "user_id": data.get("user_id"),
        "username": data.get("username"),
        "full_name": data.get("full_name"),
        "email": data.get("email"),
        "disponibilite": _disponibilite(data.get("disponibilite", "disponible")),
        "specialite": data.get("specialite"),
        "equipe": data.get("equipe"),
        "zone_geographique": data.get("zone_geographique"),
        "is_active": bool(data.get("is_active", True)) and event.type != "technicien.deleted",
        "updated_at": event.occurred_at,
    }
    await repository.upsert(uow.session, TechnicienReplica, values)


async def on_client(uow: UnitOfWork, event: Event) -> None:
    """client.created|updated|deleted -> the replica (deleted = inactive, kept)."""
    data = event.data
    if not isinstance(data.get("id"), int):
        log.warning("replica.client_malformed", event_id=str(event.id))
        return
    values = {
        "id": data["id"],
        "user_id": data.get("user_id"),
        "username": data.get("username"),
        "nom_entreprise": data.get("nom_entreprise"),
        "is_active": bool(data.get("is_active", True)) and event.type != "client.deleted",
        "updated_at": event.occurred_at,
    }
    await repository.upsert(uow.session, ClientReplica, values)


async def technicien_affectable(session: AsyncSession, technicien_id: int) -> TechnicienReplica:
    """The technician, if it may take an intervention: 422 unknown, 409 unavailable."""
    technicien = await repository.get_technicien(session, technicien_id)
    if technicien is None:
        raise Problem(
            422,
            f"unknown technician {technicien_id}",
            errors=[{"field": "technicien_id", "message": "unknown technician"}],
        )
    if not technicien.is_active:
        raise conflict(f"technician {technicien_id} is no longer active")
    if technicien.disponibilite in INDISPONIBLE:
        raise conflict(
            f"technician {technicien_id} is {technicien.disponibilite.value}",
            disponibilite=technicien.disponibilite.value,
        )
    return technicien


async def client_connu(session: AsyncSession, client_id: int) -> None:
    """422 unless `client_id` is an active client known from auth's events."""
    client = await repository.get_client(session, client_id)
    if client is None or not client.is_active:
        raise unprocessable(f"unknown or inactive client {client_id}", field="client_id")
