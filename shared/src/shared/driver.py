"""The raw psycopg 3 connection under SQLAlchemy, for a request's hottest statements.

SQLAlchemy spends about 0.12 ms of CPU per statement on top of psycopg (execution
context, result proxy, type processing). A hot path can run its few statements on the
driver connection of the same pooled connection, inside the same transaction, with SQL
compiled once from the same Core statement (so the models still define it)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

_DIALECT = psycopg_dialect.dialect()


def driver_sql(statement: ClauseElement) -> str:
    """The SQL psycopg runs for `statement`, with `%(name)s` placeholders for its
    `bindparam`s. Compile once (at import), not per request."""
    return str(statement.compile(dialect=_DIALECT))


async def driver_connection(
    source: AsyncSession | AsyncConnection,
) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under a session (its transaction: what runs on it commits
    or rolls back with the session) or under an engine connection."""
    conn = await source.connection() if isinstance(source, AsyncSession) else source
    raw = await conn.get_raw_connection()
    driver: psycopg.AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    return driver


async def fetch_one(
    conn: psycopg.AsyncConnection[Any],
    sql: str,
    params: dict[str, Any],
    *,
    as_dict: bool = False,
) -> Any:
    """The first row of one read-only statement (a tuple, or with `as_dict` a dict of
    column name -> value), or None. When no transaction is open yet, it runs in
    autocommit: one round trip instead of BEGIN, the statement and COMMIT (a single
    statement is atomic alone). Inside an open transaction it runs in it.
    Services read through `UnitOfWork.fetch_one`."""
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    if idle:
        await conn.set_autocommit(True)
    try:
        cursor = conn.cursor(row_factory=dict_row) if as_dict else conn.cursor()
        await cursor.execute(sql, params)
        row = await cursor.fetchone()
    finally:
        if idle:
            # the pooled connection goes back as SQLAlchemy expects it
            await conn.set_autocommit(False)
    return row


async def pooled_fetch_one(engine: AsyncEngine, sql: str, params: dict[str, Any]) -> Any:
    """`fetch_one` (as a dict) in autocommit on a connection of the engine's pool, taken
    and given back without a Connection or Session around it."""
    fairy = await engine.raw_connection()
    conn: psycopg.AsyncConnection[Any] = fairy.driver_connection  # type: ignore[assignment]
    try:
        return await fetch_one(conn, sql, params, as_dict=True)
    except BaseException:
        if conn.closed or conn.broken:
            fairy.invalidate()  # not back into the pool
        raise
    finally:
        # the pool's reset (a ROLLBACK psycopg skips when idle) runs the adapted
        # connection's methods, which need SQLAlchemy's greenlet
        await greenlet_spawn(fairy.close)
