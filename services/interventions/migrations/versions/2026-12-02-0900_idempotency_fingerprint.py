"""idempotency_keys.fingerprint: the same key with another request body answers 422.

Revision ID: interventions_0004
Revises: interventions_0003
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

from shared.idempotency import add_fingerprint_column, drop_fingerprint_column

revision: str = "interventions_0004"
down_revision: str | None = "interventions_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_fingerprint_column("interventions")


def downgrade() -> None:
    drop_fingerprint_column("interventions")
