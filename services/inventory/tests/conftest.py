"""Fixtures of the inventory tests: the app, roles, replicas seeded directly, factories."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from inventory.main import create_app
from shared.testing.plugin import asgi_client, trust_test_tokens

_ids = itertools.count(1_000)


def next_id() -> int:
    """Ids unique within the run (and across runs on a shared database)."""
    return next(_ids) * 1000 + dt.datetime.now().microsecond % 1000


async def seed(session_factory: Any, sql: str, **params: Any) -> None:
    async with session_factory() as session, session.begin():
        await session.execute(sa.text(sql), params)


async def seed_intervention(
    session_factory: Any,
    iid: int,
    statut: str,
    technicien_id: int | None,
    client_id: int | None = 7,
) -> None:
    await seed(
        session_factory,
        "INSERT INTO inventory.interventions_replica "
        "(id, statut, technicien_id, client_id, updated_at) VALUES (:i, :s, :t, :c, now()) "
        "ON CONFLICT (id) DO UPDATE SET statut = EXCLUDED.statut",
        i=iid, s=statut, t=technicien_id, c=client_id,
    )  # fmt: skip


async def seed_technicien(session_factory: Any, tid: int) -> None:
    await seed(
        session_factory,
        "INSERT INTO inventory.techniciens_replica (id, username, is_active, updated_at) "
        "VALUES (:t, :u, true, now()) ON CONFLICT DO NOTHING",
        t=tid, u=f"tech{tid}",
    )  # fmt: skip


@dataclass
class World:
    http: httpx.AsyncClient
    tokens: Any
    session_factory: Any
    technicien_id: int
    other_technicien_id: int
    client_id: int

    def h(self, who: str) -> dict[str, str]:
        t = self.tokens
        if who == "admin":
            return t.headers("admin", 1)
        if who == "responsable":
            return t.headers("responsable", 2)
        if who == "technicien":
            return t.headers("technicien", 3, technicien_id=self.technicien_id)
        if who == "autre_technicien":
            return t.headers("technicien", 4, technicien_id=self.other_technicien_id)
        if who == "client":
            return t.headers("client", 5, client_id=self.client_id)
        raise ValueError(who)

    async def get(self, path: str, who: str = "admin", **params: Any) -> httpx.Response:
        return await self.http.get(f"/api/v1{path}", params=params, headers=self.h(who))

    async def piece(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "reference": f"REF-{uuid.uuid4().hex[:10]}",
            "nom": "Roulement à billes 6204",
            "stock_minimum": 2,
            "stock_maximum": 100,
            "fournisseur": "SKF Maroc",
        }
        body.update(overrides)
        r = await self.http.post("/api/v1/pieces", json=body, headers=self.h("admin"))
        assert r.status_code == 201, r.text
        return r.json()

    async def mouvement(self, piece_id: int, **body: Any) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/pieces/{piece_id}/mouvements", json=body, headers=self.h("admin")
        )

    async def entree(
        self, piece_id: int, quantite: int, prix: str = "10.00", emplacement: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type_mouvement": "entree", "quantite": quantite, "prix_unitaire": prix,
            "bon_livraison": "BL-1",
        }  # fmt: skip
        if emplacement:
            body["emplacement"] = emplacement
        r = await self.mouvement(piece_id, **body)
        assert r.status_code == 201, r.text
        return r.json()

    async def intervention(self, statut: str = "en_cours", technicien_id: int | None = -1) -> int:
        iid = next_id()
        tid = self.technicien_id if technicien_id == -1 else technicien_id
        await seed_intervention(self.session_factory, iid, statut, tid, self.client_id)
        return iid

    async def get_piece(self, piece_id: int) -> dict[str, Any]:
        r = await self.http.get(f"/api/v1/pieces/{piece_id}", headers=self.h("admin"))
        assert r.status_code == 200, r.text
        return r.json()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.session_factory() as session:
            return list((await session.execute(sa.text(sql), params)).all())

    async def events(self, type_: str, aggregate_id: int | str) -> list[dict[str, Any]]:
        rows = await self.rows(
            "SELECT payload FROM inventory.outbox WHERE type = :t "
            "AND payload->>'aggregate_id' = :a ORDER BY seq",
            t=type_, a=str(aggregate_id),
        )  # fmt: skip
        return [r[0]["data"] for r in rows]

    async def invariants(self, piece_id: int) -> None:
        """stock_actuel = sum of locations = sum of movements; reserved = active holds."""
        ((actuel, reserve, locations, movements, held),) = await self.rows(
            """
            SELECT p.stock_actuel, p.stock_reserve,
              (SELECT coalesce(sum(quantite), 0) FROM inventory.stocks WHERE piece_id = p.id),
              (SELECT coalesce(sum(CASE type_mouvement WHEN 'entree' THEN quantite
                  WHEN 'sortie' THEN -quantite WHEN 'ajustement' THEN quantite ELSE 0 END), 0)
               FROM inventory.mouvements_stock WHERE piece_id = p.id),
              (SELECT coalesce(sum(quantite), 0) FROM inventory.reservations
               WHERE piece_id = p.id AND statut = 'active')
            FROM inventory.pieces_detachees p WHERE p.id = :p
            """,
            p=piece_id,
        )
        assert actuel == locations == movements, (actuel, locations, movements)
        assert reserve == held, (reserve, held)


@pytest.fixture
async def world(migrate: Any, tokens: Any) -> AsyncIterator[World]:
    """The app on the run's database, committing for real (tests use their own ids, so
    they never see each other's rows); concurrency tests need committed data anyway.
    (The rolled-back `app_client` is not used: there, any error answer of a request on the
    unit of work left the savepoint broken for the next request.)"""
    migrate("inventory")
    app = create_app()
    trust_test_tokens(app, tokens)
    db = app.state.db
    tid, other = next_id(), next_id()
    await seed_technicien(db.sessionmaker, tid)
    await seed_technicien(db.sessionmaker, other)
    try:
        async with asgi_client(app) as http:
            yield World(http, tokens, db.sessionmaker, tid, other, next_id())
    finally:
        await db.dispose()
