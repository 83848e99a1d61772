"""The unit of work: one transaction, its events and its idempotency, for an HTTP request,
a Celery task and an event handler alike.

- It owns the session and its transaction: services never commit; the owner (the request
  dependency, `unit_of_work(...)` in a task or the event consumer) commits once at the end
  or rolls back. The session is opened on first use (`uow.session`), so a request that
  never touches the database costs none.
- `fetch_one(statement, params)` is the fast read: SQL compiled once, run on the driver
  connection of that session; with no transaction open yet it runs in autocommit (one
  round trip, no BEGIN/COMMIT, no ORM), inside the transaction otherwise. Every service
  gets it through the unit of work; none handles connections itself.
- `emit(...)` is the only way to publish an event: events are buffered and written to the
  service's outbox in one statement, on the same connection, just before the commit, so
  they are published if and only if the change commits.
- It carries the actor (`user`, `actor_id`) and the request metadata (`meta`: request id,
  client IP, user agent) explicitly; nothing is read back from the logging context.
- `idempotent(...)` / `remember(...)` / `created(...)`: an `Idempotency-Key` claimed in the
  same transaction, with a fingerprint of the request (method, path, body hash): the same
  key with another body answers 422, an empty or over-long key 400.

Usage:

    @router.post("/things", status_code=201)
    async def create(body: ThingCreate, request: Request, uow: UowDep, key: IdempotencyKey = None):
        return await uow.created(key, request, lambda: service.create(uow, body), "/things")

    async with unit_of_work(db, service="inventory") as uow:   # a task
        ...
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql import ClauseElement

from shared.context import RequestMeta, request_meta
from shared.db import Database
from shared.driver import driver_connection, driver_sql, fetch_one, pooled_fetch_one
from shared.errors import Problem
from shared.events.envelope import Event
from shared.idempotency import MAX_KEY_LENGTH, idempotency_table
from shared.security import CurrentUser, current_user

API_PREFIX = "/api/v1"


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What makes two requests "the same" for an Idempotency-Key."""

    scope: str  # "POST /api/v1/interventions"
    digest: str  # sha256 of the body (or of an uploaded file's content and fields)

    @classmethod
    def of(cls, method: str, path: str, body: bytes | str = b"") -> Fingerprint:
        raw = body.encode() if isinstance(body, str) else body
        return cls(f"{method} {path}", hashlib.sha256(raw).hexdigest())


async def request_fingerprint(request: Request) -> Fingerprint:
    """The fingerprint of a JSON request (Starlette caches the body FastAPI already read)."""
    return Fingerprint.of(request.method, request.url.path, await request.body())


def check_idempotency_key(key: str | None) -> str | None:
    """None (no key) or the key; an empty, over-long or non-printable key is 400."""
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Problem(
            400,
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            errors=[{"field": "Idempotency-Key", "message": "empty, too long or not printable"}],
        )
    return key


