"""Alembic helpers: each service migrates only its own schema, with its version table inside."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Connection

from shared.db import sync_url


def alembic_config(service: str, url: str | None = None) -> Config:
    """The Alembic config of a service package (its `alembic.ini` sits beside `src/`)."""
    module = importlib.import_module(service)
    root = Path(module.__file__ or "").resolve().parents[2]
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def downgrade(service: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service, url), revision)


def run_env(schema: str, metadata: MetaData | None = None) -> None:
    """Body of every service's `migrations/env.py` (online mode only)."""
    cfg = context.config
    url = cfg.attributes.get("url") or os.environ.get(
        f"{schema.upper()}_DATABASE_URL", os.environ.get("DATABASE_URL")
    )
    if not url:
        raise RuntimeError(f"no database URL: set {schema.upper()}_DATABASE_URL or DATABASE_URL")
    engine = create_engine(sync_url(url), future=True)
    with engine.connect() as connection:
        _migrate(connection, schema, metadata)
    engine.dispose()


def _migrate(connection: Connection, schema: str, metadata: MetaData | None) -> None:
    # Services may migrate at once (several replicas starting): one at a time per schema.
    connection.execute(text("SELECT pg_advisory_lock(hashtext(:s))"), {"s": f"migrate:{schema}"})
    try:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=False,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(
            text("SELECT pg_advisory_unlock(hashtext(:s))"), {"s": f"migrate:{schema}"}
        )
        connection.commit()
