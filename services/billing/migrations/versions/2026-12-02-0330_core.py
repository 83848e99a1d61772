"""billing core: contracts, invoices and lines, payments, credit notes, numbering
counters, the client replica, closed interventions and consumed parts, SLA tracking,
holiday overrides, idempotency keys.

Revision ID: billing_0002
Revises: billing_0001
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

from alembic import op
from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "billing_0002"
down_revision: str | None = "billing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "billing"

ENUMS = """
CREATE TYPE billing.type_contrat AS ENUM ('maintenance', 'support', 'full_service');
CREATE TYPE billing.statut_contrat AS ENUM ('actif', 'expire', 'suspendu', 'resilie');
CREATE TYPE billing.statut_facture AS ENUM
    ('brouillon', 'envoyee', 'payee', 'en_retard', 'annulee');
CREATE TYPE billing.mode_paiement AS ENUM ('virement', 'cheque', 'especes', 'effet');
CREATE TYPE billing.nature_ligne AS ENUM
    ('main_oeuvre', 'deplacement', 'piece', 'penalite_sla', 'manuelle');
"""

TABLES = """
CREATE TABLE billing.clients_replica (
    id INTEGER NOT NULL,
    user_id INTEGER,
    nom_entreprise VARCHAR(255),
    full_name VARCHAR(255),
    email VARCHAR(255),
    ice VARCHAR(15),
    adresse_facturation TEXT,
    is_active BOOLEAN NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_clients_replica PRIMARY KEY (id)
);
CREATE TABLE billing.compteurs (
    serie VARCHAR(5) NOT NULL,
    annee INTEGER NOT NULL,
    dernier INTEGER NOT NULL,
    CONSTRAINT pk_compteurs PRIMARY KEY (serie, annee)
);
CREATE TABLE billing.contrats (
    id SERIAL NOT NULL,
    client_id INTEGER NOT NULL,
    numero_contrat VARCHAR(50) NOT NULL,
    type_contrat billing.type_contrat NOT NULL,
    statut billing.statut_contrat NOT NULL,
    date_debut DATE NOT NULL,
    date_fin DATE NOT NULL,
    montant NUMERIC(14, 2) NOT NULL,
    devise VARCHAR(3) NOT NULL,
    conditions TEXT,
    sla_details TEXT,
    nb_interventions_incluses INTEGER NOT NULL,
    nb_interventions_utilisees INTEGER NOT NULL,
    taux_horaire NUMERIC(14, 2),
    facturer_deplacement BOOLEAN NOT NULL,
    frais_deplacement NUMERIC(14, 2) NOT NULL,
    majoration_pieces NUMERIC(6, 4) NOT NULL,
    delai_paiement_jours INTEGER NOT NULL,
    penalite_sla NUMERIC(14, 2) NOT NULL,
    sla JSONB NOT NULL,
    jours_ouvres SMALLINT[] NOT NULL,
    heure_debut TIME WITHOUT TIME ZONE NOT NULL,
    heure_fin TIME WITHOUT TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_contrats PRIMARY KEY (id),
    CONSTRAINT ck_contrats_dates CHECK (date_fin >= date_debut),
    CONSTRAINT ck_contrats_delai_69_21 CHECK (delai_paiement_jours BETWEEN 1 AND 120),
    CONSTRAINT ck_contrats_incluses CHECK (nb_interventions_incluses >= 0),
    CONSTRAINT uq_contrats_numero_contrat UNIQUE (numero_contrat)
);
CREATE INDEX ix_contrats_client_statut ON billing.contrats (client_id, statut);
CREATE TABLE billing.jours_feries (
    date DATE NOT NULL,
    nom VARCHAR(200) NOT NULL,
    ferie BOOLEAN NOT NULL,
    CONSTRAINT pk_jours_feries PRIMARY KEY (date)
);
CREATE TABLE billing.pieces_consommees (
    id INTEGER NOT NULL,
    intervention_id INTEGER NOT NULL,
    client_id INTEGER,
    piece_id INTEGER,
    reference VARCHAR(100),
    nom VARCHAR(255),
    quantite NUMERIC(12, 3) NOT NULL,
    prix_unitaire NUMERIC(14, 2) NOT NULL,
    CONSTRAINT pk_pieces_consommees PRIMARY KEY (id)
);
CREATE INDEX ix_billing_pieces_consommees_intervention_id ON billing.pieces_consommees (intervention_id);
CREATE TABLE billing.factures (
    id SERIAL NOT NULL,
    client_id INTEGER NOT NULL,
    contrat_id INTEGER,
    numero_facture VARCHAR(20),
    statut billing.statut_facture NOT NULL,
    automatique BOOLEAN NOT NULL,
    date_emission DATE,
    date_echeance DATE,
    date_paiement DATE,
    delai_paiement_jours INTEGER,
    montant_ht NUMERIC(14, 2) NOT NULL,
    taux_tva NUMERIC(6, 4) NOT NULL,
    montant_tva NUMERIC(14, 2) NOT NULL,
    montant_ttc NUMERIC(14, 2) NOT NULL,
    montant_paye NUMERIC(14, 2) NOT NULL,
    montant_avoirs NUMERIC(14, 2) NOT NULL,
    devise VARCHAR(3) NOT NULL,
    description TEXT,
    mode_paiement VARCHAR(20),
    client_nom VARCHAR(255),
    client_ice VARCHAR(15),
    client_adresse TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_factures PRIMARY KEY (id),
    CONSTRAINT fk_factures_contrat_id_contrats FOREIGN KEY(contrat_id) REFERENCES billing.contrats (id),
    CONSTRAINT uq_factures_numero_facture UNIQUE (numero_facture)
);
CREATE INDEX ix_factures_client ON billing.factures (client_id, id);
CREATE UNIQUE INDEX uq_factures_brouillon_auto ON billing.factures (client_id) WHERE statut = 'brouillon' AND automatique;
CREATE INDEX ix_factures_echeance ON billing.factures (date_echeance) WHERE statut = 'envoyee';
CREATE TABLE billing.interventions_cloturees (
    intervention_id SERIAL NOT NULL,
    client_id INTEGER NOT NULL,
    contrat_id INTEGER,
    dans_quota BOOLEAN NOT NULL,
    facturable BOOLEAN NOT NULL,
    sous_garantie BOOLEAN NOT NULL,
    duree_reelle NUMERIC(12, 3) NOT NULL,
    cloturee_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_interventions_cloturees PRIMARY KEY (intervention_id),
    CONSTRAINT fk_interventions_cloturees_contrat_id_contrats FOREIGN KEY(contrat_id) REFERENCES billing.contrats (id)
);
CREATE INDEX ix_billing_interventions_cloturees_client_id ON billing.interventions_cloturees (client_id);
CREATE TABLE billing.sla_suivis (
    intervention_id SERIAL NOT NULL,
    contrat_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    priorite VARCHAR(20) NOT NULL,
    date_creation TIMESTAMP WITH TIME ZONE NOT NULL,
    date_prise_en_charge TIMESTAMP WITH TIME ZONE,
    date_cloture TIMESTAMP WITH TIME ZONE,
    pause_debut TIMESTAMP WITH TIME ZONE,
    pauses JSONB NOT NULL,
    echeance_reponse TIMESTAMP WITH TIME ZONE,
    echeance_resolution TIMESTAMP WITH TIME ZONE,
    risque_reponse BOOLEAN NOT NULL,
    risque_resolution BOOLEAN NOT NULL,
    depasse_reponse BOOLEAN NOT NULL,
    depasse_resolution BOOLEAN NOT NULL,
    ouvert BOOLEAN NOT NULL,
    CONSTRAINT pk_sla_suivis PRIMARY KEY (intervention_id),
    CONSTRAINT fk_sla_suivis_contrat_id_contrats FOREIGN KEY(contrat_id) REFERENCES billing.contrats (id)
);
CREATE INDEX ix_sla_ouverts ON billing.sla_suivis (intervention_id) WHERE ouvert;
CREATE TABLE billing.avoirs (
    id SERIAL NOT NULL,
    numero_avoir VARCHAR(20) NOT NULL,
    facture_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    date_emission DATE NOT NULL,
    motif TEXT NOT NULL,
    montant_ht NUMERIC(14, 2) NOT NULL,
    montant_tva NUMERIC(14, 2) NOT NULL,
    montant_ttc NUMERIC(14, 2) NOT NULL,
    devise VARCHAR(3) NOT NULL,
    client_nom VARCHAR(255),
    client_ice VARCHAR(15),
    client_adresse TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_avoirs PRIMARY KEY (id),
    CONSTRAINT uq_avoirs_numero_avoir UNIQUE (numero_avoir),
    CONSTRAINT fk_avoirs_facture_id_factures FOREIGN KEY(facture_id) REFERENCES billing.factures (id)
);
CREATE INDEX ix_billing_avoirs_facture_id ON billing.avoirs (facture_id);
CREATE TABLE billing.lignes_facture (
    facture_id INTEGER NOT NULL,
    source VARCHAR(100),
    id SERIAL NOT NULL,
    nature billing.nature_ligne NOT NULL,
    intervention_id INTEGER,
    designation VARCHAR(500) NOT NULL,
    quantite NUMERIC(12, 3) NOT NULL,
    prix_unitaire NUMERIC(14, 2) NOT NULL,
    taux_tva NUMERIC(6, 4) NOT NULL,
    montant_ht NUMERIC(14, 2) NOT NULL,
    montant_tva NUMERIC(14, 2) NOT NULL,
    montant_ttc NUMERIC(14, 2) NOT NULL,
    CONSTRAINT pk_lignes_facture PRIMARY KEY (id),
    CONSTRAINT fk_lignes_facture_facture_id_factures FOREIGN KEY(facture_id) REFERENCES billing.factures (id) ON DELETE CASCADE,
    CONSTRAINT uq_lignes_facture_source UNIQUE (source)
);
CREATE INDEX ix_billing_lignes_facture_facture_id ON billing.lignes_facture (facture_id);
CREATE TABLE billing.paiements (
    id SERIAL NOT NULL,
    facture_id INTEGER NOT NULL,
    date_paiement DATE NOT NULL,
    montant NUMERIC(14, 2) NOT NULL,
    mode_paiement billing.mode_paiement NOT NULL,
    reference VARCHAR(100),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_paiements PRIMARY KEY (id),
    CONSTRAINT ck_paiements_positif CHECK (montant > 0),
    CONSTRAINT fk_paiements_facture_id_factures FOREIGN KEY(facture_id) REFERENCES billing.factures (id)
);
CREATE INDEX ix_billing_paiements_facture_id ON billing.paiements (facture_id);
CREATE TABLE billing.lignes_avoir (
    avoir_id INTEGER NOT NULL,
    id SERIAL NOT NULL,
    nature billing.nature_ligne NOT NULL,
    intervention_id INTEGER,
    designation VARCHAR(500) NOT NULL,
    quantite NUMERIC(12, 3) NOT NULL,
    prix_unitaire NUMERIC(14, 2) NOT NULL,
    taux_tva NUMERIC(6, 4) NOT NULL,
    montant_ht NUMERIC(14, 2) NOT NULL,
    montant_tva NUMERIC(14, 2) NOT NULL,
    montant_ttc NUMERIC(14, 2) NOT NULL,
    CONSTRAINT pk_lignes_avoir PRIMARY KEY (id),
    CONSTRAINT fk_lignes_avoir_avoir_id_avoirs FOREIGN KEY(avoir_id) REFERENCES billing.avoirs (id) ON DELETE CASCADE
);
CREATE INDEX ix_billing_lignes_avoir_avoir_id ON billing.lignes_avoir (avoir_id);
"""

TABLE_NAMES = [
    "jours_feries", "sla_suivis", "compteurs", "lignes_avoir", "avoirs", "paiements",
    "lignes_facture", "factures", "pieces_consommees", "interventions_cloturees", "contrats",
    "clients_replica",
]  # fmt: skip
TYPE_NAMES = ["nature_ligne", "mode_paiement", "statut_facture", "statut_contrat", "type_contrat"]


def upgrade() -> None:
    op.execute(ENUMS)
    op.execute(TABLES)
    create_idempotency_table(S)


def downgrade() -> None:
    drop_idempotency_table(S)
    for name in TABLE_NAMES:
        op.execute(f"DROP TABLE {S}.{name}")
    for name in TYPE_NAMES:
        op.execute(f"DROP TYPE {S}.{name}")
