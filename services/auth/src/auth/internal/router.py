"""Reads for other services' replicas (a replica that misses an id asks here once). Only
a service token is accepted (`shared.internal`); the gateway routes no `/internal` path.

Each answer is the `data` of the matching event (`client.updated`, `technicien.updated`)
plus `as_of`, the time of the row's last change: a replica stores it as the version of
the row, so an event of a later change still wins and an older one does not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from shared.errors import not_found
from shared.internal import ServiceCallerDep
from shared.uow import PublicUowDep

from auth.clients.repository import Clients
from auth.clients.schemas import ClientEventData
from auth.techniciens.repository import Techniciens
from auth.techniciens.schemas import TechnicienEventData

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)


def _as_of(*stamps: dt.datetime | None) -> str:
    return max(stamp for stamp in stamps if stamp is not None).isoformat()


@router.get("/clients/{client_id}")
async def get_client(client_id: int, caller: ServiceCallerDep, uow: PublicUowDep) -> dict[str, Any]:
    client = await Clients(uow).get(client_id)
    if client is None:
        raise not_found("client")
    data = ClientEventData.of(client, client.user).model_dump(mode="json")
    return {"data": data, "as_of": _as_of(client.updated_at, client.user.updated_at)}


@router.get("/techniciens/{technicien_id}")
async def get_technicien(
    technicien_id: int, caller: ServiceCallerDep, uow: PublicUowDep
) -> dict[str, Any]:
    technicien = await Techniciens(uow).get(technicien_id)
    if technicien is None:
        raise not_found("technicien")
    data = TechnicienEventData.of(technicien, technicien.user).model_dump(mode="json")
    return {"data": data, "as_of": _as_of(technicien.updated_at, technicien.user.updated_at)}
