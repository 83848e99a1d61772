"""`make run` end to end: deploy/local/run.py starts every process, the gateway answers,
the auth flows work through it, and SIGINT stops everything, leaving no process behind."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis
from shared.testing.infra import scratch_database

from tests.system.supervised import (
    Supervised,
    alive,
    embedded_postgres,
    memory,
    process_group_members,
)

pytestmark = [pytest.mark.system, pytest.mark.timeout(420)]

ADMIN_PASSWORD = "Adm1n-system-test-pw!"
# A Redis database of its own on a shared server: the event exchange and the service queues
# have fixed names, and other test runs on the same server must not see our events.
SYSTEM_TEST_REDIS_DB = "13"
# Variables the supervisor decides; whatever an earlier test left in os.environ must not leak.
DECIDED = ("DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "JWKS_URL", "BROKER_URL", "LOG_LEVEL")


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


requires_full_system = pytest.mark.skipif(
    not (installed("gateway.main") and installed("auth.bootstrap")),
    reason="gateway.main or auth.bootstrap not written yet",
)


def private_redis(url: str) -> str:
    """The system tests' own Redis database, emptied: what an earlier run left there
    (throttle counters, queued tasks of another checkout's code) must not leak in."""
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        private = urlunsplit(parts._replace(path=f"/{SYSTEM_TEST_REDIS_DB}"))
        with redis.Redis.from_url(private) as connection:
            connection.flushdb()
        return private
    return url  # the embedded unix-socket Redis belongs to this test run alone


def supervisor_env(data_dir: Path, port_base: int, **settings: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DECIDED
        and not k.startswith(("MIF_", "GATEWAY_", "TEST_"))
        and not k.endswith(("_DATABASE_URL", "_INTERNAL_URL"))  # run.py decides them
    }
    env.update(
        MIF_PORT_BASE=str(port_base),
        MIF_DATA_DIR=str(data_dir),
        MIF_ADMIN_PASSWORD=ADMIN_PASSWORD,
        **settings,
    )
    return env


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    """A data dir of our own: pytest's tmp_path lives under a root-only directory the
    embedded PostgreSQL's system user cannot traverse, and concurrent pytest sessions on the
    machine prune each other's numbered tmp_path trees."""
    path = Path(tempfile.mkdtemp(prefix="mif-system-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """A database nobody else in this run touches (the session's one is shared by every test)."""
    with scratch_database(postgres_url) as url:
        yield url


def stop_and_check_nothing_left(
    run: Supervised,
    extra: set[int] = frozenset(),  # type: ignore[assignment]
    crashed_on_purpose: tuple[str, ...] = (),
) -> None:
    tree = {p.pid for p in run.tree()}
    # every long-running child the supervisor reported (migrate is a one-shot, long gone)
    reported = {pid for name, pid in run.reported_pids().items() if name != "migrate"}
    assert reported, run.output()
    crashed = [
        line
        for line in run.lines
        if line.startswith("run ")
        and "exited with" in line
        and not line.split("| ", 1)[1].startswith(crashed_on_purpose)
    ]
    assert not crashed, run.output()
    assert reported - {run.popen.pid} <= tree, "a reported child is not in the supervisor's tree"  # type: ignore[union-attr]
    code = run.stop(signal.SIGINT)
    assert code == 0, run.output()
    last = run.lines[-1]
    assert last.startswith("run ") and last.endswith("| stopped"), run.output(20)
    left = alive(tree | reported | set(extra))
    assert not left, [(p.pid, p.cmdline()) for p in left]
    # each child led its own process group: nothing may survive in any of them either
    assert not process_group_members(reported), run.output(30)


def idle_memory(run: Supervised, extra: list[int] = ()) -> tuple[int, int]:  # type: ignore[assignment]
    import psutil

    procs = run.tree()
    for pid in extra:
        root = psutil.Process(pid)
        procs += [root, *root.children(recursive=True)]
    return memory(procs)


def wait_background_started(run: Supervised) -> None:
    run.wait_for("worker@", 90)  # the one worker process of make run, every queue
    run.wait_for("outbox.relay_connected", 60)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    return body


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def user_payload(role: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "username": f"{role}-{tag}",
        "email": f"{role}-{tag}@example.ma",
        "full_name": f"{role.title()} {tag}",
        # none of the user's names in it (the auth service refuses that: issue 7, item 10)
        "password": f"Pw-{uuid.uuid4().hex[:12]}!",
    }


def client_payload(user: dict[str, str], nom_entreprise: str = "Ciments du Souss") -> dict:
    return {
        "user": user,
        "nom_entreprise": nom_entreprise,
        "type_client": "premium",
        "niveau_service": "gold",
        "ville": "Agadir",
        "email_commercial": f"achats-{uuid.uuid4().hex[:6]}@example.ma",
    }


def retry_until(call: object, ok: int, seconds: float = 30) -> httpx.Response:
    """Repeat a request until it answers `ok` (an event still travelling) or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        answer = call()  # type: ignore[operator]
        if answer.status_code == ok or time.monotonic() > deadline:
            return answer
        time.sleep(0.3)


def assign_through_the_event_pipeline(
    client: httpx.Client, admin: dict[str, str], client_id: int, technicien_id: int
) -> None:
    """The client and the technician created in auth reach the interventions service's
    replicas through outbox -> relay -> broker -> worker: equipment can then be created for
    the client, and an intervention on it assigned to the technician."""
    staff = bearer(admin)
    equipement = retry_until(
        lambda: client.post(
            "/api/v1/equipements",
            headers=staff,
            json={"client_id": client_id, "nom": "Compresseur", "numero_serie": uuid.uuid4().hex},
        ),
        201,
    )
    assert equipement.status_code == 201, equipement.text
    intervention = client.post(
        "/api/v1/interventions",
        headers=staff,
        json={"equipement_id": equipement.json()["id"], "titre": "Fuite d'air"},
    )
    assert intervention.status_code == 201, intervention.text
    assert intervention.json()["client_id"] == client_id
    path = f"/api/v1/interventions/{intervention.json()['id']}/affectation"
    assigned = retry_until(
        lambda: client.post(path, headers=staff, json={"technicien_id": technicien_id}), 200
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["statut"] == "affectee"


@requires_full_system
def test_make_run_through_the_gateway(
    scratch_dir: Path, fresh_database: str, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = supervisor_env(
        scratch_dir / "data", 28000, DATABASE_URL=fresh_database, REDIS_URL=private_redis(redis_url)
    )
    run = Supervised(env).start()
    try:
        ready_after = run.wait_ready(timeout=180)
        assert "admin credentials: admin" in run.wait_for("admin credentials:", 5)
        base = "http://127.0.0.1:28000"
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/readyz").status_code == 200
            admin = login(client, "admin", ADMIN_PASSWORD)

            technicien_user = user_payload("technicien")
            created = client.post(
                "/api/v1/techniciens",
                headers=bearer(admin),
                json={
                    "user": technicien_user,
                    "specialite": "électromécanique",
                    "disponibilite": "disponible",
                    "equipe": "Equipe A",
                    "zone_geographique": "Casablanca",
                },
            )
            assert created.status_code == 201, created.text
            technicien_id = created.json()["id"]

            client_user = user_payload("client")
            created = client.post(
                "/api/v1/clients", headers=bearer(admin), json=client_payload(client_user)
            )
            assert created.status_code == 201, created.text
            client_id = created.json()["id"]

            technicien = login(client, technicien_user["username"], technicien_user["password"])
            me = client.get("/api/v1/auth/me", headers=bearer(technicien))
            assert me.status_code == 200, me.text
            assert me.json()["role"] == "technicien"
            assert me.json()["username"] == technicien_user["username"]
            assert me.json()["technicien_id"] == technicien_id

            customer = login(client, client_user["username"], client_user["password"])
            me = client.get("/api/v1/auth/me", headers=bearer(customer))
            assert me.status_code == 200, me.text
            assert me.json()["role"] == "client"
            assert me.json()["client_id"] == client_id

            # refresh-token rotation with reuse detection, through the gateway
            first = customer["refresh_token"]
            rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": first})
            assert rotated.status_code == 200, rotated.text
            second = rotated.json()["refresh_token"]
            assert second != first
            reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first})
            assert reused.status_code == 401, reused.text
            assert reused.headers["content-type"].startswith("application/problem+json")
            revoked = client.post("/api/v1/auth/refresh", json={"refresh_token": second})
            assert revoked.status_code == 401, revoked.text
            # wrong credentials are a problem+json 401, never a 500
            wrong = client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": "not-it"}
            )
            assert wrong.status_code == 401, wrong.text

        wait_background_started(run)
        with httpx.Client(base_url=base, timeout=10) as client:
            assign_through_the_event_pipeline(client, admin, client_id, technicien_id)
        # a process that dies is logged and restarted
        victim = run.reported_pids()["notifications"]
        os.kill(victim, signal.SIGKILL)
        run.wait_for("notifications exited with -9", 10)
        deadline = time.monotonic() + 60
        while run.reported_pids()["notifications"] == victim:
            assert time.monotonic() < deadline, run.output()
            time.sleep(0.2)
        while not answers("http://127.0.0.1:28006/readyz"):
            assert time.monotonic() < deadline, run.output()
            time.sleep(0.5)

        time.sleep(5)  # let start-up work settle before measuring "idle"
        rss, pss = idle_memory(run)
        with capsys.disabled():
            print(
                f"\nmake run (external PostgreSQL/Redis): ready in {ready_after:.1f} s; "
                f"idle memory of {len(run.tree())} processes: RSS {rss / 2**20:.0f} MiB, "
                f"PSS {pss / 2**20:.0f} MiB"
            )
        stop_and_check_nothing_left(run, crashed_on_purpose=("notifications",))
    finally:
        if run.popen is not None and run.popen.poll() is None:
            run.kill_everything()


def test_make_run_embedded_servers_survive_a_restart(
    scratch_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a fresh clone: embedded PostgreSQL and Redis under the data dir; everything stops
    on SIGINT, and the next start finds the data again."""
    data_dir = scratch_dir / "data"
    env = supervisor_env(data_dir, 28020)
    full = installed("gateway.main") and installed("auth.bootstrap")
    saved: dict[str, str] = {}

    for attempt in ("first", "second"):
        run = Supervised(env).start()
        try:
            ready_after = run.wait_ready(timeout=180)
            postmaster = embedded_postgres(data_dir)
            assert postmaster is not None, run.output()
            infra = run.reported_pids()["embedded"]
            if full:
                with httpx.Client(base_url="http://127.0.0.1:28020", timeout=10) as client:
                    admin = login(client, "admin", ADMIN_PASSWORD)
                    if attempt == "first":
                        created = client.post(
                            "/api/v1/clients",
                            headers=bearer(admin),
                            json=client_payload(user_payload("client"), "Atlas"),
                        )
                        assert created.status_code == 201, created.text
                        saved["client"] = str(created.json()["id"])
                    else:
                        again = client.get(
                            f"/api/v1/clients/{saved['client']}", headers=bearer(admin)
                        )
                        assert again.status_code == 200, again.text
                        assert again.json()["nom_entreprise"] == "Atlas"
            if attempt == "first":
                wait_background_started(run)
                time.sleep(5)
                rss, pss = idle_memory(run, extra=[postmaster.pid])
                with capsys.disabled():
                    print(
                        f"\nmake run (embedded servers): ready in {ready_after:.1f} s; idle "
                        f"memory incl. PostgreSQL and Redis: RSS {rss / 2**20:.0f} MiB, "
                        f"PSS {pss / 2**20:.0f} MiB"
                    )
            stop_and_check_nothing_left(run, extra={infra, postmaster.pid})
            assert embedded_postgres(data_dir) is None
            assert (data_dir / "postgres" / "PG_VERSION").exists()
        finally:
            if run.popen is not None and run.popen.poll() is None:
                run.kill_everything()
