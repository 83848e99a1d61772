"""Reads for other services' replicas (a replica that misses an intervention, or holds a
state older than the caller's own action, asks here once). Only a service token is
accepted (`shared.internal`); the gateway routes no `/internal` path.

The answer carries the fields the `intervention.*` events carry for replicas, plus
`as_of`, the time of the row's last change: a replica stores it as the row's version, so
the event of a later change still wins and an older one does not.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from shared.errors import not_found
from shared.internal import ServiceCallerDep
from shared.uow import PublicUowDep

from interventions.interventions.models import Intervention

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)


@router.get("/interventions/{intervention_id}")
async def get_intervention(
    intervention_id: int, caller: ServiceCallerDep, uow: PublicUowDep
) -> dict[str, Any]:
    row = await uow.session.get(Intervention, intervention_id)
    if row is None:
        raise not_found("intervention")
    data = {
        "id": row.id,
        "statut": row.statut.value,
        "technicien_id": row.technicien_id,
        "client_id": row.client_id,
    }
    return {"data": data, "as_of": row.updated_at.isoformat()}
