"""The unit of work against real PostgreSQL: events buffered and written in one statement
before commit (none on rollback), actor and request metadata carried explicitly, and the
Idempotency-Key rules (fingerprint, empty or over-long key)."""

import uuid

import psycopg
import pytest
import sqlalchemy as sa
from shared.context import RequestMeta
from shared.db import Database
from shared.driver import driver_connection
from shared.errors import Problem
from shared.events.outbox import outbox_table
from shared.idempotency import idempotency_table
from shared.security import CurrentUser, Role
from shared.uow import Fingerprint, unit_of_work
from sqlalchemy import text


@pytest.fixture
async def schema(engine):
    name = f"uowtest_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
        await conn.run_sync(outbox_table(name).metadata.create_all)
        await conn.run_sync(idempotency_table(name).metadata.create_all)
    yield name
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))


@pytest.fixture
async def db(postgres_url):
    database = Database(postgres_url)
    yield database
    await database.dispose()


USER = CurrentUser(id=7, username="karim", role=Role.responsable)
META = RequestMeta(request_id="req-1", client_ip="10.0.0.9", user_agent="pytest")


async def outbox_rows(db: Database, schema: str) -> list[tuple]:
    async with db.engine.connect() as conn:
        result = await conn.execute(text(f"SELECT type, payload FROM {schema}.outbox ORDER BY seq"))
        return [tuple(r) for r in result]


async def test_emitted_events_are_written_at_commit_with_actor_and_request(db, schema) -> None:
    async with unit_of_work(db, schema=schema, producer="test", user=USER, meta=META) as uow:
        uow.emit("thing.created", 1, {"id": 1})
        uow.emit("thing.updated", 1, {"id": 1, "nom": "b"})
        assert await outbox_rows(db, schema) == []  # buffered, not yet written
    rows = await outbox_rows(db, schema)
    assert [r[0] for r in rows] == ["thing.created", "thing.updated"]
    payload = rows[1][1]
    assert payload["actor_id"] == 7
    assert payload["correlation_id"] == "req-1"
    assert payload["producer"] == "test"
    assert payload["data"] == {"id": 1, "nom": "b"}


async def test_rolled_back_unit_of_work_publishes_nothing(db, schema) -> None:
    with pytest.raises(RuntimeError):
        async with unit_of_work(db, schema=schema, user=USER, meta=META) as uow:
            uow.emit("thing.created", 1, {"id": 1})
            raise RuntimeError("the change fails")
    assert await outbox_rows(db, schema) == []


async def created(db, schema, key, body: bytes):
    async with unit_of_work(db, schema=schema, user=USER, meta=META) as uow:

        async def make():
            return {"id": 5, "body": body.decode()}

        return await uow.created(key, Fingerprint.of("POST", "/things", body), make, "things")


async def test_same_key_same_body_answers_the_first_response(db, schema) -> None:
    first = await created(db, schema, "k-1", b'{"a":1}')
    again = await created(db, schema, "k-1", b'{"a":1}')
    assert first.status_code == again.status_code == 201
    assert first.body == again.body == b'{"id":5,"body":"{\\"a\\":1}"}'
    assert first.headers["location"] == again.headers["location"] == "/api/v1/things/5"


async def test_same_key_other_body_is_422(db, schema) -> None:
    await created(db, schema, "k-2", b'{"a":1}')
    with pytest.raises(Problem) as caught:
        await created(db, schema, "k-2", b'{"a":2}')
    assert caught.value.status == 422


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, "tab\there"])
async def test_empty_or_overlong_key_is_400(db, schema, key) -> None:
    with pytest.raises(Problem) as caught:
        await created(db, schema, key, b"{}")
    assert caught.value.status == 400


async def test_a_unit_that_touches_nothing_opens_no_session(db, schema) -> None:
    async with unit_of_work(db, schema=schema, user=USER, meta=META) as uow:
        pass
    assert uow._session is None  # nothing was checked out of the pool
    assert db.engine.pool.checkedout() == 0


async def test_fetch_one_reads_in_autocommit_then_inside_the_transaction(db, schema) -> None:
    statement = sa.select(outbox_table(schema).c.type).where(
        outbox_table(schema).c.type == sa.bindparam("type")
    )
    async with unit_of_work(db, schema=schema, user=USER, meta=META) as uow:
        assert await uow.fetch_one(statement, {"type": "thing.read"}) is None
        # the read ran alone, on a pooled connection given back at once: no session
        assert uow._session is None and db.engine.pool.checkedout() == 0
        conn = await driver_connection(uow.session)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert not conn.autocommit  # handed back as SQLAlchemy expects it
        await uow.session.execute(
            sa.text(f"INSERT INTO {schema}.outbox (event_id, type, payload) "
                    "VALUES (gen_random_uuid(), 'thing.read', '{}')")
        )  # fmt: skip
        # now inside the transaction: it sees the unit's own uncommitted write
        assert await uow.fetch_one(statement, {"type": "thing.read"}) == {"type": "thing.read"}
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    assert [r[0] for r in await outbox_rows(db, schema)] == ["thing.read"]


async def test_fetch_one_sees_committed_rows_with_their_column_names(db, schema) -> None:
    async with unit_of_work(db, schema=schema, user=USER, meta=META) as uow:
        uow.emit("thing.created", 9, {"id": 9})
    table = outbox_table(schema)
    statement = sa.select(table.c.type, table.c.type.label("kind")).where(
        table.c.type == sa.bindparam("t")
    )
    async with unit_of_work(db, schema=schema, user=USER, meta=META) as uow:
        row = await uow.fetch_one(statement, {"t": "thing.created"})
    assert row == {"type": "thing.created", "kind": "thing.created"}
