"""`Idempotency-Key` on creates: its header, its table and the table's migrations.

The key is claimed and answered by the unit of work (`shared.uow.UnitOfWork.idempotent`,
`.created`): the key's row is inserted in the request's own transaction, so a concurrent
request with the same key blocks on the unique index until the first commits, then reads
its stored response; if the first rolled back, the second proceeds as a new create.
"""

from __future__ import annotations

import functools
from typing import Annotated

import sqlalchemy as sa
from fastapi import Header
from sqlalchemy.dialects.postgresql import JSONB

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
