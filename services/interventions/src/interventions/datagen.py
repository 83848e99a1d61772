"""Test data at scale: `python -m interventions.datagen --interventions 1000000`.

Loads clients and technicians into the replica tables, then equipment and interventions
with `COPY ... FROM STDIN` (text format), then ANALYZE. Rows are generated consistent with
the schema's constraints and triggers *by construction*: every intervention's client_id is
its equipment's owner, dates are ordered (creation <= debut <= fin, limite >= creation),
technicians come from the replica table, a closed intervention has a solution, retired
equipment is inactive, statuts and dates agree (open work is recent, archived work is older
than the archival delay).

Loading choices, made for speed and kept safe:
- the per-row user triggers of `interventions` (the client/owner check) are disabled
  inside the load transaction with `ALTER TABLE ... DISABLE TRIGGER USER` (the BEFORE
  INSERT one dropped, as a disabled one still stops COPY's batched inserts) and restored
  before commit: nobody else sees the table without them, and the rows satisfy the rule by
  construction (checked again once over the whole set, and by the tests). The foreign key
  is dropped and added back (so validated in one pass); CHECK constraints stay on.
- when `interventions` is empty, its secondary indexes are dropped and rebuilt after the
  COPY from their own definitions (pg_indexes), in the same transaction: one sorted build
  per index is several times cheaper than a million single-row index inserts.
- generated interventions get no audit trail rows (historiques_interventions) and no
  outbox events: they are test data, not history; the hash chain of real rows is untouched.

Rows are streamed in chunks of about 3 MB: PostgreSQL parses the bytes already in the
socket while Python renders the next chunk, so generation and loading overlap on two cores
(a writer thread, psycopg's QueuedLibpqWriter, measured no faster). With `--baseline` (the
default) the same bytes are then copied into an UNLOGGED scratch table without index or
trigger, and both rates are printed: PERFORMANCE.md's goal is generator rate / COPY rate
>= 0.5, the generator's rate being end to end (RATE_INCLUDES: from connecting to the
commit, index rebuild and checks included, ANALYZE not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import psycopg
from shared.db import libpq_url

from interventions.config import Settings

S = "interventions"
CHUNK_ROWS = 10_000
TEMPLATES = 16_384
DAY = 86_400
# an archived intervention was closed longer ago than the archival task's delay
ARCHIVE_AFTER_DAYS = 730

EQUIPEMENT_COLUMNS = (
    "id", "client_id", "nom", "modele", "fabricant", "numero_serie", "date_installation",
    "statut", "criticite", "localisation", "derniere_maintenance", "prochaine_maintenance",
    "cout_acquisition", "fournisseur", "intervalle_maintenance_jours", "active",
    "created_at", "updated_at", "version",
)  # fmt: skip
INTERVENTION_COLUMNS = (
    # per row: ids and owner
    "id", "equipement_id", "client_id", "technicien_id",
    # from the row's template, one pre-rendered string
    "type_intervention", "statut", "priorite", "urgence", "titre", "description", "diagnostic",
    "solution", "duree_estimee", "duree_reelle", "cout_estime", "cout_reel",
    "satisfaction_client", "version",
    # per row: dates
    "date_creation", "created_at", "updated_at", "date_planifiee", "date_debut", "date_fin",
    "date_limite",
)  # fmt: skip

# (value, weight): a maintenance company's usual mix
STATUTS = (
    ("ouverte", 8), ("affectee", 6), ("en_cours", 5), ("en_attente", 3), ("cloturee", 45),
    ("annulee", 6), ("archivee", 27),
)  # fmt: skip
PRIORITES = (("urgente", 5), ("haute", 15), ("normale", 50), ("basse", 20), ("programmee", 10))
TYPES = (("corrective", 55), ("preventive", 25), ("ameliorative", 10), ("diagnostic", 10))
EQUIPEMENT_STATUTS = (("operationnel", 85), ("maintenance", 7), ("panne", 5), ("retire", 3))
CRITICITES = (("critique", 10), ("haute", 25), ("normale", 50), ("basse", 15))
DISPONIBILITES = (
    ("disponible", 60), ("occupe", 25), ("conge", 5), ("formation", 5), ("indisponible", 5),
)  # fmt: skip
OPEN = frozenset({"ouverte", "affectee", "en_cours", "en_attente"})
STARTED = frozenset({"en_cours", "en_attente", "cloturee", "archivee"})
CLOSED = frozenset({"cloturee", "archivee"})

MACHINES = (
    ("Compresseur", "Atlas Copco", "GA 37"), ("Groupe électrogène", "SDMO", "J130K"),
    ("Chaudière", "Viessmann", "Vitoplex 200"), ("Climatiseur", "Daikin", "FTXM50"),
    ("Pompe centrifuge", "Grundfos", "CR 32"), ("Transformateur", "Schneider", "Trihal 630"),
    ("Chariot élévateur", "Toyota", "8FBE18"), ("Tour CNC", "DMG Mori", "CLX 450"),
    ("Onduleur", "APC", "Smart-UPS 10k"), ("Convoyeur", "Interroll", "RM 8310"),
    ("Presse hydraulique", "Schuler", "MSP 400"), ("Groupe froid", "Carrier", "30RB 162"),
)  # fmt: skip
VILLES = ("Casablanca", "Rabat", "Tanger", "Marrakech", "Fès", "Agadir", "Kénitra", "Oujda")
SPECIALITES = ("électricité", "mécanique", "froid", "hydraulique", "automatisme")
ACTIONS = (
    "Panne", "Fuite", "Bruit anormal", "Surchauffe", "Contrôle", "Révision", "Remplacement",
    "Réglage", "Diagnostic", "Mise à niveau",
)  # fmt: skip
DIAGNOSTICS = (
    "Roulement usé", "Joint défectueux", "Capteur hors tolérance", "Carte électronique HS",
    "Filtre colmaté", "Courroie détendue", "Fusible grillé", "Niveau d'huile bas",
)  # fmt: skip
SOLUTIONS = (
    "Pièce remplacée, essais concluants", "Nettoyage et réglage", "Remise en état du circuit",
    "Mise à jour du firmware", "Resserrage et graissage", "Recharge en fluide frigorigène",
)  # fmt: skip
NULL = "\\N"
# half hours -> numeric(8, 2) text; satisfaction of a closed intervention, 4 in 10 unrated
HOURS = [f"{h / 2:.2f}" for h in range(0, 34)]
SATISFACTION = (NULL, NULL, NULL, NULL, "2", "3", "4", "4", "5", "5")

RATE_INCLUDES = (
    "connect, replicas, equipment, interventions generated and copied, secondary indexes "
    "rebuilt, foreign key and owner rule checked, commit (not ANALYZE)"
)

# A row's template: everything but ids, owner and dates. (text: type_intervention ..
# version as COPY text, date_creation's earliest and span in seconds, assigned, seconds
# from creation to date_debut (-1: not started), from date_debut to date_fin (-1: not
# closed), from creation to date_limite (-1: none), to date_planifiee (-1: none))
_Template = tuple[str, int, int, bool, int, int, int, int]


@dataclass
class Report:
    clients: int = 0
    techniciens: int = 0
    equipements: int = 0
    interventions: int = 0
    seconds_load: float = 0.0  # from connecting to COMMIT: everything RATE_INCLUDES says
    seconds_copy: float = 0.0  # generating and copying the interventions
    seconds_index: float = 0.0  # rebuilding indexes, re-checking the skipped rules
    seconds_analyze: float = 0.0  # after the commit, not in rows_per_second
    # interventions / seconds_load: the generator's end-to-end rate (PERFORMANCE.md's) ...
    rows_per_second: float = 0.0
    rate_includes: str = RATE_INCLUDES
    # ... and of the generate-and-COPY phase alone (what a bare COPY of the same rows does)
    copy_phase_rows_per_second: float = 0.0
    copy_baseline_rows_per_second: float | None = None
    ratio: float | None = None  # rows_per_second / baseline: PERFORMANCE.md's figure
    copy_phase_ratio: float | None = None
    indexes_rebuilt: list[str] = field(default_factory=list)
    skipped: bool = False


class _Clock:
    """Timestamps as COPY text (`YYYY-MM-DD HH:MM:SS+00`) from epoch seconds, from cached
    day and time-of-day strings: strftime per value would cost more than the COPY. The hot
    loop reads `days` and `tod` itself (a method call per value costs as much again)."""

    def __init__(self, last_day: int) -> None:
        epoch = dt.date(1970, 1, 1)
        # every day from 1970 to last_day: about 21,000 short strings
        self.days = [f"{epoch + dt.timedelta(days=d)} " for d in range(last_day + 1)]
        self.tod = [f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60)
                    for s in range(60)]  # fmt: skip

    def day(self, epoch_day: int) -> str:
        return self.days[epoch_day][:-1]

    def ts(self, seconds: int) -> str:
        return self.days[seconds // DAY] + self.tod[seconds % DAY]


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...], k: int) -> list[str]:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=k)


class Generator:
    def __init__(
        self,
        *,
        interventions: int,
        equipements: int,
        clients: int,
        techniciens: int,
        seed: int,
        years: int = 6,
        now: int | None = None,
    ) -> None:
        self.n_interventions = interventions
        self.n_equipements = equipements
        self.n_clients = clients
        self.n_techniciens = techniciens
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now if now is not None else int(time.time()) - 3600
        self.start = self.now - years * 365 * DAY
        self.clock = _Clock(self.now // DAY + 800)
        # filled by equipements(): each one's owner, as COPY text
        self.owner: list[str] = []
        self.first_equipement = 1
        self._pool: list[_Template] = []
        self._equipement_text: list[str] = []

    # -- replicas -------------------------------------------------------------------------

    def clients(self, first_id: int) -> Iterator[tuple[object, ...]]:
        for i in range(first_id, first_id + self.n_clients):
            yield (i, None, f"client{i}", f"Société {i} SARL", True)

    def techniciens(self, first_id: int) -> Iterator[tuple[object, ...]]:
        dispo = _weighted(self.rng, DISPONIBILITES, self.n_techniciens)
        for n, i in enumerate(range(first_id, first_id + self.n_techniciens)):
            yield (
                i, None, f"tech{i}", f"Technicien {i}", f"tech{i}@mif.example", dispo[n],
                SPECIALITES[i % len(SPECIALITES)], f"Équipe {1 + i % 12}",
                VILLES[i % len(VILLES)], True,
            )  # fmt: skip

    # -- equipment ------------------------------------------------------------------------

    def equipements(self, first_id: int, client_ids: list[int]) -> Iterator[str]:
        """COPY text lines of equipment; records each one's owner in `self.owner`."""
        rng, ts, n = self.rng, self.clock.ts, self.n_equipements
        statuts = _weighted(rng, EQUIPEMENT_STATUTS, n)
        criticites = _weighted(rng, CRITICITES, n)
        self.owner = [""] * n
        self.first_equipement = first_id
        self._equipement_text = []
        for k in range(n):
            eq_id = first_id + k
            client = client_ids[rng.randrange(len(client_ids))]
            self.owner[k] = str(client)
            nom, fabricant, modele = MACHINES[rng.randrange(len(MACHINES))]
            installed = self.start - rng.randrange(0, 5 * 365) * DAY
            statut = statuts[k]
            active = statut != "retire"
            interval = (30, 90, 180, 365)[rng.randrange(4)]
            last = self.now - rng.randrange(0, interval) * DAY
            prochaine = (last // DAY) + interval
            created = ts(installed)
            yield "\t".join((
                str(eq_id), str(client), nom, modele, fabricant,
                f"SN-{self.seed}-{eq_id:09d}", self.clock.day(installed // DAY), statut,
                criticites[k], f"{VILLES[client % len(VILLES)]}, atelier {1 + k % 9}",
                ts(last), self.clock.day(prochaine) if active else NULL,
                f"{rng.randrange(5_000, 900_000)}.00", f"{fabricant} Maroc", str(interval),
                "t" if active else "f", created, created, "1",
            )) + "\n"  # fmt: skip

    # -- interventions --------------------------------------------------------------------

    def intervention_chunks(self, first_id: int, tech_ids: list[int]) -> Iterator[bytes]:
        """COPY text of interventions, CHUNK_ROWS rows per bytes object."""
        done = 0
        while done < self.n_interventions:
            k = min(CHUNK_ROWS, self.n_interventions - done)
            yield self._chunk(first_id + done, k, tech_ids).encode()
            done += k

    def _templates(self) -> list[_Template]:
        """The pool rows are drawn from: everything but ids, owner and dates. Drawing a
        template costs one random number where building each field costs fifteen."""
        rng = self.rng
        rand = rng.random
        n = TEMPLATES
        statuts = _weighted(rng, STATUTS, n)
        priorites = _weighted(rng, PRIORITES, n)
        types = _weighted(rng, TYPES, n)
        now, start = self.now, self.start
        archive_edge = now - (ARCHIVE_AFTER_DAYS + 30) * DAY
        windows = {
            # when it was opened follows from where it is now: (earliest, span in seconds)
            **{s: (now - 120 * DAY, 120 * DAY - 3600) for s in OPEN},
            "cloturee": (now - (ARCHIVE_AFTER_DAYS - 1) * DAY, (ARCHIVE_AFTER_DAYS - 5) * DAY),
            "archivee": (start, archive_edge - start),
            "annulee": (start, now - 3600 - start),
        }
        pool: list[_Template] = []
        for k in range(n):
            statut, priorite = statuts[k], priorites[k]
            action = ACTIONS[int(rand() * len(ACTIONS))]
            machine = MACHINES[int(rand() * len(MACHINES))][0].lower()
            started = statut in STARTED
            closed = statut in CLOSED
            half_hours = 1 + int(rand() * 32)
            head = "\t".join((
                types[k], statut, priorite,
                "t" if priorite == "urgente" or rand() < 0.02 else "f",
                f"{action} {machine}",
                f"{action} signalée par le client" if rand() < 0.7 else NULL,
                DIAGNOSTICS[int(rand() * len(DIAGNOSTICS))] if started else NULL,
                SOLUTIONS[int(rand() * len(SOLUTIONS))] if closed else NULL,
            ))  # fmt: skip
            money = "\t".join((
                HOURS[1 + int(rand() * 16)], HOURS[half_hours] if closed else NULL,
                f"{200 + int(rand() * 29_800)}.00",
                f"{200 + int(rand() * 39_800)}.00" if closed else NULL,
                SATISFACTION[int(rand() * 10)] if closed else NULL,
            ))  # fmt: skip
            x, y = rand(), rand()
            pool.append((
                f"{head}\t{money}\t1",
                *windows[statut],
                statut != "ouverte" and (statut != "annulee" or rand() < 0.5),
                # started within three days of creation, then worked half_hours
                1800 + int(rand() * 3 * DAY) if started else -1,
                half_hours * 1800 if closed else -1,
                DAY + int(x * 29 * DAY) if x < 0.5 else -1,
                int(y * 14 * DAY) if y < 0.3 else -1,
            ))  # fmt: skip
        return pool

    def _chunk(self, first_id: int, k: int, tech_ids: list[int]) -> str:
        # The hot loop (a million rows): three or four random numbers a row, the template's
        # text and the equipment-and-owner pair pre-rendered, timestamps from the clock's
        # caches; a template is a plain tuple, unpacked in one step.
        if not self._pool:
            self._pool = self._templates()
        if not self._equipement_text:
            first = self.first_equipement
            self._equipement_text = [f"{first + e}\t{o}" for e, o in enumerate(self.owner)]
        rand, now = self.rng.random, self.now
        days, tod = self.clock.days, self.clock.tod
        pool, n_pool = self._pool, len(self._pool)
        equipements, n_eq = self._equipement_text, len(self._equipement_text)
        techs = [str(t) for t in tech_ids]
        n_tech = len(techs)
        lines: list[str] = []
        append = lines.append
        for i in range(first_id, first_id + k):
            text, earliest, span, assigned, start_after, duration, limite_after, planifiee_after = (
                pool[int(rand() * n_pool)]
            )
            created = earliest + int(rand() * span)
            updated = created_text = days[created // DAY] + tod[created % DAY]
            debut = fin = limite = planifiee = NULL
            if start_after >= 0:
                # never started in the future
                x = created + min(start_after, max(0, now - created - 60))
                updated = debut = days[x // DAY] + tod[x % DAY]
                if duration >= 0:
                    x += duration
                    updated = fin = days[x // DAY] + tod[x % DAY]
            if limite_after >= 0:
                x = created + limite_after
                limite = days[x // DAY] + tod[x % DAY]
            if planifiee_after >= 0:
                x = created + planifiee_after
                planifiee = days[x // DAY] + tod[x % DAY]
            append(
                f"{i}\t{equipements[int(rand() * n_eq)]}\t"
                f"{techs[int(rand() * n_tech)] if assigned else NULL}\t{text}\t{created_text}\t"
                f"{created_text}\t{updated}\t{planifiee}\t{debut}\t{fin}\t{limite}\n"
            )
        return "".join(lines)


# -- loading ------------------------------------------------------------------------------


def _secondary_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint."""
    rows = conn.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname
        """,
        (f"{S}.{table}",),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _foreign_keys(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's foreign keys."""
    rows = conn.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
        """,
        (f"{S}.{table}",),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


# pg_trigger.tgtype bits
_ROW, _BEFORE, _INSERT, _INSTEAD = 1, 2, 4, 64
_ENABLE = {"O": "ENABLE", "D": "DISABLE", "A": "ENABLE ALWAYS", "R": "ENABLE REPLICA"}


def _user_triggers(conn: psycopg.Connection, table: str) -> list[tuple[str, str, str, bool]]:
    """(name, CREATE TRIGGER statement, tgenabled, fires before each inserted row) of the
    table's user triggers."""
    rows = conn.execute(
        """
        SELECT tgname, pg_get_triggerdef(oid), tgenabled::text, tgtype
        FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname
        """,
        (f"{S}.{table}",),
    ).fetchall()
    return [
        (r[0], r[1], r[2], bool(r[3] & _ROW and r[3] & _INSERT and r[3] & (_BEFORE | _INSTEAD)))
        for r in rows
    ]


def _max_id(conn: psycopg.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {S}.{table}").fetchone()[0])  # type: ignore[index]


def load(url: str, gen: Generator, *, baseline: bool = True, log: bool = True) -> Report:
    """Generate and load everything in one transaction; then ANALYZE; then the baseline."""
    say = (lambda msg: print(msg, flush=True)) if log else (lambda msg: None)
    report = Report()
    kept: list[bytes] = []
    began = time.perf_counter()
    with psycopg.connect(libpq_url(url), application_name="interventions-datagen") as conn:
        # replicas: ids after the highest present, so a rerun adds and never collides
        first_client = _max_id(conn, "clients_replica") + 1
        first_tech = _max_id(conn, "techniciens_replica") + 1
        with conn.cursor() as cur:
            with cur.copy(
                f"COPY {S}.clients_replica (id, user_id, username, nom_entreprise, is_active, "
                "updated_at) FROM STDIN"
            ) as copy:
                for row in gen.clients(first_client):
                    copy.write_row((*row, dt.datetime.now(dt.UTC)))
            with cur.copy(
                f"COPY {S}.techniciens_replica (id, user_id, username, full_name, email, "
                "disponibilite, specialite, equipe, zone_geographique, is_active, updated_at) "
                "FROM STDIN"
            ) as copy:
                for row in gen.techniciens(first_tech):
                    copy.write_row((*row, dt.datetime.now(dt.UTC)))
        client_ids = list(range(first_client, first_client + gen.n_clients))
        tech_ids = list(range(first_tech, first_tech + gen.n_techniciens))
        report.clients, report.techniciens = gen.n_clients, gen.n_techniciens

        first_eq = _max_id(conn, "equipements") + 1
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY {S}.equipements ({', '.join(EQUIPEMENT_COLUMNS)}) FROM STDIN") as copy,
        ):
            for line in gen.equipements(first_eq, client_ids):
                copy.write(line)
        report.equipements = gen.n_equipements

        first_iv = _max_id(conn, "interventions") + 1
        empty = first_iv == 1
        # sorts of the index builds and the foreign key check in memory; each index build
        # scans and sorts with parallel workers (PostgreSQL 11+), one per spare core
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        conn.execute("SET LOCAL work_mem = '64MB'")
        workers = max(2, min(7, (os.cpu_count() or 2) - 1))
        conn.execute(f"SET LOCAL max_parallel_maintenance_workers = {workers}")
        # A BEFORE INSERT row trigger, even disabled, makes COPY insert row by row instead
        # of in batches (heap_multi_insert): 15 % more of the server's time. Those are
        # dropped and created again from their own definitions before commit; every user
        # trigger gets back the state it had (read before disabling them).
        triggers = _user_triggers(conn, "interventions")
        conn.execute(f"ALTER TABLE {S}.interventions DISABLE TRIGGER USER")
        for name, _, _, before_insert in triggers:
            if before_insert:
                conn.execute(f"DROP TRIGGER {name} ON {S}.interventions")
        foreign_keys = _foreign_keys(conn, "interventions")
        for name, _ in foreign_keys:
            conn.execute(f"ALTER TABLE {S}.interventions DROP CONSTRAINT {name}")
        dropped = _secondary_indexes(conn, "interventions") if empty else []
        for name, _ in dropped:
            conn.execute(f"DROP INDEX {S}.{name}")
        t_copy = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                f"COPY {S}.interventions ({', '.join(INTERVENTION_COLUMNS)}) FROM STDIN",
            ) as copy,
        ):
            for chunk in gen.intervention_chunks(first_iv, tech_ids):
                copy.write(chunk)
                if baseline:
                    kept.append(chunk)
        report.seconds_copy = time.perf_counter() - t_copy
        say(f"interventions: generated and copied {gen.n_interventions:,} rows in "
            f"{report.seconds_copy:.1f} s")  # fmt: skip
        t_index = time.perf_counter()
        for _, definition in dropped:
            conn.execute(definition)
        # the rules the load skipped, checked once over the whole set: the foreign keys
        # (re-added, so validated) and the owner rule of validate_intervention_client
        for name, definition in foreign_keys:
            conn.execute(f"ALTER TABLE {S}.interventions ADD CONSTRAINT {name} {definition}")
        wrong = conn.execute(
            f"""
            SELECT count(*) FROM {S}.interventions i JOIN {S}.equipements e
                ON e.id = i.equipement_id
            WHERE i.id >= %s AND i.client_id IS DISTINCT FROM e.client_id
            """,
            (first_iv,),
        ).fetchone()
        if wrong and wrong[0]:
            raise RuntimeError(f"{wrong[0]} generated interventions have a wrong client_id")
        for name, definition, enabled, before_insert in triggers:
            if before_insert:
                conn.execute(definition)
            conn.execute(f"ALTER TABLE {S}.interventions {_ENABLE[enabled]} TRIGGER {name}")
        report.seconds_index = time.perf_counter() - t_index
        if dropped or foreign_keys:
            say(f"interventions: {len(dropped)} indexes rebuilt, {len(foreign_keys)} foreign "
                f"key and the owner rule checked in {report.seconds_index:.1f} s")  # fmt: skip
        for table in ("equipements", "interventions"):
            # explicit ids were given: the identity must continue after them
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{S}.{table}', 'id'), "
                f"(SELECT max(id) FROM {S}.{table}))"
            )
        conn.commit()
        report.seconds_load = time.perf_counter() - began
        report.interventions = gen.n_interventions
        report.indexes_rebuilt = [name for name, _ in dropped]

        t_analyze = time.perf_counter()
        conn.autocommit = True
        for table in ("clients_replica", "techniciens_replica", "equipements", "interventions"):
            conn.execute(f"ANALYZE {S}.{table}")
        report.seconds_analyze = time.perf_counter() - t_analyze
        report.rows_per_second = gen.n_interventions / report.seconds_load
        report.copy_phase_rows_per_second = gen.n_interventions / report.seconds_copy
        if baseline and kept:
            report.copy_baseline_rows_per_second = _copy_baseline(conn, kept, gen.n_interventions)
            report.ratio = report.rows_per_second / report.copy_baseline_rows_per_second
            report.copy_phase_ratio = (
                report.copy_phase_rows_per_second / report.copy_baseline_rows_per_second
            )
    return report


def _copy_baseline(conn: psycopg.Connection, chunks: list[bytes], rows: int) -> float:
    """rows/s of a bare COPY of the same bytes into an unlogged table: no index, no trigger,
    no constraint but NOT NULL, the columns' defaults for those COPY leaves out."""
    table = f"{S}.datagen_copy_baseline"
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE UNLOGGED TABLE {table} (LIKE {S}.interventions INCLUDING DEFAULTS)")
    try:
        began = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(INTERVENTION_COLUMNS)}) FROM STDIN") as copy,
        ):
            for chunk in chunks:
                copy.write(chunk)
        return rows / (time.perf_counter() - began)
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def count(url: str) -> int:
    with psycopg.connect(libpq_url(url), application_name="interventions-datagen") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {S}.interventions").fetchone()[0])  # type: ignore[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m interventions.datagen", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--interventions", type=int, default=1_000_000)
    parser.add_argument("--equipements", type=int, help="default: interventions / 50")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--techniciens", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--years", type=int, default=6, help="how far back dates go")
    parser.add_argument("--database-url", help="default: INTERVENTIONS_DATABASE_URL, DATABASE_URL")
    parser.add_argument("--migrate", action="store_true", help="migrate the schema first")
    parser.add_argument(
        "--if-fewer",
        action="store_true",
        help="load nothing when the table already holds at least --interventions rows",
    )
    parser.add_argument("--no-baseline", dest="baseline", action="store_false")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    url = args.database_url or Settings().database_url
    if args.migrate:
        from shared.migrations import upgrade

        upgrade(S, url)
    if args.if_fewer and (present := count(url)) >= args.interventions:
        report = Report(interventions=present, skipped=True)
        print(json.dumps(asdict(report)) if args.json else
              f"{present:,} interventions already loaded: nothing to do")  # fmt: skip
        return 0
    gen = Generator(
        interventions=args.interventions,
        equipements=args.equipements or max(10, args.interventions // 50),
        clients=args.clients,
        techniciens=args.techniciens,
        seed=args.seed,
        years=args.years,
    )
    report = load(url, gen, baseline=args.baseline, log=not args.json)
    if args.json:
        print(json.dumps(asdict(report)))
        return 0
    print(
        f"loaded {report.clients:,} clients, {report.techniciens:,} technicians, "
        f"{report.equipements:,} equipment, {report.interventions:,} interventions in "
        f"{report.seconds_load:.1f} s (+ ANALYZE {report.seconds_analyze:.1f} s, not counted)\n"
        f"generator rate: {report.rows_per_second:,.0f} interventions/s end to end "
        f"({report.rate_includes})\n"
        f"generate+COPY phase alone: {report.copy_phase_rows_per_second:,.0f} interventions/s "
        f"({report.seconds_copy:.1f} s); index rebuild and checks {report.seconds_index:.1f} s"
    )
    if report.copy_baseline_rows_per_second is not None and report.ratio is not None:
        print(
            f"bare COPY of the same rows into an unlogged table: "
            f"{report.copy_baseline_rows_per_second:,.0f} rows/s\n"
            f"generator (end to end) / COPY = {report.ratio:.2f} (goal >= 0.5); "
            f"generate+COPY phase alone / COPY = {report.copy_phase_ratio:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
