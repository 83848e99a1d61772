"""Writing and verifying the audit trail of interventions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shared.db import utcnow
from shared.errors import not_found
from shared.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.historique import repository
from interventions.historique.chain import GENESIS, jsonable, normalise_ip, row_hash
from interventions.historique.models import (
    ActionHistorique,
    HistoriqueEquipement,
    HistoriqueIntervention,
)


async def record(
    uow: UnitOfWork,
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
    session = uow.session
    action_value = ActionHistorique(action)
    if inserted_now:
        prev_hash = GENESIS
    else:
        # The intervention's row lock serialises the chain: two writers never read the
        # same previous hash.
        if not await repository.lock_intervention(session, intervention_id):
            raise not_found("intervention")
        prev_hash = await repository.last_hash(session, intervention_id) or GENESIS
    meta = uow.meta
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


def verify_rows(
    rows: Sequence[HistoriqueIntervention | HistoriqueEquipement],
    anchor: str | None,
    sql_hashes: dict[int, str] | None = None,
) -> Verification:
    """Recompute every hash and link; the first row links to the genesis or the purge anchor.
    Rows the database's trigger wrote (`origine` sql) are checked against `sql_hashes`, their
    hashes recomputed by the database (`sql_hashes_of`)."""
    expected_prev = anchor or GENESIS
    for row in rows:
        if row.prev_hash != expected_prev:
            return Verification(False, len(rows), row.id, "prev_hash does not match")
        if row.origine == "sql":
            if (sql_hashes or {}).get(row.id) != row.hash:
                return Verification(False, len(rows), row.id, "row content does not match its hash")
            expected_prev = row.hash
            continue
        recomputed = row_hash(
            intervention_id=getattr(row, "intervention_id", None),
            equipement_id=getattr(row, "equipement_id", None),
            user_id=row.user_id,
            action=str(row.action),
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
    uow: UnitOfWork, intervention_id: int
) -> tuple[Sequence[HistoriqueIntervention], Verification]:
    session = uow.session
    rows = await repository.list_for(session, intervention_id)
    anchor = await repository.anchor(session, intervention_id)
    return rows, verify_rows(rows, anchor, await sql_hashes_of(session, rows))


async def sql_hashes_of(
    session: AsyncSession, rows: Sequence[HistoriqueIntervention | HistoriqueEquipement]
) -> dict[int, str]:
    """The hashes of the trigger-written rows, recomputed by the database from their
    current content (the same `hash_hors_api` the trigger used)."""
    ids = [row.id for row in rows if row.origine == "sql"]
    if not ids:
        return {}
    model = type(rows[0])
    table = model.__table__.name  # type: ignore[attr-defined]
    sujet, column = (
        ("intervention", "intervention_id")
        if model is HistoriqueIntervention
        else ("equipement", "equipement_id")
    )
    result = await session.execute(
        sa.text(
            f"SELECT id, interventions.hash_hors_api('{sujet}', {column}, user_id,"
            " action::text, description, ancienne_valeur, nouvelle_valeur, horodatage,"
            f" prev_hash) FROM interventions.{table} WHERE id = ANY(:ids)"
        ),
        {"ids": ids},
    )
    return {row_id: value for row_id, value in result.all()}


ACTIONS_EQUIPEMENT = frozenset({"creation", "modification", "changement_statut", "suppression"})


async def record_equipement(
    uow: UnitOfWork,
    *,
    equipement_id: int,
    action: str,
    description: str,
    ancienne_valeur: dict[str, Any] | None,
    nouvelle_valeur: dict[str, Any] | None,
    user_id: int | None,
) -> None:
    """Append one row to an equipment's trail, chained to its previous one. The caller
    holds the equipment's row lock (or has just inserted it), which serialises the chain."""
    assert action in ACTIONS_EQUIPEMENT, action
    session = uow.session
    h = HistoriqueEquipement
    prev_hash = (
        await session.execute(
            sa.select(h.hash).where(h.equipement_id == equipement_id).order_by(h.id.desc()).limit(1)
        )
    ).scalar_one_or_none() or GENESIS
    meta = uow.meta
    ip = normalise_ip(meta.client_ip)
    before, after = jsonable(ancienne_valeur), jsonable(nouvelle_valeur)
    horodatage = utcnow()
    session.add(
        HistoriqueEquipement(
            equipement_id=equipement_id,
            user_id=user_id,
            action=action,
            description=description,
            ancienne_valeur=before,
            nouvelle_valeur=after,
            horodatage=horodatage,
            adresse_ip=ip,
            user_agent=meta.user_agent,
            prev_hash=prev_hash,
            hash=row_hash(
                equipement_id=equipement_id,
                user_id=user_id,
                action=action,
                description=description,
                ancienne_valeur=before,
                nouvelle_valeur=after,
                horodatage=horodatage,
                adresse_ip=ip,
                user_agent=meta.user_agent,
                prev_hash=prev_hash,
            ),
        )
    )
    await session.flush()


async def history_equipement(
    uow: UnitOfWork, equipement_id: int
) -> tuple[Sequence[HistoriqueEquipement], Verification]:
    session = uow.session
    h = HistoriqueEquipement
    rows = (
        await session.scalars(sa.select(h).where(h.equipement_id == equipement_id).order_by(h.id))
    ).all()
    return rows, verify_rows(rows, None, await sql_hashes_of(session, rows))
