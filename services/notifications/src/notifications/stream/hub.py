"""Wake-ups of the streams of one API process: one PostgreSQL connection LISTENs to the
channel the `notifications` insert trigger NOTIFYs (at commit, on every replica), and
sets the events of the streams of that user. The rows themselves are read from the
table, so nothing is lost: a wake-up only says "look again"."""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
from shared.db import libpq_url
from shared.logging import get_logger

log = get_logger(__name__)
CHANNEL = "mif_notifications"


class Hub:
    def __init__(self, database_url: str) -> None:
        self.dsn = libpq_url(database_url)
        self.subscribers: dict[int, set[asyncio.Event]] = {}
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, user_id: int) -> asyncio.Event:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="notifications-listen")
        wake = asyncio.Event()
        self.subscribers.setdefault(user_id, set()).add(wake)
        return wake

    def unsubscribe(self, user_id: int, wake: asyncio.Event) -> None:
        streams = self.subscribers.get(user_id)
        if streams is not None:
            streams.discard(wake)
            if not streams:
                del self.subscribers[user_id]

    @property
    def connections(self) -> int:
        return sum(len(s) for s in self.subscribers.values())

    async def wait_ready(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), seconds)

    def _wake_all(self) -> None:
        for streams in self.subscribers.values():
            for wake in streams:
                wake.set()

    def _dispatch(self, payload: str) -> None:
        head, _, _ = payload.partition(":")
        try:
            user_id = int(head)
        except ValueError:
            return
        for wake in self.subscribers.get(user_id, ()):
            wake.set()

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.dsn, autocommit=True, application_name="notifications-listen"
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    delay = 0.5
                    # anything committed while we were not listening is read now
                    self._wake_all()
                    async for notify in conn.notifies():
                        self._dispatch(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("notifications.listen_failed", error=repr(exc))
            self.ready.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
