"""interventions: working periods, waiting time, first assignment and pick-up times, costs
(labour and parts), warranty flag, report; planning slots get a statut (cancelled slots free
their technician).

Existing rows: a started intervention's pick-up time is its `date_debut`; a closed one gets
one working period from `date_debut` to `date_fin` (what `duree_reelle` counted until now).

Revision ID: interventions_0006
Revises: interventions_0005
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "interventions_0006"
down_revision: str | None = "interventions_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "interventions"

UPGRADE = f"""
ALTER TABLE {S}.interventions
    ADD COLUMN periodes jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN duree_attente numeric(8, 2),
    ADD COLUMN date_affectation timestamptz,
    ADD COLUMN date_prise_en_charge timestamptz,
    ADD COLUMN motif_attente varchar(20),
    ADD COLUMN cout_main_oeuvre numeric(12, 2),
    ADD COLUMN cout_pieces numeric(12, 2) NOT NULL DEFAULT 0,
    ADD COLUMN sous_garantie boolean NOT NULL DEFAULT false,
    ADD COLUMN rapport text,
    ADD CONSTRAINT ck_intervention_periodes_liste CHECK (jsonb_typeof(periodes) = 'array'),
    ADD CONSTRAINT ck_intervention_duree_attente
        CHECK (duree_attente IS NULL OR duree_attente >= 0),
    ADD CONSTRAINT ck_intervention_motif_attente
        CHECK (motif_attente IS NULL OR motif_attente IN ('client', 'pieces', 'technique', 'autre'));

UPDATE {S}.interventions SET date_prise_en_charge = date_debut WHERE date_debut IS NOT NULL;
UPDATE {S}.interventions
   SET periodes = jsonb_build_array(jsonb_build_object(
           'statut', 'en_cours',
           'debut', to_char(date_debut AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
           'fin', to_char(date_fin AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))),
       duree_attente = 0
 WHERE date_debut IS NOT NULL AND date_fin IS NOT NULL;

ALTER TABLE {S}.planning
    ADD COLUMN statut varchar(20) NOT NULL DEFAULT 'planifie',
    ADD CONSTRAINT ck_planning_statut CHECK (statut IN ('planifie', 'annule')),
    ADD CONSTRAINT ck_planning_annule_libre CHECK (statut = 'planifie' OR NOT confirme);
"""

DOWNGRADE = f"""
ALTER TABLE {S}.planning
    DROP CONSTRAINT ck_planning_annule_libre,
    DROP CONSTRAINT ck_planning_statut,
    DROP COLUMN statut;
ALTER TABLE {S}.interventions
    DROP CONSTRAINT ck_intervention_motif_attente,
    DROP CONSTRAINT ck_intervention_duree_attente,
    DROP CONSTRAINT ck_intervention_periodes_liste,
    DROP COLUMN rapport,
    DROP COLUMN sous_garantie,
    DROP COLUMN cout_pieces,
    DROP COLUMN cout_main_oeuvre,
    DROP COLUMN motif_attente,
    DROP COLUMN date_prise_en_charge,
    DROP COLUMN date_affectation,
    DROP COLUMN duree_attente,
    DROP COLUMN periodes;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
