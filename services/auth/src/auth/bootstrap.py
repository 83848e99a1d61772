"""First admin, and access recovery: `python -m auth.bootstrap [--reset-password USER]`.

Without arguments: creates the admin user if its username does not exist yet (and does
nothing otherwise). Username, email and password come from MIF_ADMIN_USERNAME (default
`admin`), MIF_ADMIN_EMAIL (default `admin@localhost`) and MIF_ADMIN_PASSWORD; without a
password one is generated and printed once, as `admin password: <pw>`.

`--reset-password USER` (a lost password, issue 7 item 15): sets USER's password to
MIF_ADMIN_PASSWORD, or to a generated one printed once as `new password: <pw>`; the user's
refresh tokens are revoked and its access tokens refused. Exit status 3 when USER does not
exist, 2 when the password is refused (too easy to guess or containing the user's names).

The database is the service's (AUTH_DATABASE_URL, else DATABASE_URL); the user.created
event goes to the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys

import redis.asyncio as aioredis
from pydantic import ValidationError
from shared.db import Database, utcnow
from shared.errors import Problem
from shared.logging import configure_logging, get_logger
from shared.security import Role
from shared.settings import redis_client_url
from shared.uow import unit_of_work

from auth.config import Settings
from auth.models import SCHEMA
from auth.tokens import repository as tokens_repository
from auth.tokens import revocation
from auth.users import service as users_service
from auth.users.passwords import hash_password, password_problem
from auth.users.repository import Users
from auth.users.schemas import UserCreate

log = get_logger(__name__)


async def bootstrap_admin(db: Database, username: str, email: str, password: str) -> bool:
    """Create the admin; False when a user with that username already exists (its password
    is left alone, and the one given is not even checked)."""
    async with unit_of_work(db, schema=SCHEMA) as uow:
        if await Users(uow).by_username(username.strip()) is not None:
            return False
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


class PasswordRefused(Exception):
    pass


async def reset_password(db: Database, username: str, password: str) -> bool:
    """Set `username`'s password; False when there is no such user. Its sessions end."""
    async with unit_of_work(db, schema=SCHEMA) as uow:
        user = await Users(uow).by_username(username.strip())
        if user is None:
            return False
        problem = password_problem(password, (user.username, user.email, user.full_name))
        if problem is not None:
            raise PasswordRefused(problem)
        # a versioned plain UPDATE: it does not wait for sessions holding key-share locks
        user.hashed_password = await hash_password(password)
        await tokens_repository.revoke_for_user(uow.session, user.id, utcnow())
    await revocation.revoke_user(user.id)
    return True


async def _reset(settings: Settings, db: Database, username: str) -> int:
    given = os.environ.get("MIF_ADMIN_PASSWORD")
    password = given or secrets.token_urlsafe(18)
    client = aioredis.from_url(redis_client_url(settings.redis_url))
    revocation.configure(client, settings.access_token_ttl_seconds, settings.revocation_prefix)
    try:
        done = await reset_password(db, username, password)
    except PasswordRefused as exc:
        print(f"password refused: {exc}", file=sys.stderr)
        return 2
    finally:
        await client.aclose()
    if not done:
        print(f"no user {username!r}", file=sys.stderr)
        return 3
    log.info("bootstrap.password_reset", username=username)
    if not given:
        print(f"new password: {password}", flush=True)
    return 0


async def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auth.bootstrap", description=__doc__)
    parser.add_argument("--reset-password", metavar="USER", help="set USER's password")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, json=settings.json_logs)
    db = Database(settings.database_url, application_name="auth-bootstrap", pool_size=1)
    try:
        if args.reset_password is not None:
            return await _reset(settings, db, args.reset_password)
        username = os.environ.get("MIF_ADMIN_USERNAME", "admin")
        email = os.environ.get("MIF_ADMIN_EMAIL", "admin@localhost")
        given = os.environ.get("MIF_ADMIN_PASSWORD")
        password = given or secrets.token_urlsafe(18)
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
