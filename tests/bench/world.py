"""The whole system's data at realistic size: `python -m tests.bench.world --scale 1`.

At scale 1: 5,000 clients, 500 technicians, 20,000 equipment, 1,000,000 interventions
(interventions.datagen: COPY), 10,000 parts and 1,000,000 stock movements (COPY, generated
here with each part's running stock, so stock equals the sum of its movements), and what
follows from them in every service: users and profiles in auth, every service's replicas,
one invoice per closed intervention (numbered gapless per year; the current month's still
drafts), the parts each intervention consumed (inventory, billing), one notification per
intervention to its client, and reporting's read models.

Everything lives in one database with a schema per service (the `make run` layout), so a
replica or a read model is loaded with one set-based `INSERT ... SELECT` from its owner's
table: what the events would have built, without a million events. Each bulk-loaded table
that was empty has its secondary indexes dropped first and rebuilt after (one sorted
build each), and its user triggers off during the load (the notification NOTIFY trigger
would queue a million notifies), all in one transaction per service."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import psycopg
from shared.db import libpq_url

# Full size (scale 1); each is multiplied by --scale, with a floor that keeps the system usable.
FULL = {
    "interventions": 1_000_000,
    "equipements": 20_000,
    "techniciens": 500,
    "clients": 5_000,
    "pieces": 10_000,
    "mouvements": 1_000_000,
}
FLOOR = {
    "interventions": 200,
    "equipements": 20,
    "techniciens": 6,
    "clients": 10,
    "pieces": 20,
    "mouvements": 200,
}
SERVICES = ("auth", "interventions", "inventory", "billing", "reporting", "notifications")
BENCH_PASSWORD = "Bench-pass-2026!"  # every generated user's, for the bench
LABOUR_RATE = "350.00"
DAY = 86_400


def sizes(scale: float) -> dict[str, int]:
    return {k: max(FLOOR[k], round(v * scale)) for k, v in FULL.items()}


@dataclass
class WorldReport:
    scale: float = 1.0
    sizes: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows loaded
    seconds: dict[str, float] = field(default_factory=dict)  # step -> seconds
    seconds_total: float = 0.0  # connect to the last commit, indexes rebuilt
    rows_total: int = 0
    interventions_datagen: dict[str, object] = field(default_factory=dict)
    skipped: bool = False


# -- helpers -------------------------------------------------------------------------------


def _secondary_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname
        """,
        (table,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _droppable_constraints(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's foreign keys and of its unique constraints that
    no foreign key leans on, unique ones first (re-added in that order)."""
    rows = conn.execute(
        """
        SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND (
            c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
                SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
        ORDER BY c.contype DESC, c.conname
        """,
        (table,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


@contextlib.contextmanager
def bulk(conn: psycopg.Connection, table: str) -> Iterator[None]:
    """Load `table` without its user triggers (enabled again after) and, when it is empty,
    without its secondary indexes, unique constraints and foreign keys: rebuilt after, one
    sorted build or one validating pass each instead of a million single-row updates."""
    empty = conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()[0]  # type: ignore[index]
    schema = table.split(".")[0]
    dropped = _secondary_indexes(conn, table) if empty else []
    constraints = _droppable_constraints(conn, table) if empty else []
    for name, _ in reversed(constraints):
        conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in dropped:
        conn.execute(f"DROP INDEX {schema}.{name}")
    conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    for _, definition in dropped:
        conn.execute(definition)
    for name, definition in constraints:
        conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def _setval(conn: psycopg.Connection, table: str, column: str = "id") -> None:
    conn.execute(
        f"SELECT setval(seq, greatest((SELECT max({column}) FROM {table}), 1)) "
        f"FROM pg_get_serial_sequence('{table}', '{column}') AS seq WHERE seq IS NOT NULL"
    )


def _tune(conn: psycopg.Connection) -> None:
    conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    conn.execute("SET LOCAL work_mem = '64MB'")
    conn.execute("SET LOCAL max_parallel_maintenance_workers = 2")
    conn.execute("SET LOCAL synchronous_commit = off")


class _Steps:
    def __init__(self, report: WorldReport, say: object) -> None:
        self.report, self.say = report, say

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        seconds = time.perf_counter() - began
        self.report.seconds[name] = round(seconds, 2)
        self.say(f"  {name}: {seconds:.1f} s")  # type: ignore[operator]

    def count(self, conn: psycopg.Connection, *tables: str) -> None:
        for table in tables:
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            self.report.rows[table] = int(n)


# -- auth and replicas ---------------------------------------------------------------------


def _password_hash() -> str:
    import asyncio

    from auth.users.passwords import hash_password

    return asyncio.run(hash_password(BENCH_PASSWORD))


def load_auth(conn: psycopg.Connection) -> None:
    """Users and profiles for the clients and technicians interventions.datagen put in its
    replicas (same ids), then the replicas' user_id."""
    hashed = _password_hash()
    base = conn.execute("SELECT coalesce(max(id), 0) FROM auth.users").fetchone()[0]  # type: ignore[index]
    n_clients = conn.execute("SELECT count(*) FROM interventions.clients_replica").fetchone()[0]  # type: ignore[index]
    conn.execute(
        """
        INSERT INTO auth.users (id, username, full_name, email, hashed_password, role)
        SELECT %(base)s + c.id, c.username, c.nom_entreprise, c.username || '@bench.example',
               %(hash)s, 'client'::auth.user_role
        FROM interventions.clients_replica c
        UNION ALL
        SELECT %(base)s + %(n)s + t.id, t.username, t.full_name, t.email, %(hash)s,
               'technicien'::auth.user_role
        FROM interventions.techniciens_replica t
        """,
        {"base": base, "n": n_clients, "hash": hashed},
    )
    conn.execute(
        """
        INSERT INTO auth.clients (id, user_id, nom_entreprise, ville, email_commercial)
        SELECT c.id, %(base)s + c.id, c.nom_entreprise, 'Casablanca',
               c.username || '@bench.example'
        FROM interventions.clients_replica c
        """,
        {"base": base},
    )
    conn.execute(
        """
        INSERT INTO auth.techniciens (id, user_id, specialite, disponibilite, equipe,
                                      zone_geographique)
        SELECT t.id, %(base)s + %(n)s + t.id, t.specialite,
               t.disponibilite::text::auth.disponibilite_technicien, t.equipe,
               t.zone_geographique
        FROM interventions.techniciens_replica t
        """,
        {"base": base, "n": n_clients},
    )
    conn.execute(
        "UPDATE interventions.clients_replica r SET user_id = c.user_id "
        "FROM auth.clients c WHERE c.id = r.id"
    )
    conn.execute(
        "UPDATE interventions.techniciens_replica r SET user_id = t.user_id "
        "FROM auth.techniciens t WHERE t.id = r.id"
    )
    for table in ("auth.users", "auth.clients", "auth.techniciens"):
        _setval(conn, table)


REPLICAS = {
    "inventory.techniciens_replica": """
        INSERT INTO inventory.techniciens_replica
            (id, user_id, username, full_name, is_active, updated_at)
        SELECT t.id, t.user_id, u.username, u.full_name, u.is_active, now()
        FROM auth.techniciens t JOIN auth.users u ON u.id = t.user_id""",
    "inventory.interventions_replica": """
        INSERT INTO inventory.interventions_replica
            (id, statut, technicien_id, client_id, updated_at)
        SELECT id, statut::text, technicien_id, client_id, updated_at
        FROM interventions.interventions""",
    "billing.clients_replica": """
        INSERT INTO billing.clients_replica (id, user_id, nom_entreprise, full_name, email,
            ice, adresse_facturation, is_active, updated_at)
        SELECT c.id, c.user_id, c.nom_entreprise, u.full_name, u.email,
               lpad(c.id::text, 15, '0'), 'Zone industrielle, Casablanca', true, now()
        FROM auth.clients c JOIN auth.users u ON u.id = c.user_id""",
    "notifications.utilisateurs_replica": """
        INSERT INTO notifications.utilisateurs_replica (id, username, email, full_name, role,
            is_active, technicien_id, client_id, updated_at)
        SELECT u.id, u.username, u.email, u.full_name, u.role::text, u.is_active, t.id, c.id,
               now()
        FROM auth.users u LEFT JOIN auth.techniciens t ON t.user_id = u.id
        LEFT JOIN auth.clients c ON c.user_id = u.id
        WHERE NOT EXISTS (SELECT 1 FROM notifications.utilisateurs_replica r
                          WHERE r.id = u.id)""",
    "notifications.techniciens_replica": """
        INSERT INTO notifications.techniciens_replica
            (id, user_id, full_name, is_active, updated_at)
        SELECT t.id, t.user_id, u.full_name, true, now()
        FROM auth.techniciens t JOIN auth.users u ON u.id = t.user_id""",
    "notifications.clients_replica": """
        INSERT INTO notifications.clients_replica
            (id, user_id, nom_entreprise, full_name, is_active, updated_at)
        SELECT c.id, c.user_id, c.nom_entreprise, u.full_name, true, now()
        FROM auth.clients c JOIN auth.users u ON u.id = c.user_id""",
    "notifications.equipements_replica": """
        INSERT INTO notifications.equipements_replica
            (id, client_id, nom, numero_serie, updated_at)
        SELECT id, client_id, nom, numero_serie, updated_at FROM interventions.equipements""",
    "notifications.interventions_replica": """
        INSERT INTO notifications.interventions_replica
            (id, titre, equipement_id, client_id, technicien_id, statut, updated_at)
        SELECT id, titre, equipement_id, client_id, technicien_id, statut::text, updated_at
        FROM interventions.interventions""",
}


# -- inventory: parts and movements (COPY) -------------------------------------------------


def load_inventory(conn: psycopg.Connection, n_pieces: int, n_mouvements: int, seed: int,
                   n_interventions: int) -> None:  # fmt: skip
    """Parts, their warehouse stock and movements: entries and exits drawn at random, each
    part's running stock kept, so `stock_apres` and the final stock are exact."""
    rng = random.Random(seed + 1)
    first_piece = conn.execute(
        "SELECT coalesce(max(id), 0) + 1 FROM inventory.pieces_detachees"
    ).fetchone()[0]  # type: ignore[index]
    first_mv = conn.execute(
        "SELECT coalesce(max(id), 0) + 1 FROM inventory.mouvements_stock"
    ).fetchone()[0]  # type: ignore[index]
    maximum = 500
    prices = [f"{rng.randrange(20, 20_000)}.{rng.randrange(100):02d}" for _ in range(n_pieces)]
    stock = [0] * n_pieces
    now = int(time.time()) - 3600
    start = now - 6 * 365 * DAY
    step = (now - start) / max(1, n_mouvements)
    days = {}
    lines: list[str] = []
    rand = rng.random
    chunks: list[bytes] = []
    for k in range(n_mouvements):
        p = int(rand() * n_pieces)
        q = 1 + int(rand() * 20)
        s = stock[p]
        when = int(start + k * step)
        day = when // DAY
        date = days.get(day) or days.setdefault(
            day, dt.datetime.fromtimestamp(day * DAY, dt.UTC).strftime("%Y-%m-%d")
        )
        tod = when % DAY
        ts = f"{date} {tod // 3600:02d}:{tod // 60 % 60:02d}:{tod % 60:02d}+00"
        if s >= q and rand() < 0.65:
            stock[p] = s - q
            iv = str(1 + int(rand() * n_interventions)) if rand() < 0.5 else "\\N"
            lines.append(
                f"{first_mv + k}\t{first_piece + p}\t{iv}\tsortie\t{q}\tentrepot\t"
                f"{s - q}\t{prices[p]}\t{ts}\n"
            )
        else:
            q = min(q * 5, maximum - s) or 0
            if q == 0:  # full: an exit of one, taken by no intervention
                q, kind, after = 1, "sortie", s - 1
            else:
                kind, after = "entree", s + q
            stock[p] = after
            lines.append(
                f"{first_mv + k}\t{first_piece + p}\t\\N\t{kind}\t{q}\tentrepot\t"
                f"{after}\t{prices[p]}\t{ts}\n"
            )
        if len(lines) >= 10_000:
            chunks.append("".join(lines).encode())
            lines = []
    if lines:
        chunks.append("".join(lines).encode())
    with conn.cursor() as cur:
        with bulk(conn, "inventory.pieces_detachees"):
            with cur.copy(
                "COPY inventory.pieces_detachees (id, reference, nom, prix_unitaire, "
                "stock_actuel, stock_minimum, stock_maximum, fournisseur, alerte_seuil) "
                "FROM STDIN"
            ) as copy:
                for i in range(n_pieces):
                    pid = first_piece + i
                    copy.write(
                        f"{pid}\tREF-{pid:06d}\tPièce {pid}\t{prices[i]}\t{stock[i]}\t5\t"
                        f"{maximum}\tFournisseur {pid % 40}\t{'t' if stock[i] < 5 else 'f'}\n"
                    )
        with bulk(conn, "inventory.stocks"):
            conn.execute(
                "INSERT INTO inventory.stocks (piece_id, emplacement, quantite) "
                "SELECT id, 'entrepot', stock_actuel FROM inventory.pieces_detachees "
                "WHERE id >= %s",
                (first_piece,),
            )
        with (
            bulk(conn, "inventory.mouvements_stock"),
            cur.copy(
                "COPY inventory.mouvements_stock (id, piece_id, intervention_id, "
                "type_mouvement, quantite, emplacement, stock_apres, prix_unitaire, "
                "date_mouvement) FROM STDIN"
            ) as copy,
        ):
            for chunk in chunks:
                copy.write(chunk)
    with bulk(conn, "inventory.intervention_pieces"):
        conn.execute(
            """
            INSERT INTO inventory.intervention_pieces (id, intervention_id, piece_id, quantite,
                prix_unitaire, montant, date_utilisation)
            SELECT id, intervention_id, piece_id, quantite, prix_unitaire,
                   round(quantite * prix_unitaire, 2), date_mouvement
            FROM inventory.mouvements_stock
            WHERE intervention_id IS NOT NULL AND id >= %s
            """,
            (first_mv,),
        )
    for table in ("inventory.pieces_detachees", "inventory.mouvements_stock",
                  "inventory.intervention_pieces"):  # fmt: skip
        _setval(conn, table)


# -- billing ---------------------------------------------------------------------------------


def load_billing(conn: psycopg.Connection) -> None:
    """One invoice per closed intervention, its labour line, and the parts it consumed:
    issued and numbered FAC-YYYY-NNNNNN gapless per year (paid when archived), the current
    month's closures still drafts."""
    with bulk(conn, "billing.interventions_cloturees"):
        conn.execute(
            """
            INSERT INTO billing.interventions_cloturees (intervention_id, client_id, dans_quota,
                facturable, sous_garantie, duree_reelle, cloturee_at)
            SELECT id, client_id, false, true, false, coalesce(duree_reelle, 1), date_fin
            FROM interventions.interventions
            WHERE statut IN ('cloturee', 'archivee') AND date_fin IS NOT NULL
            """
        )
    with bulk(conn, "billing.pieces_consommees"):
        conn.execute(
            """
            INSERT INTO billing.pieces_consommees (id, intervention_id, client_id, piece_id,
                reference, nom, quantite, prix_unitaire)
            SELECT ip.id, ip.intervention_id, i.client_id, ip.piece_id, p.reference, p.nom,
                   ip.quantite, round(ip.prix_unitaire, 2)
            FROM inventory.intervention_pieces ip
            JOIN inventory.pieces_detachees p ON p.id = ip.piece_id
            JOIN interventions.interventions i ON i.id = ip.intervention_id
            """
        )
    month = dt.datetime.now(dt.UTC).date().replace(day=1)
    with bulk(conn, "billing.factures"), bulk(conn, "billing.lignes_facture"):
        conn.execute(
            """
            CREATE TEMP TABLE bench_factures ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY c.cloturee_at, c.intervention_id)
                       + (SELECT coalesce(max(id), 0) FROM billing.factures) AS id,
                   c.intervention_id, c.client_id, c.cloturee_at,
                   c.cloturee_at::date < %(month)s AS emise,
                   i.statut = 'archivee' AS payee,
                   round(c.duree_reelle * %(rate)s, 2) AS ht
            FROM billing.interventions_cloturees c
            JOIN interventions.interventions i ON i.id = c.intervention_id
            """.replace("%(month)s", f"'{month.isoformat()}'::date").replace(
                "%(rate)s", LABOUR_RATE
            )
        )
        conn.execute(
            """
            INSERT INTO billing.factures (id, client_id, numero_facture, statut, automatique,
                date_emission, date_echeance, date_paiement, delai_paiement_jours, montant_ht,
                taux_tva, montant_tva, montant_ttc, montant_paye, montant_avoirs, devise,
                description, mode_paiement, client_nom, client_ice, client_adresse,
                created_at, updated_at)
            SELECT f.id, f.client_id,
                   CASE WHEN f.emise THEN 'FAC-' || extract(year FROM f.cloturee_at)::int
                        || '-' || lpad(row_number() OVER (
                               PARTITION BY f.emise, extract(year FROM f.cloturee_at)
                               ORDER BY f.id)::text, 6, '0') END,
                   (CASE WHEN NOT f.emise THEN 'brouillon' WHEN f.payee THEN 'payee'
                         ELSE 'envoyee' END)::billing.statut_facture,
                   false,
                   CASE WHEN f.emise THEN f.cloturee_at::date END,
                   CASE WHEN f.emise THEN f.cloturee_at::date + 60 END,
                   CASE WHEN f.emise AND f.payee THEN f.cloturee_at::date + 30 END,
                   60, f.ht, 0.2000, round(f.ht * 0.2, 2), round(f.ht * 1.2, 2),
                   CASE WHEN f.emise AND f.payee THEN round(f.ht * 1.2, 2) ELSE 0 END,
                   0, 'MAD', 'Intervention n° ' || f.intervention_id,
                   CASE WHEN f.emise AND f.payee THEN 'virement' END,
                   CASE WHEN f.emise THEN r.nom_entreprise END,
                   CASE WHEN f.emise THEN r.ice END,
                   CASE WHEN f.emise THEN r.adresse_facturation END,
                   f.cloturee_at, f.cloturee_at
            FROM bench_factures f JOIN billing.clients_replica r ON r.id = f.client_id
            """
        )
        conn.execute(
            """
            INSERT INTO billing.lignes_facture (id, facture_id, source, nature,
                intervention_id, designation, quantite, prix_unitaire, taux_tva, montant_ht,
                montant_tva, montant_ttc)
            SELECT f.id, f.id, 'mo:' || f.intervention_id, 'main_oeuvre', f.intervention_id,
                   'Main d''œuvre, intervention n° ' || f.intervention_id,
                   c.duree_reelle, %(rate)s, 0.2000, f.ht, round(f.ht * 0.2, 2),
                   round(f.ht * 1.2, 2)
            FROM bench_factures f
            JOIN billing.interventions_cloturees c ON c.intervention_id = f.intervention_id
            """,
            {"rate": LABOUR_RATE},
        )
    conn.execute(
        """
        INSERT INTO billing.compteurs (serie, annee, dernier)
        SELECT 'FAC', extract(year FROM date_emission)::int, count(*)
        FROM billing.factures WHERE numero_facture IS NOT NULL GROUP BY 2
        ON CONFLICT (serie, annee) DO UPDATE SET dernier = excluded.dernier
        """
    )
    for table in ("billing.factures", "billing.lignes_facture", "billing.pieces_consommees"):
        _setval(conn, table)


# -- notifications -------------------------------------------------------------------------


def load_notifications(conn: psycopg.Connection) -> None:
    """One notification per intervention to its client's user, read unless recent."""
    with bulk(conn, "notifications.notifications"):
        conn.execute(
            """
            INSERT INTO notifications.notifications (id, user_id, titre, message,
                type_notification, lu, date_envoi, date_lu, intervention_id, event_id)
            SELECT i.id + (SELECT coalesce(max(id), 0) FROM notifications.notifications),
                   c.user_id, 'Intervention ' || i.statut,
                   'L''intervention n° ' || i.id || ' (' || i.titre || ') est '
                       || i.statut || '.',
                   'intervention', i.date_creation < now() - interval '30 days',
                   i.date_creation,
                   CASE WHEN i.date_creation < now() - interval '30 days'
                        THEN i.date_creation + interval '1 day' END,
                   i.id, gen_random_uuid()
            FROM interventions.interventions i
            JOIN interventions.clients_replica c ON c.id = i.client_id
            WHERE c.user_id IS NOT NULL
            """
        )
    _setval(conn, "notifications.notifications")


# -- reporting read models -----------------------------------------------------------------

READ_MODELS = {
    "reporting.rm_users": """
        INSERT INTO reporting.rm_users (id, username, email, full_name, role, is_active,
            technicien_id, client_id, event_at)
        SELECT u.id, u.username, u.email, u.full_name, u.role::text, u.is_active, t.id, c.id,
               u.updated_at
        FROM auth.users u LEFT JOIN auth.techniciens t ON t.user_id = u.id
        LEFT JOIN auth.clients c ON c.user_id = u.id
        WHERE NOT EXISTS (SELECT 1 FROM reporting.rm_users r WHERE r.id = u.id)""",
    "reporting.rm_clients": """
        INSERT INTO reporting.rm_clients (id, user_id, username, email, full_name,
            nom_entreprise, type_client, niveau_service, is_active, event_at)
        SELECT c.id, c.user_id, u.username, u.email, u.full_name, c.nom_entreprise,
               c.type_client::text, c.niveau_service::text, true, c.updated_at
        FROM auth.clients c JOIN auth.users u ON u.id = c.user_id""",
    "reporting.rm_techniciens": """
        INSERT INTO reporting.rm_techniciens (id, user_id, username, full_name, email,
            disponibilite, specialite, equipe, zone_geographique, is_active, event_at)
        SELECT t.id, t.user_id, u.username, u.full_name, u.email, t.disponibilite::text,
               t.specialite, t.equipe, t.zone_geographique, true, t.updated_at
        FROM auth.techniciens t JOIN auth.users u ON u.id = t.user_id""",
    "reporting.rm_equipements": """
        INSERT INTO reporting.rm_equipements (id, client_id, nom, numero_serie, criticite,
            statut, date_installation, event_at)
        SELECT id, client_id, nom, numero_serie, criticite::text, statut::text,
               date_installation, updated_at
        FROM interventions.equipements""",
    "reporting.rm_interventions": """
        INSERT INTO reporting.rm_interventions (id, equipement_id, client_id, technicien_id,
            type_intervention, statut, priorite, urgence, titre, date_creation, date_debut,
            date_fin, date_limite, date_affectation, date_prise_en_charge, duree_reelle,
            duree_attente, heures_travail, cout_reel, satisfaction_client, sous_garantie,
            event_at)
        SELECT id, equipement_id, client_id, technicien_id, type_intervention::text,
               statut::text, priorite::text, urgence, titre, date_creation, date_debut,
               date_fin, date_limite,
               CASE WHEN technicien_id IS NOT NULL THEN date_creation END, date_debut,
               duree_reelle, 0, duree_reelle, cout_reel, satisfaction_client, false,
               updated_at
        FROM interventions.interventions""",
    "reporting.rm_pieces": """
        INSERT INTO reporting.rm_pieces (id, reference, nom, stock_disponible, stock_minimum,
            prix_unitaire, actif, event_at, stock_at)
        SELECT id, reference, nom, stock_actuel - stock_reserve, stock_minimum,
               round(prix_unitaire, 2), active, updated_at, updated_at
        FROM inventory.pieces_detachees""",
    "reporting.rm_mouvements_stock": """
        INSERT INTO reporting.rm_mouvements_stock (id, piece_id, type_mouvement, quantite,
            emplacement, stock_apres, prix_unitaire, intervention_id, occurred_at)
        SELECT id, piece_id, type_mouvement::text, quantite, emplacement, stock_apres,
               round(prix_unitaire, 2), intervention_id, date_mouvement
        FROM inventory.mouvements_stock""",
    "reporting.rm_pieces_consommees": """
        INSERT INTO reporting.rm_pieces_consommees (id, intervention_id, client_id,
            technicien_id, piece_id, reference, nom, quantite, prix_unitaire, montant,
            occurred_at)
        SELECT ip.id, ip.intervention_id, i.client_id, i.technicien_id, ip.piece_id,
               p.reference, p.nom, ip.quantite, round(ip.prix_unitaire, 2), ip.montant,
               ip.date_utilisation
        FROM inventory.intervention_pieces ip
        JOIN inventory.pieces_detachees p ON p.id = ip.piece_id
        JOIN interventions.interventions i ON i.id = ip.intervention_id""",
    "reporting.rm_factures": """
        INSERT INTO reporting.rm_factures (kind, id, client_id, numero, montant_ht,
            montant_tva, montant_ttc, date_emission, date_echeance, statut, date_paiement,
            event_at)
        SELECT 'facture', id, client_id, numero_facture, montant_ht, montant_tva,
               montant_ttc, date_emission, date_echeance, statut::text, date_paiement,
               updated_at
        FROM billing.factures""",
}


def refresh_views(conn: psycopg.Connection) -> None:
    views = conn.execute(
        "SELECT matviewname FROM pg_matviews WHERE schemaname = 'reporting'"
    ).fetchall()
    for (view,) in views:
        conn.execute(f"REFRESH MATERIALIZED VIEW reporting.{view}")


# -- the whole load --------------------------------------------------------------------------


def loaded_scale(url: str) -> float | None:
    """The scale a previous full load left in this database, if any."""
    with psycopg.connect(libpq_url(url)) as conn:
        exists = conn.execute("SELECT to_regclass('public.bench_world')").fetchone()[0]  # type: ignore[index]
        if not exists:
            return None
        row = conn.execute("SELECT scale FROM public.bench_world").fetchone()
        return float(row[0]) if row else None


def load(url: str, scale: float, *, seed: int = 2026, log: bool = True) -> WorldReport:
    """Migrate every service, then load the world (see the module's docstring)."""
    from interventions import datagen
    from shared.migrations import upgrade

    say = (lambda msg: print(msg, flush=True)) if log else (lambda msg: None)
    n = sizes(scale)
    report = WorldReport(scale=scale, sizes=n)
    steps = _Steps(report, say)
    for service in SERVICES:
        upgrade(service, url)
    began = time.perf_counter()
    with steps.step("interventions (interventions.datagen, COPY)"):
        gen = datagen.Generator(
            interventions=n["interventions"],
            equipements=n["equipements"],
            clients=n["clients"],
            techniciens=n["techniciens"],
            seed=seed,
        )
        dg = datagen.load(url, gen, baseline=True, log=False)
        report.interventions_datagen = asdict(dg)
    with psycopg.connect(libpq_url(url)) as conn:
        _tune(conn)
        with steps.step("auth users and profiles"):
            load_auth(conn)
        with steps.step("replicas (INSERT ... SELECT)"):
            for table, sql in REPLICAS.items():
                with bulk(conn, table):
                    conn.execute(sql)
        conn.commit()
        _tune(conn)
        with steps.step("inventory parts and movements (COPY)"):
            load_inventory(conn, n["pieces"], n["mouvements"], seed, n["interventions"])
        conn.commit()
        _tune(conn)
        with steps.step("billing invoices"):
            load_billing(conn)
        conn.commit()
        _tune(conn)
        with steps.step("notifications"):
            load_notifications(conn)
        conn.commit()
        _tune(conn)
        with steps.step("reporting read models"):
            for table, sql in READ_MODELS.items():
                with bulk(conn, table):
                    conn.execute(sql)
            refresh_views(conn)
        conn.execute("CREATE TABLE IF NOT EXISTS public.bench_world (scale float8 NOT NULL)")
        conn.execute("TRUNCATE public.bench_world")
        conn.execute("INSERT INTO public.bench_world VALUES (%s)", (scale,))
        conn.commit()
        report.seconds_total = round(time.perf_counter() - began, 2)
        conn.autocommit = True
        with steps.step("ANALYZE (not counted)"):
            conn.execute("ANALYZE")
        steps.count(
            conn,
            "auth.users", "interventions.equipements", "interventions.interventions",
            "inventory.pieces_detachees", "inventory.mouvements_stock",
            "inventory.intervention_pieces", "billing.factures", "billing.lignes_facture",
            "notifications.notifications", "reporting.rm_interventions",
        )  # fmt: skip
    report.rows_total = sum(report.rows.values())
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.world")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--report", help="also write the report (JSON) to this file")
    args = parser.parse_args(argv)
    report = load(args.database_url, args.scale, seed=args.seed, log=not args.json)
    if args.report:
        with open(args.report, "w") as out:
            json.dump(asdict(report), out, indent=2)
    print(json.dumps(asdict(report)) if args.json else json.dumps(asdict(report), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
