"""Factories for planning tests: equipment, interventions and slots written with SQL."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

_ids = itertools.count(1)

MakeIntervention = Callable[..., Awaitable[int]]


def unique_technicien_id() -> int:
    """Ids no other test of the run uses, so committed rows never collide."""
    return 100_000 + (uuid.uuid4().int % 800_000_000)


async def insert_intervention(
    conn: AsyncConnection,
    *,
    client_id: int = 7,
    technicien_id: int | None = None,
    statut: str = "affectee",
) -> int:
    equipement_id = (
        await conn.execute(
            sa.text(
                "INSERT INTO interventions.equipements (client_id, nom, numero_serie, statut,"
                " criticite, active, version) VALUES (:c, 'Compresseur', :ns, 'operationnel',"
                " 'normale', true, 1) RETURNING id"
            ),
            {"c": client_id, "ns": f"NS-{uuid.uuid4().hex}"},
        )
    ).scalar_one()
    return (
        await conn.execute(
            sa.text(
                "INSERT INTO interventions.interventions (equipement_id, client_id, technicien_id,"
                " type_intervention, statut, priorite, urgence, titre, version)"
                " VALUES (:e, :c, :t, 'corrective', :s, 'normale', false, 'Fuite', 1)"
                " RETURNING id"
            ),
            {"e": equipement_id, "c": client_id, "t": technicien_id, "s": statut},
        )
    ).scalar_one()


@pytest.fixture
def make_intervention(db_connection: AsyncConnection, migrate: Any) -> MakeIntervention:
    migrate("interventions")

    async def make(**kwargs: Any) -> int:
        return await insert_intervention(db_connection, **kwargs)

    return make


def at(hours: float) -> dt.datetime:
    """A time `hours` from now, to the second, in UTC."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).replace(microsecond=0)


def slot(debut_h: float, fin_h: float, **extra: Any) -> dict[str, Any]:
    return {"date_debut": at(debut_h).isoformat(), "date_fin": at(fin_h).isoformat(), **extra}