class UnitOfWork:
    """One transaction of one service; see the module docstring."""

    __slots__ = (
        "_events",
        "_idempotency_key",
        "_session",
        "_sessions",
        "actor_id",
        "meta",
        "producer",
        "schema",
        "user",
    )

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | AsyncSession,
        *,
        schema: str,
        producer: str,
        user: CurrentUser | None = None,
        actor_id: int | None = None,
        meta: RequestMeta | None = None,
    ) -> None:
        """`sessions`: the factory the session is made with on first use (or a session
        already open, which the caller owns)."""
        if isinstance(sessions, AsyncSession):
            self._session: AsyncSession | None = sessions
            self._sessions: async_sessionmaker[AsyncSession] | None = None
        else:
            self._session, self._sessions = None, sessions
        self.schema = schema
        self.producer = producer
        self.user = user
        self.actor_id = actor_id if actor_id is not None else (user.id if user else None)
        self.meta = meta or request_meta()
        self._events: list[Event] = []
        self._idempotency_key: str | None = None

    @property
    def session(self) -> AsyncSession:
        """The unit's session, made on first use; its transaction begins with its first
        statement and is committed (or rolled back) by the owner of the unit of work."""
        session = self._session
        if session is None:
            assert self._sessions is not None
            session = self._session = self._sessions()
        return session

    # -- the owner's side ---------------------------------------------------------------

    async def commit(self) -> None:
        """Write the buffered events, then commit (nothing to do if nothing was opened)."""
        await self.flush_events()
        session = self._session
        if session is not None and session.in_transaction():
            await session.commit()

    async def close(self) -> None:
        """Release the session; what was not committed is rolled back."""
        session, self._session = self._session, None
        self._events.clear()
        if session is not None and self._sessions is not None:
            await session.close()

    # -- fast reads -----------------------------------------------------------------------

    async def fetch_one(
        self, statement: ClauseElement | str, params: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The first row (column name -> value) of one read-only statement, on the driver
        connection: in autocommit when no transaction is open yet (one round trip), in the
        unit's transaction otherwise (so it sees this unit's own writes). `statement` is
        a Core statement with `bindparam`s (compiled once and cached) or driver SQL."""
        sql = statement if isinstance(statement, str) else _compiled(statement)
        session = self._session
        if session is None or not session.in_transaction():
            # Nothing open: a pooled connection of the engine, without a session (its
            # bookkeeping cost more than the read). Sessions bound to one connection
            # rather than an engine (the tests' rolled-back transaction) read on it.
            sessions = self._sessions
            bind = sessions.kw.get("bind") if sessions is not None else None
            if isinstance(bind, AsyncEngine):
                return await pooled_fetch_one(bind, sql, params or {})
        conn = await driver_connection(self.session)
        return await fetch_one(conn, sql, params or {}, as_dict=True)

    # -- events -------------------------------------------------------------------------

    def emit(self, type_: str, aggregate_id: object, data: BaseModel | dict[str, Any]) -> Event:
        """Publish `type_` if and only if this unit of work commits."""
        payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
        event = Event(
            type=type_,
            producer=self.producer,
            aggregate_id=str(aggregate_id),
            actor_id=self.actor_id,
            correlation_id=self.meta.request_id,
            data=payload,
        )
        self._events.append(event)
        return event

    @property
    def pending_events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    async def flush_events(self) -> None:
        """Write the buffered events to the outbox in one statement, on the session's own
        connection (inside its transaction). Called by the owner just before commit."""
        if not self._events:
            return
        events, self._events = self._events, []
        conn = await driver_connection(self.session)
        params: list[Any] = []
        for event in events:
            params += [event.id, event.type, event.model_dump_json()]
        await conn.execute(_outbox_sql(self.schema, len(events)), params)

    # -- idempotency --------------------------------------------------------------------

    async def idempotent(self, key: str | None, fingerprint: Fingerprint) -> Response | None:
        """None when the caller should proceed (no key, or a new key, now claimed in this
        transaction); otherwise the first answer given to this key, sent again.
        A concurrent request with the same key waits on the unique index until the first
        commits (then reads its answer) or rolls back (then proceeds)."""
        key = check_idempotency_key(key)
        if key is None:
            return None
        if self.actor_id is None:
            raise Problem(400, "Idempotency-Key needs a signed-in caller")
        table = idempotency_table(self.schema)
        inserted = await self.session.execute(
            pg_insert(table)
            .values(
                key=key,
                user_id=self.actor_id,
                scope=fingerprint.scope,
                fingerprint=fingerprint.digest,
            )
            .on_conflict_do_nothing()
            .returning(table.c.key)
        )
        if inserted.scalar_one_or_none() is not None:
            self._idempotency_key = key
            return None
        row = (
            await self.session.execute(
                sa.select(
                    table.c.scope, table.c.fingerprint, table.c.status_code, table.c.body
                ).where(table.c.key == key, table.c.user_id == self.actor_id)
            )
        ).one()
        if row.scope != fingerprint.scope or (
            row.fingerprint is not None and row.fingerprint != fingerprint.digest
        ):
            raise Problem(
                422,
                "this Idempotency-Key was already used for a different request",
                errors=[{"field": "Idempotency-Key", "message": "reused with another body"}],
            )
        if row.body is None:
            raise Problem(409, "a request with this Idempotency-Key is still in progress")
        return _json_response(dict(row.body), row.status_code or 201)

    async def remember(self, body: dict[str, Any], status_code: int = 201) -> None:
        """Store the answer of the key claimed by `idempotent`, in this transaction."""
        key = self._idempotency_key
        if key is None:
            return
        table = idempotency_table(self.schema)
        await self.session.execute(
            sa.update(table)
            .where(table.c.key == key, table.c.user_id == self.actor_id)
            .values(body=body, status_code=status_code)
        )

    async def created(
        self,
        key: str | None,
        fingerprint: Fingerprint,
        make: Callable[[], Awaitable[dict[str, Any]]],
        collection: str,
    ) -> Response:
        """The one idempotent create: run `make` (returns the new resource as a JSON-ready
        dict with an `id`) unless the key was seen; answer 201 with
        `Location: /api/v1/<collection>/<id>`, or the first answer again."""
        again = await self.idempotent(key, fingerprint)
        if again is None:
            body = await make()
            await self.remember(body, 201)
        else:
            body = orjson.loads(again.body)
        location = f"{API_PREFIX}/{collection.strip('/')}/{body['id']}"
        return _json_response(body, 201, {"Location": location})


def _json_response(
    body: dict[str, Any], status_code: int, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status_code, headers, media_type="application/json")


_COMPILED: dict[ClauseElement, str] = {}


def _compiled(statement: ClauseElement) -> str:
    sql = _COMPILED.get(statement)
    if sql is None:
        sql = driver_sql(statement)
        if len(_COMPILED) < 1024:  # module-level statements; anything else is compiled anew
            _COMPILED[statement] = sql
    return sql


_OUTBOX_SQL: dict[tuple[str, int], str] = {}


def _outbox_sql(schema: str, count: int) -> str:
    sql = _OUTBOX_SQL.get((schema, count))
    if sql is None:
        rows = ", ".join(["(%s, %s, %s::jsonb)"] * count)
        sql = f'INSERT INTO "{schema}".outbox (event_id, type, payload) VALUES {rows}'
        if len(_OUTBOX_SQL) < 256:
            _OUTBOX_SQL[(schema, count)] = sql
    return sql


@asynccontextmanager
async def unit_of_work(
    db: Database,
    *,
    schema: str,
    producer: str | None = None,
    user: CurrentUser | None = None,
    actor_id: int | None = None,
    meta: RequestMeta | None = None,
) -> AsyncIterator[UnitOfWork]:
    """A unit of work outside HTTP (a task, an event handler, a script): commits when the
    block ends, rolls back if it raises."""
    uow = UnitOfWork(
        db.sessionmaker,
        schema=schema,
        producer=producer or schema,
        user=user,
        actor_id=actor_id,
        meta=meta,
    )
    try:
        yield uow
        await uow.commit()
    finally:
        await uow.close()


async def _authenticated_uow(
    request: Request, user: Annotated[CurrentUser, Depends(current_user)]
) -> AsyncIterator[UnitOfWork]:
    # One generator, not a delegating `async for`: an endpoint's exception must reach the
    # `finally` now (rollback before the answer), not when the inner generator is
    # garbage-collected during some later request. The sessionmaker is read per request
    # (tests swap it).
    state = request.app.state
    uow = UnitOfWork(state.db.sessionmaker, schema=state.service, producer=state.service, user=user)
    try:
        yield uow
        await uow.commit()
    finally:
        await uow.close()


async def _public_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    state = request.app.state
    uow = UnitOfWork(state.db.sessionmaker, schema=state.service, producer=state.service)
    try:
        yield uow
        await uow.commit()
    finally:
        await uow.close()


UowDep = Annotated[UnitOfWork, Depends(_authenticated_uow, scope="function")]
"""The request's unit of work, for a signed-in caller (`uow.user`); committed when the
endpoint returns, before the response is sent; rolled back if it raises."""

PublicUowDep = Annotated[UnitOfWork, Depends(_public_uow, scope="function")]
"""The same for endpoints open to anyone (login, refresh): no `uow.user`."""

Handler = Callable[[UnitOfWork, Event], Awaitable[None]]
"""An event handler: applies one event inside the consumer's unit of work."""
