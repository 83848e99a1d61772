"""Interventions at 1,000,000 rows, through the gateway: create, the filtered list at page 1
and page 1,000, and GET by id.

The data lives in a dedicated database (`mif_bench` on the TEST_DATABASE_URL/DATABASE_URL
server, or BENCH_DATABASE_URL) that is kept between runs: it is loaded once with
`python -m interventions.datagen` (COPY; about a minute) and reruns skip the load. Set
BENCH_RELOAD=1 to drop it and load again. Without a server URL (embedded PostgreSQL) the
harness's scratch database is used and loaded on every run.

Ratios: the deep page against the first, as a ratio of p50 latencies (page 1,000 / page 1)
and of throughputs (page 1 req/s / page 1,000 req/s), goal <= 1.5 for both; and the
generator's rate against a bare COPY (goal >= 0.5), from the run that loaded the data."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.bench.auth import ADMIN_PASSWORD, ADMIN_USERNAME
from tests.bench.harness import PYTHON, ROOT, Bench, Ratio, Result, parse_wrk

# Outside the 18020-18039 block of the gateway/proxy scenarios, so that this scenario can
# run next to them (and next to another engineer's bench) without a port clash.
AUTH_PORT = 48030
INTERVENTIONS_PORT = 48031
GATEWAY_PORT = 48032
ROWS = int(os.environ.get("BENCH_INTERVENTIONS", "1000000"))
PAGE_SIZE = 50
# page 1,000 at a million rows; fewer pages exist at a reduced --scale
DEEP_PAGE = min(1_000, max(2, ROWS // 1_000))
DATABASE = "mif_bench"
DATAGEN_REPORT = ROOT / "bench-results" / "datagen.json"
UNLIMITED = {
    "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000000",
    "GATEWAY_RATE_LIMIT_BURST": "1000000000",
}


def _with_database(url: str, name: str) -> str:
    head, _, tail = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{tail}" if tail else "")


def bench_database(bench: Bench) -> str:
    """The kept bench database (created when missing), or the harness's scratch one."""
    from shared.db import libpq_url

    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not server or ROWS < 100_000:
        # a reduced --scale loads into the scratch database: quick, and the kept one's
        # million rows stay for the full runs
        return bench.database_url
    reload = os.environ.get("BENCH_RELOAD") == "1"
    with psycopg.connect(libpq_url(server), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if found and reload:
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            found = None
        if not found:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return _with_database(server, DATABASE)


def load_data(url: str) -> dict[str, Any]:
    """Migrate, then generate ROWS interventions unless they are there already."""
    from shared.migrations import upgrade

    upgrade("auth", url)
    upgrade("interventions", url)
    print(f"  loading {ROWS:,} interventions (skipped when present)...", flush=True)
    done = subprocess.run(
        [PYTHON, "-m", "interventions.datagen", f"--interventions={ROWS}", "--if-fewer",
         "--json", f"--database-url={url}"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"datagen failed:\n{done.stdout}\n{done.stderr}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["skipped"]:
        # the figures of the run that loaded these rows, if it was this harness
        if DATAGEN_REPORT.exists():
            report = {**json.loads(DATAGEN_REPORT.read_text()), "reused": True}
    else:
        DATAGEN_REPORT.parent.mkdir(parents=True, exist_ok=True)
        DATAGEN_REPORT.write_text(json.dumps(report, indent=2) + "\n")
    return report


def deep_cursor(base: str, path: str, headers: dict[str, str], page: int) -> str:
    """Walk the list's cursors to the one that opens page `page` (1-based)."""
    cursor = ""
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        for n in range(1, page):
            response = client.get(path + (f"&cursor={cursor}" if cursor else ""))
            response.raise_for_status()
            cursor = response.json().get("next_cursor") or ""
            if not cursor:
                raise RuntimeError(f"{path}: only {n} pages; load more interventions")
    return cursor


def post_script(equipement_ids: list[int]) -> Path:
    """A wrk script that creates valid interventions on active equipment."""
    ids = ", ".join(map(str, equipement_ids))
    lua = f"""
local ids = {{{ids}}}
local priorites = {{"urgente", "haute", "normale", "normale", "basse", "programmee"}}
local types = {{"corrective", "preventive", "ameliorative", "diagnostic"}}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local body = string.format(
    '{{"equipement_id": %d, "titre": "Bench %d", "priorite": "%s", ' ..
    '"type_intervention": "%s", "description": "created by make bench", ' ..
    '"duree_estimee": "2.50", "cout_estime": "1200.00"}}',
    ids[math.random(#ids)], n, priorites[math.random(#priorites)],
    types[math.random(#types)])
  return wrk.format(nil, nil, nil, body)
end
"""
    path = Path(tempfile.mkstemp(prefix="mif-bench-post-", suffix=".lua")[1])
    path.write_text(lua)
    return path


def measure_script(
    bench: Bench, name: str, url: str, headers: dict[str, str], script: Path
) -> Result | None:
    """Like Bench.measure for a wrk Lua script (a POST): warm up, `runs` runs, median."""
    if not bench.load.wrk:
        bench.notes.append(f"{name}: skipped, the Python load generator sends only GETs")
        return None

    def run(seconds: float) -> dict[str, Any]:
        args = [bench.load.wrk, "-t1", f"-c{bench.load.connections}", f"-d{seconds:g}s",
                "--latency", "-s", str(script)]  # fmt: skip
        for key, value in headers.items():
            args += ["-H", f"{key}: {value}"]
        done = subprocess.run(
            [*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60
        )
        return parse_wrk(done.stdout)

    if bench.warmup > 0:
        run(bench.warmup)
    runs = []
    for _ in range(bench.runs):
        before = {s.name: s.cpu_seconds() for s in bench.servers}
        result = run(bench.load.duration)
        requests = result.get("requests") or 1
        result["cpu_ms_per_request"] = {
            s.name: round((s.cpu_seconds() - before[s.name]) * 1000 / requests, 4)
            for s in bench.servers
            if s.cpu_seconds() - before[s.name] > 0.02 * bench.load.duration
        }
        runs.append(result)
        print(f"  {name}: {result['rps']:,.0f} req/s", flush=True)
    median = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    measured = Result(
        name=name,
        url=url,
        tool="wrk",
        rps=median["rps"],
        p50_ms=median["p50_ms"],
        p99_ms=median["p99_ms"],
        errors=sum(r["errors"] for r in runs),
        cpu_ms_per_request=median["cpu_ms_per_request"],
        runs=runs,
    )
    if measured.errors:
        bench.notes.append(f"{name}: {measured.errors} errors or non-2xx answers under load")
    bench.results[name] = measured
    return measured


def interventions(bench: Bench) -> None:
    """Create, list page 1 and page 1,000 (statut=ouverte), get by id, via the gateway."""
    bench.infrastructure()
    url = bench_database(bench)
    datagen = load_data(url)
    env = {"DATABASE_URL": url}
    bench.run_module(
        "auth.bootstrap",
        env={**env, "MIF_ADMIN_USERNAME": ADMIN_USERNAME, "MIF_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    auth = bench.start("auth-iv", "auth.main:create_app", AUTH_PORT, env=env)
    service = bench.start(
        "interventions",
        "interventions.main:create_app",
        INTERVENTIONS_PORT,
        env={**env, "INTERVENTIONS_JWKS_URL": f"{auth.url}/api/v1/auth/jwks.json"},
    )
    gw = bench.start(
        "gateway-iv",
        "gateway.main:create_app",
        GATEWAY_PORT,
        env={
            **env,
            **UNLIMITED,
            "GATEWAY_AUTH_URL": auth.url,
            "GATEWAY_INTERVENTIONS_URL": service.url,
        },
    )
    login = httpx.post(
        f"{auth.url}/api/v1/auth/login",
        json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD},
        timeout=10.0,
    )
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    from shared.db import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
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
        total = conn.execute("SELECT count(*) FROM interventions.interventions").fetchone()[0]  # type: ignore[index]

    path = f"/api/v1/interventions?statut=ouverte&limit={PAGE_SIZE}"
    started = time.perf_counter()
    cursor = deep_cursor(gw.url, path, headers, DEEP_PAGE)
    print(f"  cursor of page {DEEP_PAGE:,} found in {time.perf_counter() - started:.1f} s")
    page1, deep = "list ouverte page 1", f"list ouverte page {DEEP_PAGE:,}"
    bench.measure_group(
        [
            (page1, f"{gw.url}{path}", headers),
            (deep, f"{gw.url}{path}&cursor={cursor}", headers),
            ("get intervention by id", f"{gw.url}/api/v1/interventions/{some_id}", headers),
        ]
    )
    script = post_script(equipement_ids)
    try:
        measure_script(bench, "create intervention", f"{gw.url}/api/v1/interventions", headers,
                       script)  # fmt: skip
    finally:
        script.unlink(missing_ok=True)

    # the deep page against the first: throughput (page 1 / page 1,000) and latency
    bench.ratio(f"page {DEEP_PAGE:,}/page 1 (req/s)", page1, deep, 1.5, higher_is_better=False)
    first, last = bench.results[page1], bench.results[deep]
    for pct, a, b in (("p50", first.p50_ms, last.p50_ms), ("p99", first.p99_ms, last.p99_ms)):
        if a and b:
            bench.ratios.append(
                Ratio(
                    name=f"page {DEEP_PAGE:,}/page 1 ({pct})",
                    numerator=deep,
                    denominator=page1,
                    value=round(b / a, 3),
                    goal=1.5,
                    higher_is_better=False,
                )
            )
    if datagen.get("ratio"):
        bench.ratios.append(
            Ratio(
                name="datagen/COPY",
                numerator="datagen rows/s",
                denominator="bare COPY rows/s",
                value=round(datagen["ratio"], 3),
                goal=0.5,
            )
        )
    reused = " (from the run that loaded them)" if datagen.get("reused") else ""
    if datagen.get("rows_per_second"):
        bench.notes.append(
            f"datagen{reused}: {datagen['rows_per_second']:,.0f} interventions/s end to end "
            f"({datagen.get('rate_includes', 'generated, copied, indexed and checked')}); "
            f"{datagen['copy_phase_rows_per_second']:,.0f}/s generated and copied; "
            f"bare COPY {datagen['copy_baseline_rows_per_second']:,.0f}/s"
        )
    bench.notes.append(f"interventions: {total:,} rows in {url.rsplit('/', 1)[-1]}")
