"""Alembic environment of the notifications service: only the `notifications` schema."""

from shared.migrations import run_env

run_env("notifications")
