"""equipements: warranty (`duree_garantie_mois`, `date_fin_garantie`), the seed's example
migration `add_equipment_warranty`, with its data migration: equipment with an installation
date gets the standard 12-month warranty from that date.

Revision ID: interventions_0007
Revises: interventions_0006
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "interventions_0007"
down_revision: str | None = "interventions_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "interventions"
DUREE_STANDARD_MOIS = 12


def upgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE {S}.equipements
            ADD COLUMN duree_garantie_mois integer,
            ADD COLUMN date_fin_garantie date,
            ADD CONSTRAINT ck_equipements_garantie_positive
                CHECK (duree_garantie_mois IS NULL OR duree_garantie_mois BETWEEN 0 AND 600);
        UPDATE {S}.equipements
           SET duree_garantie_mois = {DUREE_STANDARD_MOIS},
               date_fin_garantie = (date_installation
                   + make_interval(months => {DUREE_STANDARD_MOIS}))::date
         WHERE date_installation IS NOT NULL;
        CREATE INDEX idx_equipement_fin_garantie ON {S}.equipements (date_fin_garantie)
            WHERE date_fin_garantie IS NOT NULL;
        """
    )


def downgrade() -> None:
    op.execute(
        f"""
        DROP INDEX {S}.idx_equipement_fin_garantie;
        ALTER TABLE {S}.equipements
            DROP CONSTRAINT ck_equipements_garantie_positive,
            DROP COLUMN date_fin_garantie,
            DROP COLUMN duree_garantie_mois;
        """
    )
