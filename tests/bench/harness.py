"""What every benchmark scenario needs: PostgreSQL and Redis, server processes started with
the same uvicorn settings, a load generator (wrk, else a Python one), results and ratios.

A scenario is a function `(bench: Bench) -> None` registered in `tests.bench.scenarios`:
it starts what it needs with `bench.start(...)`, loads targets with `bench.measure(...)`
and records figures with `bench.ratio(...)`; the harness prints and saves them."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# One worker, uvloop, httptools, no access log: the settings PERFORMANCE.md measured with.
# No proxy headers: the gateway must not trust a caller's X-Forwarded-For, and every
# server gets the same flags so the comparison stays fair.
UVICORN_FLAGS = (
    "--workers", "1", "--loop", "uvloop", "--http", "httptools",
    "--no-access-log", "--no-proxy-headers", "--log-level", "warning",
)  # fmt: skip


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Result:
    name: str
    url: str
    tool: str
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    # CPU time each server process spent per request during the median run: unlike
    # requests/s it hardly moves when other work shares the machine
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Ratio:
    name: str
    numerator: str
    denominator: str
    value: float
    goal: float | None = None
    # True when a higher value is better (throughput ratios), False for "at most" goals
    higher_is_better: bool = True
    # The same ratio predicted from the CPU time the servers spent per request (what it
    # would be if the measured processes shared the CPUs and nothing else ran): steadier
    # than requests/s on a machine that other work keeps busy. PostgreSQL and the load
    # generator are not counted.
    cpu_estimate: float | None = None

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal


# -- load generation ---------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return round(float(match.group(1)) * _UNITS[match.group(2)], 3)


def parse_wrk(output: str) -> dict[str, Any]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not (rps and p50 and p99):
        raise RuntimeError(f"could not read wrk output:\n{output}")
    non_2xx = int(non2xx.group(1)) if non2xx else 0
    socket = (
        dict(
            zip(
                ("connect", "read", "write", "timeout"),
                map(int, socket_errors.groups()),
                strict=True,
            )
        )
        if socket_errors
        else {}
    )
    return {
        "requests": int(count.group(1)) if count else 0,
        "rps": float(rps.group(1)),
        "p50_ms": _ms(p50.group(1)),
        "p99_ms": _ms(p99.group(1)),
        # wrk counts a request as timed out after 2 s
        "errors": non_2xx + sum(socket.values()),
        "non_2xx": non_2xx,
        "socket_errors": socket,
    }


def ensure_wrk() -> str | None:
    """wrk's path; installed with apt-get when missing and we are root; else None."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print("wrk is missing: installing it with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False, **quiet).returncode != 0:  # type: ignore[call-overload]
        subprocess.run(["apt-get", "update", "-q"], check=False, **quiet)  # type: ignore[call-overload]
        subprocess.run(install, check=False, **quiet)  # type: ignore[call-overload]
    return shutil.which("wrk")


