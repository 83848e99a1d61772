"""Async SQLAlchemy 2 on psycopg 3: one schema per service, one transaction per request."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncIterator
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from shared.types import install_lenient_loaders

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    """The MetaData of one service: every table lives in that service's schema."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def pg_enum(enum_cls: type[enum.Enum], name: str, schema: str) -> sa.Enum:
    """A PostgreSQL enum type of a service's schema, stored by value (the seed's French
    words), created by the migrations and never by the ORM. A value outside the enum is
    left to PostgreSQL to refuse (22P02, answered 422), not raised in Python."""
    return sa.Enum(
        enum_cls,
        name=name,
        schema=schema,
        create_type=False,
        values_callable=lambda members: [m.value for m in members],
    )


def equal_filters(*pairs: tuple[Any, Any]) -> list[sa.ColumnElement[bool]]:
    """`column == value` for each `(column, value)` whose value was given: the optional
    equality filters of a list endpoint, where None means "no filter" (False is a value)."""
    return [column == value for column, value in pairs if value is not None]


def async_url(url: str) -> str:
    """Any PostgreSQL URL spelled for SQLAlchemy's async psycopg 3 driver."""
    for prefix in (
        "postgresql+psycopg://",
        "postgresql+asyncpg://",
        "postgresql://",
        "postgres://",
    ):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sync_url(url: str) -> str:
    """Same driver (psycopg 3 works both ways); SQLAlchemy picks sync from create_engine."""
    return async_url(url)


def libpq_url(url: str) -> str:
    """The URL as libpq / plain psycopg understands it."""
    for prefix in ("postgresql+psycopg://", "postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Versioned:
    """`created_at`, `updated_at` and `version` of a model, with optimistic locking: every
    ORM UPDATE of the row checks and bumps `version` (a lost update raises StaleDataError,
    `shared.versioning.check_version` compares it with `If-Match`).

        class Competence(Versioned, Base):
            __tablename__ = "competences"
            ...
    """

    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )
    version: Mapped[int] = mapped_column(sa.Integer, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Database:
    """An engine and its session factory; `app.state.db` in each service."""

    def __init__(
        self,
        url: str,
        *,
        application_name: str = "mif",
        pool_size: int = 10,
        max_overflow: int = 10,
        echo: bool = False,
    ) -> None:
        # stored dates Python cannot represent are read, not raised (shared.types)
        install_lenient_loaders()
        self.url = async_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=False,
            pool_recycle=1800,
            echo=echo,
            # the application name is also the services' session marker: interventions'
            # `audit_hors_api` trigger audits writes made under any other name (manual SQL)
            connect_args={"application_name": application_name},
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, before the response
    is sent (scope="function"), rolled back if it raises."""
    db: Database = request.app.state.db
    async with db.sessionmaker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
