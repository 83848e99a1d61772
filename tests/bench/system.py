"""The whole system at realistic size, as `make run` starts it.

1. the data: tests.bench.world at --scale (1: a million interventions and movements), in a
   kept database `mif_bench_system` on the TEST_DATABASE_URL/DATABASE_URL server (loaded
   once, reused while its scale matches; BENCH_RELOAD=1 loads again) — below scale 0.1 in
   the harness's scratch database, loaded on every run;
2. `make run` (deploy/local/run.py) on that database: time to "ready" and idle memory (PSS
   of every process of the tree, PostgreSQL and Redis apart) once every process started;
3. the mixed workload through the gateway at fixed arrival rates (tests.bench.mixed);
4. event lag, transition -> effect in billing, reporting and notifications: from the
   transition's transaction (the outbox row's `created_at`) to the consumer's (its inbox
   row's `processed_at`), over every transition event of the 200 req/s step (else all);
5. report times: each report type as CSV, and the interventions report as PDF and Excel,
   from `POST /reports` to `statut = termine` through the gateway.

Run anything that starts this under `flock /tmp/mif-system.lock` (other sessions of the
machine start whole systems too)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from tests.bench.auth import ADMIN_PASSWORD, ADMIN_USERNAME
from tests.bench.harness import ROOT, Bench
from tests.bench.interventions import _with_database

PORT_BASE = 48100
DATABASE = "mif_bench_system"
REDIS_DB = "12"
WORLD_REPORT = ROOT / "bench-results" / "world.json"
TRANSITIONS = ("intervention.affectee", "intervention.statut_change", "intervention.cloturee")
CONSUMERS = ("billing", "reporting", "notifications")
REPORTS = (("interventions", "csv"), ("performance", "csv"), ("stock", "csv"),
           ("facturation", "csv"), ("client", "csv"), ("interventions", "pdf"),
           ("interventions", "excel"))  # fmt: skip


def _connect(url: str, autocommit: bool = False, timeout: float = 60.0) -> psycopg.Connection:
    """A connection, retried while the server refuses new clients (its max_connections is
    shared with the system under load and whatever else runs on the machine)."""
    from shared.db import libpq_url

    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg.connect(libpq_url(url), autocommit=autocommit)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _redis(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))
    return url


def _database(bench: Bench, scale: float) -> tuple[str, bool]:
    """(url, kept): the kept bench database from scale 0.1 up, else a scratch one."""
    from shared.db import libpq_url

    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not server:
        return bench.database_url, False
    if scale < 0.1:
        # a scratch database of its own: the other scenarios' rows stay out of the world
        from shared.testing.infra import scratch_database

        return bench._stack.enter_context(scratch_database(server)), False
    with psycopg.connect(libpq_url(server), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if found and os.environ.get("BENCH_RELOAD") == "1":
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            found = None
        if not found:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return _with_database(server, DATABASE), True


def load_world(bench: Bench, url: str, kept: bool, scale: float) -> dict[str, Any]:
    from tests.bench import world

    saved = json.loads(WORLD_REPORT.read_text()) if WORLD_REPORT.exists() else {}
    if kept and world.loaded_scale(url) == scale and saved.get("scale") == scale:
        print(f"  world at scale {scale:g} already loaded: reused", flush=True)
        return {**saved, "reused": True}
    if kept and world.loaded_scale(url) is not None:
        raise RuntimeError(
            f"{DATABASE} holds another scale: BENCH_RELOAD=1 to drop it and load {scale:g}"
        )
    print(f"  loading the world at scale {scale:g}: {world.sizes(scale)}", flush=True)
    report = asdict(world.load(url, scale))
    if kept:  # the figures of the kept database's load, shown again when it is reused
        WORLD_REPORT.parent.mkdir(parents=True, exist_ok=True)
        WORLD_REPORT.write_text(json.dumps(report, indent=2) + "\n")
    return report


def _bootstrap_admin(bench: Bench, url: str) -> None:
    bench.run_module(
        "auth.bootstrap",
        env={
            "DATABASE_URL": url,
            "MIF_ADMIN_USERNAME": ADMIN_USERNAME,
            "MIF_ADMIN_PASSWORD": ADMIN_PASSWORD,
        },
    )


def _pools(url: str) -> Any:
    from shared.db import libpq_url

    from tests.bench.mixed import Pools

    with psycopg.connect(libpq_url(url)) as conn:

        def ids(sql: str) -> list[int]:
            return [int(r[0]) for r in conn.execute(sql)]

        pools = Pools(
            equipements=ids(
                "SELECT id FROM interventions.equipements WHERE active ORDER BY id LIMIT 5000"
            ),
            techniciens=ids(
                "SELECT id FROM interventions.techniciens_replica "
                "WHERE disponibilite NOT IN ('conge', 'indisponible') ORDER BY id"
            ),
            pieces=ids(
                "SELECT id FROM inventory.pieces_detachees WHERE stock_actuel >= 100 "
                "ORDER BY id LIMIT 2000"
            ),
            intervention_ids=ids(
                "SELECT id FROM interventions.interventions TABLESAMPLE SYSTEM (5) LIMIT 5000"
            )
            or ids("SELECT id FROM interventions.interventions LIMIT 5000"),
        )
        pools.opened.extend(
            ids("SELECT id FROM interventions.interventions WHERE statut = 'ouverte' LIMIT 3000")
        )
        pools.assigned.extend(
            ids(
                "SELECT i.id FROM interventions.interventions i JOIN "
                "interventions.techniciens_replica t ON t.id = i.technicien_id "
                "WHERE i.statut = 'affectee' LIMIT 3000"
            )
        )
        pools.started.extend(
            (i, 0.0)
            for i in ids(
                "SELECT id FROM interventions.interventions WHERE statut = 'en_cours' LIMIT 3000"
            )
        )
        pools.drafts.extend(
            ids(
                "SELECT id FROM billing.factures WHERE statut = 'brouillon' AND montant_ttc > 0 "
                "ORDER BY id LIMIT 20000"
            )
        )
    if not pools.pieces:
        raise RuntimeError("no part has stock: the world was not loaded")
    return pools


def event_lags(url: str, since: float, until: float) -> dict[str, dict[str, float | int]]:
    """Per consumer: p50/p99/max (ms) and count of transition events created in the window
    and applied by that consumer (outbox created_at -> inbox processed_at)."""

    out: dict[str, dict[str, float | int]] = {}
    with _connect(url) as conn:
        emitted = conn.execute(
            "SELECT count(*) FROM interventions.outbox WHERE type = ANY(%s) "
            "AND created_at BETWEEN to_timestamp(%s) AND to_timestamp(%s)",
            (list(TRANSITIONS), since, until),
        ).fetchone()[0]  # type: ignore[index]
        for consumer in CONSUMERS:
            rows = conn.execute(
                f"""
                SELECT extract(epoch FROM i.processed_at - o.created_at) * 1000
                FROM interventions.outbox o JOIN {consumer}.inbox i ON i.event_id = o.event_id
                WHERE o.type = ANY(%s)
                  AND o.created_at BETWEEN to_timestamp(%s) AND to_timestamp(%s)
                """,
                (list(TRANSITIONS), since, until),
            ).fetchall()
            lags = sorted(float(r[0]) for r in rows)
            if not lags:
                out[consumer] = {"events": 0, "emitted": int(emitted)}
                continue
            out[consumer] = {
                "events": len(lags),
                "emitted": int(emitted),
                "p50_ms": round(statistics.median(lags), 1),
                "p99_ms": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))], 1),
                "max_ms": round(lags[-1], 1),
            }
    return out


def events_flowing(base: str, token: str, url: str, equipement_id: int, timeout: float) -> float:
    """Create one intervention and wait until billing, reporting and notifications applied
    its event: the workers are up (a Celery worker takes seconds to boot after its process
    started). Returns the seconds it took."""
    from shared.db import libpq_url

    began = time.monotonic()
    answer = httpx.post(
        f"{base}/api/v1/interventions",
        json={"equipement_id": equipement_id, "titre": "Bench: les événements circulent"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    answer.raise_for_status()
    iid = answer.json()["id"]
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        event = conn.execute(
            "SELECT event_id FROM interventions.outbox WHERE type = 'intervention.created' "
            "AND payload->>'aggregate_id' = %s ORDER BY seq DESC LIMIT 1",
            (str(iid),),
        ).fetchone()
        while time.monotonic() - began < timeout:
            seen = [
                conn.execute(f"SELECT 1 FROM {c}.inbox WHERE event_id = %s", (event[0],)).fetchone()
                if event
                else conn.execute(
                    "SELECT 1 FROM reporting.rm_interventions WHERE id = %s", (iid,)
                ).fetchone()
                for c in CONSUMERS
            ]
            if all(seen):
                return time.monotonic() - began
            time.sleep(0.2)
    raise RuntimeError(f"the event of intervention {iid} was not applied in {timeout:g} s")


def events_applied_peak(url: str) -> str:
    """The most events every consumer together applied in 10 s (inbox rows), per second:
    what the one `make run` worker (concurrency 1) sustains."""

    with _connect(url) as conn:
        schemas = [
            r[0]
            for r in conn.execute(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'inbox'"
            )
        ]
        union = " UNION ALL ".join(f"SELECT processed_at FROM {s}.inbox" for s in schemas)
        row = conn.execute(
            f"SELECT max(n) FROM (SELECT count(*) AS n FROM ({union}) x "
            "WHERE processed_at > now() - interval '30 minutes' "
            "GROUP BY floor(extract(epoch FROM processed_at) / 10)) y"
        ).fetchone()
    peak = (row[0] or 0) / 10 if row else 0
    return f"{peak:.1f} events/s (inbox rows of {len(schemas)} consumers, best 10 s)"


def _wait_applied(url: str, since: float, until: float, timeout: float) -> None:
    """Until every consumer's count of applied transition events stops growing."""
    last: tuple[int, ...] = ()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lags = event_lags(url, since, until)
        counts = tuple(int(v["events"]) for v in lags.values())
        if counts == last and all(
            c >= int(v["emitted"]) for c, v in zip(counts, lags.values(), strict=True)
        ):
            return
        if counts == last:
            time.sleep(1.0)
        last = counts
        time.sleep(0.5)


