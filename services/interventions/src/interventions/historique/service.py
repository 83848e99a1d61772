"""Writing and verifying the audit trail of interventions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.context import request_meta
from shared.db import utcnow
from shared.errors import not_found
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.historique import repository
from interventions.historique.chain import GENESIS, jsonable, normalise_ip, row_hash
from interventions.historique.models import ActionHistorique, HistoriqueIntervention


async def record(
    session: AsyncSession,
    *,
    intervention_id: int,
    action: str,
    description: str,
    ancienne_valeur: dict[str, Any] | None,
    nouvelle_valeur: dict[str, Any] | None,
    user_id: int | None,
    inserted_now: bool = False,
) -> None:
    """Append one audit row in the caller's transaction, chained to the previous one.

    `inserted_now`: the caller's transaction has just inserted the intervention. Its chain
    is then empty (its id is new: no audit row nor purge anchor can name it) and no other
    transaction can see the row to write to it, so there is nothing to lock or look up."""
    action_value = ActionHistorique(action)
    if inserted_now:
        prev_hash = GENESIS
    else:
        # The intervention's row lock serialises the chain: two writers never read the
        # same previous hash.
        if not await repository.lock_intervention(session, intervention_id):
            raise not_found("intervention")
        prev_hash = await repository.last_hash(session, intervention_id) or GENESIS
    meta = request_meta()
    ip = normalise_ip(meta.client_ip)
    before, after = jsonable(ancienne_valeur), jsonable(nouvelle_valeur)
    horodatage = utcnow()
    await repository.insert(
        session,
        {
            "intervention_id": intervention_id,
            "user_id": user_id,
            "action": action_value,
            "description": description,
            "ancienne_valeur": before,
            "nouvelle_valeur": after,
            "horodatage": horodatage,
            "adresse_ip": ip,
            "user_agent": meta.user_agent,
            "prev_hash": prev_hash,
            "hash": row_hash(
                intervention_id=intervention_id,
                user_id=user_id,
                action=action_value.value,
                description=description,
                ancienne_valeur=before,
                nouvelle_valeur=after,
                horodatage=horodatage,
                adresse_ip=ip,
                user_agent=meta.user_agent,
                prev_hash=prev_hash,
            ),
        },
    )


@dataclass(frozen=True, slots=True)
class Verification:
    intact: bool
    rows: int
    first_broken_id: int | None = None
    reason: str | None = None


def verify_rows(rows: Sequence[HistoriqueIntervention], anchor: str | None) -> Verification:
    """Recompute every hash and link; the first row links to the genesis or the purge anchor."""
    expected_prev = anchor or GENESIS
    for row in rows:
        if row.prev_hash != expected_prev:
            return Verification(False, len(rows), row.id, "prev_hash does not match")
        recomputed = row_hash(
            intervention_id=row.intervention_id,
            user_id=row.user_id,
            action=row.action.value,
            description=row.description,
            ancienne_valeur=row.ancienne_valeur,
            nouvelle_valeur=row.nouvelle_valeur,
            horodatage=row.horodatage,
            adresse_ip=str(row.adresse_ip) if row.adresse_ip is not None else None,
            user_agent=row.user_agent,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            return Verification(False, len(rows), row.id, "row content does not match its hash")
        expected_prev = row.hash
    return Verification(True, len(rows))


async def history(
    session: AsyncSession, intervention_id: int
) -> tuple[Sequence[HistoriqueIntervention], Verification]:
    rows = await repository.list_for(session, intervention_id)
    anchor = await repository.anchor(session, intervention_id)
    return rows, verify_rows(rows, anchor)
