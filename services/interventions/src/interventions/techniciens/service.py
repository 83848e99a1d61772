"""Replicas of auth's technicians and clients: event handlers and the checks built on them."""

from __future__ import annotations

from shared.errors import Problem, conflict, unprocessable
from shared.events import Event
from shared.logging import get_logger
from shared.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.techniciens import owner, repository
from interventions.techniciens.models import INDISPONIBLE, ClientReplica, TechnicienReplica
from interventions.techniciens.replica import client_values, technicien_values

log = get_logger(__name__)


async def on_technicien(uow: UnitOfWork, event: Event) -> None:
    """technicien.created|updated|deleted -> the replica (deleted = inactive, kept)."""
    data = event.data
    if not isinstance(data.get("id"), int):
        log.warning("replica.technicien_malformed", event_id=str(event.id))
        return
    deleted = event.type == "technicien.deleted"
    values = technicien_values(data, event.occurred_at, deleted=deleted)
    await repository.upsert(uow.session, TechnicienReplica, values)


async def on_client(uow: UnitOfWork, event: Event) -> None:
    """client.created|updated|deleted -> the replica (deleted = inactive, kept)."""
    data = event.data
    if not isinstance(data.get("id"), int):
        log.warning("replica.client_malformed", event_id=str(event.id))
        return
    values = client_values(data, event.occurred_at, deleted=event.type == "client.deleted")
    await repository.upsert(uow.session, ClientReplica, values)


async def technicien_affectable(session: AsyncSession, technicien_id: int) -> TechnicienReplica:
    """The technician, if it may take an intervention: 422 unknown, 409 unavailable."""
    technicien = await repository.get_technicien(session, technicien_id)
    if technicien is None:
        technicien = await owner.fetch_technicien(session, technicien_id)
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
    """422 unless `client_id` is an active client of auth (replica, else auth itself)."""
    client = await repository.get_client(session, client_id)
    if client is None:
        client = await owner.fetch_client(session, client_id)
    if client is None or not client.is_active:
        raise unprocessable(f"unknown or inactive client {client_id}", field="client_id")
