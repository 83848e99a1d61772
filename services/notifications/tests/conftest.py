"""Fixtures of the notifications tests: a real database (committed data, ids unique to
each test so tests never see each other's rows), events applied through the real
consumer function (inbox included), and a small directory of people."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from notifications.events import HANDLERS
from shared.db import Database
from shared.events import Event
from shared.events.consumer import apply_event

_base = random.randint(10_000, 1_000_000) * 1000
_ids = itertools.count(1)


def new_id() -> int:
    """An id no other test of this run (or of a concurrent run) uses."""
    return _base + next(_ids)


def event(type_: str, data: dict[str, Any], **envelope: Any) -> Event:
    producer = type_.split(".", 1)[0]
    return Event(
        type=type_,
        producer=producer,
        aggregate_id=str(data.get("id", "0")),
        data=data,
        **envelope,
    )


@pytest.fixture
async def db(migrate: Any, test_env: dict[str, str]) -> AsyncIterator[Database]:
    migrate("notifications")
    database = Database(test_env["DATABASE_URL"], pool_size=4)
    yield database
    await database.dispose()


@dataclass
class World:
    """A responsable, an admin, a technician, a client (and another), one equipment."""

    db: Database
    responsable: int = field(default_factory=new_id)
    admin: int = field(default_factory=new_id)
    technicien_user: int = field(default_factory=new_id)
    technicien: int = field(default_factory=new_id)
    client_user: int = field(default_factory=new_id)
    client: int = field(default_factory=new_id)
    autre_client_user: int = field(default_factory=new_id)
    autre_client: int = field(default_factory=new_id)
    equipement: int = field(default_factory=new_id)
    tag: str = field(default_factory=lambda: f"{random.getrandbits(32):08x}")

    async def apply(self, e: Event) -> bool:
        return await apply_event(self.db, "notifications", HANDLERS, e)

    async def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.db.engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(sa.text(sql), params)]

    @property
    def people(self) -> list[int]:
        return [
            self.responsable,
            self.admin,
            self.technicien_user,
            self.client_user,
            self.autre_client_user,
        ]

    async def notifications(self, event_id: Any) -> list[tuple[Any, ...]]:
        """(user_id, type, titre, message, lien) of one event's notifications to the
        people of this world (the responsables of other tests' worlds are told too)."""
        return await self.rows(
            "SELECT user_id, type_notification::text, titre, message, metadata->>'lien'"
            " FROM notifications.notifications WHERE event_id = :e AND user_id = ANY(:u)"
            " ORDER BY user_id",
            e=event_id,
            u=self.people,
        )

    def intervention(self, id_: int, **data: Any) -> dict[str, Any]:
        body = {
            "id": id_,
            "equipement_id": self.equipement,
            "client_id": self.client,
            "technicien_id": None,
            "type_intervention": "corrective",
            "statut": "ouverte",
            "priorite": "haute",
            "urgence": False,
            "titre": "Fuite d'huile",
        }
        body.update(data)
        return body


async def make_world(db: Database, *, emails: bool = False) -> World:
    w = World(db)
    t0 = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)

    def mail(name: str) -> str | None:
        return f"{name}-{w.tag}@example.ma" if emails else None

    users = [
        (w.responsable, "responsable", None, None, "Nadia Responsable"),
        (w.admin, "admin", None, None, "Admin"),
        (w.technicien_user, "technicien", w.technicien, None, "Saïd Technicien"),
        (w.client_user, "client", None, w.client, "Client ACME"),
        (w.autre_client_user, "client", None, w.autre_client, "Autre client"),
    ]
    for user_id, role, technicien_id, client_id, name in users:
        await w.apply(
            event(
                "user.created",
                {
                    "id": user_id,
                    "username": f"{role}{user_id}",
                    "email": mail(f"{role}{user_id}"),
                    "full_name": name,
                    "role": role,
                    "is_active": True,
                    "technicien_id": technicien_id,
                    "client_id": client_id,
                },
                occurred_at=t0,
            )
        )
    await w.apply(
        event(
            "technicien.created",
            {"id": w.technicien, "user_id": w.technicien_user, "full_name": "Saïd Technicien",
             "is_active": True},
            occurred_at=t0,
        )
    )  # fmt: skip
    for client_id, user_id, nom in (
        (w.client, w.client_user, "ACME Maroc"),
        (w.autre_client, w.autre_client_user, "Atlas Ciments"),
    ):
        await w.apply(
            event(
                "client.created",
                {"id": client_id, "user_id": user_id, "nom_entreprise": nom, "is_active": True},
                occurred_at=t0,
            )
        )
    await w.apply(
        event(
            "equipement.created",
            {"id": w.equipement, "client_id": w.client, "nom": "Compresseur",
             "numero_serie": "NS-1", "statut": "operationnel"},
            occurred_at=t0,
        )
    )  # fmt: skip
    return w


@pytest.fixture
async def world(db: Database) -> World:
    return await make_world(db)
