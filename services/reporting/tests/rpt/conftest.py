"""Fixtures of the reporting tests: a migrated database whose rows are committed (reports
are written by another connection), events applied through the real consumer path, and
the app on that database."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from reporting.config import Settings
from reporting.events import HANDLERS
from reporting.main import create_app
from shared.db import Database
from shared.events import Event
from shared.events.consumer import apply_event
from shared.testing.plugin import asgi_client, trust_test_tokens
from shared.testing.tokens import TokenFactory

_counter = itertools.count(1)
Apply = Callable[..., Awaitable[Event]]


def new_id() -> int:
    """An id no other test of the run uses (rows are committed)."""
    return 1_000_000 + (uuid.uuid4().int % 900_000_000) + next(_counter)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
async def db(migrate: Any) -> AsyncIterator[Database]:
    database = Database(migrate("reporting"), application_name="reporting-test")
    yield database
    await database.engine.dispose()


@pytest.fixture
def apply(db: Database) -> Apply:
    """`await apply("intervention.cloturee", data, at=...)`: the event through the consumer's
    apply_event (inbox claim + handler, committed)."""

    async def run(
        type_: str,
        data: dict[str, Any],
        *,
        at: dt.datetime | None = None,
        event_id: uuid.UUID | None = None,
    ) -> Event:
        event = Event(
            id=event_id or uuid.uuid4(),
            type=type_,
            producer=type_.split(".")[0],
            aggregate_id=str(data.get("id", data.get("piece_id", "0"))),
            occurred_at=at or dt.datetime.now(dt.UTC),
            data=data,
        )
        await apply_event(db, "reporting", HANDLERS, event)
        return event

    return run


@pytest.fixture
def settings(tmp_path: Any, test_env: dict[str, str]) -> Settings:
    return Settings(
        database_url=test_env["DATABASE_URL"],
        reports_dir=str(tmp_path / "reports"),
        report_lease_seconds=5,
    )


@pytest.fixture
async def client(
    db: Database, settings: Settings, tokens: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    app.state.db = db
    trust_test_tokens(app, tokens)
    async with asgi_client(app) as http:
        yield http
