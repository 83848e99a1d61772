"""clients.ice and clients.adresse_facturation: the billing identity invoices print (API.md).

Revision ID: auth_0008
Revises: auth_0007
Create Date: 2026-12-08 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "auth_0008"
down_revision: str | None = "auth_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("ice", sa.String(15)), schema="auth")
    op.add_column("clients", sa.Column("adresse_facturation", sa.Text), schema="auth")
    op.create_check_constraint(
        "ck_clients_ice_15_digits", "clients", "ice ~ '^[0-9]{15}$'", schema="auth"
    )


def downgrade() -> None:
    op.drop_constraint("ck_clients_ice_15_digits", "clients", schema="auth")
    op.drop_column("clients", "adresse_facturation", schema="auth")
    op.drop_column("clients", "ice", schema="auth")
