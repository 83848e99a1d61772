"""Alembic environment of the billing service: only the `billing` schema."""

from shared.migrations import run_env

run_env("billing")
