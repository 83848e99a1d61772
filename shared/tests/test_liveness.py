"""shared.liveness: the file Kubernetes' probes of workers, beat and relay read. A real Celery
worker (the demo service) and a real relay refresh it from their own loops."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from shared.events.dead_letters import dead_letter_table
from shared.events.outbox import inbox_table, outbox_table

from shared import liveness

NOW = 1_800_000_000.0


def wait_for(predicate: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def probe(path: Path, max_age: int = 120) -> int:
    argv = [sys.executable, "-m", "shared.liveness", str(path), "--max-age", str(max_age)]
    return subprocess.run(argv, capture_output=True, check=False).returncode


def test_touch_is_a_no_op_without_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(liveness.ENV, raising=False)
    monkeypatch.setattr(liveness, "_last", 0.0)
    liveness.touch(NOW)
    assert list(tmp_path.iterdir()) == []


def test_touch_writes_the_time_and_the_probe_reads_its_age(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "live" / "alive"
    monkeypatch.setenv(liveness.ENV, str(path))
    monkeypatch.setattr(liveness, "_last", 0.0)
    liveness.touch(NOW)
    assert path.stat().st_mtime == NOW
    assert liveness.age(path, now=NOW + 30) == 30.0
    assert liveness.is_alive(path, 120, now=NOW + 120)
    assert not liveness.is_alive(path, 120, now=NOW + 121)
    # throttled: a second touch within MIN_INTERVAL leaves the file alone
    liveness.touch(NOW + 4)
    assert path.stat().st_mtime == NOW
    liveness.touch(NOW + 6)
    assert path.stat().st_mtime == NOW + 6


def test_probe_command_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    assert probe(path) == 1  # missing
    path.touch()
    assert probe(path) == 0
    old = time.time() - 600
    os.utime(path, (old, old))
    assert probe(path) == 1  # stale
    assert probe(path, max_age=900) == 0


@pytest.fixture
def demo_schema(postgres_url: str) -> str:
    schema = f"live_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        for table in (outbox_table(schema), inbox_table(schema), dead_letter_table(schema)):
            table.create(conn)
        conn.execute(sa.text(f"CREATE TABLE {schema}.seen (event_id text, type text)"))
    yield schema
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def test_celery_worker_and_relay_refresh_their_liveness_file(
    test_env: dict[str, str], demo_schema: str, tmp_path: Path, migrate: Callable[[str], str]
) -> None:
    migrate("interventions")  # the relay drains that schema's outbox
    worker_file, relay_file = tmp_path / "worker-alive", tmp_path / "relay-alive"
    base = {**os.environ, **test_env, "PYTHONPATH": str(Path(__file__).parent)}
    argv = [
        sys.executable, "-m", "celery", "-A", "demo_worker", "worker", "-Q", demo_schema,
        "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
    ]  # fmt: skip
    worker_env = {"DEMO_SCHEMA": demo_schema, "DEMO_BINDING": f"{demo_schema}.*"}
    worker = _start(
        argv, {**base, **worker_env, liveness.ENV: str(worker_file)}, tmp_path / "worker.log"
    )
    relay = _start(
        [sys.executable, "-m", "shared.events.relay"],
        {**base, "RELAY_SCHEMAS": "interventions", liveness.ENV: str(relay_file)},
        tmp_path / "relay.log",
    )
    try:
        assert probe(worker_file) == 1 and probe(relay_file) == 1
        wait_for(lambda: worker_file.exists() and relay_file.exists())
        assert probe(worker_file) == 0
        assert probe(relay_file) == 0
        # the worker's consumer keeps refreshing it: an old mtime is replaced within ~10 s
        old = time.time() - 600
        os.utime(worker_file, (old, old))
        assert probe(worker_file) == 1
        wait_for(lambda: probe(worker_file) == 0, timeout=30)
    finally:
        _stop(worker)
        _stop(relay)
    logs = (tmp_path / "worker.log").read_text() + (tmp_path / "relay.log").read_text()
    assert "Traceback" not in logs
