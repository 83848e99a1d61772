"""equipements: their audit trail (creates, changes, lifecycle moves, deletion), append-only
and hash-chained per equipment like the interventions' one. No foreign key: the trail of a
deleted equipment stays.

Revision ID: interventions_0008
Revises: interventions_0007
Create Date: 2026-12-08 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "interventions_0008"
down_revision: str | None = "interventions_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "interventions"
ROLE = "interventions_svc"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {S}.historiques_equipements (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            equipement_id integer NOT NULL,
            user_id integer,
            action varchar(30) NOT NULL,
            description text NOT NULL,
            ancienne_valeur jsonb,
            nouvelle_valeur jsonb,
            horodatage timestamptz NOT NULL DEFAULT now(),
            adresse_ip inet,
            user_agent text,
            prev_hash varchar(64) NOT NULL,
            hash varchar(64) NOT NULL,
            CONSTRAINT ck_historique_equipement_action CHECK (action IN
                ('creation', 'modification', 'changement_statut', 'suppression'))
        );
        CREATE INDEX idx_historique_equipement_id ON {S}.historiques_equipements (equipement_id, id);
        CREATE TRIGGER historique_equipement_immuable
            BEFORE UPDATE OR DELETE ON {S}.historiques_equipements
            FOR EACH ROW EXECUTE FUNCTION {S}.historique_immuable();
        CREATE TRIGGER historique_equipement_immuable_truncate
            BEFORE TRUNCATE ON {S}.historiques_equipements
            FOR EACH STATEMENT EXECUTE FUNCTION {S}.historique_immuable();
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
                GRANT SELECT, INSERT ON {S}.historiques_equipements TO {ROLE};
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.historiques_equipements")
