"""One running system (`deploy/local/run.py`, every process) for the hostile-input tests of
this package: the authorization table, Schemathesis as each role, and the log check. It is
started once, populated with two of everything a role can own (client 1's equipment,
intervention, document, contract, invoice... and client 2's), and its processes' output
is kept for the log check."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from shared.testing.infra import scratch_database

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.system.supervised import Supervised  # noqa: E402
from tests.system.test_make_run import (  # noqa: E402
    ADMIN_PASSWORD,
    bearer,
    client_payload,
    login,
    private_redis,
    retry_until,
    supervisor_env,
    user_payload,
)

PORT_BASE = 28100
BASE = f"http://127.0.0.1:{PORT_BASE}"
ROLES = ("admin", "responsable", "technicien", "client", "anonymous")
# Document content that must never reach a log line (checked by test_secrets_in_logs).
DOCUMENT_MARKER = "CONFIDENTIEL-" + uuid.uuid4().hex
NOWHERE = 987654321  # an id no table holds


@dataclass
class World:
    run: Supervised
    http: httpx.Client
    # every secret the system saw (passwords, access and refresh tokens, document content)
    secrets: set[str] = field(default_factory=set)
    passwords: dict[str, str] = field(default_factory=dict)  # role -> password
    usernames: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> login answer
    # role -> path parameter -> (own id, someone else's id)
    ids: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)  # ids with no owner

    def login(self, role: str) -> dict[str, str]:
        body = login(self.http, self.usernames[role], self.passwords[role])
        self.secrets.update({body["access_token"], body["refresh_token"]})
        return body

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        return bearer(self.sessions[role])


def _created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201, 202), answer.text
    return answer.json()


def build_world(run: Supervised, http: httpx.Client) -> World:
    world = World(run, http)
    world.usernames["admin"] = "admin"
    world.passwords["admin"] = ADMIN_PASSWORD
    world.secrets.add(ADMIN_PASSWORD)
    world.sessions["admin"] = world.login("admin")
    staff = world.headers("admin")

    responsable = {**user_payload("responsable"), "role": "responsable"}
    responsable_id = _created(http.post("/api/v1/users", headers=staff, json=responsable))["id"]
    world.usernames["responsable"] = responsable["username"]
    world.passwords["responsable"] = responsable["password"]

    techniciens, technicien_users = [], []
    for zone in ("Casablanca", "Tanger"):
        user = user_payload("technicien")
        body = {
            "user": user,
            "specialite": "mécanique",
            "disponibilite": "disponible",
            "equipe": "A",
            "zone_geographique": zone,
        }
        created = _created(http.post("/api/v1/techniciens", headers=staff, json=body))
        techniciens.append(created["id"])
        technicien_users.append(created.get("user_id") or created.get("user", {}).get("id"))
        world.passwords.setdefault("technicien", user["password"])
        world.usernames.setdefault("technicien", user["username"])
        world.secrets.add(user["password"])
    clients, client_users = [], []
    for nom in ("Ciments du Souss", "Atlas Textile"):
        user = user_payload("client")
        created = _created(
            http.post("/api/v1/clients", headers=staff, json=client_payload(user, nom))
        )
        clients.append(created["id"])
        client_users.append(created.get("user_id") or created.get("user", {}).get("id"))
        world.passwords.setdefault("client", user["password"])
        world.usernames.setdefault("client", user["username"])
        world.secrets.add(user["password"])
    world.secrets.update(world.passwords.values())
    for role in ("responsable", "technicien", "client"):
        world.sessions[role] = world.login(role)
    me = {r: http.get("/api/v1/auth/me", headers=world.headers(r)).json()["id"] for r in ROLES[:4]}

    # two of everything: index 0 is client 1's / technician 1's, index 1 the others'
    equipements, interventions, documents = [], [], []
    for client_id, technicien_id in zip(clients, techniciens, strict=True):
        equipement = retry_until(
            lambda client_id=client_id: http.post(
                "/api/v1/equipements",
                headers=staff,
                json={"client_id": client_id, "nom": "Broyeur", "numero_serie": uuid.uuid4().hex},
            ),
            201,
        )
        equipements.append(_created(equipement)["id"])
        intervention = _created(
            http.post(
                "/api/v1/interventions",
                headers=staff,
                json={"equipement_id": equipements[-1], "titre": "Vibrations anormales"},
            )
        )["id"]
        interventions.append(intervention)
        path = f"/api/v1/interventions/{intervention}"
        _created(
            retry_until(
                lambda path=path, t=technicien_id: http.post(
                    f"{path}/affectation", headers=staff, json={"technicien_id": t}
                ),
                200,
            )
        )
        day = 10 + len(interventions)
        _created(
            http.put(
                f"{path}/planning",
                headers=staff,
                json={
                    "date_debut": f"2027-01-{day}T08:00:00+01:00",
                    "date_fin": f"2027-01-{day}T12:00:00+01:00",
                },
            )
        )
        content = f"Rapport de visite {DOCUMENT_MARKER}\n".encode()
        documents.append(
            _created(
                http.post(
                    f"{path}/documents",
                    headers=staff,
                    files={"fichier": ("rapport.txt", content, "text/plain")},
                    data={"type_document": "rapport"},
                )
            )["id"]
        )
    piece = _created(
        http.post(
            "/api/v1/pieces",
            headers=staff,
            json={
                "reference": f"ROUL-{uuid.uuid4().hex[:6]}",
                "nom": "Roulement 6205",
                "prix_unitaire": "45.00",
                "stock_minimum": 2,
                "stock_maximum": 500,
            },
        )
    )["id"]
    _created(
        http.post(
            f"/api/v1/pieces/{piece}/mouvements",
            headers=staff,
            json={"type_mouvement": "entree", "quantite": 100, "prix_unitaire": "45.00"},
        )
    )
    competence = _created(
        http.post(
            "/api/v1/competences", headers=staff, json={"nom": f"Soudure {uuid.uuid4().hex[:6]}"}
        )
    )["id"]
    contrats, factures, lignes, avoirs = [], [], [], []
    for n, client_id in enumerate(clients):
        contrat = retry_until(
            lambda client_id=client_id, n=n: http.post(
                "/api/v1/contrats",
                headers=staff,
                json={
                    "client_id": client_id,
                    "numero_contrat": f"CT-{uuid.uuid4().hex[:8]}",
                    "type_contrat": "maintenance",
                    "date_debut": "2026-01-01",
                    "date_fin": "2027-12-31",
                },
            ),
            201,
        )
        contrats.append(_created(contrat)["id"])
        facture = _created(
            http.post(
                "/api/v1/factures",
                headers=staff,
                json={
                    "client_id": client_id,
                    "lignes": [
                        {"designation": "Main d'oeuvre", "quantite": "2", "prix_unitaire": "300.00"}
                    ],
                },
            )
        )
        factures.append(facture["id"])
        lignes.append(facture["lignes"][0]["id"])
        # an issued invoice of the same client, credited: the credit note the table reads
        credited = _created(
            http.post(
                "/api/v1/factures",
                headers=staff,
                json={
                    "client_id": client_id,
                    "lignes": [
                        {"designation": "Pièces", "quantite": "1", "prix_unitaire": "80.00"}
                    ],
                },
            )
        )["id"]
        _created(http.post(f"/api/v1/factures/{credited}/emission", headers=staff))
        avoirs.append(
            _created(
                http.post(
                    f"/api/v1/factures/{credited}/avoirs",
                    headers=staff,
                    json={"motif": "Pièce non utilisée"},
                )
            )["id"]
        )
    reports = {}
    for role in ("admin", "responsable"):
        reports[role] = _created(
            http.post(
                "/api/v1/reports",
                headers=world.headers(role),
                json={"nom": f"Activité {role}", "type_report": "interventions", "format": "csv"},
            )
        )["id"]
    schedule = _created(
        http.post(
            "/api/v1/report-schedules",
            headers=staff,
            json={
                "report_id": reports["admin"],
                "nom_schedule": "Hebdo",
                "cron_expression": "0 7 * * 1",
            },
        )
    )["id"]
    keys = http.get("/api/v1/auth/keys", headers=staff)
    kid = _created(keys)
    kid = (kid["items"] if isinstance(kid, dict) else kid)[0]["kid"]

    # every role's inbox gets something: the notifications of the interventions above
    notifications: dict[str, list[int]] = {}
    for role in ROLES[:4]:
        answer = retry_until(lambda role=role: _inbox(http, world.headers(role)), 200, seconds=60)
        notifications[role] = [n["id"] for n in answer.json()["items"]]

    pair = lambda items: (items[0], items[1])  # noqa: E731
    common = {
        "intervention_id": pair(interventions),
        "equipement_id": pair(equipements),
        "document_id": pair(documents),
        "technicien_id": pair(techniciens),
        "client_id": pair(clients),
        "contrat_id": pair(contrats),
        "facture_id": pair(factures),
        "avoir_id": pair(avoirs),
        "jour": ("2026-07-30", "2026-07-30"),
        "ligne_id": pair(lignes),
        "piece_id": (piece, piece),
        "competence_id": (competence, competence),
        "kid": (kid, kid),
        "schedule_id": (schedule, schedule),
    }
    others = {"admin": "client", "responsable": "admin", "technicien": "client", "client": "admin"}
    for role in ROLES[:4]:
        other_user = me[others[role]]
        mine = notifications[role] or [NOWHERE]
        theirs = notifications[others[role]] or [NOWHERE]
        world.ids[role] = {
            **common,
            "user_id": (me[role], other_user),
            "notification_id": (mine[0], theirs[0]),
            "report_id": (
                reports.get(role, reports["responsable"]),
                reports["responsable" if role == "admin" else "admin"],
            ),
        }
    world.ids["anonymous"] = world.ids["client"]
    victim = {**user_payload("responsable"), "role": "responsable"}
    victim_id = _created(http.post("/api/v1/users", headers=staff, json=victim))["id"]
    world.secrets.add(victim["password"])
    world.shared.update(
        victim=victim_id,
        responsable_id=responsable_id,
        technicien_users=technicien_users,
        client_users=client_users,
        interventions=interventions,
    )
    return world


def _inbox(http: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    answer = http.get("/api/v1/notifications", headers=headers)
    if answer.status_code == 200 and not answer.json()["items"]:
        return httpx.Response(204)  # not yet: retry_until waits for a 200 with items
    return answer


def own_redis(redis_url: str) -> str:
    """A Redis database of this package's own, emptied: durable event queues left by an
    earlier run would feed it events of another database."""
    if not redis_url.startswith("redis"):
        return redis_url
    url = private_redis(redis_url).rsplit("/", 1)[0] + "/12"
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


@pytest.fixture(scope="package")
def world(postgres_url: str, redis_url: str) -> Iterator[World]:
    scratch = Path(tempfile.mkdtemp(prefix="mif-proof-"))
    scratch.chmod(0o755)
    with scratch_database(postgres_url) as database_url:
        broker = own_redis(redis_url)
        env = supervisor_env(
            scratch / "data",
            PORT_BASE,
            DATABASE_URL=database_url,
            REDIS_URL=broker,
            # hostile traffic from one address must not lock the test's own sign-ins out
            GATEWAY_RATE_LIMIT_PER_SECOND="100000",
            GATEWAY_RATE_LIMIT_BURST="100000",
            AUTH_LOGIN_MAX_FAILURES_PER_IP="100000",
            AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT="100000",
        )
        run = Supervised(env).start()
        try:
            run.wait_ready(timeout=240)
            run.wait_for("outbox.relay_connected", 120)
            with httpx.Client(base_url=BASE, timeout=30) as http:
                started = time.monotonic()
                world = build_world(run, http)
                print(f"\nproof world built in {time.monotonic() - started:.1f} s")
                yield world
        finally:
            if run.popen is not None and run.popen.poll() is None:
                run.stop()
            if run.popen is not None and run.popen.poll() is None:
                run.kill_everything()
            shutil.rmtree(scratch, ignore_errors=True)
