"""Reporting at 1,000,000 interventions (read model rows): the CSV report beside
PostgreSQL's own `COPY (SELECT ...) TO STDOUT` of the same rows (goal <= 2x) and the
report process's peak memory (goal < 200 MB); the Excel and PDF times; `GET /stats/kpis`
p50/p99 (in process, over ASGI: the endpoint and its SQL, no network); the seed's
materialized views' refresh time.

The rows live in a kept database (`mif_bench_reporting`, like the interventions scenario;
BENCH_RELOAD=1 loads again), generated set-based in SQL. BENCH_REPORTING_ROWS overrides
the size; BENCH_REPORTING_EXCEL=0 skips the (long) Excel run."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import psycopg

from tests.bench.harness import PYTHON, ROOT, Bench, Ratio, Result
from tests.bench.interventions import _with_database

ROWS = int(os.environ.get("BENCH_REPORTING_ROWS", "1000000"))
DATABASE = "mif_bench_reporting"
KPI_CALLS = 40

LOAD = """
INSERT INTO reporting.rm_clients (id, nom_entreprise, event_at)
SELECT g, 'Client ' || g, now() FROM generate_series(1, 300) g;
INSERT INTO reporting.rm_techniciens (id, user_id, username, full_name, equipe, event_at)
SELECT g, g, 'tech' || g, 'Technicien ' || g, 'E' || (g % 7), now()
FROM generate_series(1, 200) g;
INSERT INTO reporting.rm_equipements (id, client_id, nom, criticite, statut, event_at)
SELECT g, 1 + g % 300, 'Équipement ' || g,
    (ARRAY['critique', 'haute', 'normale', 'basse'])[1 + g % 4],
    (ARRAY['operationnel', 'operationnel', 'maintenance', 'panne'])[1 + g % 4], now()
FROM generate_series(1, 3000) g;
INSERT INTO reporting.rm_interventions (id, equipement_id, client_id, technicien_id,
    type_intervention, statut, priorite, urgence, titre, date_creation, date_fin, date_limite,
    duree_reelle, heures_travail, cout_reel, satisfaction_client, event_at)
SELECT g, 1 + g % 3000, 1 + (g % 3000) % 300, 1 + g % 200,
    (ARRAY['corrective', 'preventive', 'ameliorative', 'diagnostic'])[1 + g % 4],
    CASE WHEN g % 20 = 0 THEN 'ouverte' WHEN g % 33 = 0 THEN 'en_cours' ELSE 'cloturee' END,
    (ARRAY['urgente', 'haute', 'normale', 'basse', 'programmee'])[1 + g % 5], g % 9 = 0,
    'Intervention ' || g,
    now() - make_interval(mins => (g * 1.6)::int),
    CASE WHEN g % 20 = 0 OR g % 33 = 0 THEN NULL
         ELSE now() - make_interval(mins => (g * 1.6)::int) + make_interval(hours => 1 + g % 30)
    END,
    now() - make_interval(mins => (g * 1.6)::int) + make_interval(hours => 24),
    (1 + g % 12)::numeric / 2, CASE WHEN g % 3 = 0 THEN (1 + g % 10)::numeric / 2 END,
    (100 + g % 5000)::numeric, 1 + g % 5, now()
FROM generate_series(1, %(rows)s) g;
ANALYZE reporting.rm_interventions;
"""


def _database() -> str:
    from shared.db import libpq_url

    server = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or (os.environ.get("DATABASE_URL"))
    )
    if not server:
        raise RuntimeError("set TEST_DATABASE_URL (a PostgreSQL server) for this scenario")
    with psycopg.connect(libpq_url(server), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if found and os.environ.get("BENCH_RELOAD") == "1":
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            found = None
        if not found:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return _with_database(server, DATABASE)


def _load(url: str) -> None:
    from shared.db import libpq_url
    from shared.migrations import upgrade

    upgrade("reporting", url)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM reporting.rm_interventions").fetchone()
        if row and row[0] >= ROWS:
            return
        print(f"  loading {ROWS:,} read-model interventions...", flush=True)
        for table in ("rm_interventions", "rm_equipements", "rm_techniciens", "rm_clients"):
            conn.execute(f"TRUNCATE reporting.{table}")
        started = time.monotonic()
        conn.execute(LOAD.replace("%(rows)s", str(ROWS)))
        print(f"  loaded in {time.monotonic() - started:.1f} s", flush=True)


def child(url: str, report_id: int, reports_dir: str) -> None:
    """`python -m tests.bench.reporting child ...`: write one report in this process, print
    its time and this process's peak memory (what a worker process would need)."""
    from reporting.config import Settings
    from reporting.reports.generate import generate
    from shared.db import Database

    settings = Settings(database_url=url, reports_dir=reports_dir, report_lease_seconds=120)

    async def run() -> str:
        db = Database(url, pool_size=2)
        try:
            return await generate(db, settings, report_id)
        finally:
            await db.engine.dispose()

    started = time.monotonic()
    outcome = asyncio.run(run())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"outcome": outcome, "seconds": time.monotonic() - started, "peak_mb": peak_mb})
    )


