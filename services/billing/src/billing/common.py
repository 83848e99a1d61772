"""Small helpers the billing features share: today's date in Casablanca, access checks,
the client's ICE validation, and the settings of the running process."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends
from shared.errors import not_found, unprocessable
from shared.security import CurrentUser, Role, require_roles
from sqlalchemy.ext.asyncio import AsyncSession

from billing.config import Settings
from billing.models import ClientReplica

TZ = ZoneInfo("Africa/Casablanca")

# contracts and invoices are read by the staff and by their own client, never by technicians
ReaderDep = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.client))
]
ICE_RE = re.compile(r"^\d{15}$")


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()


def today(now: dt.datetime | None = None) -> dt.date:
    """The calendar day in Casablanca (day rules live there)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(TZ).date()


def check_readable(user: CurrentUser, client_id: int, what: str) -> None:
    """Staff read everything; a client only its own (404 otherwise); others nothing."""
    if user.is_staff:
        return
    if user.role == Role.client and user.client_id == client_id:
        return
    raise not_found(what)


def decimal_or(value: Any, default: Decimal) -> Decimal:
    """A decimal from an event field (string or number), or `default` when absent/bad."""
    if value is None or isinstance(value, bool):
        return default
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default
    return result if result.is_finite() else default


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def valid_ice(value: Any) -> str | None:
    return value if isinstance(value, str) and ICE_RE.match(value) else None


async def client_connu(session: AsyncSession, client_id: int) -> None:
    """422 unless `client_id` is an active client known from auth's events."""
    client = await session.get(ClientReplica, client_id)
    if client is None or not client.is_active:
        raise unprocessable(f"unknown or inactive client {client_id}", field="client_id")
