"""reporting: read models fed by events, the seed's materialized views, reports and
report schedules.

Revision ID: reporting_0002
Revises: reporting_0001
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "reporting_0002"
down_revision: str | None = "reporting_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every read-model row keeps `event_at`, the `occurred_at` of the event that last wrote
# it: an older event arriving late never overwrites a newer state.
UPGRADE = """
CREATE TABLE reporting.rm_users (
    id bigint PRIMARY KEY,
    username text, email text, full_name text, role text,
    is_active boolean NOT NULL DEFAULT true,
    technicien_id bigint, client_id bigint,
    event_at timestamptz NOT NULL
);
CREATE TABLE reporting.rm_techniciens (
    id bigint PRIMARY KEY,
    user_id bigint, username text, full_name text, email text,
    disponibilite text, specialite text, equipe text, zone_geographique text,
    is_active boolean NOT NULL DEFAULT true,
    supprime boolean NOT NULL DEFAULT false,
    event_at timestamptz NOT NULL
);
CREATE TABLE reporting.rm_clients (
    id bigint PRIMARY KEY,
    user_id bigint, username text, email text, full_name text,
    nom_entreprise text, type_client text, niveau_service text,
    is_active boolean NOT NULL DEFAULT true,
    supprime boolean NOT NULL DEFAULT false,
    event_at timestamptz NOT NULL
);
CREATE TABLE reporting.rm_equipements (
    id bigint PRIMARY KEY,
    client_id bigint, nom text, numero_serie text, criticite text, statut text,
    date_installation date,
    supprime boolean NOT NULL DEFAULT false,
    event_at timestamptz NOT NULL
);
CREATE INDEX ix_rm_equipements_client ON reporting.rm_equipements (client_id);
CREATE TABLE reporting.rm_interventions (
    id bigint PRIMARY KEY,
    equipement_id bigint, client_id bigint, technicien_id bigint,
    type_intervention text, statut text, priorite text, urgence boolean,
    titre text,
    date_creation timestamptz, date_debut timestamptz, date_fin timestamptz,
    date_limite timestamptz, date_affectation timestamptz, date_prise_en_charge timestamptz,
    duree_reelle numeric(10, 2), duree_attente numeric(10, 2),
    heures_travail numeric(10, 2),
    cout_reel numeric(14, 2), satisfaction_client smallint,
    sous_garantie boolean,
    event_at timestamptz NOT NULL
);
CREATE INDEX ix_rm_interventions_fin ON reporting.rm_interventions (date_fin)
    INCLUDE (statut, type_intervention, heures_travail, duree_reelle, date_limite, client_id,
             technicien_id, equipement_id);
CREATE INDEX ix_rm_interventions_creation ON reporting.rm_interventions (date_creation);
CREATE INDEX ix_rm_interventions_technicien ON reporting.rm_interventions (technicien_id);
CREATE INDEX ix_rm_interventions_equipement ON reporting.rm_interventions (equipement_id);
CREATE INDEX ix_rm_interventions_ouvertes ON reporting.rm_interventions (priorite, date_creation)
    WHERE statut IN ('ouverte', 'affectee', 'en_cours', 'en_attente');
