"""The billing migration's downgrade on a database holding data, and the upgrade again."""

from __future__ import annotations

import psycopg
from shared.db import libpq_url
from shared.migrations import downgrade, upgrade
from shared.testing.infra import scratch_database


def test_downgrade_and_upgrade_again_with_data(postgres_url: str) -> None:
    with scratch_database(postgres_url) as url:
        upgrade("billing", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO billing.clients_replica (id, ice, is_active, updated_at)"
                " VALUES (1, '001234567000089', true, now())"
            )
            (cid,) = conn.execute(
                "INSERT INTO billing.contrats (client_id, numero_contrat, type_contrat, statut,"
                " date_debut, date_fin, montant, devise, nb_interventions_incluses,"
                " nb_interventions_utilisees, facturer_deplacement, frais_deplacement,"
                " majoration_pieces, delai_paiement_jours, penalite_sla, sla, jours_ouvres,"
                " heure_debut, heure_fin) VALUES (1, 'CT-1', 'maintenance', 'actif',"
                " '2026-01-01', '2026-12-31', 0, 'MAD', 1, 0, false, 0, 0, 60, 0, '{}',"
                " '{1,2,3,4,5}', '08:30', '17:30') RETURNING id"
            ).fetchone()  # type: ignore[misc]
            (fid,) = conn.execute(
                "INSERT INTO billing.factures (client_id, contrat_id, statut, automatique,"
                " montant_ht, taux_tva, montant_tva, montant_ttc, montant_paye, montant_avoirs,"
                " devise) VALUES (1, %s, 'brouillon', true, 10, 0.2, 2, 12, 0, 0, 'MAD')"
                " RETURNING id",
                [cid],
            ).fetchone()  # type: ignore[misc]
            conn.execute(
                "INSERT INTO billing.lignes_facture (facture_id, nature, designation, quantite,"
                " prix_unitaire, taux_tva, montant_ht, montant_tva, montant_ttc, source)"
                " VALUES (%s, 'main_oeuvre', 'x', 1, 10, 0.2, 10, 2, 12, 'mo:1')",
                [fid],
            )
            conn.execute("INSERT INTO billing.compteurs VALUES ('FAC', 2026, 7)")
            # a second automatic draft for the same client is refused by the partial index
            try:
                conn.execute(
                    "INSERT INTO billing.factures (client_id, statut, automatique, montant_ht,"
                    " taux_tva, montant_tva, montant_ttc, montant_paye, montant_avoirs, devise)"
                    " VALUES (1, 'brouillon', true, 0, 0.2, 0, 0, 0, 0, 'MAD')"
                )
                raise AssertionError("two automatic drafts for one client")
            except psycopg.errors.UniqueViolation:
                pass
        downgrade("billing", url, "billing_0001")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'billing'"
                )
            }
            assert tables == {"outbox", "inbox", "alembic_version"}
            types = conn.execute(
                "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                " WHERE n.nspname = 'billing' AND t.typtype = 'e'"
            ).fetchone()
            assert types == (0,)
        upgrade("billing", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM billing.factures").fetchone() == (0,)
