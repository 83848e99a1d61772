"""users, techniciens, clients, competences, technicien_competence, with the seed's rules.

The seed's chk_user_role_technicien / chk_user_role_client are CHECKs with subqueries,
which PostgreSQL does not allow; triggers enforce the same rule in both directions.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "auth_0002"
down_revision: str | None = "auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "auth"

ENUMS = {
    "user_role": ("admin", "responsable", "technicien", "client"),
    "disponibilite_technicien": ("disponible", "occupe", "conge", "formation", "indisponible"),
    "type_client": ("premium", "standard", "basic"),
    "niveau_service": ("platinum", "gold", "standard", "basic"),
    "niveau_competence": ("debutant", "intermediaire", "avance", "expert"),
}


def enum(name: str) -> postgresql.ENUM:
    return postgresql.ENUM(*ENUMS[name], name=name, schema=S, create_type=False)


def timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]


def upgrade() -> None:
    for name, values in ENUMS.items():
        postgresql.ENUM(*values, name=name, schema=S).create(op.get_bind())

    op.create_table(
        "users",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("hashed_password", sa.Text, nullable=False),
        sa.Column("role", enum("user_role"), nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        schema=S,
    )
    op.create_index("idx_user_email_active", "users", ["email", "is_active"], schema=S)
    op.create_index("idx_user_username_role", "users", ["username", "role"], schema=S)
    op.create_index(
        "idx_active_users", "users", ["role"], schema=S, postgresql_where=sa.text("is_active")
    )

    op.create_table(
        "techniciens",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("specialite", sa.String(100)),
        sa.Column(
            "disponibilite",
            enum("disponibilite_technicien"),
            nullable=False,
            server_default="disponible",
        ),
        sa.Column("equipe", sa.String(100)),
        sa.Column("zone_geographique", sa.String(100)),
        sa.Column("notes_competences", sa.Text),
        sa.Column("date_embauche", sa.Date),
        *timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_techniciens"),
        sa.UniqueConstraint("user_id", name="uq_techniciens_user_id"),
        sa.ForeignKeyConstraint(
            ["user_id"], [f"{S}.users.id"], name="fk_technicien_user", ondelete="CASCADE"
        ),
        schema=S,
    )
    op.create_index("ix_techniciens_disponibilite", "techniciens", ["disponibilite"], schema=S)

    op.create_table(
        "clients",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("nom_entreprise", sa.String(200), nullable=False),
        sa.Column("secteur_activite", sa.String(100)),
        sa.Column("type_client", enum("type_client"), nullable=False, server_default="standard"),
        sa.Column(
            "niveau_service", enum("niveau_service"), nullable=False, server_default="standard"
        ),
        sa.Column("adresse", sa.Text),
        sa.Column("ville", sa.String(100)),
        sa.Column("code_postal", sa.String(20)),
        sa.Column("telephone", sa.String(30)),
        sa.Column("email_commercial", sa.String(254)),
        sa.Column("contact_principal", sa.String(200)),
        sa.Column("notes_commerciales", sa.Text),
        sa.Column("instructions_particulieres", sa.Text),
        *timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
        sa.UniqueConstraint("user_id", name="uq_clients_user_id"),
        sa.ForeignKeyConstraint(
            ["user_id"], [f"{S}.users.id"], name="fk_client_user", ondelete="CASCADE"
        ),
        schema=S,
    )

    op.create_table(
        "competences",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("nom", sa.String(150), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("niveau_requis", enum("niveau_competence")),
        sa.Column("certification", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        *timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_competences"),
        sa.UniqueConstraint("nom", name="uq_competences_nom"),
        schema=S,
    )

    op.create_table(
        "technicien_competence",
        sa.Column("technicien_id", sa.Integer, nullable=False),
        sa.Column("competence_id", sa.Integer, nullable=False),
        sa.Column("niveau_acquis", enum("niveau_competence"), nullable=False),
        sa.Column("date_acquisition", sa.Date),
        sa.Column("date_expiration", sa.Date),
        sa.Column("notes", sa.Text),
        sa.Column("certifie", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("technicien_id", "competence_id", name="pk_technicien_competence"),
        sa.ForeignKeyConstraint(
            ["technicien_id"],
            [f"{S}.techniciens.id"],
            name="fk_technicien_competence_technicien",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            [f"{S}.competences.id"],
            name="fk_technicien_competence_competence",
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "date_expiration IS NULL OR date_acquisition IS NULL "
            "OR date_expiration >= date_acquisition",
            name="chk_technicien_competence_dates",
        ),
        schema=S,
    )
    op.create_index(
        "ix_technicien_competence_competence_id",
        "technicien_competence",
        ["competence_id"],
        schema=S,
    )

    # A profile needs a user of the matching role. FOR SHARE locks that user row until
    # commit, so a concurrent role change waits and then sees the new profile (the FK's own
    # KEY SHARE lock would not block an update of `role`).
    op.execute(
        f"""
        CREATE FUNCTION {S}.check_profile_user_role() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            expected {S}.user_role := TG_ARGV[0]::{S}.user_role;
            actual {S}.user_role;
        BEGIN
            SELECT role INTO actual FROM {S}.users WHERE id = NEW.user_id FOR SHARE;
            IF FOUND AND actual IS DISTINCT FROM expected THEN
                RAISE EXCEPTION 'user % has role %, a % profile needs role %',
                    NEW.user_id, actual, TG_TABLE_NAME, expected
                    USING CONSTRAINT = 'chk_user_role_' || expected;
            END IF;
            RETURN NEW;
        END $$;

        CREATE TRIGGER chk_user_role_technicien
            BEFORE INSERT OR UPDATE OF user_id ON {S}.techniciens
            FOR EACH ROW EXECUTE FUNCTION {S}.check_profile_user_role('technicien');
        CREATE TRIGGER chk_user_role_client
            BEFORE INSERT OR UPDATE OF user_id ON {S}.clients
            FOR EACH ROW EXECUTE FUNCTION {S}.check_profile_user_role('client');

        CREATE FUNCTION {S}.check_user_role_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.role <> 'technicien'
               AND EXISTS (SELECT 1 FROM {S}.techniciens WHERE user_id = NEW.id) THEN
                RAISE EXCEPTION 'user % has a technicien profile, its role must stay technicien',
                    NEW.id USING CONSTRAINT = 'chk_user_role_technicien';
            END IF;
            IF NEW.role <> 'client'
               AND EXISTS (SELECT 1 FROM {S}.clients WHERE user_id = NEW.id) THEN
                RAISE EXCEPTION 'user % has a client profile, its role must stay client',
                    NEW.id USING CONSTRAINT = 'chk_user_role_client';
            END IF;
            RETURN NEW;
        END $$;

        CREATE TRIGGER chk_user_role_profiles
            BEFORE UPDATE OF role ON {S}.users
            FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role)
            EXECUTE FUNCTION {S}.check_user_role_change();
        """
    )


def downgrade() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS chk_user_role_profiles ON {S}.users")
    op.execute(f"DROP FUNCTION IF EXISTS {S}.check_user_role_change()")
    op.execute(f"DROP TRIGGER IF EXISTS chk_user_role_client ON {S}.clients")
    op.execute(f"DROP TRIGGER IF EXISTS chk_user_role_technicien ON {S}.techniciens")
    op.execute(f"DROP FUNCTION IF EXISTS {S}.check_profile_user_role()")
    op.drop_table("technicien_competence", schema=S)
    op.drop_table("competences", schema=S)
    op.drop_table("clients", schema=S)
    op.drop_table("techniciens", schema=S)
    op.drop_table("users", schema=S)
    for name in reversed(list(ENUMS)):
        postgresql.ENUM(name=name, schema=S).drop(op.get_bind())
