"""`make run`: the whole MIF ERP on one machine, supervised.

    python deploy/local/run.py            # run everything until Ctrl-C / SIGTERM
    python deploy/local/run.py migrate    # apply every service's migrations, bootstrap the admin
    python deploy/local/run.py processes  # print the process table

Without DATABASE_URL / REDIS_URL an embedded PostgreSQL and Redis keep their data under
MIF_DATA_DIR (default `.data/`). Ports are MIF_PORT_BASE + i (gateway 8000, auth 8001, ...).
`processes(config)` is the one process table; docker-compose.yml and deploy/k8s/ mirror it
and tests/system/test_process_table.py keeps them in step.

The supervisor itself imports nothing of the project, so it stays small: migrations run in a
`migrate` child and the embedded servers in an `embedded` child of their own session, so a
terminal's Ctrl-C reaches the supervisor (which stops the services first) and not the database.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import runpy
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve()

# HTTP processes in port order: MIF_PORT_BASE + index.
APIS = ("gateway", "auth", "interventions", "inventory", "billing", "reporting", "notifications")
SERVICES = APIS[1:]
# Queues each service's worker consumes (reporting also renders reports on its heavy queue).
WORKER_QUEUES: dict[str, tuple[str, ...]] = {s: (s,) for s in SERVICES} | {
    "reporting": ("reporting", "reporting.heavy")
}
READY_MARKER = "MIF ERP ready at"
EMBEDDED_MARKER = "MIF_EMBEDDED "
MIGRATED_MARKER = "all migrations applied"
BACKGROUND_DELAY = 20.0
# Idle memory is printed once this long after the workers, beat and relay were started.
MEMORY_DELAY = 30.0
MEMORY_MARKER = "idle memory:"
# glibc gives each thread its own malloc arena (8 x cores); fifteen mostly idle interpreters
# need few, and fewer arenas keep their memory from fragmenting (the user may override it).
CHILD_DEFAULTS = {"MALLOC_ARENA_MAX": "2"}
ADMIN_PASSWORD_PREFIX = "admin password: "  # noqa: S105


@dataclass(frozen=True)
class Process:
    name: str
    argv: tuple[str, ...]
    # The configuration variables this process gets (on top of the user's own environment).
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    database_url: str
    redis_url: str
    data_dir: Path
    port_base: int = 8000
    host: str = "127.0.0.1"

    def port(self, api: str) -> int:
        return self.port_base + APIS.index(api)

    def url(self, api: str) -> str:
        return f"http://{self.host}:{self.port(api)}"


def config_env(config: Config, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The variables every process gets. The user's own values win, except the two URLs,
    which are the user's anyway when set (else the embedded servers')."""
    environ = dict(os.environ) if environ is None else environ
    defaults = {
        "ENVIRONMENT": "development",
        "JWKS_URL": f"{config.url('auth')}/api/v1/auth/jwks.json",
        **{f"GATEWAY_{s.upper()}_URL": config.url(s) for s in SERVICES},
        # service-to-service calls (shared.internal): a replica asking the owner of an id
        **{f"{s.upper()}_INTERNAL_URL": config.url(s) for s in SERVICES},
        # refused outside development (shared.internal): production sets its own
        "SERVICE_TOKEN_SECRET": "dev-insecure-service-token-secret-change-me-0123456789",
    }
    env = {key: environ.get(key, value) for key, value in defaults.items()}
    env["DATABASE_URL"] = config.database_url
    env["REDIS_URL"] = config.redis_url
    return env


def processes(config: Config, environ: dict[str, str] | None = None) -> list[Process]:
    """The process table: every long-running process of the system, in start order."""
    env = config_env(config, environ)
    bin_dir = Path(sys.executable).parent
    table: list[Process] = []
    for api in APIS:
        argv = (
            str(bin_dir / "uvicorn"), "--factory", f"{api}.main:create_app",
            "--host", config.host, "--port", str(config.port(api)),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log",
        )  # fmt: skip
        if api == "gateway":
            # the gateway is the edge: it must not believe a caller's own X-Forwarded-For,
            # and it bounds request heads, bodies and their timing (gateway.http)
            argv = tuple(
                "gateway.http:GatewayHttpProtocol" if a == "httptools" else a for a in argv
            )
            argv += ("--no-proxy-headers",)
        table.append(Process(api, argv, env))
    for service in SERVICES:
        argv = (
            str(bin_dir / "celery"), "--quiet", "-A", f"{service}.worker", "worker",
            "-Q", ",".join(WORKER_QUEUES[service]), "-n", f"{service}@%h",
            "--concurrency", "1", "--loglevel", "INFO",
            # one worker per queue: nobody to synchronise with or gossip to
            "--without-mingle", "--without-gossip",
        )  # fmt: skip
        table.append(Process(f"worker-{service}", argv, env))
    schedule = config.data_dir / "celerybeat-schedule"
    beat = (str(bin_dir / "celery"), "--quiet", "-A", "shared.beat", "beat",
            "--schedule", str(schedule),
            "--loglevel", "INFO")  # fmt: skip
    table.append(Process("beat", beat, env))
    table.append(Process("relay", (sys.executable, "-m", "shared.events.relay"), env))
    return table


