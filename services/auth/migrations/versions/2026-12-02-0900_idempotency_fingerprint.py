"""idempotency_keys.fingerprint: the same key with another request body answers 422.

Revision ID: auth_0005
Revises: auth_0004
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

from shared.idempotency import add_fingerprint_column, drop_fingerprint_column

revision: str = "auth_0005"
down_revision: str | None = "auth_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_fingerprint_column("auth")


def downgrade() -> None:
    drop_fingerprint_column("auth")
