"""Fixtures for document tests: interventions written with SQL, an app storing into tmp."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from interventions.config import Settings
from interventions.main import create_app
from sqlalchemy.ext.asyncio import AsyncConnection

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 50 + b"%%EOF\n"


async def insert_intervention(
    conn: AsyncConnection,
    *,
    client_id: int = 7,
    technicien_id: int | None = 11,
    statut: str = "affectee",
) -> int:
    equipement_id = (
        await conn.execute(
            sa.text(
                "INSERT INTO interventions.equipements (client_id, nom, numero_serie, statut,"
                " criticite, active, version) VALUES (:c, 'Pompe', :ns, 'operationnel',"
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
                " VALUES (:e, :c, :t, 'corrective', :s, 'normale', false, 'Panne', 1)"
                " RETURNING id"
            ),
            {"e": equipement_id, "c": client_id, "t": technicien_id, "s": statut},
        )
    ).scalar_one()


@pytest.fixture
def make_intervention(
    db_connection: AsyncConnection, migrate: Any
) -> Callable[..., Awaitable[int]]:
    migrate("interventions")

    async def make(**kwargs: Any) -> int:
        return await insert_intervention(db_connection, **kwargs)

    return make


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    return tmp_path / "documents"


@pytest.fixture
def make_app(storage_dir: Path) -> Callable[..., FastAPI]:
    def make(**overrides: Any) -> FastAPI:
        return create_app(Settings(documents_dir=str(storage_dir), **overrides))

    return make
