"""Periodic task entries for the beat process (kept import-light: beat loads every
service's schedule module, not its worker)."""

from __future__ import annotations

from typing import Any


def every(task: str, seconds: float, queue: str) -> dict[str, Any]:
    """A beat entry running `task` on `queue` every `seconds`; a run not picked up before
    the next one is due expires instead of piling up behind a stopped worker."""
    return {
        "task": task,
        "schedule": float(seconds),
        "options": {"queue": queue, "expires": max(1.0, seconds * 0.9)},
    }


def schedule(queue: str, entries: dict[str, float]) -> dict[str, dict[str, Any]]:
    """`{task name: period in seconds}` of one service -> beat entries on its queue."""
    return {task: every(task, seconds, queue) for task, seconds in entries.items()}