def local_processes(config: Config, environ: dict[str, str] | None = None) -> list[Process]:
    """What `make run` starts: the process table with the per-service workers folded into
    one `worker` process consuming every queue (`shared.all_workers`): one interpreter
    and one pool child instead of six of each, on a machine where nothing needs scaling."""
    table = processes(config, environ)
    workers = [p for p in table if p.name.startswith("worker-")]
    queues = [q for service in SERVICES for q in WORKER_QUEUES[service]]
    argv = (
        workers[0].argv[0], "-A", "shared.all_workers", "worker",
        "-Q", ",".join(queues), "-n", "worker@%h",
        "--concurrency", "1", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
    )  # fmt: skip
    merged = Process("worker", argv, workers[0].env)
    first = table.index(workers[0])
    rest = [p for p in table if p not in workers]
    return [*rest[:first], merged, *rest[first:]]


# ---------------------------------------------------------------------------------------------
# one-shot subcommands (children of the supervisor, or containers of their own)


def migrate() -> int:
    """Apply every service's migrations (each its own schema), then bootstrap the admin."""
    import importlib.util
    from importlib.metadata import entry_points

    from shared.migrations import upgrade

    url = os.environ["DATABASE_URL"]
    names = sorted(ep.name for ep in entry_points(group="mif.services") if ep.name != "gateway")
    for name in names:
        started = time.monotonic()
        upgrade(name, url)
        print(f"migrated {name} in {time.monotonic() - started:.1f} s", flush=True)
    print(MIGRATED_MARKER, flush=True)
    if importlib.util.find_spec("auth.bootstrap") is None:
        print("auth.bootstrap is not installed: no admin created", flush=True)
        return 0
    # An empty MIF_ADMIN_PASSWORD (compose, templated manifests) means "generate one".
    if not os.environ.get("MIF_ADMIN_PASSWORD", "x"):
        del os.environ["MIF_ADMIN_PASSWORD"]
    # `python -m auth.bootstrap`, in this interpreter: SQLAlchemy and the rest are imported
    # already, which saves a second start-up while the services are starting beside us.
    # ... with its own command line (no arguments), not run.py's `migrate`
    sys.argv = ["auth.bootstrap"]
    try:
        runpy.run_module("auth.bootstrap", run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


def embedded(data_dir: Path) -> int:
    """Run the embedded PostgreSQL and Redis until SIGTERM (or the supervisor's death)."""
    from shared.embedded import start_postgres, start_redis

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    postgres = start_postgres(data_dir / "postgres")
    try:
        redis = start_redis(data_dir / "redis")
    except BaseException:
        postgres.stop()
        raise
    urls = {"database_url": postgres.url, "redis_url": redis.url}
    print(EMBEDDED_MARKER + json.dumps(urls), flush=True)
    try:
        while not stopping:
            time.sleep(0.2)
    finally:
        redis.stop()
        postgres.stop()
        print("embedded servers stopped", flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# the supervisor

PR_SET_PDEATHSIG = 1


def _child_setup() -> None:
    """In each child before exec: its own process group and session (so a terminal's Ctrl-C
    reaches only the supervisor, which stops children in order), and SIGTERM if the
    supervisor dies. Safe: the supervisor is single-threaded."""
    os.setsid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Child:
    def __init__(self, process: Process, environ: dict[str, str]) -> None:
        self.process = process
        self.environ = environ
        self.popen: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.failures = 0
        self.restart_at: float | None = None
        self.buffer = b""

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.returncode is None

    def start(self) -> subprocess.Popen[bytes]:
        self.popen = subprocess.Popen(  # noqa: S603
            self.process.argv,
            cwd=ROOT,
            env={**CHILD_DEFAULTS, **self.environ, **self.process.env, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_child_setup,
        )
        os.set_blocking(self.popen.stdout.fileno(), False)  # type: ignore[union-attr]
        self.started_at = time.monotonic()
        self.restart_at = None
        return self.popen


class Supervisor:
    def __init__(self, out: IO[str] = sys.stdout) -> None:
        self.out = out
        self.children: dict[str, Child] = {}
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self.width = 12
        self.captured: list[str] = []

    # -- output ---------------------------------------------------------------------------
    def say(self, message: str, name: str = "run") -> None:
        self.out.write(f"{name:<{self.width}} | {message}\n")
        self.out.flush()

    def _pump(self, child: Child, final: bool = False) -> None:
        stream = child.popen.stdout if child.popen else None
        if stream is None:
            return
        while True:
            try:
                chunk = stream.read(65536)
            except (BlockingIOError, ValueError):
                chunk = None
            if not chunk:
                break
            child.buffer += chunk
        *lines, child.buffer = child.buffer.split(b"\n")
        if final and child.buffer:
            lines.append(child.buffer)
            child.buffer = b""
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if line.startswith((ADMIN_PASSWORD_PREFIX, EMBEDDED_MARKER, MIGRATED_MARKER)):
                self.captured.append(line)
            if not line.startswith(EMBEDDED_MARKER):
                self.say(line, child.process.name)

    def _register(self, child: Child) -> None:
        assert child.popen is not None and child.popen.stdout is not None
        self.selector.register(child.popen.stdout, selectors.EVENT_READ, child)

    def _unregister(self, child: Child) -> None:
        if child.popen is not None and child.popen.stdout is not None:
            try:
                self.selector.unregister(child.popen.stdout)
            except (KeyError, ValueError):
                pass
            self._pump(child, final=True)
            child.popen.stdout.close()

    def poll_output(self, timeout: float) -> None:
        if not self.selector.get_map():
            time.sleep(timeout)
            return
        for key, _ in self.selector.select(timeout):
            self._pump(key.data)

    # -- lifecycle ------------------------------------------------------------------------
    def spawn(self, process: Process, environ: dict[str, str]) -> Child:
        child = self.children.get(process.name) or Child(process, environ)
        self.children[process.name] = child
        self.width = max(self.width, len(process.name))
        popen = child.start()
        self._register(child)
        self.say(f"started {process.name} pid={popen.pid}")
        return child

    def finish(self, child: Child) -> int:
        """Collect an exited one-shot child: the rest of its output, its exit status."""
        assert child.popen is not None
        code = child.popen.wait()
        self._unregister(child)
        return code

    def check_children(self) -> None:
        """Log and restart (with backoff) whatever exited on its own."""
        now = time.monotonic()
        for child in list(self.children.values()):
            popen = child.popen
            if popen is None:
                continue
            if popen.returncode is None and popen.poll() is not None:
                self._unregister(child)
                uptime = now - child.started_at
                child.failures = 1 if uptime > 60 else child.failures + 1
                delay = min(30.0, 0.5 * 2 ** (child.failures - 1))
                child.restart_at = now + delay
                self.say(
                    f"{child.process.name} exited with {popen.returncode} after {uptime:.1f} s; "
                    f"restarting in {delay:.1f} s"
                )
            elif child.restart_at is not None and now >= child.restart_at and not self.stopping:
                self.spawn(child.process, child.environ)

    def stop_all(self, children: list[Child] | None = None, timeout: float = 15.0) -> None:
        """SIGTERM to each child's process group, wait, SIGKILL what is left."""
        candidates = children if children is not None else list(self.children.values())
        targets = [c for c in candidates if c.popen is not None and c.popen.poll() is None]
        for child in targets:
            _killpg(child.popen.pid, signal.SIGTERM)  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll_output(0.1)
            if not any(_group_alive(c.popen.pid) for c in targets):  # type: ignore[union-attr]
                break
            for child in targets:
                child.popen.poll()  # type: ignore[union-attr]  # reap the leader
        for child in targets:
            assert child.popen is not None
            if _group_alive(child.popen.pid):
                self.say(f"{child.process.name} did not stop in {timeout:.0f} s: SIGKILL")
                _killpg(child.popen.pid, signal.SIGKILL)
            try:
                child.popen.wait(5)
            except subprocess.TimeoutExpired:
                self.say(f"{child.process.name} pid={child.popen.pid} would not die")
            self._unregister(child)
            child.restart_at = None


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    """Is any process of the group still running (zombies of ours do not count: the
    leader is reaped by poll() and any other member would be re-parented and reaped)?"""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # only a zombie leader left?
    try:
        with open(f"/proc/{pgid}/stat", encoding="ascii") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    if state != "Z":
        return True
    return _other_members(pgid)


def _other_members(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == pgid:
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _module_installed(module: str) -> bool:
    """Whether `pkg.mod` exists, found without importing the project into the supervisor."""
    import importlib.util

    package, _, rest = module.partition(".")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return False
    relative = rest.replace(".", "/") + ".py"
    return any((Path(p) / relative).exists() for p in spec.submodule_search_locations)


def supervise() -> int:
    started = time.monotonic()
    data_dir = Path(os.environ.get("MIF_DATA_DIR", ROOT / ".data")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    port_base = int(os.environ.get("MIF_PORT_BASE", "8000"))
    environ = dict(os.environ)
    sup = Supervisor()
    sup.width = len("worker-notifications")

    def on_signal(signum: int, _frame: object) -> None:
        if not sup.stopping:
            sup.say(f"{signal.Signals(signum).name}: stopping everything")
        sup.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sup.say(f"supervisor pid={os.getpid()}, data in {data_dir}")

    infra: Child | None = None
    migrator: Child | None = None
    database_url = environ.get("DATABASE_URL")
    redis_url = environ.get("REDIS_URL")
    try:
        if not database_url or not redis_url:
            infra = _start_embedded(sup, data_dir, environ)
            if infra is None:
                return 1
            urls = json.loads(
                next(line for line in sup.captured if line.startswith(EMBEDDED_MARKER))[
                    len(EMBEDDED_MARKER) :
                ]
            )
            database_url = database_url or urls["database_url"]
            redis_url = redis_url or urls["redis_url"]
            sup.say(f"embedded PostgreSQL and Redis up ({time.monotonic() - started:.1f} s)")
        assert database_url and redis_url
        config = Config(database_url, redis_url, data_dir, port_base)
        table = local_processes(config, environ)
        env = config_env(config, environ)

        # The services start as soon as every schema is migrated; the admin bootstrap (one
        # more interpreter and a password hash) finishes meanwhile, before "ready".
        migrate_proc = Process("migrate", (sys.executable, str(SCRIPT), "migrate"), env)
        migrator = sup.spawn(migrate_proc, environ)
        del sup.children["migrate"]  # a one-shot: never restarted
        assert migrator.popen is not None
        while MIGRATED_MARKER not in sup.captured and not sup.stopping:
            if migrator.popen.poll() is not None:
                sup.finish(migrator)
                if MIGRATED_MARKER not in sup.captured:
                    sup.say(f"migrations failed ({migrator.popen.returncode}): stopping")
                    return 1
            sup.poll_output(0.1)
        sup.say(f"migrations applied ({time.monotonic() - started:.1f} s)")

        missing = [p for p in table if not _module_installed(_module_of(p))]
        for process in missing:
            sup.say(f"{process.name}: {_module_of(process)} is not installed yet, not started")
        running = [p for p in table if p not in missing]
        # APIs first: on two cores, starting all fifteen interpreters at once doubles the
        # time to ready. Workers, beat and relay follow once the gateway is ready (their
        # queues are durable, nothing is lost meanwhile), or after BACKGROUND_DELAY anyway.
        apis = [p for p in running if p.name in APIS]
        background = [p for p in running if p.name not in APIS]
        for process in apis:
            if not sup.stopping:
                sup.spawn(process, environ)
        background_at = time.monotonic() + BACKGROUND_DELAY
        memory_at: float | None = None

        # Ready when every API answers its own /readyz: the gateway's stays 200 while a
        # service behind it is down (that service's requests get 503), so it cannot
        # stand for the others.
        ready_urls = [f"{config.url(p.name)}/readyz" for p in apis]
        pending = list(ready_urls)
        next_check = 0.0
        announced = False
        while not sup.stopping:
            sup.poll_output(0.2)
            sup.check_children()
            if migrator.running and migrator.popen.poll() is not None:
                if sup.finish(migrator) != 0:
                    sup.say(f"admin bootstrap failed ({migrator.popen.returncode}): stopping")
                    return 1
            if pending and time.monotonic() >= next_check:
                pending = [url for url in pending if not _ready(url)]
                next_check = time.monotonic() + 0.25
            if not pending and not announced and not migrator.running:
                _announce(sup, config, started)
                announced = True
            if background and (not pending or time.monotonic() >= background_at):
                for process in background:
                    if not sup.stopping:
                        sup.spawn(process, environ)
                background = []
                memory_at = time.monotonic() + MEMORY_DELAY
            if memory_at is not None and time.monotonic() >= memory_at and announced:
                sup.say(idle_memory(list(sup.children.values()), infra))
                memory_at = None
    finally:
        sup.stopping = True
        sup.stop_all()
        if migrator is not None and migrator.running:
            sup.stop_all([migrator])
        if infra is not None:
            sup.stop_all([infra], timeout=30)
        sup.say("stopped")
    return 0


def _pss_kib(pid: int) -> int:
    """Proportional set size of `pid` (pages shared with others counted by share)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _group_members(pgids: set[int]) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # fields after the parenthesised command: state ppid pgrp ...
        if int(stat.rsplit(")", 1)[1].split()[2]) in pgids:
            members.append(int(entry.name))
    return members


def idle_memory(children: list[Child], infra: Child | None) -> str:
    """The system's memory now, as `make run` prints it: the PSS of every process of the
    services (each child led its own process group), and of the embedded servers apart."""
    own = {c.popen.pid for c in children if c.popen is not None and c.running}
    pids = _group_members(own)
    total = sum(_pss_kib(pid) for pid in pids) + _pss_kib(os.getpid())
    line = f"{MEMORY_MARKER} {total / 1024:.0f} MiB PSS ({len(pids) + 1} processes"
    if infra is not None and infra.popen is not None and infra.running:
        embedded = _group_members({infra.popen.pid})
        servers = sum(_pss_kib(pid) for pid in embedded)
        line += f"; embedded PostgreSQL and Redis: {servers / 1024:.0f} MiB more"
    return line + ")"


def _module_of(process: Process) -> str:
    argv = process.argv
    if "--factory" in argv:
        return argv[argv.index("--factory") + 1].split(":")[0]
    if "-A" in argv:
        return argv[argv.index("-A") + 1]
    return argv[argv.index("-m") + 1]


def _start_embedded(sup: Supervisor, data_dir: Path, environ: dict[str, str]) -> Child | None:
    process = Process("embedded", (sys.executable, str(SCRIPT), "embedded", str(data_dir)))
    child = sup.spawn(process, environ)
    deadline = time.monotonic() + 60
    while not any(line.startswith(EMBEDDED_MARKER) for line in sup.captured):
        sup.poll_output(0.1)
        assert child.popen is not None
        if child.popen.poll() is not None or sup.stopping or time.monotonic() > deadline:
            sup.say("embedded servers did not start")
            sup.stop_all([child])
            del sup.children["embedded"]
            return None
    # it is infrastructure, not a supervised service: stopped last, by hand
    del sup.children["embedded"]
    return child


def _announce(sup: Supervisor, config: Config, started: float) -> None:
    sup.say(f"{READY_MARKER} {config.url('gateway')} (in {time.monotonic() - started:.1f} s)")
    username = os.environ.get("MIF_ADMIN_USERNAME", "admin")
    generated = [line for line in sup.captured if line.startswith(ADMIN_PASSWORD_PREFIX)]
    if generated:
        password = generated[-1][len(ADMIN_PASSWORD_PREFIX) :]
        sup.say(f"admin credentials: {username} / {password}")
    elif os.environ.get("MIF_ADMIN_PASSWORD"):
        sup.say(f"admin credentials: {username} / (the MIF_ADMIN_PASSWORD you set)")
    else:
        sup.say(f"admin credentials: {username} / (printed when it was created, first run)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("migrate", help="apply migrations and bootstrap the admin, then exit")
    emb = sub.add_parser("embedded", help="(internal) run the embedded servers")
    emb.add_argument("data_dir", type=Path)
    sub.add_parser("processes", help="print the process table")
    args = parser.parse_args(argv)
    commands: dict[str | None, Callable[[], int]] = {
        None: supervise,
        "migrate": migrate,
        "embedded": lambda: embedded(args.data_dir),
        "processes": _print_table,
    }
    return commands[args.command]()


def _print_table() -> int:
    config = Config(
        os.environ.get("DATABASE_URL", "<embedded>"),
        os.environ.get("REDIS_URL", "<embedded>"),
        Path(os.environ.get("MIF_DATA_DIR", ROOT / ".data")).resolve(),
        int(os.environ.get("MIF_PORT_BASE", "8000")),
    )
    for process in local_processes(config):
        print(f"{process.name:<22} {' '.join(process.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
