"""planning and documents: one slot per intervention with no double booking of a technician
on confirmed slots; uploaded documents with their SHA-256.

Revision ID: interventions_0003
Revises: interventions_0002
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "interventions_0003"
down_revision: str | None = "interventions_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "interventions"
TYPES_DOCUMENT = "'photo', 'rapport', 'manuel', 'certificat', 'facture'"


def upgrade() -> None:
    op.create_table(
        "planning",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "intervention_id",
            sa.Integer,
            sa.ForeignKey(f"{SCHEMA}.interventions.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("technicien_id", sa.Integer),
        sa.Column("date_debut", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date_fin", sa.DateTime(timezone=True), nullable=False),
        sa.Column("creneau", sa.String(100)),
        sa.Column("notes_planning", sa.Text),
        sa.Column("confirme", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("rappel_envoye", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column(
            "date_creation",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column(
            "date_modification",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("intervention_id", name="uq_planning_intervention_id"),
        sa.CheckConstraint("date_fin > date_debut", name="ck_planning_dates"),
        # A confirmed slot names its technician (an unbounded int4range would overlap all).
        sa.CheckConstraint(
            "NOT confirme OR technicien_id IS NOT NULL", name="ck_planning_confirme_technicien"
        ),
        schema=SCHEMA,
    )
    # Core PostgreSQL only (no btree_gist): the technician as a one-point int4range. Two
    # confirmed slots of one technician that overlap cannot both commit, however they race.
    op.execute(
        f"""
        ALTER TABLE {SCHEMA}.planning ADD CONSTRAINT ex_planning_technicien_overlap
        EXCLUDE USING gist (
            int4range(technicien_id, technicien_id, '[]') WITH &&,
            tstzrange(date_debut, date_fin) WITH &&
        ) WHERE (confirme)
        """
    )
    op.create_index(
        "ix_planning_technicien_date_debut",
        "planning",
        ["technicien_id", "date_debut"],
        schema=SCHEMA,
    )
    op.create_index("ix_planning_date_debut", "planning", ["date_debut", "id"], schema=SCHEMA)
    # The reminder task scans only confirmed slots not yet reminded.
    op.create_index(
        "ix_planning_rappel_du",
        "planning",
        ["date_debut"],
        schema=SCHEMA,
        postgresql_where=sa.text("confirme AND NOT rappel_envoye"),
    )
    # The copy of the technician follows the intervention's assignment; a slot whose
    # technician changes is no longer confirmed (the new technician has not agreed to it)
    # and must be reminded again once confirmed.
    op.execute(
        f"""
        CREATE FUNCTION {SCHEMA}.planning_suit_technicien() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {SCHEMA}.planning
               SET technicien_id = NEW.technicien_id,
                   confirme = false,
                   rappel_envoye = false,
                   version = version + 1,
                   date_modification = now()
             WHERE intervention_id = NEW.id
               AND technicien_id IS DISTINCT FROM NEW.technicien_id;
            RETURN NULL;
        END $$;
        CREATE TRIGGER planning_suit_technicien
            AFTER UPDATE OF technicien_id ON {SCHEMA}.interventions
            FOR EACH ROW
            WHEN (OLD.technicien_id IS DISTINCT FROM NEW.technicien_id)
            EXECUTE FUNCTION {SCHEMA}.planning_suit_technicien();
        """
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "intervention_id",
            sa.Integer,
            sa.ForeignKey(f"{SCHEMA}.interventions.id", ondelete="RESTRICT"),
        ),
        sa.Column("nom_fichier", sa.String(255), nullable=False),
        sa.Column("chemin", sa.String(255), nullable=False),
        sa.Column("type_document", sa.String(20), nullable=False),
        sa.Column("taille", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column(
            "date_upload", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("uploaded_by", sa.Integer, nullable=False),
        sa.Column("mime_type", sa.String(100), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("chemin", name="uq_documents_chemin"),
        sa.CheckConstraint(f"type_document IN ({TYPES_DOCUMENT})", name="ck_documents_type"),
        sa.CheckConstraint("taille >= 0", name="ck_documents_taille"),
        sa.CheckConstraint("checksum ~ '^[0-9a-f]{64}$'", name="ck_documents_checksum"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_documents_intervention_date",
        "documents",
        ["intervention_id", "date_upload"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_documents_intervention_date", table_name="documents", schema=SCHEMA)
    op.drop_table("documents", schema=SCHEMA)
    op.execute(f"DROP TRIGGER IF EXISTS planning_suit_technicien ON {SCHEMA}.interventions")
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.planning_suit_technicien()")
    op.drop_table("planning", schema=SCHEMA)
