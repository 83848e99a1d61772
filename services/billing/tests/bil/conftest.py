"""Fixtures of the billing tests: the app on a rolled-back transaction, roles, events."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from billing.events import HANDLERS
from billing.main import create_app
from shared.events import Event
from shared.events.consumer import apply_event

_ids = itertools.count(1_000)


def next_id() -> int:
    """Ids unique within the run, so tests sharing committed data never collide."""
    return next(_ids) * 7 + dt.datetime.now().microsecond % 7


@dataclass
class SavepointDatabase:
    sessionmaker: Any


@dataclass
class World:
    http: httpx.AsyncClient
    tokens: Any
    session_factory: Any
    client_id: int
    other_client_id: int

    def h(self, who: str) -> dict[str, str]:
        t = self.tokens
        if who == "admin":
            return t.headers("admin", 1)
        if who == "responsable":
            return t.headers("responsable", 2)
        if who == "technicien":
            return t.headers("technicien", 3, technicien_id=9)
        if who == "client":
            return t.headers("client", 5, client_id=self.client_id)
        if who == "autre_client":
            return t.headers("client", 6, client_id=self.other_client_id)
        raise ValueError(who)

    async def contrat(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "client_id": self.client_id,
            "numero_contrat": f"CT-{next_id()}",
            "type_contrat": "maintenance",
            "date_debut": "2026-01-01",
            "date_fin": "2026-12-31",
            "montant": "120000.00",
            "nb_interventions_incluses": 5,
        }
        body.update(overrides)
        r = await self.http.post("/api/v1/contrats", json=body, headers=self.h("admin"))
        assert r.status_code == 201, r.text
        return r.json()

    async def facture(self, lignes: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
        body = {"client_id": self.client_id, "lignes": lignes, **overrides}
        r = await self.http.post("/api/v1/factures", json=body, headers=self.h("admin"))
        assert r.status_code == 201, r.text
        return r.json()

    async def apply(self, type_: str, data: dict[str, Any], **kw: Any) -> bool:
        event = Event(
            type=type_,
            producer=kw.pop("producer", "interventions"),
            aggregate_id=str(data.get("id")),
            data=data,
            **kw,
        )
        return await self.deliver(event)

    async def deliver(self, event: Event) -> bool:
        db = SavepointDatabase(self.session_factory)
        return await apply_event(db, "billing", HANDLERS, event)  # type: ignore[arg-type]

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.session_factory() as session:
            return list((await session.execute(sa.text(sql), params)).all())

    async def outbox(self, type_: str, **match: Any) -> list[dict[str, Any]]:
        rows = await self.rows(
            "SELECT payload FROM billing.outbox WHERE type = :t ORDER BY seq", t=type_
        )
        found = [r[0]["data"] for r in rows]
        return [d for d in found if all(d.get(k) == v for k, v in match.items())]


async def seed_client(session_factory: Any, client_id: int, **extra: Any) -> None:
    values = {
        "id": client_id,
        "nom_entreprise": f"Société Cliente {client_id} SARL",
        "ice": "001234567000089",
        "adresse_facturation": "12, boulevard Zerktouni\n20000 Casablanca",
        "is_active": True,
        "updated_at": dt.datetime.now(dt.UTC),
        **extra,
    }
    async with session_factory() as session, session.begin():
        await session.execute(
            sa.text(
                "INSERT INTO billing.clients_replica "
                "(id, nom_entreprise, ice, adresse_facturation, is_active, updated_at) "
                "VALUES (:id, :nom_entreprise, :ice, :adresse_facturation, :is_active, "
                ":updated_at) ON CONFLICT (id) DO NOTHING"
            ),
            values,
        )


@pytest.fixture
async def world(
    migrate: Any, app_client: Any, db_session: Any, tokens: Any
) -> AsyncIterator[World]:
    migrate("billing")
    ids = [next_id() for _ in range(2)]
    for cid in ids:
        await seed_client(db_session, cid)
    async with app_client(create_app()) as http:
        yield World(http, tokens, db_session, ids[0], ids[1])
