"""Read your own writes across services: a client or technician created in auth a moment
ago may not have reached the replica yet (relay or worker late or stopped). The replica
then asks auth once (`shared.internal`: service token, 3 s timeout, cached) and keeps
the answer, versioned by auth's `as_of`, so a later event still wins."""

from __future__ import annotations

import datetime as dt

from shared.internal import InternalClient
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.techniciens import repository
from interventions.techniciens.models import ClientReplica, TechnicienReplica
from interventions.techniciens.replica import client_values, technicien_values

auth = InternalClient("auth", caller="interventions")


async def fetch_client(session: AsyncSession, client_id: int) -> ClientReplica | None:
    """The client from auth, stored in the replica; None if auth does not know it."""
    answer = await auth.get_json(f"/api/v1/internal/clients/{client_id}")
    if answer is None:
        return None
    as_of = dt.datetime.fromisoformat(answer["as_of"])
    await repository.upsert(session, ClientReplica, client_values(answer["data"], as_of))
    return await repository.get_client(session, client_id, refresh=True)


async def fetch_technicien(session: AsyncSession, technicien_id: int) -> TechnicienReplica | None:
    """The technician from auth, stored in the replica; None if auth does not know it."""
    answer = await auth.get_json(f"/api/v1/internal/techniciens/{technicien_id}")
    if answer is None:
        return None
    as_of = dt.datetime.fromisoformat(answer["as_of"])
    await repository.upsert(session, TechnicienReplica, technicien_values(answer["data"], as_of))
    return await repository.get_technicien(session, technicien_id, refresh=True)
