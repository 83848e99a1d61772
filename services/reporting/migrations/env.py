"""Alembic environment of the reporting service: only the `reporting` schema."""

from shared.migrations import run_env

run_env("reporting")
