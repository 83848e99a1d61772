"""reporting: dead-letter store of events, indexes for replay and retention purges.

Revision ID: reporting_0003
Revises: reporting_0002
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

from shared.events.migration_ops import (
    create_dead_letters_and_retention_indexes,
    drop_dead_letters_and_retention_indexes,
)

revision: str = "reporting_0003"
down_revision: str | None = "reporting_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_dead_letters_and_retention_indexes("reporting")


def downgrade() -> None:
    drop_dead_letters_and_retention_indexes("reporting")
