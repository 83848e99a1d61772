"""Reminders: each confirmed slot starting within 24 h gets exactly one `planning.rappel`,
even when the worker is killed in the middle of its run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from interventions.planning.service import envoyer_rappels
from shared.db import Database
from shared.settings import ServiceSettings
from shared.worker import make_celery
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import insert_intervention, unique_technicien_id

ROOT = Path(__file__).resolve().parents[4]
CELERY = Path(sys.executable).with_name("celery")


async def make_slots(
    engine: AsyncEngine,
    count: int,
    *,
    starts_in: str = "1 hour",
    confirme: bool = True,
    rappel_envoye: bool = False,
) -> list[int]:
    """`count` slots of distinct technicians, committed; returns their planning ids."""
    base = unique_technicien_id()
    async with engine.begin() as conn:
        first = await insert_intervention(conn, technicien_id=base)
        equipement_id = (
            await conn.execute(
                sa.text("SELECT equipement_id FROM interventions.interventions WHERE id = :i"),
                {"i": first},
            )
        ).scalar_one()
        ids = await conn.execute(
            sa.text(
                """
                WITH new_interventions AS (
                    INSERT INTO interventions.interventions (equipement_id, client_id,
                        technicien_id, type_intervention, statut, priorite, urgence, titre,
                        version)
                    SELECT :e, 7, :base + g, 'corrective', 'affectee', 'normale', false,
                        'Révision', 1
                    FROM generate_series(1, :n) AS g
                    RETURNING id, technicien_id
                )
                INSERT INTO interventions.planning (intervention_id, technicien_id,
                    date_debut, date_fin, confirme, rappel_envoye)
                SELECT id, technicien_id,
                    now() + CAST(:starts_in AS interval)
                        + (technicien_id - :base) * interval '1 second',
                    now() + CAST(:starts_in AS interval) + interval '2 hours',
                    :confirme, :rappel
                FROM new_interventions
                RETURNING id
                """
            ),
            {
                "e": equipement_id,
                "base": base,
                "n": count,
                "starts_in": starts_in,
                "confirme": confirme,
                "rappel": rappel_envoye,
            },
        )
        planning_ids = sorted(ids.scalars())
        # One technician known to the replica: its user id travels in the reminder.
        await conn.execute(
            sa.text(
                "INSERT INTO interventions.techniciens_replica (id, user_id, updated_at)"
                " VALUES (:t, :u, now())"
            ),
            {"t": base + 1, "u": 4242},
        )
    return planning_ids


async def reminder_counts(engine: AsyncEngine, planning_ids: list[int]) -> dict[str, int]:
    """How many slots are marked reminded, how many events exist, the most per slot."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    """
                    SELECT
                      (SELECT count(*) FROM interventions.planning
                        WHERE id = ANY(:ids) AND rappel_envoye) AS reminded,
                      (SELECT count(*) FROM interventions.outbox
                        WHERE type = 'planning.rappel'
                          AND (payload->'data'->>'planning_id')::int = ANY(:ids)) AS events,
                      (SELECT coalesce(max(n), 0) FROM (
                         SELECT count(*) AS n FROM interventions.outbox
                          WHERE type = 'planning.rappel'
                            AND (payload->'data'->>'planning_id')::int = ANY(:ids)
                          GROUP BY payload->'data'->>'planning_id') per_slot) AS most
                    """
                ),
                {"ids": planning_ids},
            )
        ).one()
    return {"reminded": row.reminded, "events": row.events, "most": row.most}


async def test_only_due_confirmed_unreminded_slots_are_reminded_once(
    engine: AsyncEngine, migrate: Any, test_env: dict[str, str]
) -> None:
    migrate("interventions")
    due = await make_slots(engine, 5)
    later = await make_slots(engine, 1, starts_in="30 hours")
    unconfirmed = await make_slots(engine, 1, confirme=False)
    already = await make_slots(engine, 1, rappel_envoye=True)
    started = await make_slots(engine, 1, starts_in="-3 hours")  # ended an hour ago
    db = Database(test_env["DATABASE_URL"])
    try:
        assert await envoyer_rappels(db, batch_size=2) >= 5
        await envoyer_rappels(db, batch_size=2)
    finally:
        await db.dispose()
    assert await reminder_counts(engine, due) == {"reminded": 5, "events": 5, "most": 1}
    for ids, reminded in ((later, 0), (unconfirmed, 0), (already, 1), (started, 0)):
        assert await reminder_counts(engine, ids) == {"reminded": reminded, "events": 0, "most": 0}
    async with engine.connect() as conn:
        data = (
            await conn.execute(
                sa.text(
                    "SELECT o.payload->'data' FROM interventions.outbox o"
                    " WHERE o.type = 'planning.rappel'"
                    " AND (o.payload->'data'->>'planning_id')::int = :p"
                ),
                {"p": due[0]},
            )
        ).scalar_one()
    assert data["technicien_user_id"] == 4242
    assert data["client_id"] == 7
    assert {"intervention_id", "technicien_id", "date_debut", "date_fin"} <= data.keys()


def isolated_broker(redis_url: str) -> str:
    """The test Redis, on a database number of our own: other test runs sharing the server
    may run interventions workers too, and must not take our task."""
    parts = urlsplit(redis_url)
    if parts.scheme in ("redis", "rediss"):
        return urlunsplit(parts._replace(path=f"/{random.randint(1, 15)}"))
    return redis_url  # an embedded Redis is already private to this run


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "interventions.worker",
                "worker",
                "-Q",
                "interventions",
                "--concurrency",
                "1",
                "-P",
                "prefork",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill takes the child too
        )


def kill(worker: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


class _SenderSettings(ServiceSettings):
    service_name = "interventions"


async def test_a_worker_killed_mid_run_sends_no_reminder_twice_and_misses_none(
    engine: AsyncEngine, migrate: Any, test_env: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    import asyncio

    migrate("interventions")
    count = 1500
    due = await make_slots(engine, count)
    broker = isolated_broker(redis_url)
    env = {
        **os.environ,
        **test_env,
        "REDIS_URL": broker,
        "INTERVENTIONS_REDIS_URL": broker,
        # one slot per transaction, so the run lasts long enough to be killed inside it
        "INTERVENTIONS_REMINDER_BATCH_SIZE": "1",
    }
    sender = make_celery("interventions", _SenderSettings(redis_url=broker))
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        sender.send_task("interventions.planning.send_reminders", queue="interventions")
        deadline = time.monotonic() + 60
        while (counts := await reminder_counts(engine, due))["reminded"] < count // 10:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            assert worker.poll() is None, log.read_text()[-3000:]
            await asyncio.sleep(0.01)
        kill(worker)
        at_kill = await reminder_counts(engine, due)
        assert 0 < at_kill["reminded"] < count, "the kill must land in the middle of the run"
        # Every claimed slot committed its event with it, and no other slot has one.
        assert at_kill["events"] == at_kill["reminded"] and at_kill["most"] == 1

        worker = start_worker(env, log)
        # The next beat tick: a killed run is finished by the next one.
        sender.send_task("interventions.planning.send_reminders", queue="interventions")
        deadline = time.monotonic() + 120
        while (counts := await reminder_counts(engine, due))["reminded"] < count:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.1)
    finally:
        kill(worker, signal.SIGTERM)
        sender.close()
    assert counts == {"reminded": count, "events": count, "most": 1}
