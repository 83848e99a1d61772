"""Contracts: creation and changes (one active contract per client and type over a
period), the daily expiry, the quota count from closed interventions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from shared.errors import conflict, not_found
from shared.security import CurrentUser, Role
from shared.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from billing.common import check_readable, client_connu
from billing.contrats.schemas import ContratCreate, ContratRead, ContratUpdate
from billing.models import Contrat, StatutContrat, TypeContrat

# when a client holds several active contracts, the broadest covers an intervention
_PREFERENCE = {TypeContrat.full_service: 0, TypeContrat.maintenance: 1, TypeContrat.support: 2}


def snapshot(contrat: Contrat) -> dict[str, Any]:
    return ContratRead.model_validate(contrat).model_dump(mode="json")


def _jsonable(body: ContratCreate | ContratUpdate) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=isinstance(body, ContratUpdate))
    if values.get("sla") is not None:
        values["sla"] = {k: {kk: str(vv) for kk, vv in v.items()} for k, v in values["sla"].items()}
    return values


async def _check_overlap(session: AsyncSession, contrat: Contrat) -> None:
    """409 when another active contract of the client and type overlaps `contrat`'s
    period. Serialised per client by a transaction-level advisory lock."""
    if contrat.statut != StatutContrat.actif:
        return
    await session.execute(
        sa.select(
            sa.func.pg_advisory_xact_lock(sa.func.hashtext("billing.contrats"), contrat.client_id)
        )
    )
    other = await session.scalar(
        sa.select(Contrat.numero_contrat).where(
            Contrat.client_id == contrat.client_id,
            Contrat.type_contrat == contrat.type_contrat,
            Contrat.statut == StatutContrat.actif,
            Contrat.id != (contrat.id or 0),
            Contrat.date_debut <= contrat.date_fin,
            Contrat.date_fin >= contrat.date_debut,
        )
    )
    if other is not None:
        raise conflict(
            f"client {contrat.client_id} already has an active {contrat.type_contrat.value} "
            f"contract over this period ({other})",
            numero_contrat=other,
        )


async def create(uow: UnitOfWork, body: ContratCreate) -> dict[str, Any]:
    await client_connu(uow.session, body.client_id)
    contrat = Contrat(**_jsonable(body), statut=StatutContrat.actif, nb_interventions_utilisees=0)
    await _check_overlap(uow.session, contrat)
    if await uow.session.scalar(
        sa.select(Contrat.id).where(Contrat.numero_contrat == body.numero_contrat)
    ):
        raise conflict(f"numero_contrat {body.numero_contrat} already exists")
    uow.session.add(contrat)
    await uow.session.flush()
    await uow.session.refresh(contrat)
    data = snapshot(contrat)
    uow.emit("contrat.created", contrat.id, data)
    return data


async def get_readable(session: AsyncSession, user: CurrentUser, contrat_id: int) -> Contrat:
    contrat = await session.get(Contrat, contrat_id)
    if contrat is None:
        raise not_found("contract")
    check_readable(user, contrat.client_id, "contract")
    return contrat


async def update(uow: UnitOfWork, contrat_id: int, body: ContratUpdate) -> dict[str, Any]:
    contrat = await uow.session.get(Contrat, contrat_id, with_for_update=True)
    if contrat is None:
        raise not_found("contract")
    values = _jsonable(body)
    if contrat.statut == StatutContrat.resilie:
        raise conflict("a terminated contract cannot change")
    if values.get("statut") == StatutContrat.expire and contrat.statut != StatutContrat.expire:
        raise conflict("a contract expires by itself after date_fin")
    for key, value in values.items():
        if value is None and key not in ("conditions", "sla_details", "taux_horaire"):
            continue
        setattr(contrat, key, value)
    if contrat.date_fin < contrat.date_debut:
        raise conflict("date_fin is before date_debut")
    await _check_overlap(uow.session, contrat)
    await uow.session.flush()
    await uow.session.refresh(contrat)
    data = snapshot(contrat)
    uow.emit("contrat.updated", contrat.id, data)
    return data


async def list_for_user(
    session: AsyncSession,
    user: CurrentUser,
    client_id: int | None,
    statut: StatutContrat | None,
    after_id: int | None,
    limit: int,
) -> list[Contrat]:
    query = sa.select(Contrat).order_by(Contrat.id).limit(limit)
    if user.role == Role.client:
        query = query.where(Contrat.client_id == (user.client_id or -1))
    elif client_id is not None:
        query = query.where(Contrat.client_id == client_id)
    if statut is not None:
        query = query.where(Contrat.statut == statut)
    if after_id is not None:
        query = query.where(Contrat.id > after_id)
    return list(await session.scalars(query))


async def covering(
    session: AsyncSession, client_id: int, day: dt.date, *, lock: bool = False
) -> Contrat | None:
    """The client's active contract covering `day` (the broadest type first)."""
    query = sa.select(Contrat).where(
        Contrat.client_id == client_id,
        Contrat.statut == StatutContrat.actif,
        Contrat.date_debut <= day,
        Contrat.date_fin >= day,
    )
    if lock:
        query = query.with_for_update()
    rows = list(await session.scalars(query))
    rows.sort(key=lambda c: (_PREFERENCE[c.type_contrat], c.id))
    return rows[0] if rows else None


async def count_closed(uow: UnitOfWork, contrat: Contrat) -> bool:
    """One more closed intervention on a locked contract; True when within the quota.
    Emits `contrat.quota_80` when the count reaches 80 % and `contrat.quota_atteint`
    when it reaches the quota."""
    before = contrat.nb_interventions_utilisees
    contrat.nb_interventions_utilisees = before + 1
    incluses = contrat.nb_interventions_incluses
    await uow.session.flush()
    await uow.session.refresh(contrat)
    if incluses > 0:
        after = before + 1
        if before * 5 < incluses * 4 <= after * 5:
            uow.emit("contrat.quota_80", contrat.id, snapshot(contrat))
        if after == incluses:
            uow.emit("contrat.quota_atteint", contrat.id, snapshot(contrat))
    return before < incluses


async def expire_due(uow: UnitOfWork, today: dt.date, batch: int) -> int:
    """Active contracts past `date_fin` -> `expire` (a batch; returns how many)."""
    rows = list(
        await uow.session.scalars(
            sa.select(Contrat)
            .where(Contrat.statut == StatutContrat.actif, Contrat.date_fin < today)
            .order_by(Contrat.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    for contrat in rows:
        contrat.statut = StatutContrat.expire
    await uow.session.flush()
    for contrat in rows:
        await uow.session.refresh(contrat)
        uow.emit("contrat.expire", contrat.id, snapshot(contrat))
    return len(rows)
