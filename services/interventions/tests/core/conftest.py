"""Fixtures of the core tests: the app on a rolled-back transaction, roles, factories."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from interventions.main import create_app
from interventions.techniciens.models import ClientReplica, TechnicienReplica

_ids = itertools.count(1_000)


def next_id() -> int:
    """Ids unique within the run, so tests sharing committed data never collide."""
    return next(_ids) * 7 + dt.datetime.now().microsecond % 7


@dataclass
class World:
    """One client world: two clients, two technicians, the staff, and their headers."""

    http: httpx.AsyncClient
    tokens: Any
    session_factory: Any
    client_id: int
    other_client_id: int
    technicien_id: int
    other_technicien_id: int

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
        if who == "autre_client":
            return t.headers("client", 6, client_id=self.other_client_id)
        raise ValueError(who)

    async def equipement(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "client_id": self.client_id,
            "nom": "Compresseur",
            "numero_serie": f"SN-{next_id()}",
            "criticite": "haute",
        }
        body.update(overrides)
        r = await self.http.post("/api/v1/equipements", json=body, headers=self.h("admin"))
        assert r.status_code == 201, r.text
        return r.json()

    async def intervention(self, who: str = "admin", **overrides: Any) -> dict[str, Any]:
        if "equipement_id" not in overrides:
            overrides["equipement_id"] = (await self.equipement())["id"]
        body = {"titre": "Fuite d'huile", "priorite": "haute"}
        body.update(overrides)
        r = await self.http.post("/api/v1/interventions", json=body, headers=self.h(who))
        assert r.status_code == 201, r.text
        return r.json()

    async def move(self, iid: int, statut: str, who: str = "admin", **extra: Any) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/interventions/{iid}/transitions",
            json={"statut": statut, **extra},
            headers=self.h(who),
        )

    async def affecter(
        self, iid: int, who: str = "admin", technicien_id: int | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/interventions/{iid}/affectation",
            json={"technicien_id": technicien_id or self.technicien_id},
            headers=self.h(who),
        )

    async def add_technicien(self, disponibilite: str) -> int:
        tid = next_id()
        await seed_replicas(self.session_factory, [], [(tid, disponibilite)])
        return tid

    async def count(self, sql: str, **params: Any) -> int:
        return await count(self.session_factory, sql, **params)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.session_factory() as session:
            return list((await session.execute(sa.text(sql), params)).all())

    async def at(self, statut: str) -> dict[str, Any]:
        """An intervention brought to `statut` along allowed moves."""
        i = await self.intervention()
        path = {
            "ouverte": [],
            "affectee": ["affectee"],
            "en_cours": ["affectee", "en_cours"],
            "en_attente": ["affectee", "en_cours", "en_attente"],
            "cloturee": ["affectee", "en_cours", "cloturee"],
            "annulee": ["annulee"],
        }[statut]
        for step in path:
            if step == "affectee":
                r = await self.affecter(i["id"])
            else:
                r = await self.move(i["id"], step, solution="remplacé le joint")
            assert r.status_code == 200, r.text
            i = r.json()
        return i


async def seed_replicas(
    session_factory: Any, clients: list[int], techniciens: list[tuple[int, str]]
) -> None:
    now = dt.datetime.now(dt.UTC)
    async with session_factory() as session, session.begin():
        for cid in clients:
            session.add(
                ClientReplica(
                    id=cid, nom_entreprise=f"Client {cid}", is_active=True, updated_at=now
                )
            )
        for tid, dispo in techniciens:
            session.add(
                TechnicienReplica(
                    id=tid,
                    username=f"tech{tid}",
                    disponibilite=dispo,
                    is_active=True,
                    updated_at=now,
                )
            )


@pytest.fixture
async def world(
    migrate: Any, app_client: Any, db_session: Any, tokens: Any
) -> AsyncIterator[World]:
    migrate("interventions")
    ids = [next_id() for _ in range(4)]
    await seed_replicas(db_session, ids[:2], [(ids[2], "disponible"), (ids[3], "disponible")])
    async with app_client(create_app()) as http:
        yield World(http, tokens, db_session, ids[0], ids[1], ids[2], ids[3])


async def count(session_factory: Any, sql: str, **params: Any) -> int:
    async with session_factory() as session:
        return int((await session.execute(sa.text(sql), params)).scalar_one())
