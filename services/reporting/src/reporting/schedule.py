"""Periodic tasks of the reporting service, collected by beat (entry point mif.beat)."""

from typing import Any

BEAT_SCHEDULE: dict[str, Any] = {}
