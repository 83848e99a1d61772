"""The dead-letter store of a service: events its handlers could not apply after every
retry, and messages that are not events at all, kept with the error and the attempt count
until an operator retries or drops them (`python -m shared.events dead-letters ...`)."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import orjson
from prometheus_client import Gauge
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert

from shared.db import Database

DEAD_LETTERS = Gauge(
    "mif_event_dead_letters",
    "Events parked in the service's dead-letter store (waiting for retry or drop)",
    ["service"],
)

MAX_ERROR_LENGTH = 4000


@functools.cache
def dead_letter_table(schema: str) -> Table:
    return Table(
        "dead_letters",
        MetaData(schema=schema),
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True), unique=True),
        Column("type", Text),
        Column("payload", JSONB, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column(
            "first_failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
        Column(
            "last_failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
    )


def _jsonable(body: Any) -> Any:
    """The message body as JSON PostgreSQL accepts, whatever it was: kept as sent when it
    can be, else as its escaped text (`jsonb` refuses NUL characters)."""
    try:
        encoded = orjson.dumps(body)
    except TypeError:
        encoded = b"\\u0000"  # not JSON at all: fall through to the escaped text
    if b"\\u0000" not in encoded:
        return orjson.loads(encoded)
    return {"raw": ascii(body)[:MAX_ERROR_LENGTH]}


async def park(
    db: Database,
    schema: str,
    body: Any,
    error: str,
    attempts: int,
    event_id: uuid.UUID | None = None,
    event_type: str | None = None,
) -> None:
    """Keep a message that could not be applied; the same event parked again adds its
    attempts to the existing row instead of a second row."""
    table = dead_letter_table(schema)
    statement = pg_insert(table).values(
        event_id=event_id,
        type=event_type,
        payload=_jsonable(body),
        error=error.replace("\x00", "\\x00")[:MAX_ERROR_LENGTH],
        attempts=attempts,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["event_id"],
        set_={
            "error": statement.excluded.error,
            "attempts": table.c.attempts + statement.excluded.attempts,
            "last_failed_at": func.now(),
        },
    )
    async with db.sessionmaker() as session, session.begin():
        await session.execute(statement)


async def refresh_gauge(db: Database, schema: str) -> None:
    """Set the `mif_event_dead_letters` gauge from the table (called by /metrics)."""
    async with db.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(dead_letter_table(schema)))
    DEAD_LETTERS.labels(service=schema).set(count or 0)
