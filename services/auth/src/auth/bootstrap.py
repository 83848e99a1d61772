"""First admin: `python -m auth.bootstrap`.

Creates the admin user if its username does not exist yet (and does nothing otherwise).
Username, email and password come from MIF_ADMIN_USERNAME (default `admin`),
MIF_ADMIN_EMAIL (default `admin@localhost`) and MIF_ADMIN_PASSWORD; without a password one
is generated and printed once, as `admin password: <pw>`. The database is the service's
(AUTH_DATABASE_URL, else DATABASE_URL); the user.created event goes to the outbox.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys

from pydantic import ValidationError
from shared.db import Database
from shared.errors import Problem
from shared.logging import configure_logging, get_logger
from shared.security import Role
from shared.uow import unit_of_work

from auth.config import Settings
from auth.models import SCHEMA
from auth.users import service as users_service
from auth.users.repository import Users
from auth.users.schemas import UserCreate

log = get_logger(__name__)


async def bootstrap_admin(db: Database, username: str, email: str, password: str) -> bool:
    """Create the admin; False when a user with that username already exists."""
    data = UserCreate(
        username=username,
        email=email,
        full_name="Administrator",
        password=password,
        role=Role.admin,
    )
    try:
        async with unit_of_work(db, schema=SCHEMA) as uow:
            if await Users(uow).by_username(data.username) is not None:
                return False
            await users_service.create_user(uow, data, Role.admin)
    except Problem as exc:
        if exc.status == 409:  # created meanwhile by a concurrent bootstrap
            return False
        raise
    return True


async def _main() -> int:
    settings = Settings()
    configure_logging(settings.log_level, json=settings.json_logs)
    username = os.environ.get("MIF_ADMIN_USERNAME", "admin")
    email = os.environ.get("MIF_ADMIN_EMAIL", "admin@localhost")
    given = os.environ.get("MIF_ADMIN_PASSWORD")
    password = given or secrets.token_urlsafe(18)
    db = Database(settings.database_url, application_name="auth-bootstrap", pool_size=1)
    try:
        created = await bootstrap_admin(db, username, email, password)
    except ValidationError as exc:
        print(f"invalid admin settings: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    if not created:
        log.info("bootstrap.admin_exists", username=username)
        return 0
    log.info("bootstrap.admin_created", username=username)
    if not given:
        print(f"admin password: {password}", flush=True)
    return 0


def main() -> None:
    sys.exit(asyncio.run(_main()))


if __name__ == "__main__":
    main()
