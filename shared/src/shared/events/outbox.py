"""Transactional outbox and inbox tables, created in each service's own schema."""

from __future__ import annotations

import functools
import uuid

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    insert,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.envelope import Event

NOTIFY_CHANNEL = "mif_outbox"


def notify_trigger_sql(schema: str) -> str:
    """DDL of the trigger that wakes the relay when a transaction adds outbox rows."""
    return f"""
        CREATE FUNCTION "{schema}".outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{NOTIFY_CHANNEL}', TG_TABLE_SCHEMA);
            RETURN NULL;
        END $$;
        CREATE TRIGGER outbox_notify AFTER INSERT ON "{schema}".outbox
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".outbox_notify();
    """


@functools.cache
def outbox_table(schema: str) -> Table:
    return Table(
        "outbox",
        MetaData(schema=schema),
        Column("seq", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("type", Text, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
    )


@functools.cache
def inbox_table(schema: str) -> Table:
    return Table(
        "inbox",
        MetaData(schema=schema),
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("type", Text, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def add_event(session: AsyncSession, schema: str, event: Event) -> None:
    """Write `event` in the caller's transaction: it is published if and only if that
    transaction commits."""
    payload = orjson.loads(event.model_dump_json())
    await session.execute(
        insert(outbox_table(schema)).values(event_id=event.id, type=event.type, payload=payload)
    )


async def claim_event(session: AsyncSession, schema: str, event: Event) -> bool:
    """Record `event` as processed in the caller's transaction; False if it already was."""
    result = await session.execute(
        pg_insert(inbox_table(schema))
        .values(event_id=event.id, type=event.type)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(inbox_table(schema).c.event_id)
    )
    return result.scalar_one_or_none() is not None


def parse_event_id(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