class LoadGenerator:
    def __init__(self, connections: int, duration: float, force_python: bool = False) -> None:
        self.connections = connections
        self.duration = duration
        self.wrk = None if force_python else ensure_wrk()
        self.tool = "wrk" if self.wrk else "python"

    def describe(self) -> str:
        if self.wrk:
            return f"wrk -t1 -c{self.connections} -d{self.duration:g}s"
        return (
            f"Python load generator (tests.bench.loadgen, {self.connections} connections, "
            f"{self.duration:g}s) in its own process: wrk is not available. It takes more CPU "
            "than wrk from the servers, so absolute figures are lower; ratios still compare."
        )

    def run(self, url: str, headers: dict[str, str], duration: float | None = None) -> dict:
        seconds = duration or self.duration
        if self.wrk:
            args = [self.wrk, "-t1", f"-c{self.connections}", f"-d{seconds:g}s", "--latency"]
            for name, value in headers.items():
                args += ["-H", f"{name}: {value}"]
            done = subprocess.run(
                [*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60
            )
            return parse_wrk(done.stdout)
        args = [PYTHON, "-m", "tests.bench.loadgen", url, f"--connections={self.connections}",
                f"--duration={seconds:g}"]  # fmt: skip
        for name, value in headers.items():
            args.append(f"--header={name}: {value}")
        done = subprocess.run(
            args, capture_output=True, text=True, check=True, timeout=seconds + 60, cwd=ROOT
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


# -- infrastructure ------------------------------------------------------------------------


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A scratch database on TEST_DATABASE_URL / DATABASE_URL, else on an embedded
    PostgreSQL; dropped afterwards."""
    from shared.testing.infra import scratch_database

    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        with scratch_database(url) as scratch:
            yield scratch
        return
    from shared.embedded import start_postgres

    with tempfile.TemporaryDirectory(prefix="mif-bench-pg-") as tmp:
        server = start_postgres(Path(tmp))
        try:
            with scratch_database(server.url) as scratch:
                yield scratch
        finally:
            server.stop()


@contextlib.contextmanager
def redis() -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    from shared.embedded import start_redis

    with tempfile.TemporaryDirectory(prefix="mif-bench-redis-") as tmp:
        server = start_redis(Path(tmp))
        try:
            yield server.url
        finally:
            server.stop()


# -- the bench -------------------------------------------------------------------------------


class Bench:
    def __init__(
        self,
        *,
        connections: int = 50,
        duration: float = 10.0,
        warmup: float = 2.0,
        runs: int = 1,
        force_python: bool = False,
    ) -> None:
        self.load = LoadGenerator(connections, duration, force_python)
        self.warmup = warmup
        self.runs = runs
        self.results: dict[str, Result] = {}
        self.ratios: list[Ratio] = []
        self.notes: list[str] = []
        self.servers: list[Server] = []
        self.env: dict[str, str] = {}
        self._stack = contextlib.ExitStack()
        self._logs = Path(tempfile.mkdtemp(prefix="mif-bench-logs-"))
        self.database_url = ""
        self.redis_url = ""
        # --scale and the system scenario's settings (tests.bench.__main__)
        self.options: dict[str, Any] = {}
        # the system scenario's figures: name -> text; mixed steps by rate; event lag by
        # consumer; report times; the world's data generator report
        self.figures: dict[str, str] = {}
        self.mixed: dict[int, dict[str, Any]] = {}
        self.event_lag: dict[str, Any] = {}
        self.report_times: dict[str, Any] = {}
        self.world: dict[str, Any] = {}
        self.timings: dict[str, float] = {}  # scenario -> seconds

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_servers()
        self._stack.close()

    def stop_servers(self) -> None:
        """Stop every server started so far (between scenarios: their ports and CPU)."""
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()

    def infrastructure(self) -> None:
        """Start (or reach) PostgreSQL and Redis once; sets `env` for the servers."""
        if self.database_url:
            return
        self.database_url = self._stack.enter_context(database())
        self.redis_url = self._stack.enter_context(redis())
        self.env = {
            "ENVIRONMENT": "development",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "LOG_LEVEL": "WARNING",
        }

    def start(
        self,
        name: str,
        app: str,
        port: int,
        *,
        factory: bool = True,
        env: dict[str, str] | None = None,
        health: str = "/healthz",
        timeout: float = 60.0,
    ) -> Server:
        """`uvicorn [--factory] app` on 127.0.0.1:port with the common flags."""
        log_path = self._logs / f"{name}.log"
        args = [PYTHON, "-m", "uvicorn", *(["--factory"] if factory else []), app,
                "--host", "127.0.0.1", "--port", str(port), *UVICORN_FLAGS]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env={**os.environ, **self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
        self.servers.append(server)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.tail()}")
            try:
                if httpx.get(server.url + health, timeout=1.0).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer {health} in {timeout:g} s:\n{server.tail()}")

    def run_module(self, module: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [PYTHON, "-m", module],
            cwd=ROOT,
            env={**os.environ, **self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"python -m {module} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def measure(self, name: str, url: str, headers: dict[str, str] | None = None) -> Result:
        """Warm up, then load `url` `runs` times; the median run is kept."""
        return self.measure_group([(name, url, headers or {})])[name]

    def measure_group(self, targets: list[tuple[str, str, dict[str, str]]]) -> dict[str, Result]:
        """Like `measure` for several targets, their runs interleaved (a, b, c, a, b, c...)
        so that a change in the machine's load weighs on all of them alike."""
        for name, url, headers in targets:
            check = httpx.get(url, headers=headers, timeout=10.0)
            if check.status_code != 200:
                raise RuntimeError(f"{name}: GET {url} answered {check.status_code}: {check.text}")
            if self.warmup > 0:
                self.load.run(url, headers, duration=self.warmup)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in targets}
        for _ in range(self.runs):
            for name, url, headers in targets:
                before = {server.name: server.cpu_seconds() for server in self.servers}
                run = self.load.run(url, headers)
                spent = {s.name: s.cpu_seconds() - before[s.name] for s in self.servers}
                requests = run.get("requests") or 1
                # servers idle during the run (other scenarios' targets) are left out
                run["cpu_ms_per_request"] = {
                    server: round(seconds * 1000 / requests, 4)
                    for server, seconds in spent.items()
                    if seconds > 0.02 * self.load.duration
                }
                runs[name].append(run)
                cpu = ", ".join(f"{k} {v:.3f}" for k, v in run["cpu_ms_per_request"].items())
                print(f"  {name}: {run['rps']:,.0f} req/s (CPU ms/request: {cpu})", flush=True)
        results = {}
        for name, url, _ in targets:
            median = sorted(runs[name], key=lambda r: r["rps"])[len(runs[name]) // 2]
            result = Result(
                name=name,
                url=url,
                tool=self.load.tool,
                rps=median["rps"],
                p50_ms=median["p50_ms"],
                p99_ms=median["p99_ms"],
                errors=sum(r["errors"] for r in runs[name]),
                cpu_ms_per_request=median.get("cpu_ms_per_request", {}),
                runs=runs[name],
            )
            if result.errors:
                detail = "; ".join(
                    f"non-2xx {r.get('non_2xx', '?')}, socket {r.get('socket_errors', {})}"
                    for r in runs[name]
                    if r["errors"]
                )
                self.notes.append(f"{name}: {result.errors} errors under load ({detail})")
            self.results[name] = results[name] = result
        return results

    def ratio(
        self,
        name: str,
        numerator: str,
        denominator: str,
        goal: float | None = None,
        higher_is_better: bool = True,
    ) -> Ratio:
        num, den = self.results[numerator], self.results[denominator]
        value = num.rps / den.rps
        # a process on both paths (auth, direct and behind the gateway) runs the same code:
        # count it at its mean cost on both sides, so its run-to-run drift cancels out
        num_ms, den_ms = dict(num.cpu_ms_per_request), dict(den.cpu_ms_per_request)
        for process in num_ms.keys() & den_ms.keys():
            num_ms[process] = den_ms[process] = (num_ms[process] + den_ms[process]) / 2
        num_cpu, den_cpu = sum(num_ms.values()), sum(den_ms.values())
        estimate = round(den_cpu / num_cpu, 3) if num_cpu and den_cpu else None
        ratio = Ratio(
            name, numerator, denominator, round(value, 3), goal, higher_is_better, estimate
        )
        self.ratios.append(ratio)
        return ratio

    # -- output -------------------------------------------------------------------------

    def report(self) -> str:
        lines = [f"load: {self.load.describe()}", ""]
        lines.append(
            f"{'target':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
            "   CPU ms/request by process"
        )
        for r in self.results.values():
            p50 = f"{r.p50_ms:.2f}" if r.p50_ms is not None else "-"
            p99 = f"{r.p99_ms:.2f}" if r.p99_ms is not None else "-"
            cpu = ", ".join(f"{k} {v:.3f}" for k, v in r.cpu_ms_per_request.items())
            lines.append(f"{r.name:<28}{r.rps:>10,.0f}{p50:>10}{p99:>10}{r.errors:>8}   {cpu}")
        if self.ratios:
            lines.append("")
            for q in self.ratios:
                goal = ""
                if q.goal is not None:
                    sign = ">=" if q.higher_is_better else "<="
                    goal = f"   goal {sign} {q.goal:g}: {'met' if q.met else 'NOT met'}"
                estimate = (
                    f"   (from CPU per request: {q.cpu_estimate:.3f})"
                    if q.cpu_estimate is not None
                    else ""
                )
                lines.append(f"{q.name:<28}{q.value:>10.3f}{goal}{estimate}")
        lines.extend(self._system_report())
        load = os.getloadavg()[1]
        if load > (os.cpu_count() or 1):
            lines.append(
                f"note: load average {load:.1f} (5 min) on {os.cpu_count()} CPUs: other work"
                " shared the machine, so requests/s ratios are noisy; the CPU-based figures"
                " in parentheses are steadier"
            )
        for note in self.notes:
            lines.append(f"note: {note}")
        if self.timings:
            spent = ", ".join(f"{k} {v:.0f} s" for k, v in self.timings.items())
            lines.append(f"scenario times: {spent}")
        return "\n".join(lines)

    def _system_report(self) -> list[str]:
        lines: list[str] = []
        if self.mixed:
            lines += ["", "mixed workload through the gateway (open loop, fixed arrival rate):"]
            lines.append(
                f"{'offered':<12}{'sent':>8}{'answered/s':>12}{'p50 ms':>10}{'p95 ms':>10}"
                f"{'p99 ms':>10}{'errors':>8}   mix"
            )
            for rate, m in sorted(self.mixed.items()):
                mix = ", ".join(f"{k} {v}" for k, v in sorted(m["by_op"].items()))
                cells = [
                    f"{m[k]:.1f}" if m[k] is not None else "-"
                    for k in ("p50_ms", "p95_ms", "p99_ms")
                ]
                lines.append(
                    f"{f'{rate} req/s':<12}{m['sent']:>8}{m['answered_per_s']:>12.1f}"
                    f"{cells[0]:>10}{cells[1]:>10}{cells[2]:>10}{m['errors']:>8}   {mix}"
                )
        if self.event_lag:
            lines += ["", "event lag, transition -> effect (outbox created_at -> inbox "
                      "processed_at; goal p99 < 1000 ms at 200 req/s):"]  # fmt: skip
            for window, lags in self.event_lag.items():
                for consumer, v in lags.items():
                    if not v.get("events"):
                        lines.append(
                            f"  {window:<12}{consumer:<15}no event applied "
                            f"({v.get('emitted')} emitted)"
                        )
                        continue
                    met = "met" if v["p99_ms"] < 1000 else "NOT met"
                    lines.append(
                        f"  {window:<12}{consumer:<15}p50 {v['p50_ms']:>9.1f} ms   "
                        f"p99 {v['p99_ms']:>9.1f} ms   max {v['max_ms']:>9.1f} ms   "
                        f"{v['events']}/{v['emitted']} events   {met}"
                    )
        if self.report_times:
            lines += ["", "report times (POST /reports -> termine, through the gateway):"]
            for name, value in self.report_times.items():
                shown = f"{value:.2f} s" if isinstance(value, float) else str(value)
                lines.append(f"  {name:<24}{shown:>12}")
        if self.figures:
            lines.append("")
            for name, value in self.figures.items():
                lines.append(f"{name:<28}{value}")
        if self.world:
            w = self.world
            reused = " (from the run that loaded it)" if w.get("reused") else ""
            lines += ["", f"data generators, scale {w['scale']:g}{reused}:"]
            lines.append(
                f"  {w['rows_total']:,} rows in {w['seconds_total']:.1f} s end to end "
                f"(connect to last commit, indexes rebuilt; ANALYZE apart): "
                f"{w['rows_total'] / max(w['seconds_total'], 1e-9):,.0f} rows/s"
            )
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in w["seconds"].items())
            lines.append(f"  {steps}")
            dg = w.get("interventions_datagen") or {}
            if dg.get("ratio"):
                lines.append(
                    f"  interventions.datagen: {dg['rows_per_second']:,.0f} rows/s end to end, "
                    f"bare COPY {dg['copy_baseline_rows_per_second']:,.0f} rows/s: "
                    f"ratio {dg['ratio']:.2f} (goal >= 0.5: "
                    f"{'met' if dg['ratio'] >= 0.5 else 'NOT met'})"
                    f"; generate+COPY phase alone {dg['copy_phase_ratio']:.2f}"
                )
        return lines

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_average": os.getloadavg(),
            },
            "load": {
                "tool": self.load.tool,
                "connections": self.load.connections,
                "duration_s": self.load.duration,
                "warmup_s": self.warmup,
                "runs": self.runs,
            },
            "server": ["uvicorn", *UVICORN_FLAGS],
            "results": {name: asdict(r) for name, r in self.results.items()},
            "ratios": {q.name: {**asdict(q), "met": q.met} for q in self.ratios},
            "notes": self.notes,
            "options": self.options,
            "figures": self.figures,
            "mixed": {str(k): v for k, v in self.mixed.items()},
            "event_lag": self.event_lag,
            "report_times": self.report_times,
            "world": self.world,
            "timings": self.timings,
        }
        path.write_text(json.dumps(document, indent=2) + "\n")
