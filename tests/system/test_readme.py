"""The README's API session, run as written against `make run` (every real process,
through the gateway): if the README's example stops working, this test says so."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.system.supervised import ROOT, Supervised
from tests.system.test_make_run import (
    ADMIN_PASSWORD,
    bearer,
    fresh_database,  # noqa: F401 (fixture)
    login,
    private_redis,
    requires_full_system,
    scratch_dir,  # noqa: F401 (fixture)
    supervisor_env,
    wait_background_started,
)

pytestmark = [pytest.mark.system, pytest.mark.timeout(420)]
PORT_BASE = 28200


def readme_session() -> str:
    """The bash block of the README's "Using the API" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using the API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "the section holds one bash session"
    return blocks[0]


def test_the_readme_block_is_a_full_session() -> None:
    script = readme_session()
    assert script.startswith("API=http://127.0.0.1:8000/api/v1\n")
    for step in ("/auth/login", "/interventions/$INTER/pieces", "/factures/$FACTURE/pdf"):
        assert step in script


@requires_full_system
def test_readme_session_runs_against_make_run(
    scratch_dir: Path,  # noqa: F811
    fresh_database: str,  # noqa: F811
    redis_url: str,
) -> None:
    env = supervisor_env(
        scratch_dir / "data",
        PORT_BASE,
        DATABASE_URL=fresh_database,
        REDIS_URL=private_redis(redis_url),
    )
    run = Supervised(env).start()
    try:
        run.wait_ready(timeout=240)
        wait_background_started(run)
        script = readme_session().replace("127.0.0.1:8000", f"127.0.0.1:{PORT_BASE}")
        year = dt.datetime.now(ZoneInfo("Africa/Casablanca")).year
        # as written, twice in a row: the second run finds the first one's data in place
        for run_number in (1, 2):
            work = scratch_dir / f"session-{run_number}"
            work.mkdir()
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=work,
                env={**os.environ, "MIF_ADMIN_PASSWORD": ADMIN_PASSWORD},
                capture_output=True,
                text=True,
                timeout=240,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + run.output(60)
            out = done.stdout
            assert '"Fuite d\'air"' in out  # the dispatcher's list
            assert '"statut": "cloturee"' in out  # the technician closed it
            assert "\ntrue\n" in out  # the audit chain verified intact
            assert '"emplacement": "entrepot",\n  "quantite": 48' in out  # 50 received, 2 used
            # invoices are numbered without a gap across both runs
            assert f'"numero_facture": "FAC-{year}-00000{run_number}"' in out
            # the technician's notification names its own intervention
            assert f'"Intervention n°{run_number} affectée"' in out
            assert (work / "facture.pdf").read_bytes().startswith(b"%PDF-")
            rapport = (work / "rapport.csv").read_text(encoding="utf-8-sig").splitlines()
            assert rapport[0].startswith("N°,Titre,Type,Statut")
            assert len(rapport) == 2 and "Fuite d'air" in rapport[1]
        # the second run left the first one's work alone
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT_BASE}", timeout=30) as http:
            admin = bearer(login(http, "admin", ADMIN_PASSWORD))
            first = http.get("/api/v1/interventions/1", headers=admin).json()
            assert (first["statut"], first["technicien_id"]) == ("cloturee", 1)
            # issue 6: an Idempotency-Key through the gateway: the same body answers the
            # first creation again, another body under the same key is refused
            key = {**admin, "Idempotency-Key": "readme-retry-1"}
            body = {"equipement_id": first["equipement_id"], "titre": "Contrôle annuel"}
            created = http.post("/api/v1/interventions", headers=key, json=body)
            again = http.post("/api/v1/interventions", headers=key, json=body)
            other = http.post("/api/v1/interventions", headers=key, json={**body, "titre": "X"})
            assert created.status_code == 201, created.text
            assert (again.status_code, again.json()["id"]) == (201, created.json()["id"])
            assert other.status_code == 422, other.text
            factures = http.get("/api/v1/factures", headers=admin, params={"statut": "envoyee"})
            assert sorted(f["numero_facture"] for f in factures.json()["items"]) == [
                f"FAC-{year}-000001",
                f"FAC-{year}-000002",
            ]
    finally:
        run.stop()
