"""The real billing worker (a Celery process): consumed events applied once each, the
daily expiry task, on committed data and a private broker database."""

from __future__ import annotations

import asyncio
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
from billing.events import EVENT_QUEUE
from kombu import Connection
from shared.events import Event
from shared.events.broker import declare, publish
from shared.settings import ServiceSettings
from shared.worker import make_celery
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import next_id

ROOT = Path(__file__).resolve().parents[4]
CELERY = Path(sys.executable).with_name("celery")


class _Sender(ServiceSettings):
    pass


def private_broker(redis_url: str) -> str:
    parts = urlsplit(redis_url)
    if parts.scheme in ("redis", "rediss"):
        return urlunsplit(parts._replace(path=f"/{random.randint(1, 15)}"))
    return redis_url


async def wait_for(engine: AsyncEngine, sql: str, expected: Any, log: Path, **params: Any):
    deadline = time.monotonic() + 90
    while True:
        async with engine.connect() as conn:
            value = (await conn.execute(sa.text(sql), params)).scalar()
        if value == expected:
            return
        assert time.monotonic() < deadline, (value, log.read_text()[-4000:])
        await asyncio.sleep(0.2)


async def test_worker_applies_events_once_and_expires_contracts(
    engine: AsyncEngine, migrate: Any, test_env: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    migrate("billing")
    client_id, expired_client = next_id(), next_id()
    async with engine.begin() as conn:
        for cid, debut, fin in (
            (client_id, "2026-01-01", "2099-12-31"),
            (expired_client, "2020-01-01", "2020-12-31"),
        ):
            await conn.execute(
                sa.text(
                    "INSERT INTO billing.contrats (client_id, numero_contrat, type_contrat,"
                    " statut, date_debut, date_fin, montant, devise, nb_interventions_incluses,"
                    " nb_interventions_utilisees, facturer_deplacement, frais_deplacement,"
                    " majoration_pieces, delai_paiement_jours, penalite_sla, sla, jours_ouvres,"
                    " heure_debut, heure_fin) VALUES (:c, :n, 'maintenance', 'actif', :d, :f,"
                    " 0, 'MAD', 1, 0, false, 0, 0, 60, 0, '{}', '{1,2,3,4,5}', '08:30', '17:30')"
                ),
                {"c": cid, "n": f"CT-W-{cid}", "d": debut, "f": fin},
            )
    broker = private_broker(redis_url)
    env = {**os.environ, **test_env, "REDIS_URL": broker, "BILLING_REDIS_URL": broker}
    with Connection(broker) as conn:
        declare(conn, [EVENT_QUEUE])
        producer = conn.Producer()
        first, second = next_id(), next_id()
        for iid in (first, second):
            event = Event(
                type="intervention.cloturee",
                producer="interventions",
                aggregate_id=str(iid),
                data={"id": iid, "client_id": client_id, "statut": "cloturee",
                      "date_fin": "2026-06-01T10:00:00+00:00", "duree_reelle": "2.00",
                      "sous_garantie": False, "priorite": "normale"},
            ).model_dump(mode="json")  # fmt: skip
            for _ in range(3):
                publish(producer, event)
        marker = next_id()
        publish(
            producer,
            Event(
                type="client.created", producer="auth", aggregate_id=str(marker),
                data={"id": marker, "nom_entreprise": "Marqueur", "is_active": True},
            ).model_dump(mode="json"),
        )  # fmt: skip
    log = tmp_path / "worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [str(CELERY), "-A", "billing.worker", "worker", "-Q", "billing",
             "--concurrency", "1", "-P", "prefork", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    sender = make_celery("billing", _Sender(redis_url=broker))
    try:
        # the marker was published last: once it is applied, every earlier event was
        await wait_for(
            engine, "SELECT count(*) FROM billing.clients_replica WHERE id = :m", 1, log, m=marker
        )
        await wait_for(
            engine,
            "SELECT nb_interventions_utilisees FROM billing.contrats WHERE client_id = :c",
            2,
            log,
            c=client_id,
        )
        async with engine.connect() as conn:
            billed = (
                await conn.execute(
                    sa.text(
                        "SELECT l.intervention_id, l.quantite FROM billing.lignes_facture l"
                        " JOIN billing.factures f ON f.id = l.facture_id WHERE f.client_id = :c"
                    ),
                    {"c": client_id},
                )
            ).all()
        assert [(r[0], str(r[1])) for r in billed] == [(second, "2.000")]
        sender.send_task("billing.contrats.expire", queue="billing")
        await wait_for(
            engine,
            "SELECT statut::text FROM billing.contrats WHERE client_id = :c",
            "expire",
            log,
            c=expired_client,
        )
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        sender.close()
    async with engine.connect() as conn:
        active = (
            await conn.execute(
                sa.text("SELECT statut::text FROM billing.contrats WHERE client_id = :c"),
                {"c": client_id},
            )
        ).scalar()
    assert active == "actif"
