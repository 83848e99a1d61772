"""Periodic tasks of the auth service, collected by beat (entry point mif.beat)."""

from shared.schedule import schedule

BEAT_SCHEDULE = schedule("auth", {"auth.tokens.purge_expired": 3600})
