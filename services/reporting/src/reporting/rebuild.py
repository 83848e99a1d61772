"""Rebuild the read models from scratch: `python -m reporting.rebuild [--since ISO]`.

Empties every read model and the inbox (so replayed events are applied again), then asks
the platform's replay (`python -m shared.events replay --service reporting --since ...`)
to publish the history again to this service's queue, where the worker's handlers rebuild
the read models; the seed's views are refreshed at the end. Without the replay command
(older platform) it only empties: run the replay by hand afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import subprocess
import sys

from shared.db import Database
from shared.uow import unit_of_work

from reporting.config import Settings
from reporting.database import SCHEMA
from reporting.readmodels.handlers import READ_MODELS
from reporting.stats.repository import refresh_views


async def truncate(db: Database) -> None:
    """Empty the read models and the inbox in one transaction."""
    import sqlalchemy as sa

    tables = ", ".join(f"{SCHEMA}.{t}" for t in (*READ_MODELS, "inbox"))
    async with unit_of_work(db, schema=SCHEMA) as uow:
        await uow.session.execute(sa.text(f"TRUNCATE {tables}"))


async def refresh(db: Database) -> None:
    async with unit_of_work(db, schema=SCHEMA) as uow:
        await refresh_views(uow.session)


def replay_available() -> bool:
    return importlib.util.find_spec("shared.events.replay") is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reporting.rebuild", description=__doc__)
    parser.add_argument("--since", default="1970-01-01T00:00:00+00:00")
    args = parser.parse_args(argv)
    settings = Settings()
    db = Database(settings.database_url, application_name="reporting-rebuild")

    async def run() -> None:
        try:
            await truncate(db)
        finally:
            await db.engine.dispose()

    asyncio.run(run())
    print("modèles de lecture vidés")
    if not replay_available():
        print(
            "rejeu indisponible : lancez `python -m shared.events replay --service reporting"
            f" --since {args.since}` pour les reconstruire",
            file=sys.stderr,
        )
        return 2
    code = subprocess.call(  # noqa: S603 (our own interpreter and fixed arguments)
        [
            sys.executable,
            "-m",
            "shared.events",
            "replay",
            "--service",
            "reporting",
            "--since",
            args.since,
        ]
    )

    async def finish() -> None:
        try:
            await refresh(db)
        finally:
            await db.engine.dispose()

    asyncio.run(finish())
    return code


if __name__ == "__main__":
    raise SystemExit(main())
