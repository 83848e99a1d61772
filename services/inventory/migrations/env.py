"""Alembic environment of the inventory service: only the `inventory` schema."""

from shared.migrations import run_env

run_env("inventory")
