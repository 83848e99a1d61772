"""The interventions service's hot paths straight to the service (no gateway), against
their driver-level floors (tests.bench.baselines), in one run with the same uvicorn flags:

- `GET /api/v1/interventions/{id}` / raw psycopg 3 async-pool single-row GET, goal >= 0.7
  (and, without a goal, against the same raw GET in autocommit, as the service reads);
- `POST /api/v1/interventions` (row + audit row + outbox event, one transaction) / bare
  insert-one-row endpoint with the same body, goal >= 0.6.

Data: the kept 1,000,000-row bench database of tests.bench.interventions. Tokens are
signed by a throwaway key the baselines app publishes as the service's JWKS."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg

from tests.bench.baselines import SCRATCH_DDL, SCRATCH_SCHEMA, SCRATCH_TABLE
from tests.bench.harness import Bench, Result, parse_wrk
from tests.bench.interventions import ROWS, bench_database, load_data, post_script

# 48040-48049: clear of the interventions scenario's 48030-48032 and of 18000-18039.
BASELINES_PORT = 48040
SERVICE_PORT = 48041


def settle(bench: Bench, timeout: float = 20.0) -> None:
    """Wait until the servers are idle: requests wrk gave up on (2 s timeouts) are still
    being served after a run and would count against the next target's CPU."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(s.cpu_seconds() for s in bench.servers)
        time.sleep(0.5)
        if sum(s.cpu_seconds() for s in bench.servers) - before < 0.02:
            return


def measure_scripts(
    bench: Bench, targets: list[tuple[str, str, dict[str, str], Path]]
) -> dict[str, Result]:
    """Like Bench.measure_group for POSTs driven by wrk Lua scripts: warm up each, then
    interleave the runs (a, b, a, b...) and keep each target's median run."""
    wrk = bench.load.wrk
    if not wrk:
        bench.notes.append("POST targets skipped: the Python load generator sends only GETs")
        return {}

    def run(url: str, headers: dict[str, str], script: Path, seconds: float) -> dict[str, Any]:
        args = [wrk, "-t1", f"-c{bench.load.connections}", f"-d{seconds:g}s", "--latency",
                "-s", str(script)]  # fmt: skip
        for key, value in headers.items():
            args += ["-H", f"{key}: {value}"]
        done = subprocess.run(
            [*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60
        )
        return parse_wrk(done.stdout)

    if bench.warmup > 0:
        for _, url, headers, script in targets:
            run(url, headers, script, bench.warmup)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in targets}
    for _ in range(bench.runs):
        for name, url, headers, script in targets:
            settle(bench)
            before = {s.name: s.cpu_seconds() for s in bench.servers}
            result = run(url, headers, script, bench.load.duration)
            requests = result.get("requests") or 1
            spent = {s.name: s.cpu_seconds() - before[s.name] for s in bench.servers}
            result["cpu_ms_per_request"] = {
                server: round(seconds * 1000 / requests, 4)
                for server, seconds in spent.items()
                if seconds > 0.02 * bench.load.duration
            }
            runs[name].append(result)
            cpu = ", ".join(f"{k} {v:.3f}" for k, v in result["cpu_ms_per_request"].items())
            print(f"  {name}: {result['rps']:,.0f} req/s (CPU ms/request: {cpu})", flush=True)
    results = {}
    for name, url, _, _ in targets:
        median = sorted(runs[name], key=lambda r: r["rps"])[len(runs[name]) // 2]
        measured = Result(
            name=name,
            url=url,
            tool="wrk",
            rps=median["rps"],
            p50_ms=median["p50_ms"],
            p99_ms=median["p99_ms"],
            errors=sum(r["errors"] for r in runs[name]),
            cpu_ms_per_request=median["cpu_ms_per_request"],
            runs=runs[name],
        )
        if measured.errors:
            bench.notes.append(f"{name}: {measured.errors} errors or non-2xx answers under load")
        bench.results[name] = results[name] = measured
    return results


def interventions_direct(bench: Bench) -> None:
    """GET by id and POST straight to the interventions service, and their floors."""
    from shared.db import libpq_url
    from shared.testing.tokens import TokenFactory

    bench.infrastructure()
    url = bench_database(bench)
    load_data(url)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(SCRATCH_DDL)
        conn.execute(f"TRUNCATE {SCRATCH_SCHEMA}.{SCRATCH_TABLE}")
        equipement_ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM interventions.equipements WHERE active "
                "AND statut <> 'retire' ORDER BY id LIMIT 2000"
            )
        ]
        some_id = conn.execute(
            "SELECT id FROM interventions.interventions ORDER BY id OFFSET %s LIMIT 1",
            (ROWS // 2,),
        ).fetchone()[0]  # type: ignore[index]

    tokens = TokenFactory()
    baselines = bench.start(
        "baselines",
        "tests.bench.baselines:create_app",
        BASELINES_PORT,
        env={"BENCH_DATABASE_URL": url, "BENCH_JWKS": json.dumps(tokens.jwks)},
    )
    service = bench.start(
        "interventions-direct",
        "interventions.main:create_app",
        SERVICE_PORT,
        env={
            "DATABASE_URL": url,
            "INTERVENTIONS_JWKS_URL": f"{baselines.url}/api/v1/auth/jwks.json",
        },
    )
    headers = tokens.headers("admin", 1, expires_in=3600)

    get, raw = "GET intervention direct", "GET raw psycopg"
    raw_autocommit = "GET raw psycopg autocommit"
    bench.measure_group(
        [
            (get, f"{service.url}/api/v1/interventions/{some_id}", headers),
            (raw, f"{baselines.url}/raw/interventions/{some_id}", {}),
            (raw_autocommit, f"{baselines.url}/raw-autocommit/interventions/{some_id}", {}),
        ]
    )
    post, bare = "POST intervention direct", "POST bare insert"
    script = post_script(equipement_ids)
    try:
        measure_scripts(
            bench,
            [
                (post, f"{service.url}/api/v1/interventions", headers, script),
                (bare, f"{baselines.url}/bare/insert", {}, script),
            ],
        )
    finally:
        script.unlink(missing_ok=True)
    bench.ratio("GET direct/raw psycopg", get, raw, goal=0.7)
    # like for like: the service's GET runs in autocommit too
    bench.ratio("GET direct/raw autocommit", get, raw_autocommit)
    if post in bench.results and bare in bench.results:
        bench.ratio("POST direct/bare insert", post, bare, goal=0.6)
