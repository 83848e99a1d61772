"""API shapes of the preferences."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from notifications.inbox.models import TypeNotification


class CanalPreference(BaseModel):
    type_notification: TypeNotification
    in_app: bool = Field(True, description="always on")
    email: bool


class Preferences(BaseModel):
    types: list[CanalPreference]
    suivi_interventions: bool = Field(
        description="told of each step of one's interventions (a client may turn it off)"
    )


class CanalPreferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type_notification: TypeNotification
    email: bool


class PreferencesIn(BaseModel):
    """Only the types listed change; `suivi_interventions` only when given."""

    model_config = ConfigDict(extra="forbid")
    types: list[CanalPreferenceIn] = Field(default_factory=list, max_length=20)
    suivi_interventions: bool | None = None
