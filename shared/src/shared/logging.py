"""structlog setup: JSON in production, console in development, context bound per request.

In JSON mode every line a process writes is one JSON object (issue 7, item 12): uvicorn's
own lines and Celery's (worker, beat) are routed through the same handler, tracebacks
become an `exception` field, an uncaught exception is logged before the process dies, and
the request id is always the field `request_id`. Celery's banners are left out by starting
it with `celery --quiet`; what they said is logged as `celery.ready` instead.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType

import structlog


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    """Route stdlib and structlog through one pipeline; contextvars carry request/user ids."""
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            # a line below the level is dropped before anything is computed for it
            structlog.stdlib.filter_by_level,
            *shared_processors,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([structlog.processors.format_exc_info] if json else []),
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn and Celery install handlers of their own (plain text): theirs go, so every
    # line goes through the one above
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi", "celery", "celery.beat",
                 "celery.worker", "celery.app.trace", "celery.redirected", "kombu"):  # fmt: skip
        named = logging.getLogger(name)
        named.handlers[:] = []
        named.propagate = True
    # uvicorn's access log duplicates ours (which carries the request id)
    logging.getLogger("uvicorn.access").disabled = True
    if json:
        sys.excepthook = _log_uncaught
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _log_uncaught(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    logging.getLogger("uncaught").critical("process.crashed", exc_info=(kind, value, traceback))


def configure_celery_logging(level: str = "INFO", json: bool = False) -> None:
    """Celery calls `setup_logging` before it would configure its own plain-text logging;
    answering it keeps ours (worker and beat alike)."""
    from celery import signals

    def setup(**_kwargs: object) -> None:
        configure_logging(level, json=json)

    def ready(sender: object = None, **_kwargs: object) -> None:
        get_logger("celery").info("celery.ready", hostname=getattr(sender, "hostname", None))

    signals.setup_logging.connect(setup, weak=False)
    signals.worker_ready.connect(ready, weak=False)
    signals.beat_init.connect(ready, weak=False)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
