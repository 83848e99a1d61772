"""Public shapes of signing keys: the JWKS and the admin view of a key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from auth.schemas import ReadModel


class JWKS(BaseModel):
    keys: list[dict[str, Any]]


class SigningKeyRead(ReadModel):
    kid: str
    public_jwk: dict[str, Any]
    created_at: dt.datetime
    retired_at: dt.datetime | None
    current: bool = False