def report_times(
    base: str, token: str, timeout: float, reports: tuple[tuple[str, str], ...] = REPORTS
) -> dict[str, float | str]:
    headers = {"Authorization": f"Bearer {token}"}
    times: dict[str, float | str] = {}
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        for kind, fmt in reports:
            began = time.monotonic()
            body: dict[str, Any] = {"nom": f"Bench {kind} {fmt}", "type_report": kind,
                                    "format": fmt}  # fmt: skip
            if kind == "client":
                body["parametres"] = {"client_id": 1}
            answer = client.post("/api/v1/reports", json=body)
            if answer.status_code != 202:
                times[f"{kind} {fmt}"] = f"POST answered {answer.status_code}"
                continue
            rid = answer.json()["id"]
            statut = "en_cours"
            while time.monotonic() - began < timeout:
                statut = client.get(f"/api/v1/reports/{rid}").json().get("statut", "?")
                if statut != "en_cours":
                    break
                time.sleep(0.1)
            elapsed = time.monotonic() - began
            times[f"{kind} {fmt}"] = round(elapsed, 2) if statut == "termine" else statut
    return times


def system(bench: Bench) -> None:
    """Load the world, start `make run`, measure startup, idle memory, the mixed workload,
    event lag and report times."""
    from tests.bench.mixed import run_steps
    from tests.system.supervised import Supervised, memory

    opts = bench.options
    scale = float(opts.get("scale", 1.0))
    bench.infrastructure()
    url, kept = _database(bench, scale)
    began = time.perf_counter()
    world = load_world(bench, url, kept, scale)
    bench.world = world
    if not world.get("reused"):
        print(f"  world loaded in {time.perf_counter() - began:.1f} s", flush=True)
    _bootstrap_admin(bench, url)
    redis_url = _redis(bench.redis_url)
    import redis as redis_lib

    redis_lib.Redis.from_url(redis_url).flushdb()

    data_dir = Path(tempfile.mkdtemp(prefix="mif-bench-system-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MIF_", "GATEWAY_", "TEST_")) and not k.endswith("_DATABASE_URL")
    }
    env.update(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        ENVIRONMENT="development",
        LOG_LEVEL="WARNING",
        MIF_PORT_BASE=str(PORT_BASE),
        MIF_DATA_DIR=str(data_dir),
        MIF_ADMIN_USERNAME=ADMIN_USERNAME,
        MIF_ADMIN_PASSWORD=ADMIN_PASSWORD,
        # one user sends every request: the limiter runs but never refuses
        GATEWAY_RATE_LIMIT_PER_SECOND="1000000000",
        GATEWAY_RATE_LIMIT_BURST="1000000000",
    )
    run = Supervised(env).start()
    try:
        ready = run.wait_ready(timeout=float(opts.get("start_timeout", 300)))
        bench.figures["make run: start to ready"] = f"{ready:.1f} s"
        print(f"  ready in {ready:.1f} s", flush=True)
        expected = len(_process_table(url, redis_url, data_dir))
        deadline = time.monotonic() + 120
        while len([n for n in run.reported_pids() if n != "migrate"]) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not every process started:\n{run.output()}")
            time.sleep(0.2)
        idle_wait = float(opts.get("idle_wait", 30))
        time.sleep(idle_wait)
        rss, pss = memory(run.tree())
        bench.figures["make run: idle memory"] = (
            f"{pss / 2**20:,.0f} MiB PSS ({rss / 2**20:,.0f} MiB RSS), {len(run.tree())} "
            "processes, PostgreSQL and Redis apart"
        )
        print(f"  idle: {bench.figures['make run: idle memory']}", flush=True)

        base = f"http://127.0.0.1:{PORT_BASE}"
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD},
            timeout=30.0,
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        pools = _pools(url)
        first = events_flowing(base, token, url, pools.equipements[0], timeout=180)
        bench.figures["first event applied"] = (
            f"{first:.1f} s after every process started and {idle_wait:g} s idle "
            "(the workers' boot)"
        )
        rates = [int(r) for r in opts.get("rates", (100, 200, 400))]
        seconds = float(opts.get("mixed_duration", 20))
        steps = asyncio.run(run_steps(base, token, pools, rates, seconds))
        for step in steps:
            name = f"mixed {step.rate} req/s"
            bench.mixed[step.rate] = {
                "sent": step.sent,
                "answered_per_s": step.achieved(),
                "p50_ms": step.pct(0.50),
                "p95_ms": step.pct(0.95),
                "p99_ms": step.pct(0.99),
                "errors": step.error_count,
                "by_op": dict(step.by_op),
                "error_detail": dict(step.errors),
            }
            if step.errors:
                bench.notes.append(f"{name}: errors {dict(step.errors)}")
        # event lag of each step (the goal is at 200 req/s), once the consumers caught up
        _wait_applied(url, steps[0].lag_window[0], steps[-1].lag_window[1], timeout=120)
        for step in steps:
            bench.event_lag[f"{step.rate} req/s"] = event_lags(url, *step.lag_window)
        bench.figures["events applied, peak"] = events_applied_peak(url)
        reports = tuple(opts.get("reports") or REPORTS)
        bench.report_times = report_times(
            base, token, float(opts.get("report_timeout", 300)), reports
        )
    finally:
        code = run.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if code != 0:
            bench.notes.append(f"make run exited with {code}:\n{run.output(30)}")


def _process_table(url: str, redis_url: str, data_dir: Path) -> list[Any]:
    from tests.system.supervised import load_run_module

    run = load_run_module()
    config = run.Config(url, redis_url, data_dir, PORT_BASE)
    return [p for p in run.local_processes(config, {}) if run._module_installed(run._module_of(p))]
