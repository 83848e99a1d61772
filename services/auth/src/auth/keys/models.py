"""The `signing_keys` table: Ed25519 keys, private half encrypted with Fernet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from shared.db import utcnow
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from auth.models import Base


class SigningKey(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    private_key_encrypted: Mapped[str] = mapped_column(sa.Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    retired_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
