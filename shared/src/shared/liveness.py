"""Liveness of the processes without an HTTP port (workers, beat, relay): a file whose
modification time the process's own loop refreshes; a probe checks its age.

    MIF_LIVENESS_FILE=/tmp/alive celery -A billing.worker worker ...
    python -m shared.liveness /tmp/alive --max-age 120     # exit 0 if fresh, 1 if not

Nothing happens unless `MIF_LIVENESS_FILE` is set (`make run` supervises its children
itself). The file is refreshed from the loop that does the work (the Celery consumer's
event loop, beat's scheduler tick, the relay's drain loop), so a process that is up but
stuck, or cut from its broker, goes stale and is restarted by Kubernetes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ENV = "MIF_LIVENESS_FILE"
# Refreshed at most this often (several threads may call touch() in a tight loop).
MIN_INTERVAL = 5.0

_last = 0.0


def liveness_file() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def touch(now: float | None = None) -> None:
    """Mark this process alive now (no-op without MIF_LIVENESS_FILE)."""
    global _last
    path = liveness_file()
    if path is None:
        return
    now = time.time() if now is None else now
    if now - _last < MIN_INTERVAL:
        return
    _last = now
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        os.utime(path, (now, now))
    except OSError:
        pass  # a probe failing later says more than a crash now


def age(path: Path, now: float | None = None) -> float | None:
    """Seconds since the file was refreshed, None when it does not exist."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    return (time.time() if now is None else now) - mtime


def is_alive(path: Path, max_age: float, now: float | None = None) -> bool:
    seconds = age(path, now)
    return seconds is not None and seconds <= max_age


def celery_consumer_step() -> type:
    """A bootstep of the worker's consumer: refreshes the file every 10 s from the
    consumer's event loop while it is connected to the broker."""
    from celery import bootsteps

    class LivenessStep(bootsteps.StartStopStep):
        requires = {"celery.worker.consumer.tasks:Tasks"}

        def __init__(self, parent: Any, **kwargs: Any) -> None:
            super().__init__(parent, **kwargs)
            self.tref: Any = None

        def start(self, parent: Any) -> None:
            global _last
            _last = 0.0
            touch()
            self.tref = parent.timer.call_repeatedly(10.0, touch)

        def stop(self, parent: Any) -> None:
            if self.tref is not None:
                self.tref.cancel()
                self.tref = None

        shutdown = stop

    return LivenessStep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="exit 0 if the liveness file is fresh")
    parser.add_argument("path", type=Path)
    parser.add_argument("--max-age", type=float, default=120.0)
    args = parser.parse_args(argv)
    seconds = age(args.path)
    if seconds is None:
        print(f"{args.path}: missing", file=sys.stderr)
        return 1
    if seconds > args.max_age:
        print(f"{args.path}: stale ({seconds:.0f} s > {args.max_age:.0f} s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
