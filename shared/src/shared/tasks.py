"""The one way to declare a Celery task: explicit dotted name, its service's queue, soft and
hard time limits, `acks_late`, and retries with exponential backoff and jitter for
transient errors only (a lost database or broker connection), never for a bug.

    @service_task(app, "auth.tokens.purge_expired", soft_time_limit=240, time_limit=300)
    def purge_expired() -> int:
        return run_async(...)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from celery import Celery
from kombu.exceptions import OperationalError as BrokerOperationalError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

F = TypeVar("F", bound=Callable[..., Any])

# Errors worth another try: the database or the broker was unreachable or went away.
# A programming or data error would fail again the same way, so it is not retried.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    SQLAlchemyOperationalError,
    psycopg.OperationalError,
    BrokerOperationalError,
    ConnectionError,
    TimeoutError,
)

DEFAULT_SOFT_TIME_LIMIT = 240
DEFAULT_TIME_LIMIT = 300


def service_task(
    app: Celery,
    name: str,
    *,
    queue: str | None = None,
    soft_time_limit: int = DEFAULT_SOFT_TIME_LIMIT,
    time_limit: int = DEFAULT_TIME_LIMIT,
    max_retries: int = 5,
    backoff_seconds: int = 2,
    backoff_max_seconds: int = 300,
) -> Callable[[F], Any]:
    """Register `fn` as task `name` (`<service>.<feature>.<verb>`) on `queue` (default: the
    name's first part, the service's queue)."""
    if name.count(".") < 2:
        raise ValueError(f"task name {name!r} must be dotted: <service>.<feature>.<verb>")
    if soft_time_limit >= time_limit:
        raise ValueError("soft_time_limit must be below time_limit")

    def decorate(fn: F) -> Any:
        return app.task(
            name=name,
            queue=queue or name.split(".", 1)[0],
            soft_time_limit=soft_time_limit,
            time_limit=time_limit,
            acks_late=True,
            reject_on_worker_lost=True,
            autoretry_for=TRANSIENT_ERRORS,
            max_retries=max_retries,
            retry_backoff=backoff_seconds,
            retry_backoff_max=backoff_max_seconds,
            retry_jitter=True,
        )(fn)

    return decorate
