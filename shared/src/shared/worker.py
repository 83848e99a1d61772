"""Celery app factory with the project's defaults, and the bridge to async code."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from celery import Celery
from kombu import Queue

from shared.db import Database
from shared.events.consumer import Handler, RetryPolicy, make_event_consumer_step
from shared.events.envelope import EventQueue
from shared.liveness import celery_consumer_step
from shared.settings import ServiceSettings

T = TypeVar("T")

# Longest task allowed; the broker's visibility timeout must exceed it, or a running
# task would be handed to a second worker.
TASK_TIME_LIMIT = 600
VISIBILITY_TIMEOUT = 2 * TASK_TIME_LIMIT + 60
EVENT_PURGE_SECONDS = 3600.0


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
    # liveness for Kubernetes' probe (no-op unless MIF_LIVENESS_FILE is set)
    app.steps["consumer"].add(celery_consumer_step())
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

    from shared.events.operations import service_names
    from shared.schedule import every

    schedule: dict[str, Any] = {
        f"{service}.events.purge": every(f"{service}.events.purge", EVENT_PURGE_SECONDS, service)
        for service in service_names()
    }
    for ep in entry_points(group="mif.beat"):
        schedule.update(ep.load())
    return schedule


@dataclass(frozen=True)
class ServiceWorker:
    """What a service's worker consumes: kept on its Celery app (`app.mif_service`) so that
    one process can serve several services (`shared.all_workers`, for `make run`)."""

    service: str
    settings: ServiceSettings
    event_queue: EventQueue
    handlers: dict[str, Handler]
    include: list[str]
    extra_queues: tuple[str, ...] = ()

    @property
    def queues(self) -> tuple[str, ...]:
        return (self.service, *self.extra_queues)


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
    spec = ServiceWorker(service, settings, event_queue, handlers, include, extra_queues)
    app = make_celery(service, settings, extra_queues=extra_queues)
    app.conf.include = list(include)
    serve(app, spec)
    app.mif_service = spec  # type: ignore[attr-defined]
    return app


def serve(app: Celery, spec: ServiceWorker, *, upkeep: bool = True) -> None:
    """Make `app` do `spec`'s work: its upkeep task and its event consumer."""
    if upkeep:
        register_event_upkeep(app, spec.service, spec.settings)
    if spec.event_queue.bindings:
        settings = spec.settings
        app.steps["consumer"].add(
            make_event_consumer_step(
                spec.event_queue,
                spec.service,
                spec.handlers,
                lambda: worker_database(settings),
                run_async,
                RetryPolicy(
                    max_attempts=settings.event_max_attempts,
                    base_delay=settings.event_retry_delay_seconds,
                ),
            )
        )


def register_event_upkeep(app: Celery, service: str, settings: ServiceSettings) -> None:
    """The task `<service>.events.purge` (beat runs it hourly): published events and inbox
    ids past `event_retention_days`, deleted in batches."""
    from shared.events.operations import purge_expired_events
    from shared.tasks import service_task

    @service_task(app, f"{service}.events.purge", soft_time_limit=540, time_limit=600)
    def purge_events() -> dict[str, int]:
        return run_async(
            purge_expired_events(worker_database(settings), service, settings.event_retention_days)
        )


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
