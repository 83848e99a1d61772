"""A report worker killed in the middle of a report: another worker takes the report over
once the lease expires, and it ends `termine` exactly once (real Celery workers)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from reporting.config import Settings
from reporting.dispatch import send_generate
from reporting.periodic import reports_to_resume
from shared.db import Database

from .conftest import Apply
from .test_reports import _report, _row, _seed

pytestmark = pytest.mark.timeout(180)
# a Redis database of its own: the queues have fixed names
REDIS_DB = "14"


def _worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "reporting.worker",
            "worker",
            "-Q",
            "reporting.heavy",
            "-c",
            "1",
            "-n",
            f"{name}@test",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


async def _wait(db: Database, rid: int, cond, timeout: float = 60) -> object:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        row = await _row(db, rid)
        if cond(row):
            return row
        await asyncio.sleep(0.2)
    raise AssertionError(f"report {rid}: {await _row(db, rid)}")


async def test_killed_worker_report_is_redone_once(
    apply: Apply, db: Database, tmp_path: Path, test_env: dict[str, str]
) -> None:
    c = await _seed(apply, n=40)
    redis = test_env["REDIS_URL"]
    if redis.startswith("redis"):  # a shared server: a database of our own
        redis = urlunsplit(urlsplit(redis)._replace(path=f"/{REDIS_DB}"))
    env = {
        **os.environ,
        "REDIS_URL": redis,
        "BROKER_URL": "",
        "REPORTING_REPORTS_DIR": str(tmp_path / "reports"),
        "REPORTING_REPORT_LEASE_SECONDS": "2",
        "REPORTING_REPORT_PAUSE_SECONDS": "0.15",
    }
    env.pop("BROKER_URL")
    settings = Settings(
        _env_file=None,
        **{
            "redis_url": env["REDIS_URL"],
            "database_url": test_env["DATABASE_URL"],
            "report_lease_seconds": 2,
        },
    )
    rid = await _report(db, "csv", c)
    first = _worker(env, "premier", tmp_path / "w1.log")
    second = None
    try:
        send_generate(settings, [rid])
        await _wait(db, rid, lambda r: r.progression > 0 and r.tentatives == 1)
        _kill(first)  # mid-report
        killed = await _row(db, rid)
        assert killed.statut == "en_cours" and killed.progression < 95
        second = _worker(env, "second", tmp_path / "w2.log")
        # the lease expires; the beat's take-over finds the report and sends it again
        await asyncio.sleep(2.5)
        # other tests of the run leave reports of their own in the table
        assert rid in await reports_to_resume(db, settings)
        send_generate(settings, [rid])
        done = await _wait(db, rid, lambda r: r.statut != "en_cours")
        assert (done.statut, done.progression, done.tentatives) == ("termine", 100, 2), (
            tmp_path / "w2.log"
        ).read_text()[-3000:]
        async with db.engine.connect() as conn:
            events = (
                await conn.execute(
                    sa.text(
                        "SELECT count(*) FROM reporting.outbox WHERE type = 'report.termine'"
                        " AND payload->>'aggregate_id' = :a"
                    ),
                    {"a": str(rid)},
                )
            ).scalar_one()
        assert events == 1
        path = Path(tmp_path / "reports" / done.chemin_fichier)
        assert len(path.read_text(encoding="utf-8-sig").splitlines()) == 41
    finally:
        _kill(first)
        if second is not None:
            _kill(second)
