"""The `users` table: the base authentication entity of the seed."""

from __future__ import annotations

import sqlalchemy as sa
from shared.db import Versioned
from shared.security import Role
from sqlalchemy.orm import Mapped, mapped_column

from auth.models import Base, UserRoleType


class User(Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.Index("idx_user_email_active", "email", "is_active"),
        sa.Index("idx_user_username_role", "username", "role"),
        sa.Index("idx_active_users", "role", postgresql_where=sa.text("is_active")),
        # unique ignoring case: no `ADMIN` beside `admin`; also the login lookup's index
        sa.Index("uq_users_username_ci", sa.func.lower(sa.text("username")), unique=True),
        sa.Index("uq_users_email_ci", sa.func.lower(sa.text("email")), unique=True),
    )

    id: Mapped[int] = mapped_column(sa.Integer, sa.Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(150), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    hashed_password: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[Role] = mapped_column(UserRoleType)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