def _report(url: str, fmt: str, reports_dir: str) -> dict[str, Any]:
    from shared.db import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO reporting.reports (nom, type_report, format, generated_by)"
            " VALUES (%s, 'interventions', %s, 1) RETURNING id",
            (f"bench {fmt}", fmt),
        ).fetchone()
    assert row is not None
    done = subprocess.run(
        [PYTHON, "-m", "tests.bench.reporting", "child", url, str(row[0]), reports_dir],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["outcome"] != "termine":
        raise RuntimeError(f"{fmt} report: {result}")
    return result


def _copy_seconds(url: str) -> float:
    """PostgreSQL's own COPY of the report's rows, to nowhere (the same SELECT)."""
    from psycopg import sql
    from reporting.reports.queries import report_query
    from shared.db import libpq_url

    query = report_query("interventions", {})
    started = time.monotonic()
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SET TIME ZONE 'Africa/Casablanca'")
        with conn.cursor().copy(
            sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv)").format(query.select)
        ) as copy:
            for _ in copy:
                pass
    return time.monotonic() - started


async def _kpis(url: str) -> list[float]:
    import httpx
    from reporting.config import Settings
    from reporting.main import create_app
    from shared.db import Database
    from shared.testing.plugin import trust_test_tokens
    from shared.testing.tokens import TokenFactory

    tokens = TokenFactory()
    app = create_app(Settings(database_url=url))
    db = Database(url, pool_size=2)
    app.state.db = db
    trust_test_tokens(app, tokens)
    headers = tokens.headers("admin", 1)
    times = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for k in range(KPI_CALLS + 3):
            started = time.perf_counter()
            answer = await http.get(
                "/api/v1/stats/kpis", headers=headers, params={"granularite": "week"}
            )
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(answer.text)
            if k >= 3:
                times.append(elapsed)
    await db.engine.dispose()
    return times


def _refresh_ms(url: str) -> float:
    from shared.db import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SELECT reporting.refresh_materialized_views()")
        row = conn.execute("SELECT sum(duree_ms) FROM reporting.mv_refresh").fetchone()
    return float(row[0]) if row and row[0] is not None else 0.0


def reporting(bench: Bench) -> None:
    url = _database()
    _load(url)
    reports_dir = tempfile.mkdtemp(prefix="mif-bench-reports-")
    copy_s = _copy_seconds(url)
    csv = _report(url, "csv", reports_dir)
    bench.results["reporting CSV report"] = Result(
        "reporting CSV report", "", "in-process", ROWS / csv["seconds"], None, None, 0
    )
    bench.results["PostgreSQL COPY same rows"] = Result(
        "PostgreSQL COPY same rows", "", "psycopg", ROWS / copy_s, None, None, 0
    )
    bench.ratios.append(
        Ratio(
            "CSV report / COPY (time)",
            "reporting CSV report",
            "PostgreSQL COPY same rows",
            round(csv["seconds"] / copy_s, 3),
            2.0,
            higher_is_better=False,
        )
    )
    bench.ratios.append(
        Ratio(
            "CSV worker peak memory MB",
            "reporting CSV report",
            "-",
            round(csv["peak_mb"], 1),
            200.0,
            higher_is_better=False,
        )
    )
    notes = [
        f"reporting: {ROWS:,} rows, CSV {csv['seconds']:.1f} s, COPY {copy_s:.1f} s,"
        f" CSV peak memory {csv['peak_mb']:.0f} MB"
    ]
    if os.environ.get("BENCH_REPORTING_EXCEL", "1") != "0":
        excel = _report(url, "excel", reports_dir)
        notes.append(f"reporting: Excel {excel['seconds']:.1f} s, peak {excel['peak_mb']:.0f} MB")
    pdf = _report(url, "pdf", reports_dir)
    notes.append(
        f"reporting: PDF {pdf['seconds']:.1f} s (charts over all rows, first 2,000"
        f" rows printed), peak {pdf['peak_mb']:.0f} MB"
    )
    times = asyncio.run(_kpis(url))
    cuts = statistics.quantiles(times, n=100)
    bench.results["GET /stats/kpis (ASGI)"] = Result(
        "GET /stats/kpis (ASGI)",
        "/api/v1/stats/kpis",
        "in-process",
        1000 / statistics.mean(times),
        statistics.median(times),
        cuts[98],
        0,
    )
    notes.append(f"reporting: materialized views refreshed in {_refresh_ms(url):.0f} ms")
    bench.notes.extend(notes)
    for note in notes:
        print(f"  {note}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        raise SystemExit("usage: python -m tests.bench.reporting child URL REPORT_ID DIR")
