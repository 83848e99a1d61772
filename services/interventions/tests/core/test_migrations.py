"""Every migration of this service downgrades and upgrades again on a database holding
data; the warranty's data migration fills the new columns from date_installation."""

from __future__ import annotations

import datetime as dt

import psycopg
from shared.db import libpq_url
from shared.migrations import downgrade, upgrade
from shared.testing.infra import scratch_database

CHAIN = [f"interventions_{n:04d}" for n in range(1, 10)]


def _seed(conn: psycopg.Connection) -> tuple[int, int]:
    (e1,) = conn.execute(
        "INSERT INTO interventions.equipements (client_id, nom, numero_serie, date_installation)"
        " VALUES (1, 'Four', 'SN-1', '2025-01-31') RETURNING id"
    ).fetchone()  # type: ignore[misc]
    conn.execute(
        "INSERT INTO interventions.equipements (client_id, nom, numero_serie)"
        " VALUES (1, 'Pompe', 'SN-2')"
    )
    (i1,) = conn.execute(
        "INSERT INTO interventions.interventions (equipement_id, client_id, titre, statut,"
        " technicien_id, date_debut, date_fin, duree_reelle) VALUES (%s, 1, 'Panne', 'ouverte',"
        " NULL, '2026-12-01 08:00+00', '2026-12-01 10:30+00', 2.5) RETURNING id",
        [e1],
    ).fetchone()  # type: ignore[misc]
    return e1, i1


def test_each_migration_down_and_up_with_data(postgres_url: str) -> None:
    with scratch_database(postgres_url) as url:
        upgrade("interventions", url, "interventions_0005")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            _, i1 = _seed(conn)
        upgrade("interventions", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT numero_serie, duree_garantie_mois, date_fin_garantie"
                " FROM interventions.equipements ORDER BY id"
            ).fetchall()
            assert rows == [("SN-1", 12, dt.date(2026, 1, 31)), ("SN-2", None, None)]
            periodes, prise, attente = conn.execute(
                "SELECT periodes, date_prise_en_charge, duree_attente"
                " FROM interventions.interventions WHERE id = %s",
                [i1],
            ).fetchone()  # type: ignore[misc]
            assert periodes == [
                {
                    "statut": "en_cours",
                    "debut": "2026-12-01T08:00:00.000000+00:00",
                    "fin": "2026-12-01T10:30:00.000000+00:00",
                }
            ]
            assert prise == dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
            assert str(attente) == "0.00"
            assert (
                conn.execute("SELECT statut FROM interventions.planning LIMIT 1").fetchall() == []
            )
        # every step down to the first, then up again, with the data kept
        for target in reversed(CHAIN[:-1]):
            downgrade("interventions", url, target)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'interventions'"
                )
            }
            assert "equipements" not in tables
        upgrade("interventions", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            _seed(conn)
            downgrade("interventions", url, "interventions_0006")
            columns = {
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'interventions' AND table_name = 'equipements'"
                )
            }
            assert not columns & {"duree_garantie_mois", "date_fin_garantie"}
            assert conn.execute(
                "SELECT date_installation FROM interventions.equipements"
                " WHERE numero_serie = 'SN-1'"
            ).fetchone() == (dt.date(2025, 1, 31),)
            downgrade("interventions", url, "interventions_0005")
            upgrade("interventions", url)
