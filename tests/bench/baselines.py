"""The driver-level floors the interventions service is compared with (PERFORMANCE.md):

- `POST /bare/insert`: a bare FastAPI endpoint that validates the same JSON body as
  `POST /api/v1/interventions` (pydantic) and inserts it as one row with SQLAlchemy Core
  on psycopg 3 (the project's engine, one transaction) into a scratch table;
- `GET /raw/interventions/{id}`: one row of `interventions.interventions` by key with a
  raw psycopg 3 async pool, answered as JSON (the pool's default: BEGIN, SELECT, COMMIT);
  `GET /raw-autocommit/interventions/{id}`: the same in autocommit (one round trip);
- `GET /raw/auth/users/{id}` and `/raw-autocommit/auth/users/{id}`: the row of one user
  as `GET /api/v1/auth/me` reads it (the user and its profile ids), the same two ways.

It also publishes BENCH_JWKS so that the service under test trusts the bench's tokens.
Run with `uvicorn --factory tests.bench.baselines:create_app` (BENCH_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, Response
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field
from shared.db import Database, libpq_url

SCRATCH_SCHEMA = "bench_scratch"
SCRATCH_TABLE = "insert_one"
SCRATCH_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCRATCH_SCHEMA};
CREATE TABLE IF NOT EXISTS {SCRATCH_SCHEMA}.{SCRATCH_TABLE} (
    id bigserial PRIMARY KEY,
    equipement_id integer NOT NULL,
    titre varchar(200) NOT NULL,
    type_intervention text NOT NULL,
    priorite text NOT NULL,
    description text,
    duree_estimee numeric(8, 2),
    cout_estime numeric(12, 2),
    created_at timestamptz NOT NULL DEFAULT now()
);
"""

scratch = sa.Table(
    SCRATCH_TABLE,
    sa.MetaData(schema=SCRATCH_SCHEMA),
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("equipement_id", sa.Integer, nullable=False),
    sa.Column("titre", sa.String(200), nullable=False),
    sa.Column("type_intervention", sa.Text, nullable=False),
    sa.Column("priorite", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("duree_estimee", sa.Numeric(8, 2)),
    sa.Column("cout_estime", sa.Numeric(12, 2)),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)


# the row /auth/me answers: the user and the ids of its technician or client profile
USER_SQL = """
SELECT u.id, u.username, u.email, u.full_name, u.role, u.is_active,
       t.id AS technicien_id, c.id AS client_id, u.created_at, u.updated_at, u.version
FROM auth.users u
LEFT JOIN auth.techniciens t ON t.user_id = u.id
LEFT JOIN auth.clients c ON c.user_id = u.id
WHERE u.id = %s
"""


class InsertBody(BaseModel):
    equipement_id: int = Field(gt=0)
    titre: str = Field(min_length=1, max_length=200)
    type_intervention: str = "corrective"
    priorite: str = "normale"
    description: str | None = None
    duree_estimee: decimal.Decimal | None = Field(default=None, ge=0)
    cout_estime: decimal.Decimal | None = Field(default=None, ge=0)


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def create_app() -> FastAPI:
    url = os.environ["BENCH_DATABASE_URL"]
    jwks = json.loads(os.environ.get("BENCH_JWKS", '{"keys": []}'))
    db = Database(url, application_name="bench-baselines")
    pool = AsyncConnectionPool(libpq_url(url), min_size=10, max_size=20, open=False)
    # the same read in autocommit: one round trip, no BEGIN/COMMIT (what the service's
    # GET by id does), for the like-for-like figure
    autocommit_pool = AsyncConnectionPool(
        libpq_url(url), min_size=10, max_size=20, open=False, kwargs={"autocommit": True}
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        await autocommit_pool.open()
        yield
        await autocommit_pool.close()
        await pool.close()
        await db.dispose()

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.post("/bare/insert", status_code=201)
    async def bare_insert(body: InsertBody) -> dict[str, int]:
        async with db.engine.begin() as conn:
            inserted = await conn.execute(
                sa.insert(scratch).values(**body.model_dump()).returning(scratch.c.id)
            )
            return {"id": inserted.scalar_one()}

    @app.get("/raw/interventions/{intervention_id}")
    async def raw_get(intervention_id: int) -> Response:
        return await _raw_get(pool, intervention_id)

    @app.get("/raw-autocommit/interventions/{intervention_id}")
    async def raw_get_autocommit(intervention_id: int) -> Response:
        return await _raw_get(autocommit_pool, intervention_id)

    @app.get("/raw/auth/users/{user_id}")
    async def raw_user(user_id: int) -> Response:
        return await _raw_get(pool, user_id, USER_SQL)

    @app.get("/raw-autocommit/auth/users/{user_id}")
    async def raw_user_autocommit(user_id: int) -> Response:
        return await _raw_get(autocommit_pool, user_id, USER_SQL)

    async def _raw_get(
        pool: AsyncConnectionPool,
        row_id: int,
        sql: str = "SELECT * FROM interventions.interventions WHERE id = %s",
    ) -> Response:
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, (row_id,))
            row = await cursor.fetchone()
            names = [c.name for c in cursor.description or ()]
        if row is None:
            raise HTTPException(404)
        return Response(
            orjson.dumps(dict(zip(names, row, strict=True)), default=_default),
            media_type="application/json",
        )

    @app.get("/api/v1/auth/jwks.json")
    async def published_keys() -> dict[str, Any]:
        return jwks

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
