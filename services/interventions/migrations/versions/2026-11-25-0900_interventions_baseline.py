"""interventions baseline: the schema's outbox and inbox.

Revision ID: interventions_0001
Revises:
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

from shared.events.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "interventions_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_and_inbox("interventions")


def downgrade() -> None:
    drop_outbox_and_inbox("interventions")
