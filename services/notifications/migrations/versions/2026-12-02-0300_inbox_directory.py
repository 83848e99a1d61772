"""notifications: the seed's per-user inbox, its e-mail deliveries, preferences, and the
local directory (users, technicians, clients, equipment, interventions) fed by events.

Revision ID: notifications_0002
Revises: notifications_0001
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notifications_0002"
down_revision: str | None = "notifications_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notifications"
CHANNEL = "mif_notifications"


def _updated_at() -> sa.Column[object]:
    # occurred_at of the last event applied: an older, redelivered event never wins
    return sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    type_notification = postgresql.ENUM(
        "info",
        "warning",
        "error",
        "success",
        "intervention",
        "planning",
        name="type_notification",
        schema=SCHEMA,
    )
    statut_envoi = postgresql.ENUM(
        "en_attente", "envoye", "echec", name="statut_envoi", schema=SCHEMA
    )
    type_notification.create(op.get_bind())
    statut_envoi.create(op.get_bind())
    type_col = postgresql.ENUM(name="type_notification", schema=SCHEMA, create_type=False)
    statut_col = postgresql.ENUM(name="statut_envoi", schema=SCHEMA, create_type=False)

    op.create_table(
        "utilisateurs_replica",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("username", sa.String(150)),
        sa.Column("email", sa.String(255)),
        sa.Column("full_name", sa.String(255)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("technicien_id", sa.Integer),
        sa.Column("client_id", sa.Integer),
        _updated_at(),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_utilisateurs_replica_role_actifs",
        "utilisateurs_replica",
        ["role"],
        schema=SCHEMA,
        postgresql_where=sa.text("is_active"),
    )
    op.create_index(
        "ix_utilisateurs_replica_technicien_id",
        "utilisateurs_replica",
        ["technicien_id"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_utilisateurs_replica_client_id", "utilisateurs_replica", ["client_id"], schema=SCHEMA
    )
    op.create_table(
        "techniciens_replica",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("full_name", sa.String(255)),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        _updated_at(),
        schema=SCHEMA,
    )
    op.create_table(
        "clients_replica",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("nom_entreprise", sa.String(255)),
        sa.Column("full_name", sa.String(255)),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        _updated_at(),
        schema=SCHEMA,
    )
    op.create_table(
        "equipements_replica",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("client_id", sa.Integer),
        sa.Column("nom", sa.String(255)),
        sa.Column("numero_serie", sa.String(255)),
        _updated_at(),
        schema=SCHEMA,
    )
    op.create_table(
        "interventions_replica",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("titre", sa.String(255)),
        sa.Column("equipement_id", sa.Integer),
        sa.Column("client_id", sa.Integer),
        sa.Column("technicien_id", sa.Integer),
        sa.Column("statut", sa.String(30)),
        _updated_at(),
        schema=SCHEMA,
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("titre", sa.String(255), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("type_notification", type_col, nullable=False),
        sa.Column("lu", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column(
            "date_envoi", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("date_lu", sa.DateTime(timezone=True)),
        sa.Column("intervention_id", sa.Integer),
        sa.Column("metadata", postgresql.JSONB, nullable=False, server_default="{}"),
        # the event it tells of: one notification per event and recipient, whatever happens
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.UniqueConstraint("event_id", "user_id", name="uq_notifications_event_id"),
        sa.CheckConstraint("lu = (date_lu IS NOT NULL)", name="ck_notifications_lu_date_lu"),
        schema=SCHEMA,
    )
    # the seed's indexes
    op.create_index("idx_notification_user_lu", "notifications", ["user_id", "lu"], schema=SCHEMA)
    op.create_index(
        "idx_notification_date_type",
        "notifications",
        ["date_envoi", "type_notification"],
        schema=SCHEMA,
    )
    op.create_index(
        "idx_unread_notifications",
        "notifications",
        ["user_id", "date_envoi"],
        schema=SCHEMA,
        postgresql_where=sa.text("lu = FALSE"),
    )
    # the inbox list and the stream's catch-up read a user's rows by id (keyset)
    op.create_index(
        "ix_notifications_user_id_id", "notifications", ["user_id", "id"], schema=SCHEMA
    )
    # every new row wakes the streams of its user, on every API replica, at commit
    op.execute(
        f"""
        CREATE FUNCTION {SCHEMA}.notification_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.user_id::text || ':' || NEW.id::text);
            RETURN NULL;
        END $$;
        CREATE TRIGGER notification_notify AFTER INSERT ON {SCHEMA}.notifications
            FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.notification_notify();
        """
    )

    op.create_table(
        "envois",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "notification_id",
            sa.BigInteger,
            sa.ForeignKey(f"{SCHEMA}.notifications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("canal", sa.String(20), nullable=False, server_default="email"),
        sa.Column("destinataire", sa.String(255), nullable=False),
        sa.Column("statut", statut_col, nullable=False, server_default="en_attente"),
        sa.Column("tentatives", sa.Integer, nullable=False, server_default="0"),
        sa.Column("derniere_erreur", sa.Text),
        sa.Column(
            "date_creation",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("date_envoi", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("notification_id", "canal", name="uq_envois_notification_id"),
        schema=SCHEMA,
    )
    # the sweep re-queues deliveries whose task was lost
    op.create_index(
        "ix_envois_en_attente",
        "envois",
        ["date_creation"],
        schema=SCHEMA,
        postgresql_where=sa.text("statut = 'en_attente'"),
    )

    op.create_table(
        "preferences",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("type_notification", type_col, primary_key=True),
        sa.Column("email", sa.Boolean, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "preferences_suivi",
        sa.Column("user_id", sa.Integer, primary_key=True),
        # a client who turns this off is no longer told of each step of its interventions
        sa.Column("suivi_interventions", sa.Boolean, nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("preferences_suivi", schema=SCHEMA)
    op.drop_table("preferences", schema=SCHEMA)
    op.drop_table("envois", schema=SCHEMA)
    op.execute(f"DROP TRIGGER IF EXISTS notification_notify ON {SCHEMA}.notifications")
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.notification_notify()")
    op.drop_table("notifications", schema=SCHEMA)
    for table in (
        "interventions_replica",
        "equipements_replica",
        "clients_replica",
        "techniciens_replica",
        "utilisateurs_replica",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f"DROP TYPE IF EXISTS {SCHEMA}.statut_envoi")
    op.execute(f"DROP TYPE IF EXISTS {SCHEMA}.type_notification")
