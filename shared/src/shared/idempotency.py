"""`Idempotency-Key` on creates: the same key sent again answers the first response.

The key is claimed by inserting its row in the request's own transaction: a concurrent
request with the same key blocks on the unique index until the first commits, then reads
its stored response; if the first rolled back, the second proceeds as a new create.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Header
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Problem

MAX_KEY_LENGTH = 200

IdempotencyKey = Annotated[
    str | None,
    # checked by the unit of work (400 when empty or over MAX_KEY_LENGTH), not here (422)
    Header(alias="Idempotency-Key", description="retry-safe create key (1 to 200 characters)"),
]


@functools.cache
def idempotency_table(schema: str) -> sa.Table:
    return sa.Table(
        "idempotency_keys",
        sa.MetaData(schema=schema),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text),
        sa.Column("status_code", sa.Integer),
        sa.Column("body", JSONB),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )


def create_idempotency_table(schema: str, *, fingerprint: bool = True) -> None:
    """Alembic op for a service's migration (`fingerprint=False`: the first version of the
    table, as migrations written before the request fingerprint created it)."""
    from alembic import op  # only migrations need Alembic: keep it out of API processes

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.Text, nullable=False),
        *([sa.Column("fingerprint", sa.Text)] if fingerprint else []),
        sa.Column("status_code", sa.Integer),
        sa.Column("body", JSONB),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=schema,
    )
    op.create_index(
        "ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], schema=schema
    )


def add_fingerprint_column(schema: str) -> None:
    """Alembic op: the request fingerprint of tables made before it existed."""
    from alembic import op

    op.add_column("idempotency_keys", sa.Column("fingerprint", sa.Text), schema=schema)


def drop_fingerprint_column(schema: str) -> None:
    from alembic import op

    op.drop_column("idempotency_keys", "fingerprint", schema=schema)


def drop_idempotency_table(schema: str) -> None:
    from alembic import op

    op.drop_table("idempotency_keys", schema=schema)


async def claim(
    session: AsyncSession, schema: str, key: str | None, user_id: int, scope: str
) -> dict[str, Any] | None:
    """None when the caller should proceed (no key, or the key is new: now claimed);
    otherwise the stored body of the first request with this key."""
    if key is None:
        return None
    table = idempotency_table(schema)
    inserted = await session.execute(
        pg_insert(table)
        .values(key=key, user_id=user_id, scope=scope)
        .on_conflict_do_nothing()
        .returning(table.c.key)
    )
    if inserted.scalar_one_or_none() is not None:
        return None
    row = (
        await session.execute(
            sa.select(table.c.scope, table.c.body).where(
                table.c.key == key, table.c.user_id == user_id
            )
        )
    ).one()
    if row.scope != scope:
        raise Problem(422, "this Idempotency-Key was used for another request")
    if row.body is None:
        raise Problem(409, "a request with this Idempotency-Key is still in progress")
    return dict(row.body)


async def remember(
    session: AsyncSession,
    schema: str,
    key: str | None,
    user_id: int,
    body: dict[str, Any],
    status_code: int = 201,
) -> None:
    """Store the response of a claimed key, in the same transaction as the create."""
    if key is None:
        return
    table = idempotency_table(schema)
    await session.execute(
        sa.update(table)
        .where(table.c.key == key, table.c.user_id == user_id)
        .values(body=body, status_code=status_code)
    )
