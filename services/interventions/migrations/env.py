"""Alembic environment of the interventions service: only the `interventions` schema."""

from shared.migrations import run_env

run_env("interventions")
