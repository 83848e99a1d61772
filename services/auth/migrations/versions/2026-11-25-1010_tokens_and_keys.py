"""refresh_tokens (hashed, rotation families) and signing_keys (Ed25519, encrypted).

Revision ID: auth_0003
Revises: auth_0002
Create Date: 2026-11-25 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "auth_0003"
down_revision: str | None = "auth_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "auth"


def upgrade() -> None:
    op.create_table(
        "refresh_tokens",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("family_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("replaced_by", postgresql.UUID(as_uuid=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("user_agent", sa.String(512)),
        sa.Column("ip_address", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{S}.users.id"],
            name="fk_refresh_tokens_user_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by"],
            [f"{S}.refresh_tokens.id"],
            name="fk_refresh_tokens_replaced_by_refresh_tokens",
            ondelete="SET NULL",
        ),
        schema=S,
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"], schema=S)
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"], schema=S)
    op.create_index("ix_refresh_tokens_expires_at", "refresh_tokens", ["expires_at"], schema=S)

    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_key_encrypted", sa.Text, nullable=False),
        sa.Column("public_jwk", postgresql.JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("kid", name="pk_signing_keys"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("signing_keys", schema=S)
    op.drop_table("refresh_tokens", schema=S)
