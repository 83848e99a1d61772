"""Notifications end to end, through the gateway, with every real process (`make run`):
one intervention driven from creation to closure tells the technician, the client and the
responsables (and not another client), in the inbox, on the client's open SSE stream, and
by e-mail to a local SMTP server the test starts."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.system.supervised import Supervised
from tests.system.test_make_run import (
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
PORT_BASE = 28040
BASE = f"http://127.0.0.1:{PORT_BASE}"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def subjects_to(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in list(self.messages) if m["To"] == address]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


class SseReader(threading.Thread):
    """Reads the notification stream through the gateway in the background."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.headers = headers
        self.events: list[dict[str, Any]] = []
        self.status: int | None = None
        self.connected = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        with (
            httpx.Client(base_url=BASE, timeout=httpx.Timeout(10, read=60)) as http,
            http.stream("GET", "/api/v1/notifications/stream", headers=self.headers) as answer,
        ):
            self.status = answer.status_code
            self.connected.set()
            data = None
            for line in answer.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("data: "):
                    data = json.loads(line[len("data: ") :])
                elif line == "" and data is not None:
                    self.events.append(data)
                    data = None


def titles(http: httpx.Client, tokens: dict[str, str]) -> list[str]:
    answer = http.get("/api/v1/notifications", headers=bearer(tokens), params={"limit": 200})
    assert answer.status_code == 200, answer.text
    return [n["titre"] for n in answer.json()["items"]]


def wait_until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while True:
        last = check()
        if last is True:
            return
        assert time.monotonic() < deadline, f"{what}: {last}"
        time.sleep(0.3)


@requires_full_system
def test_an_intervention_tells_the_right_people(
    scratch_dir: Path,  # noqa: F811
    fresh_database: str,  # noqa: F811
    redis_url: str,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, smtp_port = smtp
    env = supervisor_env(
        scratch_dir / "data",
        PORT_BASE,
        DATABASE_URL=fresh_database,
        REDIS_URL=private_redis(redis_url),
        NOTIFICATIONS_SMTP_HOST="127.0.0.1",
        NOTIFICATIONS_SMTP_PORT=str(smtp_port),
    )
    run = Supervised(env).start()
    reader: SseReader | None = None
    try:
        run.wait_ready(timeout=180)
        with httpx.Client(base_url=BASE, timeout=10) as http:
            from tests.system.test_make_run import ADMIN_PASSWORD

            admin = login(http, "admin", ADMIN_PASSWORD)
            staff = bearer(admin)
            people: dict[str, dict[str, str]] = {}
            responsable = {**user_payload("responsable"), "role": "responsable"}
            created = http.post("/api/v1/users", headers=staff, json=responsable)
            assert created.status_code == 201, created.text
            people["responsable"] = responsable
            technicien = user_payload("technicien")
            created = http.post(
                "/api/v1/techniciens",
                headers=staff,
                json={"user": technicien, "specialite": "hydraulique",
                      "disponibilite": "disponible", "equipe": "A",
                      "zone_geographique": "Casablanca"},
            )  # fmt: skip
            assert created.status_code == 201, created.text
            technicien_id = created.json()["id"]
            people["technicien"] = technicien
            clients: dict[str, int] = {}
            for name, nom in (("client", "Ciments du Souss"), ("autre", "Atlas Textile")):
                user = user_payload("client")
                created = http.post(
                    "/api/v1/clients", headers=staff, json=client_payload(user, nom)
                )
                assert created.status_code == 201, created.text
                clients[name] = created.json()["id"]
                people[name] = user
            tokens = {who: login(http, p["username"], p["password"]) for who, p in people.items()}
        wait_background_started(run)

        reader = SseReader(bearer(tokens["client"]))
        reader.start()
        assert reader.connected.wait(30) and reader.status == 200

        with httpx.Client(base_url=BASE, timeout=10) as http:
            equipement = retry_until(
                lambda: http.post(
                    "/api/v1/equipements",
                    headers=staff,
                    json={"client_id": clients["client"], "nom": "Broyeur",
                          "numero_serie": uuid.uuid4().hex},
                ),
                201,
            )  # fmt: skip
            assert equipement.status_code == 201, equipement.text
            created = http.post(
                "/api/v1/interventions",
                headers=staff,
                json={"equipement_id": equipement.json()["id"], "titre": "Vibrations anormales"},
            )
            assert created.status_code == 201, created.text
            i = created.json()["id"]
            assigned = retry_until(
                lambda: http.post(
                    f"/api/v1/interventions/{i}/affectation",
                    headers=staff,
                    json={"technicien_id": technicien_id},
                ),
                200,
            )
            assert assigned.status_code == 200, assigned.text
            for body in (
                {"statut": "en_cours"},
                {"statut": "cloturee", "solution": "Roulement remplacé"},
            ):
                moved = http.post(
                    f"/api/v1/interventions/{i}/transitions", headers=staff, json=body
                )
                assert moved.status_code == 200, moved.text

            expected = {
                "technicien": {f"Intervention n°{i} affectée"},
                "client": {
                    f"Intervention n°{i} prise en charge",
                    f"Intervention n°{i} : en cours",
                    f"Intervention n°{i} clôturée",
                },
                "responsable": {
                    f"Nouvelle intervention n°{i}",
                    f"Intervention n°{i} affectée",
                    f"Intervention n°{i} : en cours",
                    f"Intervention n°{i} clôturée",
                },
            }
            for who, wanted in expected.items():
                wait_until(
                    lambda who=who, wanted=wanted: (
                        sorted(titles(http, tokens[who])) == sorted(wanted)
                        or titles(http, tokens[who])
                    ),
                    30,
                    f"notifications of the {who}",
                )
            # the other client: its inbox is empty (checked after everyone else's arrived)
            assert titles(http, tokens["autre"]) == []
            client_rows = http.get("/api/v1/notifications", headers=bearer(tokens["client"]))
            closing = next(
                n for n in client_rows.json()["items"] if n["titre"].endswith("clôturée")
            )
            assert "Broyeur" in closing["message"] and "Ciments du Souss" in closing["message"]
            assert closing["lien"] == f"/interventions/{i}"
            unread = http.get("/api/v1/notifications/non-lues", headers=bearer(tokens["client"]))
            assert unread.json() == {"non_lues": 3}

        wait_until(
            lambda: (
                f"Intervention n°{i} clôturée" in [e["titre"] for e in reader.events]
                or [e["titre"] for e in reader.events]
            ),
            10,
            "the client's SSE stream",
        )
        assert all(e["user_id"] == closing["user_id"] for e in reader.events)
        wait_until(
            lambda: (
                (
                    f"Intervention n°{i} clôturée" in mailbox.subjects_to(people["client"]["email"])
                    and f"Intervention n°{i} affectée"
                    in mailbox.subjects_to(people["technicien"]["email"])
                )
                or [(str(m["To"]), str(m["Subject"])) for m in mailbox.messages]
            ),
            30,
            "the e-mails",
        )
        assert mailbox.subjects_to(people["autre"]["email"]) == []
        reader.stop.set()
        stop_and_check_nothing_left(run)
    finally:
        if run.popen is not None and run.popen.poll() is None:
            run.kill_everything()
