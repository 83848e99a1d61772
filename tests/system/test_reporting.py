"""Reporting end to end, through the gateway, with every real process (`make run`):
interventions closed through the gateway are counted, within seconds, in the seed's views
(`/stats/techniciens`, `/stats/clients` for the client itself) and in `/stats/kpis`; a
report asked over HTTP is written by the worker and downloaded."""

from __future__ import annotations

import csv
import io
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.system.supervised import Supervised
from tests.system.test_make_run import (
    ADMIN_PASSWORD,
    bearer,
    client_payload,
    fresh_database,  # noqa: F401 (fixture)
    login,
    private_redis,
    requires_full_system,
    retry_until,
    scratch_dir,  # noqa: F401 (fixture)
    stop_and_check_nothing_left,
    supervisor_env,
    user_payload,
    wait_background_started,
)

pytestmark = [pytest.mark.system, pytest.mark.timeout(420)]
PORT_BASE = 28120
BASE = f"http://127.0.0.1:{PORT_BASE}"


def wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        ok, last = check()
        if ok:
            return last
        assert time.monotonic() < deadline, f"{what}: {last}"
        time.sleep(0.3)


@requires_full_system
def test_closed_interventions_are_counted_and_reported(
    scratch_dir: Path,  # noqa: F811
    fresh_database: str,  # noqa: F811
    redis_url: str,
) -> None:
    env = supervisor_env(
        scratch_dir / "data",
        PORT_BASE,
        DATABASE_URL=fresh_database,
        REDIS_URL=private_redis(redis_url),
        REPORTING_REPORTS_DIR=str(scratch_dir / "reports"),
        REPORTING_MV_REFRESH_SECONDS="2",
    )
    run = Supervised(env).start()
    try:
        run.wait_ready(timeout=180)
        with httpx.Client(base_url=BASE, timeout=10) as http:
            staff = bearer(login(http, "admin", ADMIN_PASSWORD))
            technicien = user_payload("technicien")
            created = http.post(
                "/api/v1/techniciens",
                headers=staff,
                json={"user": technicien, "specialite": "électricité",
                      "disponibilite": "disponible", "equipe": "B",
                      "zone_geographique": "Safi"},
            )  # fmt: skip
            assert created.status_code == 201, created.text
            technicien_id = created.json()["id"]
            user = user_payload("client")
            created = http.post(
                "/api/v1/clients", headers=staff, json=client_payload(user, "Sucrerie Doukkala")
            )
            assert created.status_code == 201, created.text
            client_id = created.json()["id"]
            client_headers = bearer(login(http, user["username"], user["password"]))
        wait_background_started(run)

        with httpx.Client(base_url=BASE, timeout=10) as http:
            equipement = retry_until(
                lambda: http.post(
                    "/api/v1/equipements",
                    headers=staff,
                    json={"client_id": client_id, "nom": "Centrifugeuse",
                          "numero_serie": uuid.uuid4().hex, "criticite": "critique"},
                ),
                201,
            )  # fmt: skip
            assert equipement.status_code == 201, equipement.text
            closed = []
            for titre in ("Surchauffe moteur", "Capteur défaillant"):
                created = http.post(
                    "/api/v1/interventions",
                    headers=staff,
                    json={"equipement_id": equipement.json()["id"], "titre": titre,
                          "type_intervention": "corrective"},
                )  # fmt: skip
                assert created.status_code == 201, created.text
                i = created.json()["id"]
                assigned = retry_until(
                    lambda i=i: http.post(
                        f"/api/v1/interventions/{i}/affectation",
                        headers=staff,
                        json={"technicien_id": technicien_id},
                    ),
                    200,
                )
                assert assigned.status_code == 200, assigned.text
                for body in ({"statut": "en_cours"}, {"statut": "cloturee", "solution": "OK"}):
                    moved = http.post(
                        f"/api/v1/interventions/{i}/transitions", headers=staff, json=body
                    )
                    assert moved.status_code == 200, moved.text
                closed.append(i)
            started = time.monotonic()

            def technicien_row() -> tuple[bool, Any]:
                rows = http.get("/api/v1/stats/techniciens", headers=staff).json()["items"]
                row = next((r for r in rows if r["technician_id"] == technicien_id), None)
                return bool(row and row["completed_interventions"] == 2), rows

            wait_for(technicien_row, 20, "closed interventions in /stats/techniciens")

            def own_row() -> tuple[bool, Any]:
                answer = http.get("/api/v1/stats/clients", headers=client_headers)
                items = answer.json().get("items", [])
                return (
                    [r["client_id"] for r in items] == [client_id]
                    and items[0]["total_equipment"] == 1
                    and items[0]["critical_equipment"] == 1,
                    answer.text,
                )

            wait_for(own_row, 20, "the client's own row in /stats/clients")

            def kpis() -> tuple[bool, Any]:
                answer = http.get(
                    "/api/v1/stats/kpis", headers=staff, params={"client_id": client_id}
                )
                body = answer.json()
                return body.get("interventions_cloturees") == 2, answer.text

            kpi = wait_for(kpis, 20, "closed interventions in /stats/kpis")
            seen_after = time.monotonic() - started
            assert seen_after < 20
            assert kpi is not None

            asked = http.post(
                "/api/v1/reports",
                headers=staff,
                json={"nom": "Interventions du client", "type_report": "client",
                      "format": "csv", "parametres": {"client_id": client_id}},
            )  # fmt: skip
            assert asked.status_code == 202, asked.text
            rid = asked.json()["id"]

            def done() -> tuple[bool, Any]:
                body = http.get(f"/api/v1/reports/{rid}", headers=staff).json()
                return body.get("statut") != "en_cours", body

            report = wait_for(done, 60, "the report")
            assert report["statut"] == "termine" and report["progression"] == 100, report
            fichier = http.get(f"/api/v1/reports/{rid}/fichier", headers=staff)
            assert fichier.status_code == 200, fichier.text
            rows = list(csv.reader(io.StringIO(fichier.content.decode("utf-8-sig"))))
            assert sorted(int(r[0]) for r in rows[1:]) == sorted(closed)
        stop_and_check_nothing_left(run)
    finally:
        if run.popen is not None and run.popen.poll() is None:
            run.kill_everything()
