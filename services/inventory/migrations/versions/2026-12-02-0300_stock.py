"""stock: parts, stock per location, movements, reservations, parts used on interventions,
replicas of interventions and technicians, idempotency keys.

Revision ID: inventory_0002
Revises: inventory_0001
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

from alembic import op
from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "inventory_0002"
down_revision: str | None = "inventory_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "inventory"

UPGRADE = f"""
CREATE TYPE {S}.type_mouvement AS ENUM ('entree', 'sortie', 'ajustement', 'transfert');
CREATE TYPE {S}.statut_reservation AS ENUM ('active', 'liberee', 'consommee');

CREATE TABLE {S}.pieces_detachees (
    id serial PRIMARY KEY,
    reference varchar(100) NOT NULL,
    nom varchar(255) NOT NULL,
    description text,
    -- the weighted average cost (CUMP), kept at full precision; rounded at display only
    prix_unitaire numeric(20, 10) NOT NULL DEFAULT 0,
    stock_actuel integer NOT NULL DEFAULT 0,
    stock_reserve integer NOT NULL DEFAULT 0,
    stock_minimum integer NOT NULL DEFAULT 0,
    stock_maximum integer NOT NULL DEFAULT 0,
    unite varchar(20) NOT NULL DEFAULT 'unite',
    fournisseur varchar(255),
    emplacement varchar(100) NOT NULL DEFAULT 'entrepot',
    active boolean NOT NULL DEFAULT true,
    -- true once stock.seuil_bas was sent for the current crossing (re-armed above it)
    alerte_seuil boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_pieces_detachees_chk_stock_levels CHECK (
        stock_actuel >= 0 AND stock_minimum >= 0 AND stock_maximum >= stock_minimum
    ),
    CONSTRAINT ck_pieces_detachees_reserve CHECK (
        stock_reserve >= 0 AND stock_reserve <= stock_actuel
    ),
    CONSTRAINT ck_pieces_detachees_prix CHECK (prix_unitaire >= 0),
    CONSTRAINT ck_pieces_detachees_reference CHECK (length(btrim(reference)) > 0),
    CONSTRAINT ck_pieces_detachees_nom CHECK (length(btrim(nom)) > 0)
);
CREATE UNIQUE INDEX uq_pieces_detachees_reference ON {S}.pieces_detachees (lower(reference));
-- prefix search on the reference (LIKE 'abc%' on lower(reference))
CREATE INDEX ix_pieces_detachees_reference_prefix
    ON {S}.pieces_detachees (lower(reference) text_pattern_ops);
-- word-prefix search on the name and reference: core full-text search, no extension
CREATE INDEX ix_pieces_detachees_recherche ON {S}.pieces_detachees
    USING gin (to_tsvector('simple', nom || ' ' || reference));
CREATE INDEX ix_pieces_detachees_fournisseur ON {S}.pieces_detachees (lower(fournisseur));

CREATE TABLE {S}.stocks (
    piece_id integer NOT NULL REFERENCES {S}.pieces_detachees (id) ON DELETE CASCADE,
    emplacement varchar(100) NOT NULL,
    technicien_id integer,
    quantite integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (piece_id, emplacement),
    CONSTRAINT ck_stocks_quantite CHECK (quantite >= 0)
);
CREATE INDEX ix_stocks_emplacement ON {S}.stocks (emplacement, piece_id);

CREATE TABLE {S}.mouvements_stock (
    id bigserial PRIMARY KEY,
    piece_id integer NOT NULL REFERENCES {S}.pieces_detachees (id),
    intervention_id integer,
    user_id integer,
    type_mouvement {S}.type_mouvement NOT NULL,
    -- entree/sortie/transfert: the quantity moved (> 0); ajustement: counted - held (signed)
    quantite integer NOT NULL,
    emplacement varchar(100) NOT NULL,
    emplacement_destination varchar(100),
    stock_apres integer NOT NULL,
    prix_unitaire numeric(20, 10),
    date_mouvement timestamptz NOT NULL DEFAULT now(),
    commentaire text,
    bon_commande varchar(100),
    bon_livraison varchar(100),
    CONSTRAINT ck_mouvements_stock_quantite CHECK (
        type_mouvement = 'ajustement' OR quantite > 0
    ),
    CONSTRAINT ck_mouvements_stock_transfert CHECK (
        (type_mouvement = 'transfert') = (emplacement_destination IS NOT NULL)
    )
);
CREATE INDEX ix_mouvements_stock_piece ON {S}.mouvements_stock (piece_id, id);
CREATE INDEX ix_mouvements_stock_date ON {S}.mouvements_stock (date_mouvement);
CREATE INDEX ix_mouvements_stock_intervention ON {S}.mouvements_stock (intervention_id)
    WHERE intervention_id IS NOT NULL;

-- movements are append-only: a mistake is corrected by another movement
CREATE FUNCTION {S}.mouvements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only: correct with another movement';
END $$;
CREATE TRIGGER mouvements_append_only BEFORE UPDATE OR DELETE ON {S}.mouvements_stock
    FOR EACH ROW EXECUTE FUNCTION {S}.mouvements_append_only();

CREATE TABLE {S}.reservations (
    id serial PRIMARY KEY,
    intervention_id integer NOT NULL,
    piece_id integer NOT NULL REFERENCES {S}.pieces_detachees (id),
    quantite integer NOT NULL,
    quantite_initiale integer NOT NULL,
    statut {S}.statut_reservation NOT NULL DEFAULT 'active',
    user_id integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_reservations_quantite CHECK (
        quantite >= 0 AND quantite_initiale > 0 AND quantite <= quantite_initiale
    )
);
CREATE INDEX ix_reservations_intervention ON {S}.reservations (intervention_id, piece_id);
CREATE INDEX ix_reservations_active ON {S}.reservations (piece_id) WHERE statut = 'active';

CREATE TABLE {S}.intervention_pieces (
    id bigserial PRIMARY KEY,
    intervention_id integer NOT NULL,
    piece_id integer NOT NULL REFERENCES {S}.pieces_detachees (id),
    technicien_id integer,
    user_id integer,
    -- negative for a return of unused parts
    quantite integer NOT NULL,
    prix_unitaire numeric(20, 10) NOT NULL,
    montant numeric(14, 2) NOT NULL,
    notes text,
    date_utilisation timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_intervention_pieces_quantite CHECK (quantite <> 0)
);
CREATE INDEX ix_intervention_pieces_intervention
    ON {S}.intervention_pieces (intervention_id, piece_id);
CREATE INDEX ix_intervention_pieces_piece ON {S}.intervention_pieces (piece_id);

CREATE TABLE {S}.interventions_replica (
    id integer PRIMARY KEY,
    statut varchar(20) NOT NULL,
    technicien_id integer,
    client_id integer,
    updated_at timestamptz NOT NULL
);

CREATE TABLE {S}.techniciens_replica (
    id integer PRIMARY KEY,
    user_id integer,
    username varchar(150),
    full_name varchar(255),
    is_active boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL
);
"""

DOWNGRADE = f"""
DROP TABLE {S}.techniciens_replica;
DROP TABLE {S}.interventions_replica;
DROP TABLE {S}.intervention_pieces;
DROP TABLE {S}.reservations;
DROP TABLE {S}.mouvements_stock;
DROP FUNCTION {S}.mouvements_append_only();
DROP TABLE {S}.stocks;
DROP TABLE {S}.pieces_detachees;
DROP TYPE {S}.statut_reservation;
DROP TYPE {S}.type_mouvement;
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    create_idempotency_table(S)


def downgrade() -> None:
    drop_idempotency_table(S)
    op.execute(DOWNGRADE)
