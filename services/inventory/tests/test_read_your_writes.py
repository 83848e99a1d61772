"""Read your own writes across services: a technician who has just started an
intervention uses parts at once, before the `intervention.en_cours` event reached the
inventory's replica. The replica that misses the intervention, or holds a state the
action does not allow, asks the interventions service once (its internal read, with a
service token) and refreshes its row. Here the real interventions app answers over HTTP
on a free port, on this run's database; when it does not answer, the inventory answers
as it did before it could ask (409/404), never a 500."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from interventions.main import create_app as create_interventions_app
from inventory import replicas
from shared.testing.plugin import trust_test_tokens

from .conftest import World, seed, seed_intervention


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """`app` under uvicorn on a free port of this machine; yields its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def owner_at(url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """The inventory's client of the interventions service pointed at `url`."""
    await replicas.interventions.aclose()  # its HTTP client keeps the URL it was made with
    monkeypatch.setenv("INTERVENTIONS_INTERNAL_URL", url)
    try:
        yield
    finally:
        await replicas.interventions.aclose()


@dataclass
class Owner:
    """The interventions service, served for real; drives interventions through its API."""

    http: httpx.AsyncClient
    tokens: Any
    world: World

    def admin(self) -> dict[str, str]:
        return self.tokens.headers("admin", 1)

    async def intervention(self) -> int:
        r = await self.http.post(
            "/api/v1/equipements",
            json={
                "client_id": self.world.client_id,
                "nom": "Compresseur",
                "numero_serie": f"SN-RYW-{dt.datetime.now().timestamp()}",
                "criticite": "haute",
            },
            headers=self.admin(),
        )
        assert r.status_code == 201, r.text
        r = await self.http.post(
            "/api/v1/interventions",
            json={"titre": "Fuite d'huile", "priorite": "haute", "equipement_id": r.json()["id"]},
            headers=self.admin(),
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    async def affecter(self, iid: int, technicien_id: int | None = None) -> None:
        r = await self.http.post(
            f"/api/v1/interventions/{iid}/affectation",
            json={"technicien_id": technicien_id or self.world.technicien_id},
            headers=self.admin(),
        )
        assert r.status_code == 200, r.text
        assert r.json()["statut"] == "affectee"

    async def demarrer(self, iid: int) -> None:
        r = await self.http.post(
            f"/api/v1/interventions/{iid}/transitions",
            json={"statut": "en_cours"},
            headers=self.admin(),
        )
        assert r.status_code == 200, r.text
        assert r.json()["statut"] == "en_cours"

    async def updated_at(self, iid: int) -> dt.datetime:
        ((value,),) = await self.world.rows(
            "SELECT updated_at FROM interventions.interventions WHERE id = :i", i=iid
        )
        return value


@pytest.fixture
async def owner(
    world: World, migrate: Any, tokens: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Owner]:
    migrate("interventions")
    # the owner's own replicas of the world's client and technicians (committed rows)
    for tid in (world.technicien_id, world.other_technicien_id):
        await seed(
            world.session_factory,
            "INSERT INTO interventions.techniciens_replica "
            "(id, username, disponibilite, is_active, updated_at) "
            "VALUES (:t, :u, 'disponible', true, now()) ON CONFLICT DO NOTHING",
            t=tid,
            u=f"tech{tid}",
        )
    await seed(
        world.session_factory,
        "INSERT INTO interventions.clients_replica (id, nom_entreprise, is_active, updated_at) "
        "VALUES (:c, :n, true, now()) ON CONFLICT DO NOTHING",
        c=world.client_id,
        n=f"Client {world.client_id}",
    )
    app = create_interventions_app()
    trust_test_tokens(app, tokens)
    async with (
        serve(app) as url,
        owner_at(url, monkeypatch),
        httpx.AsyncClient(base_url=url, timeout=10) as http,
    ):
        yield Owner(http, tokens, world)


async def stocked_piece(world: World) -> int:
    p = await world.piece(stock_minimum=0, stock_maximum=100)
    await world.entree(p["id"], 10, "20.00")
    return int(p["id"])


async def replica_row(world: World, iid: int) -> tuple[Any, ...] | None:
    rows = await world.rows(
        "SELECT statut, technicien_id, client_id, updated_at "
        "FROM inventory.interventions_replica WHERE id = :i",
        i=iid,
    )
    return tuple(rows[0]) if rows else None


async def test_started_a_moment_ago_uses_parts_at_once(world: World, owner: Owner) -> None:
    pid = await stocked_piece(world)
    iid = await owner.intervention()
    await owner.affecter(iid)
    # the inventory saw the affectation; the start's event is still on its way
    await seed_intervention(world.session_factory, iid, "affectee", world.technicien_id, 7)
    await owner.demarrer(iid)

    r = await world.post(
        f"/interventions/{iid}/pieces", "technicien", {"piece_id": pid, "quantite": 2}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["intervention_id"], r.json()["quantite"], r.json()["montant"]) == (
        iid,
        2,
        "40.00",
    )
    # the replica now holds the owner's row, versioned with the owner's time
    assert await replica_row(world, iid) == (
        "en_cours",
        world.technicien_id,
        world.client_id,
        await owner.updated_at(iid),
    )
    piece = await world.get_piece(pid)
    assert piece["stock_actuel"] == 8


async def test_missing_replica_is_fetched(world: World, owner: Owner) -> None:
    pid = await stocked_piece(world)
    iid = await owner.intervention()
    # not yet known here at all: a reservation on it (affectee) is taken
    await owner.affecter(iid)
    assert await replica_row(world, iid) is None
    r = await world.post(
        f"/interventions/{iid}/reservations", "responsable", {"piece_id": pid, "quantite": 3}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["quantite"], r.json()["statut"]) == (3, "active")
    assert await replica_row(world, iid) == (
        "affectee",
        world.technicien_id,
        world.client_id,
        await owner.updated_at(iid),
    )
    # started: the replica (affectee) asks again, and the reservation is used first
    await owner.demarrer(iid)
    r = await world.post(
        f"/interventions/{iid}/pieces", "technicien", {"piece_id": pid, "quantite": 3}
    )
    assert r.status_code == 201, r.text
    piece = await world.get_piece(pid)
    assert (piece["stock_actuel"], piece["stock_reserve"]) == (7, 0)
    assert (await replica_row(world, iid))[0] == "en_cours"  # type: ignore[index]


async def test_owner_says_affectee_too_stays_409(world: World, owner: Owner) -> None:
    pid = await stocked_piece(world)
    iid = await owner.intervention()
    await owner.affecter(iid)
    await seed_intervention(world.session_factory, iid, "affectee", world.technicien_id, 7)

    r = await world.post(
        f"/interventions/{iid}/pieces", "technicien", {"piece_id": pid, "quantite": 1}
    )
    assert r.status_code == 409, r.text
    assert "affectee" in r.json()["detail"]
    assert (await replica_row(world, iid))[0] == "affectee"  # type: ignore[index]
    assert (await world.get_piece(pid))["stock_actuel"] == 10
    # the owner's answer is not kept: once started, the next try is asked afresh
    await owner.demarrer(iid)
    r = await world.post(
        f"/interventions/{iid}/pieces", "technicien", {"piece_id": pid, "quantite": 1}
    )
    assert r.status_code == 201, r.text


async def test_refreshed_row_still_guards_the_technician(world: World, owner: Owner) -> None:
    pid = await stocked_piece(world)
    iid = await owner.intervention()
    await owner.affecter(iid, technicien_id=world.other_technicien_id)
    await owner.demarrer(iid)
    # another technician's intervention: 404 to this one, though the owner was asked
    r = await world.post(
        f"/interventions/{iid}/pieces", "technicien", {"piece_id": pid, "quantite": 1}
    )
    assert r.status_code == 404, r.text
    assert "not yet known" not in r.json()["detail"]
    # the refusal rolls its request back, the row it fetched with it
    assert await replica_row(world, iid) is None
    r = await world.post(
        f"/interventions/{iid}/pieces", "autre_technicien", {"piece_id": pid, "quantite": 1}
    )
    assert r.status_code == 201, r.text
    assert (await replica_row(world, iid))[:2] == ("en_cours", world.other_technicien_id)  # type: ignore[index]


async def test_owner_down_answers_as_before(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = await stocked_piece(world)
    async with owner_at(f"http://127.0.0.1:{free_port()}", monkeypatch):
        # replica affectee: the action is refused as before
        iid = await world.intervention("affectee")
        r = await world.post(
            f"/interventions/{iid}/pieces", "technicien", {"piece_id": pid, "quantite": 1}
        )
        assert r.status_code == 409, r.text
        assert "affectee" in r.json()["detail"]
        assert (await replica_row(world, iid))[0] == "affectee"  # type: ignore[index]
        # not known here: 404, said plainly
        r = await world.post(
            "/interventions/987654321/pieces", "technicien", {"piece_id": pid, "quantite": 1}
        )
        assert r.status_code == 404, r.text
        assert "not yet known" in r.json()["detail"]
        assert await replica_row(world, 987654321) is None
        assert (await world.get_piece(pid))["stock_actuel"] == 10
