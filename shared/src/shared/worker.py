"""Celery app factory with the project's defaults, and the bridge to async code."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable
from typing import Any, TypeVar

from celery import Celery
from kombu import Queue

from shared.db import Database
from shared.events.consumer import Handler, make_event_consumer_step
from shared.events.envelope import EventQueue
from shared.settings import ServiceSettings

T = TypeVar("T")

# Longest task allowed; the broker's visibility timeout must exceed it, or a running
# task would be handed to a second worker.
TASK_TIME_LIMIT = 600
VISIBILITY_TIMEOUT = 2 * TASK_TIME_LIMIT + 60


def make_celery(
    service: str, settings: ServiceSettings, *, extra_queues: tuple[str, ...] = ()
) -> Celery:
    """A Celery app whose tasks `<service>.*` go to queue `<service>`."""
    app = Celery(service, broker=settings.effective_broker_url)
    queues = [Queue(service), *(Queue(q) for q in extra_queues)]
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_time_limit=TASK_TIME_LIMIT,
        task_soft_time_limit=TASK_TIME_LIMIT - 60,
        task_default_queue=service,
        task_queues=queues,
        task_routes={f"{service}.*": {"queue": service}},
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        enable_utc=True,
        timezone="UTC",
    )
    return app


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def run_async(coro: Awaitable[T]) -> T:
    """Run a coroutine on this process's own event loop (one per worker process, reused,
    so async engines and their pools survive between tasks)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
        loop = _loop
    return loop.run_until_complete(coro)  # type: ignore[arg-type]


def beat_schedule() -> dict[str, Any]:
    """Every service's periodic tasks, from the `mif.beat` entry points (a dict each)."""
    from importlib.metadata import entry_points

    schedule: dict[str, Any] = {}
    for ep in entry_points(group="mif.beat"):
        schedule.update(ep.load())
    return schedule


def make_service_worker(
    service: str,
    settings: ServiceSettings,
    event_queue: EventQueue,
    handlers: dict[str, Handler],
    *,
    include: list[str],
    extra_queues: tuple[str, ...] = (),
) -> Celery:
    """The Celery app of a service's worker: its task queue, plus a consumer of its event
    queue when it subscribes to any event. Engines are created per worker process."""
    from shared.logging import configure_celery_logging, configure_logging

    configure_logging(settings.log_level, json=settings.json_logs)
    configure_celery_logging(settings.log_level, json=settings.json_logs)
    app = make_celery(service, settings, extra_queues=extra_queues)
    app.conf.include = include
    if event_queue.bindings:
        app.steps["consumer"].add(
            make_event_consumer_step(
                event_queue, service, handlers, lambda: worker_database(settings), run_async
            )
        )
    return app


_databases: dict[str, Database] = {}


def worker_database(settings: ServiceSettings) -> Database:
    """This worker process's Database (created on first use, after the prefork fork)."""
    key = f"{os.getpid()}:{settings.database_url}"
    db = _databases.get(key)
    if db is None:
        db = Database(
            settings.database_url,
            application_name=f"{settings.service_name}-worker",
            pool_size=2,
            max_overflow=2,
        )
        _databases[key] = db
    return db
