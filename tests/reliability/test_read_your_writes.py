"""Read your own writes across services, through the gateway of a real `make run`: a
client created in auth can at once own equipment in interventions, and a technician at
once take an intervention — 100 times out of 100 — while the worker runs, and still with
the worker and the relay frozen (no event can reach the replicas: the replica asks auth)."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from shared.db import libpq_url

from tests.system.supervised import Supervised
from tests.system.test_make_run import (
    ADMIN_PASSWORD,
    bearer,
    client_payload,
    fresh_database,  # noqa: F401 (fixture)
    login,
    private_redis,
    requires_full_system,
    scratch_dir,  # noqa: F401 (fixture)
    stop_and_check_nothing_left,
    supervisor_env,
    user_payload,
    wait_background_started,
)

pytestmark = [pytest.mark.system, pytest.mark.timeout(900)]

ROUNDS = 100
BASE = "http://127.0.0.1:29000"


def client_then_equipment(client: httpx.Client, staff: dict[str, str]) -> tuple[int, int]:
    created = client.post(
        "/api/v1/clients", headers=staff, json=client_payload(user_payload("client"))
    )
    assert created.status_code == 201, created.text
    equipement = client.post(
        "/api/v1/equipements",
        headers=staff,
        json={"client_id": created.json()["id"], "nom": "Pompe", "numero_serie": uuid.uuid4().hex},
    )
    return created.status_code, equipement.status_code


def unpublished(database_url: str) -> int:
    with psycopg.connect(libpq_url(database_url)) as conn:
        row = conn.execute("SELECT count(*) FROM auth.outbox WHERE published_at IS NULL")
        return row.fetchone()[0]  # type: ignore[index]


@requires_full_system
def test_create_then_use_at_once_with_and_without_the_worker(
    scratch_dir: Path,  # noqa: F811
    fresh_database: str,  # noqa: F811
    redis_url: str,
) -> None:
    env = supervisor_env(
        scratch_dir / "data", 29000, DATABASE_URL=fresh_database, REDIS_URL=private_redis(redis_url)
    )
    run = Supervised(env).start()
    frozen: list[int] = []
    try:
        run.wait_ready(timeout=240)
        wait_background_started(run)
        with httpx.Client(base_url=BASE, timeout=30) as client:
            staff = bearer(login(client, "admin", ADMIN_PASSWORD))
            results = [client_then_equipment(client, staff) for _ in range(ROUNDS)]
            assert results == [(201, 201)] * ROUNDS, run.output(300)

            # freeze the worker (and its pool child) and the relay: events stay in the outbox
            for name in ("worker", "relay"):
                pgid = run.reported_pids()[name]
                os.killpg(pgid, signal.SIGSTOP)
                frozen.append(pgid)
            before = unpublished(fresh_database)
            results = [client_then_equipment(client, staff) for _ in range(ROUNDS)]
            assert results == [(201, 201)] * ROUNDS, run.output(300)
            # each client wrote user.created and client.created, none was published
            assert unpublished(fresh_database) == before + 2 * ROUNDS

            technicien = client.post(
                "/api/v1/techniciens",
                headers=staff,
                json={"user": user_payload("technicien"), "specialite": "froid"},
            )
            assert technicien.status_code == 201, technicien.text
            created = client.post(
                "/api/v1/clients", headers=staff, json=client_payload(user_payload("client"))
            )
            equipement = client.post(
                "/api/v1/equipements",
                headers=staff,
                json={"client_id": created.json()["id"], "nom": "Four", "numero_serie": "F-1"},
            )
            intervention = client.post(
                "/api/v1/interventions",
                headers=staff,
                json={"equipement_id": equipement.json()["id"], "titre": "Panne du four"},
            )
            assert intervention.status_code == 201, intervention.text
            assigned = client.post(
                f"/api/v1/interventions/{intervention.json()['id']}/affectation",
                headers=staff,
                json={"technicien_id": technicien.json()["id"]},
            )
            assert assigned.status_code == 200, assigned.text

            # an id auth does not know is still refused
            unknown = client.post(
                "/api/v1/equipements",
                headers=staff,
                json={"client_id": 987654321, "nom": "X", "numero_serie": uuid.uuid4().hex},
            )
            assert unknown.status_code == 422, unknown.text
        for pgid in frozen:
            os.killpg(pgid, signal.SIGCONT)
        frozen.clear()
        stop_and_check_nothing_left(run)
    finally:
        for pgid in frozen:
            os.killpg(pgid, signal.SIGCONT)
        if run.popen is not None and run.popen.poll() is None:
            run.kill_everything()
