"""Replicas of the interventions (state, technician, client) and of the technicians (their
vans), fed by `intervention.*` and `technicien.*`, and who may touch an intervention's parts.

Each event is applied once (the consumer's inbox); an older event redelivered after a newer
one never overwrites it (`updated_at` holds the `occurred_at` of the last one applied)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from shared.errors import Problem, forbidden, not_found
from shared.events import Event
from shared.internal import InternalClient
from shared.logging import get_logger
from shared.security import Role
from shared.uow import UnitOfWork

from inventory.database import SCHEMA

log = get_logger(__name__)

# states change often: every answer is asked afresh (no cache)
interventions = InternalClient("interventions", caller="inventory", ttl=0, miss_ttl=0)

FERMEES = ("cloturee", "annulee", "archivee")

_UPSERT_INTERVENTION = sa.text(
    f"""
    INSERT INTO {SCHEMA}.interventions_replica (id, statut, technicien_id, client_id, updated_at)
    VALUES (:id, :statut, :technicien_id, :client_id, :updated_at)
    ON CONFLICT (id) DO UPDATE SET
        statut = EXCLUDED.statut, technicien_id = EXCLUDED.technicien_id,
        client_id = EXCLUDED.client_id, updated_at = EXCLUDED.updated_at
    WHERE {SCHEMA}.interventions_replica.updated_at <= EXCLUDED.updated_at
    """
)
_UPSERT_TECHNICIEN = sa.text(
    f"""
    INSERT INTO {SCHEMA}.techniciens_replica
        (id, user_id, username, full_name, is_active, updated_at)
    VALUES (:id, :user_id, :username, :full_name, :is_active, :updated_at)
    ON CONFLICT (id) DO UPDATE SET
        user_id = EXCLUDED.user_id, username = EXCLUDED.username,
        full_name = EXCLUDED.full_name, is_active = EXCLUDED.is_active,
        updated_at = EXCLUDED.updated_at
    WHERE {SCHEMA}.techniciens_replica.updated_at <= EXCLUDED.updated_at
    """
)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def on_intervention(uow: UnitOfWork, event: Event) -> None:
    """intervention.* -> the replica; `cloturee`/`annulee` (or any closed state) release
    what the intervention still reserves (a second delivery finds nothing left to release)."""
    from inventory.consommation import service as consommation

    data = event.data
    iid, statut = _int_or_none(data.get("id")), data.get("statut")
    if iid is None or not isinstance(statut, str):
        log.warning("replica.intervention_malformed", event_id=str(event.id), type=event.type)
        return
    await uow.session.execute(
        _UPSERT_INTERVENTION,
        {
            "id": iid,
            "statut": statut[:20],
            "technicien_id": _int_or_none(data.get("technicien_id")),
            "client_id": _int_or_none(data.get("client_id")),
            "updated_at": event.occurred_at,
        },
    )
    if event.type in ("intervention.cloturee", "intervention.annulee") or statut in FERMEES:
        await consommation.liberer_reservations(uow, iid)


async def on_technicien(uow: UnitOfWork, event: Event) -> None:
    """technicien.created|updated|deleted -> the replica (deleted = inactive, kept)."""
    data = event.data
    tid = _int_or_none(data.get("id"))
    if tid is None:
        log.warning("replica.technicien_malformed", event_id=str(event.id))
        return
    await uow.session.execute(
        _UPSERT_TECHNICIEN,
        {
            "id": tid,
            "user_id": _int_or_none(data.get("user_id")),
            "username": data.get("username"),
            "full_name": data.get("full_name"),
            "is_active": bool(data.get("is_active", True)) and event.type != "technicien.deleted",
            "updated_at": event.occurred_at,
        },
    )


_INTERVENTION = sa.text(
    f"SELECT id, statut, technicien_id, client_id FROM {SCHEMA}.interventions_replica "
    "WHERE id = :id"
)


async def intervention(
    uow: UnitOfWork, intervention_id: int, expected: Collection[str] | None = None
) -> sa.RowMapping:
    """The intervention as this service knows it, if the caller may touch its parts:
    a client never (403); a technician only its assigned ones (404 otherwise, as if it
    did not exist); 404 when the intervention does not exist.

    Read your own writes: when the replica misses the intervention, or holds a state
    outside `expected` (the technician started a moment ago and the event is still on
    its way), the interventions service is asked once and the replica row refreshed."""
    user = uow.user
    if user is None or user.role == Role.client:
        raise forbidden()
    row = (await uow.session.execute(_INTERVENTION, {"id": intervention_id})).mappings().first()
    if row is None or (expected is not None and row["statut"] not in expected):
        row = await _from_owner(uow, intervention_id) or row
    if row is None:
        raise Problem(
            404,
            f"intervention {intervention_id} not found (or not yet known to the inventory "
            "service: retry in a moment)",
        )
    if user.role == Role.technicien and (
        user.technicien_id is None or row["technicien_id"] != user.technicien_id
    ):
        raise not_found("intervention")
    return row


async def _from_owner(uow: UnitOfWork, intervention_id: int) -> sa.RowMapping | None:
    answer = await interventions.get_json(f"/api/v1/internal/interventions/{intervention_id}")
    if answer is None:
        return None
    data = answer["data"]
    await uow.session.execute(
        _UPSERT_INTERVENTION,
        {
            "id": data["id"],
            "statut": data["statut"],
            "technicien_id": data["technicien_id"],
            "client_id": data["client_id"],
            "updated_at": dt.datetime.fromisoformat(answer["as_of"]),
        },
    )
    return (await uow.session.execute(_INTERVENTION, {"id": intervention_id})).mappings().first()


async def technicien_connu(uow: UnitOfWork, technicien_id: int) -> None:
    """422 unless `technicien_id` is an active technician (its van can hold stock)."""
    found = (
        await uow.session.execute(
            sa.text(f"SELECT is_active FROM {SCHEMA}.techniciens_replica WHERE id = :id"),
            {"id": technicien_id},
        )
    ).scalar_one_or_none()
    if not found:
        raise Problem(
            422,
            f"unknown or inactive technician {technicien_id}",
            errors=[{"field": "emplacement", "message": "no such technician's van"}],
        )
