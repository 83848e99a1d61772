"""HTTP endpoints of the preferences: GET/PUT /notifications/preferences."""

from __future__ import annotations

from fastapi import APIRouter
from shared.uow import UowDep

from notifications.preferences import repository
from notifications.preferences.schemas import CanalPreference, Preferences, PreferencesIn

router = APIRouter(tags=["notifications"])


async def _read(uow: UowDep) -> Preferences:
    assert uow.user is not None
    emails, suivi = await repository.lire(uow.session, uow.user.id)
    return Preferences(
        types=[CanalPreference(type_notification=t, email=on) for t, on in emails.items()],
        suivi_interventions=suivi,
    )


@router.get("/notifications/preferences", response_model=Preferences)
async def get_preferences(uow: UowDep) -> Preferences:
    """One's channels per notification type (in-app always; e-mail on or off)."""
    return await _read(uow)


@router.put("/notifications/preferences", response_model=Preferences)
async def put_preferences(body: PreferencesIn, uow: UowDep) -> Preferences:
    """Turn e-mail on or off per type; mute or follow the progress of one's interventions."""
    assert uow.user is not None
    emails = {item.type_notification: item.email for item in body.types}
    await repository.ecrire_email(uow.session, uow.user.id, emails)
    if body.suivi_interventions is not None:
        await repository.ecrire_suivi(uow.session, uow.user.id, body.suivi_interventions)
    return await _read(uow)
