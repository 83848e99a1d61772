"""E-mail: a real SMTP server (aiosmtpd) started by the test, a real Celery worker of the
service in its own process, deliveries queued once the notification is committed; a
refused delivery is retried with backoff and ends `echec`, visible on the notification."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from shared.db import Database

from .conftest import event, make_world, new_id

ROOT = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).with_name("celery")


class Inbox:
    """The SMTP server's handler: keeps every message; refuses `refuse-*` recipients
    with a temporary error."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("refuse-"):
            return "451 4.3.0 boite pleine, essayez plus tard"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def isolated_broker(redis_url: str) -> str:
    """A Redis database of our own: our tasks must reach our worker, nobody else's."""
    parts = urlsplit(redis_url)
    if parts.scheme in ("redis", "rediss"):
        return urlunsplit(parts._replace(path=f"/{random.randint(1, 12)}"))
    return redis_url


@pytest.mark.timeout(180)
async def test_emails_reach_the_smtp_server_and_failures_are_visible(
    smtp: tuple[Inbox, int],
    db: Database,
    test_env: dict[str, str],
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    broker = isolated_broker(redis_url)
    settings = {
        "BROKER_URL": broker,
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(port),
        "NOTIFICATIONS_SMTP_FROM": "MIF Maroc <notifications@mif.test>",
        "NOTIFICATIONS_CONSOLE_URL": "https://console.mif.test",
        "NOTIFICATIONS_EMAIL_MAX_RETRIES": "2",
        "NOTIFICATIONS_EMAIL_BACKOFF_SECONDS": "0.2",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    from notifications.config import get_settings

    get_settings.cache_clear()
    from notifications.worker import app

    app.conf.broker_url = broker
    log = tmp_path / "worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [str(CELERY), "-A", "notifications.worker", "worker", "-Q", "notifications",
             "--concurrency", "1", "-P", "prefork", "--loglevel", "INFO"],
            cwd=ROOT,
            env={**os.environ, **test_env, **settings},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        world = await make_world(db, emails=True)
        i = new_id()
        closed = event("intervention.cloturee", world.intervention(i))
        await world.apply(closed)
        # the in-app notifications are there at once, their e-mails still to come
        assert len(await world.notifications(closed.id)) == 3
        expected = sorted(
            f"{role}{user}-{world.tag}@example.ma"
            for role, user in (
                ("responsable", world.responsable),
                ("admin", world.admin),
                ("client", world.client_user),
            )
        )
        deadline = time.monotonic() + 60
        while len(inbox.messages) < 3:
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.1)
        assert sorted(m["To"] for m in inbox.messages) == expected
        message = next(m for m in inbox.messages if m["To"].startswith("client"))
        assert message["Subject"] == f"Intervention n°{i} clôturée"
        assert message["From"] == "MIF Maroc <notifications@mif.test>"
        parts = {p.get_content_type(): p.get_content() for p in message.iter_parts()}
        assert set(parts) == {"text/plain", "text/html"}
        assert (
            f"L'intervention n°{i} « Fuite d'huile » sur l'équipement Compresseur (NS-1) "
            "(client ACME Maroc) est clôturée." in parts["text/plain"]
        )
        assert f"https://console.mif.test/interventions/{i}" in parts["text/plain"]
        assert f'<a href="https://console.mif.test/interventions/{i}">' in parts["text/html"]
        assert "&#x27;" in parts["text/html"] or "&#39;" in parts["text/html"]  # escaped '
        statuses = await world.rows(
            "SELECT e.statut::text, e.tentatives FROM notifications.envois e"
            " JOIN notifications.notifications n ON n.id = e.notification_id"
            " WHERE n.event_id = :e ORDER BY e.id",
            e=closed.id,
        )
        assert statuses == [("envoye", 1)] * 3

        # the admin's mailbox refuses; the client turned e-mail off for "success"
        await world.apply(
            event(
                "user.updated",
                {"id": world.admin, "username": "admin", "role": "admin", "is_active": True,
                 "email": f"refuse-{world.tag}@example.ma"},
                occurred_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1),
            )
        )  # fmt: skip
        async with db.engine.begin() as conn:
            await conn.execute(
                sa.text("INSERT INTO notifications.preferences VALUES (:u, 'success', false)"),
                {"u": world.client_user},
            )
        second = event("intervention.cloturee", world.intervention(new_id()))
        await world.apply(second)
        assert len(await world.notifications(second.id)) == 3  # in-app: always
        query = (
            "SELECT n.user_id, e.statut::text, e.tentatives, e.derniere_erreur"
            " FROM notifications.envois e JOIN notifications.notifications n"
            " ON n.id = e.notification_id WHERE n.event_id = :e ORDER BY n.user_id"
        )
        deadline = time.monotonic() + 60
        while True:
            rows = await world.rows(query, e=second.id)
            if {r[1] for r in rows} <= {"envoye", "echec"}:
                break
            assert time.monotonic() < deadline, (rows, log.read_text()[-3000:])
            await asyncio.sleep(0.1)
        by_user = {r[0]: r for r in rows}
        assert set(by_user) == {world.responsable, world.admin}  # no e-mail for the client
        assert by_user[world.responsable][1:3] == ("envoye", 1)
        assert by_user[world.admin][1:3] == ("echec", 3)
        assert "451" in by_user[world.admin][3]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        get_settings.cache_clear()
