"""Schedule requests and answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

Ids = list[int]


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report_id: int = Field(
        ge=1, le=2**62, description="the template report (type, format, parametres)"
    )
    nom_schedule: str = Field(min_length=1, max_length=200)
    cron_expression: str = Field(min_length=1, max_length=120)
    timezone: str = Field(default="Africa/Casablanca", max_length=64)
    active: bool = True
    destinataires: list[int] = Field(default_factory=list, max_length=200)


class ScheduleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nom_schedule: str | None = Field(default=None, min_length=1, max_length=200)
    cron_expression: str | None = Field(default=None, min_length=1, max_length=120)
    timezone: str | None = Field(default=None, max_length=64)
    active: bool | None = None
    destinataires: list[int] | None = Field(default=None, max_length=200)


class ScheduleRead(BaseModel):
    id: int
    report_id: int
    nom_schedule: str
    cron_expression: str
    timezone: str
    active: bool
    destinataires: list[int]
    derniere_execution: dt.datetime | None
    prochaine_execution: dt.datetime | None
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime


class SchedulePage(BaseModel):
    items: list[ScheduleRead]
