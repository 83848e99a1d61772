"""Alembic environment of the auth service: only the `auth` schema."""

from shared.migrations import run_env

run_env("auth")
