"""Run `deploy/local/run.py` as a subprocess for system tests: wait for it to be ready,
see its whole process tree, stop it with SIGINT and prove nothing is left behind."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import psutil

ROOT = Path(__file__).resolve().parents[2]
RUN_PY = ROOT / "deploy" / "local" / "run.py"
PID_LINE = re.compile(r"^run +\| started (\S+) pid=(\d+)$")


def load_run_module() -> ModuleType:
    """deploy/local/run.py is a script, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location("mif_local_run", RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Supervised:
    env: dict[str, str]
    popen: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)
    started_at: float = 0.0
    ready_after: float | None = None
    _reader: threading.Thread | None = None

    def start(self) -> Supervised:
        self.started_at = time.monotonic()
        self.popen = subprocess.Popen(
            [sys.executable, str(RUN_PY)],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.popen is not None and self.popen.stdout is not None
        for line in self.popen.stdout:
            line = line.rstrip("\n")
            if self.ready_after is None and "MIF ERP ready at" in line:
                self.ready_after = time.monotonic() - self.started_at
            self.lines.append(line)

    def output(self, last: int = 200) -> str:
        return "\n".join(self.lines[-last:])

    def wait_for(self, text: str, timeout: float) -> str:
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if text in line:
                    return line
            if self.popen.poll() is not None:
                raise AssertionError(f"run.py exited ({self.popen.returncode}):\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in {timeout} s:\n{self.output()}")

    def wait_ready(self, timeout: float = 120) -> float:
        self.wait_for("MIF ERP ready at", timeout)
        assert self.ready_after is not None
        return self.ready_after

    def reported_pids(self) -> dict[str, int]:
        pids: dict[str, int] = {}
        for line in list(self.lines):
            match = PID_LINE.match(line)
            if match:
                pids[match.group(1)] = int(match.group(2))
        return pids

    def tree(self) -> list[psutil.Process]:
        """The supervisor and every process below it (the embedded PostgreSQL daemonizes
        away from the tree: see `embedded_postgres`)."""
        assert self.popen is not None
        root = psutil.Process(self.popen.pid)
        return [root, *root.children(recursive=True)]

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        assert self.popen is not None
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill_everything()
            raise AssertionError(f"run.py did not stop in {timeout} s:\n{self.output()}") from None
        if self._reader is not None:
            self._reader.join(5)
        return code

    def kill_everything(self) -> None:
        """Last resort cleanup for a failed test, so a failure leaves nothing running."""
        if self.popen is None:
            return
        try:
            procs = self.tree()
        except psutil.NoSuchProcess:
            procs = []
        pids = {p.pid for p in procs} | set(self.reported_pids().values())
        for pid in pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.popen.wait(10)


def alive(pids: set[int]) -> list[psutil.Process]:
    """Which of these processes still run (zombies excluded: they are dead)."""
    left = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE:
                left.append(proc)
        except psutil.NoSuchProcess:
            continue
    return left


def process_group_members(pgids: set[int]) -> list[psutil.Process]:
    """Every live process in one of these process groups (each child leads its own)."""
    found = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if os.getpgid(proc.pid) in pgids:
                found.append(proc)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return found


def memory(procs: list[psutil.Process]) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes: RSS counts pages shared between processes once
    per process (the forked Celery pool children share most of theirs), PSS divides them."""
    rss = pss = 0
    for proc in procs:
        try:
            full = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += full.rss
        pss += getattr(full, "pss", full.rss)
    return rss, pss


def embedded_postgres(data_dir: Path) -> psutil.Process | None:
    """The embedded postmaster of `data_dir`, if running (from its postmaster.pid)."""
    pidfile = data_dir / "postgres" / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
        proc = psutil.Process(pid)
    except (OSError, ValueError, psutil.NoSuchProcess):
        return None
    return proc if proc.status() != psutil.STATUS_ZOMBIE else None
