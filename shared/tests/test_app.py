"""The service app factory: problem+json everywhere, request ids, one transaction per request."""

import uuid

import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field
from shared.app import create_service_app
from shared.db import SessionDep
from shared.errors import Problem
from shared.security import CurrentUserDep, StaffDep
from shared.settings import ServiceSettings
from shared.testing.plugin import asgi_client, trust_test_tokens
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = f"apptest_{uuid.uuid4().hex[:8]}"


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    qty: int = Field(ge=0)


router = APIRouter()


@router.post("/items", status_code=201)
async def create_item(item: Item, session: SessionDep, user: StaffDep) -> dict:
    await session.execute(
        text(f"INSERT INTO {SCHEMA}.items (name, qty) VALUES (:n, :q)"),
        {"n": item.name, "q": item.qty},
    )
    if item.name == "boom":
        raise Problem(409, "refused after the insert")
    return {"name": item.name}


@router.get("/whoami")
async def whoami(user: CurrentUserDep) -> dict:
    return {"id": user.id, "role": user.role}


@router.get("/ping")
async def ping() -> dict:
    return {"pong": True}


@pytest.fixture
async def app(engine, tokens):
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        await conn.execute(
            text(f"CREATE TABLE {SCHEMA}.items (name text UNIQUE, qty int CHECK (qty < 1000))")
        )
        await conn.execute(
            text(f"CREATE TABLE {SCHEMA}.versioned (id int PRIMARY KEY, name text, version int)")
        )
    app = create_service_app(service="demo", settings=ServiceSettings(), routers=[router])
    trust_test_tokens(app, tokens)
    yield app
    await app.state.db.dispose()
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))


async def count(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.items"))).scalar_one()


async def test_errors_are_problem_json(app, tokens, engine) -> None:
    auth = tokens.headers("admin")
    async with asgi_client(app) as client:
        bad = await client.post("/api/v1/items", json={"name": "", "qty": -1}, headers=auth)
        assert bad.status_code == 422
        assert bad.headers["content-type"] == "application/problem+json"
        assert {e["field"] for e in bad.json()["errors"]} == {"name", "qty"}

        not_json = await client.post(
            "/api/v1/items", content=b"{oops", headers={**auth, "content-type": "application/json"}
        )
        assert not_json.status_code == 422

        assert (await client.get("/api/v1/nothing-here")).json()["status"] == 404
        assert (await client.get("/api/v1/whoami")).status_code == 401
        forbidden = await client.post(
            "/api/v1/items",
            json={"name": "a", "qty": 1},
            headers=tokens.headers("client", 9, client_id=1),
        )
        assert forbidden.status_code == 403

        ok = await client.post("/api/v1/items", json={"name": "a", "qty": 1}, headers=auth)
        assert ok.status_code == 201
        dup = await client.post("/api/v1/items", json={"name": "a", "qty": 1}, headers=auth)
        assert dup.status_code == 409 and dup.json()["constraint"] == "items_name_key"
        check = await client.post("/api/v1/items", json={"name": "b", "qty": 5000}, headers=auth)
        assert check.status_code == 422
    assert await count(engine) == 1


async def test_failed_request_rolls_back_its_writes(app, tokens, engine) -> None:
    async with asgi_client(app) as client:
        response = await client.post(
            "/api/v1/items", json={"name": "boom", "qty": 1}, headers=tokens.headers("admin")
        )
    assert response.status_code == 409
    assert await count(engine) == 0


async def test_request_id_is_echoed_or_created(app, tokens) -> None:
    async with asgi_client(app) as client:
        given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123"
        fresh = await client.get("/healthz")
        assert len(fresh.headers["x-request-id"]) == 32


@router.post("/raw-items", status_code=201)
async def create_raw_item(item: Item, session: SessionDep) -> dict:
    """A hot path on the bare driver connection: its errors are psycopg's, not SQLAlchemy's."""
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    await raw.execute(
        f"INSERT INTO {SCHEMA}.items (name, qty) VALUES (%s, %s)", (item.name, item.qty)
    )
    return {"name": item.name}


async def test_driver_level_errors_are_problem_json_too(app, tokens) -> None:
    async with asgi_client(app) as client:
        assert (
            await client.post("/api/v1/raw-items", json={"name": "r", "qty": 1})
        ).status_code == 201
        dup = await client.post("/api/v1/raw-items", json={"name": "r", "qty": 1})
        assert dup.status_code == 409 and dup.json()["constraint"] == "items_name_key"
        check = await client.post("/api/v1/raw-items", json={"name": "s", "qty": 5000})
        assert check.status_code == 422
        assert check.headers["content-type"] == "application/problem+json"


async def test_nul_byte_in_text_is_422_not_a_server_error(app, tokens) -> None:
    """psycopg refuses a NUL byte in a text value before sending it (no SQLSTATE)."""
    auth = tokens.headers("admin")
    async with asgi_client(app) as client:
        for path in ("/api/v1/items", "/api/v1/raw-items"):
            response = await client.post(path, json={"name": "a\u0000b", "qty": 1}, headers=auth)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert "NUL" in response.json()["detail"]


class _Base(DeclarativeBase):
    pass


class Versioned(_Base):
    __tablename__ = "versioned"
    __table_args__ = {"schema": SCHEMA}
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    version: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version}


@router.post("/stale")
async def stale(session: SessionDep) -> dict:
    """A versioned UPDATE that loses a race: another writer bumped the version between
    the read and the flush, so SQLAlchemy raises StaleDataError."""
    row = Versioned(id=1, name="a")
    session.add(row)
    await session.flush()
    await session.execute(text(f"UPDATE {SCHEMA}.versioned SET version = version + 1"))
    row.name = "b"
    await session.flush()
    return {}


async def test_lost_versioned_update_is_409(app) -> None:
    async with asgi_client(app) as client:
        response = await client.post("/api/v1/stale")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_openapi_documents_errors_as_problem_json(app) -> None:
    async with asgi_client(app) as client:
        document = (await client.get("/openapi.json")).json()
    responses = document["paths"]["/api/v1/items"]["post"]["responses"]
    assert list(responses["422"]["content"]) == ["application/problem+json"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]


async def test_openapi_declares_the_bearer_scheme_errors_and_readable_ids(app) -> None:
    """Issue 7, item 14: "Authorize" works (bearer scheme on the operations that need a
    token), the errors an operation can answer are listed, operationIds are readable."""
    async with asgi_client(app) as client:
        document = (await client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    create = document["paths"]["/api/v1/items"]["post"]
    assert create["operationId"] == "service_create_item"
    assert create["security"] == [{"bearer": []}]
    assert sorted(create["responses"]) == ["201", "400", "401", "403", "409", "422", "429"]
    for code in ("401", "403", "409", "429"):
        content = create["responses"][code]["content"]
        assert list(content) == ["application/problem+json"]
    whoami = document["paths"]["/api/v1/whoami"]["get"]
    assert whoami["security"] == [{"bearer": []}]
    assert sorted(whoami["responses"]) == ["200", "401", "403", "429"]
    public = document["paths"]["/api/v1/ping"]["get"]
    assert "security" not in public
    assert sorted(public["responses"]) == ["200", "429"]
