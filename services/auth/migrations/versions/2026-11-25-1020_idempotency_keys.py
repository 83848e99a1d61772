"""idempotency_keys: a create sent again with its Idempotency-Key answers the first result.

Revision ID: auth_0004
Revises: auth_0003
Create Date: 2026-11-25 10:20:00
"""

from collections.abc import Sequence

from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "auth_0004"
down_revision: str | None = "auth_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_idempotency_table("auth", fingerprint=False)


def downgrade() -> None:
    drop_idempotency_table("auth")
