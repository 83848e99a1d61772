"""E-mail deliveries: planned with the notification (one `envois` row each, when SMTP
is configured, the user has an address and did not turn e-mail off for that type), sent
by a Celery task queued once the notification is committed, so the in-app notification
never waits for SMTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shared.db import Database
from shared.logging import get_logger
from shared.uow import UnitOfWork, unit_of_work
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert

from notifications.annuaire import repository as annuaire
from notifications.config import Settings, get_settings
from notifications.database import SCHEMA
from notifications.email.smtp import compose, send
from notifications.inbox.models import Envoi, Notification, StatutEnvoi
from notifications.preferences import repository as preferences

log = get_logger(__name__)
MAX_BACKOFF = 3600.0


async def planifier(uow: UnitOfWork, created: list[tuple[int, int, str]]) -> None:
    """Plan the e-mails of new notifications `(id, user_id, type_notification)`."""
    settings = get_settings()
    if not settings.email_enabled or not created:
        return
    users = sorted({uid for _, uid, _ in created})
    addresses = await annuaire.emails(uow.session, users)
    off = await preferences.emails_coupes(uow.session, users)
    rows = [
        {"notification_id": nid, "canal": "email", "destinataire": addresses[uid]}
        for nid, uid, type_ in created
        if uid in addresses and (uid, type_) not in off
    ]
    if not rows:
        return
    table: sa.Table = Envoi.__table__  # type: ignore[assignment]
    result = await uow.session.execute(
        pg_insert(table).values(rows).on_conflict_do_nothing().returning(table.c.id)
    )
    ids = list(result.scalars())
    if ids:
        after_commit(uow, lambda: queue(ids))


def after_commit(uow: UnitOfWork, action: Any) -> None:
    """Run `action` once the unit of work's transaction has committed (not on rollback)."""
    sa_event.listen(uow.session.sync_session, "after_commit", lambda _s: action(), once=True)


def queue(ids: list[int]) -> None:
    from notifications.email.tasks import envoyer  # the worker imports this module

    for envoi_id in ids:
        try:
            envoyer.delay(envoi_id)
        except Exception as exc:  # the sweep queues it again later
            log.warning("email.queue_failed", envoi_id=envoi_id, error=repr(exc))


@dataclass(frozen=True)
class Resultat:
    statut: StatutEnvoi | None  # None: nothing to do (sent already, or taken by another)
    retry_in: float | None = None


def backoff(settings: Settings, tentatives: int) -> float:
    return min(MAX_BACKOFF, settings.email_backoff_seconds * 2 ** max(0, tentatives - 1))


async def envoyer_email(db: Database, settings: Settings, envoi_id: int) -> Resultat:
    """One attempt at an e-mail, the row locked meanwhile (two tasks never both send)."""
    async with unit_of_work(db, schema=SCHEMA) as uow:
        row = (
            await uow.session.execute(
                sa.select(Envoi, Notification)
                .join(Notification, Notification.id == Envoi.notification_id)
                .where(Envoi.id == envoi_id, Envoi.statut == StatutEnvoi.en_attente)
                .with_for_update(of=Envoi, skip_locked=True)
            )
        ).one_or_none()
        if row is None:
            return Resultat(None)
        envoi, notification = row
        message = compose(settings, envoi.destinataire, notification)
        envoi.tentatives += 1
        try:
            await asyncio.to_thread(send, settings, message)
        except Exception as exc:
            envoi.derniere_erreur = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning(
                "email.failed", envoi_id=envoi_id, attempt=envoi.tentatives, error=repr(exc)
            )
            if envoi.tentatives > settings.email_max_retries:
                envoi.statut = StatutEnvoi.echec
                return Resultat(StatutEnvoi.echec)
            return Resultat(StatutEnvoi.en_attente, backoff(settings, envoi.tentatives))
        envoi.statut = StatutEnvoi.envoye
        envoi.date_envoi = dt.datetime.now(dt.UTC)
        envoi.derniere_erreur = None
        return Resultat(StatutEnvoi.envoye)


async def oublies(db: Database, older_than: dt.timedelta, limit: int = 500) -> list[int]:
    """Deliveries never attempted well after their planning: their task was lost."""
    async with unit_of_work(db, schema=SCHEMA) as uow:
        rows = await uow.session.scalars(
            sa.select(Envoi.id)
            .where(
                Envoi.statut == StatutEnvoi.en_attente,
                Envoi.tentatives == 0,
                Envoi.date_creation < sa.func.now() - older_than,
            )
            .order_by(Envoi.id)
            .limit(limit)
        )
        return list(rows)
