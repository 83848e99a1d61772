"""HTTP endpoints of the historique feature: the audit trail of one intervention."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from shared.security import CurrentUserDep
from shared.types import PathId
from shared.uow import UowDep

from interventions.historique import service
from interventions.historique.schemas import HistoriquePage, HistoriqueRead, VerificationRead
from interventions.interventions.service import get_for_user

router = APIRouter(tags=["historique"])


@router.get("/interventions/{intervention_id}/historique", response_model=HistoriquePage)
async def historique(
    intervention_id: PathId,
    uow: UowDep,
    user: CurrentUserDep,
    verifier: Annotated[
        bool, Query(description="recompute the hash chain and report whether it holds")
    ] = False,
) -> HistoriquePage:
    """The trail, oldest first (one intervention's trail is one page)."""
    await get_for_user(uow, user, intervention_id)
    rows, verification = await service.history(uow, intervention_id)
    items = [HistoriqueRead.model_validate(r) for r in rows]
    if not user.is_staff:
        # who did it is shown, but not from where: IP and user agent stay with the staff
        items = [i.model_copy(update={"adresse_ip": None, "user_agent": None}) for i in items]
    return HistoriquePage(
        items=items,
        verification=VerificationRead(**asdict(verification)) if verifier else None,
    )