CREATE TABLE reporting.rm_planning (
    id bigint PRIMARY KEY,
    intervention_id bigint, technicien_id bigint, client_id bigint,
    date_debut timestamptz, date_fin timestamptz, statut text,
    event_at timestamptz NOT NULL
);
CREATE INDEX ix_rm_planning_intervention ON reporting.rm_planning (intervention_id);
CREATE TABLE reporting.rm_pieces (
    id bigint PRIMARY KEY,
    reference text, nom text,
    stock_disponible numeric(14, 2), stock_minimum numeric(14, 2),
    prix_unitaire numeric(14, 2),
    actif boolean NOT NULL DEFAULT true,
    event_at timestamptz NOT NULL,
    stock_at timestamptz
);
CREATE TABLE reporting.rm_pieces_consommees (
    id bigint PRIMARY KEY,
    intervention_id bigint, client_id bigint, technicien_id bigint, piece_id bigint,
    reference text, nom text,
    quantite numeric(14, 2), prix_unitaire numeric(14, 2), montant numeric(14, 2),
    occurred_at timestamptz NOT NULL
);
CREATE INDEX ix_rm_pieces_consommees_at ON reporting.rm_pieces_consommees (occurred_at);
CREATE TABLE reporting.rm_mouvements_stock (
    id bigint PRIMARY KEY,
    piece_id bigint, type_mouvement text, quantite numeric(14, 2), emplacement text,
    stock_apres numeric(14, 2), prix_unitaire numeric(14, 2), intervention_id bigint,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX ix_rm_mouvements_stock_at ON reporting.rm_mouvements_stock (occurred_at);
CREATE TABLE reporting.rm_factures (
    kind text NOT NULL CHECK (kind IN ('facture', 'avoir')),
    id bigint NOT NULL,
    client_id bigint, numero text,
    montant_ht numeric(14, 2), montant_tva numeric(14, 2), montant_ttc numeric(14, 2),
    date_emission timestamptz, date_echeance timestamptz, statut text,
    date_paiement timestamptz,
    event_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE reporting.rm_sla (
    event_id uuid PRIMARY KEY,
    type text NOT NULL, kind text, contrat_id bigint, client_id bigint,
    intervention_id bigint, priorite text, echeance timestamptz,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX ix_rm_sla_intervention ON reporting.rm_sla (intervention_id);

-- The seed's materialized views, over the read models (never another service's schema).
CREATE MATERIALIZED VIEW reporting.mv_technician_stats AS
SELECT
    t.id AS technician_id,
    t.user_id,
    coalesce(u.username, t.username) AS username,
    count(i.id) AS total_interventions,
    count(CASE WHEN i.statut IN ('cloturee', 'archivee') THEN 1 END) AS completed_interventions,
    avg(CASE WHEN i.duree_reelle IS NOT NULL THEN i.duree_reelle END) AS avg_duration,
    avg(CASE WHEN i.satisfaction_client IS NOT NULL THEN i.satisfaction_client END)
        AS avg_satisfaction
FROM reporting.rm_techniciens t
LEFT JOIN reporting.rm_users u ON u.id = t.user_id
LEFT JOIN reporting.rm_interventions i ON t.id = i.technicien_id
WHERE NOT t.supprime
GROUP BY t.id, t.user_id, coalesce(u.username, t.username);
CREATE UNIQUE INDEX ux_mv_technician_stats ON reporting.mv_technician_stats (technician_id);

CREATE MATERIALIZED VIEW reporting.mv_client_equipment_summary AS
SELECT
    c.id AS client_id,
    c.nom_entreprise,
    count(e.id) AS total_equipment,
    count(CASE WHEN e.statut = 'operationnel' THEN 1 END) AS operational_equipment,
    count(CASE WHEN e.statut = 'panne' THEN 1 END) AS failed_equipment,
    count(CASE WHEN e.criticite = 'critique' THEN 1 END) AS critical_equipment
FROM reporting.rm_clients c
LEFT JOIN reporting.rm_equipements e ON c.id = e.client_id AND NOT e.supprime
WHERE NOT c.supprime
GROUP BY c.id, c.nom_entreprise;
CREATE UNIQUE INDEX ux_mv_client_equipment_summary
    ON reporting.mv_client_equipment_summary (client_id);

CREATE TABLE reporting.mv_refresh (
    view_name text PRIMARY KEY,
    refreshed_at timestamptz NOT NULL,
    duree_ms numeric(12, 1) NOT NULL
);

CREATE OR REPLACE FUNCTION reporting.refresh_materialized_views()
RETURNS void AS $$
DECLARE
    started timestamptz;
BEGIN
    started := clock_timestamp();
    REFRESH MATERIALIZED VIEW CONCURRENTLY reporting.mv_technician_stats;
    INSERT INTO reporting.mv_refresh VALUES ('mv_technician_stats', clock_timestamp(),
        extract(epoch FROM clock_timestamp() - started) * 1000)
    ON CONFLICT (view_name) DO UPDATE
        SET refreshed_at = EXCLUDED.refreshed_at, duree_ms = EXCLUDED.duree_ms;
    started := clock_timestamp();
    REFRESH MATERIALIZED VIEW CONCURRENTLY reporting.mv_client_equipment_summary;
    INSERT INTO reporting.mv_refresh VALUES ('mv_client_equipment_summary', clock_timestamp(),
        extract(epoch FROM clock_timestamp() - started) * 1000)
    ON CONFLICT (view_name) DO UPDATE
        SET refreshed_at = EXCLUDED.refreshed_at, duree_ms = EXCLUDED.duree_ms;
END;
$$ LANGUAGE plpgsql;

CREATE TYPE reporting.type_report AS ENUM
    ('interventions', 'performance', 'stock', 'facturation', 'client');
CREATE TYPE reporting.format_report AS ENUM ('pdf', 'excel', 'csv');
CREATE TYPE reporting.statut_report AS ENUM ('en_cours', 'termine', 'erreur');

CREATE TABLE reporting.reports (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    nom varchar(200) NOT NULL,
    type_report reporting.type_report NOT NULL,
    format reporting.format_report NOT NULL,
    parametres jsonb NOT NULL DEFAULT '{}'::jsonb,
    date_generation timestamptz,
    generated_by bigint NOT NULL,
    chemin_fichier text,
    taille bigint,
    statut reporting.statut_report NOT NULL DEFAULT 'en_cours',
    erreur_message text,
    progression smallint NOT NULL DEFAULT 0 CHECK (progression BETWEEN 0 AND 100),
    destinataires jsonb NOT NULL DEFAULT '[]'::jsonb,
    schedule_id bigint,
    lease_owner text,
    lease_expires_at timestamptz,
    tentatives smallint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_reports_en_cours ON reporting.reports (lease_expires_at)
    WHERE statut = 'en_cours';
CREATE INDEX ix_reports_generated_by ON reporting.reports (generated_by, id);
CREATE INDEX ix_reports_purge ON reporting.reports (date_generation)
    WHERE chemin_fichier IS NOT NULL;

CREATE TABLE reporting.report_schedules (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES reporting.reports (id) ON DELETE CASCADE,
    nom_schedule varchar(200) NOT NULL,
    cron_expression varchar(120) NOT NULL,
    timezone varchar(64) NOT NULL DEFAULT 'Africa/Casablanca',
    active boolean NOT NULL DEFAULT true,
    destinataires jsonb NOT NULL DEFAULT '[]'::jsonb,
    derniere_execution timestamptz,
    prochaine_execution timestamptz,
    created_by bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_report_schedules_due ON reporting.report_schedules (prochaine_execution)
    WHERE active;
ALTER TABLE reporting.reports ADD CONSTRAINT fk_reports_schedule
    FOREIGN KEY (schedule_id) REFERENCES reporting.report_schedules (id) ON DELETE SET NULL;
"""

DOWNGRADE = """
ALTER TABLE reporting.reports DROP CONSTRAINT IF EXISTS fk_reports_schedule;
DROP TABLE reporting.report_schedules;
DROP TABLE reporting.reports;
DROP TYPE reporting.statut_report;
DROP TYPE reporting.format_report;
DROP TYPE reporting.type_report;
DROP FUNCTION reporting.refresh_materialized_views();
DROP TABLE reporting.mv_refresh;
DROP MATERIALIZED VIEW reporting.mv_client_equipment_summary;
DROP MATERIALIZED VIEW reporting.mv_technician_stats;
DROP TABLE reporting.rm_sla;
DROP TABLE reporting.rm_factures;
DROP TABLE reporting.rm_mouvements_stock;
DROP TABLE reporting.rm_pieces_consommees;
DROP TABLE reporting.rm_pieces;
DROP TABLE reporting.rm_planning;
DROP TABLE reporting.rm_interventions;
DROP TABLE reporting.rm_equipements;
DROP TABLE reporting.rm_clients;
DROP TABLE reporting.rm_techniciens;
DROP TABLE reporting.rm_users;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
