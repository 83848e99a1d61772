"""Queries of the preferences."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.inbox.models import TypeNotification
from notifications.preferences.models import Preference, PreferenceSuivi


async def emails_coupes(session: AsyncSession, user_ids: list[int]) -> set[tuple[int, str]]:
    """(user, type) pairs whose e-mail is turned off (e-mail is on unless turned off)."""
    if not user_ids:
        return set()
    rows = await session.execute(
        sa.select(Preference.user_id, Preference.type_notification).where(
            Preference.user_id.in_(user_ids), ~Preference.email
        )
    )
    return {(row.user_id, row.type_notification.value) for row in rows}


async def suivi_coupe(session: AsyncSession, user_ids: list[int]) -> set[int]:
    """Those of `user_ids` who muted the progress of their interventions."""
    if not user_ids:
        return set()
    rows = await session.scalars(
        sa.select(PreferenceSuivi.user_id).where(
            PreferenceSuivi.user_id.in_(user_ids), ~PreferenceSuivi.suivi_interventions
        )
    )
    return set(rows)


async def lire(session: AsyncSession, user_id: int) -> tuple[dict[TypeNotification, bool], bool]:
    """(e-mail per type, progress followed) of a user, defaults filled in."""
    rows = await session.execute(
        sa.select(Preference.type_notification, Preference.email).where(
            Preference.user_id == user_id
        )
    )
    emails = {t: True for t in TypeNotification}
    emails.update({row.type_notification: row.email for row in rows})
    suivi = await session.scalar(
        sa.select(PreferenceSuivi.suivi_interventions).where(PreferenceSuivi.user_id == user_id)
    )
    return emails, True if suivi is None else suivi


async def ecrire_email(
    session: AsyncSession, user_id: int, emails: dict[TypeNotification, bool]
) -> None:
    if not emails:
        return
    table: sa.Table = Preference.__table__  # type: ignore[assignment]
    stmt = pg_insert(table).values(
        [{"user_id": user_id, "type_notification": t, "email": on} for t, on in emails.items()]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.type_notification],
            set_={"email": stmt.excluded.email},
        )
    )


async def ecrire_suivi(session: AsyncSession, user_id: int, suivi: bool) -> None:
    table: sa.Table = PreferenceSuivi.__table__  # type: ignore[assignment]
    stmt = pg_insert(table).values(user_id=user_id, suivi_interventions=suivi)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.user_id],
            set_={"suivi_interventions": stmt.excluded.suivi_interventions},
        )
    )
