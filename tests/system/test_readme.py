"""The README's API session, run as written against `make run` (every real process,
through the gateway): if the README's example stops working, this test says so."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.system.supervised import ROOT, Supervised
from tests.system.test_make_run import (
    ADMIN_PASSWORD,
    fresh_database,  # noqa: F401 (fixture)
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
        work = scratch_dir / "session"
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
        assert '"quantite": 48' in out  # 50 received, 2 used
        year = dt.datetime.now(ZoneInfo("Africa/Casablanca")).year
        assert f'"numero_facture": "FAC-{year}-000001"' in out
        assert '"Intervention n°1 affectée"' in out  # the technician's notification
        assert (work / "facture.pdf").read_bytes().startswith(b"%PDF-")
        rapport = (work / "rapport.csv").read_text(encoding="utf-8-sig").splitlines()
        assert rapport[0].startswith("N°,Titre,Type,Statut")
        assert len(rapport) == 2 and "Fuite d'air" in rapport[1]
    finally:
        run.stop()
