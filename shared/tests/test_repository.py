"""The generic repository and the Versioned mixin against real PostgreSQL: get by id with
the visibility hook and FOR UPDATE, keyset pages in every direction, typed cursors (a
foreign one is 400), and created_at/updated_at/version kept by the ORM."""

import base64
import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from shared.db import Database, Versioned, service_metadata
from shared.errors import Problem
from shared.pagination import encode_cursor
from shared.repository import Keyset, Repository
from shared.security import CurrentUser, Role
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

SCHEMA = f"repotest_{uuid.uuid4().hex[:8]}"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


class Thing(Versioned, Base):
    __tablename__ = "things"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.Integer)
    rang: Mapped[int] = mapped_column(sa.Integer)
    nom: Mapped[str] = mapped_column(sa.String(50))


class Things(Repository[Thing]):
    model = Thing
    keyset = Keyset(Thing.id)

    def visible(self, statement: sa.Select[Any], user: CurrentUser | None) -> sa.Select[Any]:
        if user is None or user.is_staff:
            return statement
        return statement.where(Thing.owner_id == user.id)


class ThingsNewestFirst(Things):
    keyset = Keyset(Thing.id, descending=True)


class ThingsByRang(Things):
    # rang descending, then id ascending: mixed directions
    keyset = Keyset(Thing.rang, Thing.id, descending=[True, False])


STAFF = CurrentUser(id=1, username="admin", role=Role.admin)
TECH = CurrentUser(id=2, username="tech", role=Role.technicien)

# id, owner, rang, nom
ROWS = [
    (1, 2, 10, "a"),
    (2, 3, 30, "b"),
    (3, 2, 20, "c"),
    (4, 2, 30, "d"),
    (5, 3, 10, "e"),
]


@pytest.fixture(scope="module")
async def db(engine, postgres_url):
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        await conn.run_sync(Base.metadata.create_all)
    database = Database(postgres_url)
    async with database.sessionmaker() as session, session.begin():
        session.add_all(Thing(id=i, owner_id=o, rang=r, nom=n) for i, o, r, n in ROWS)
    yield database
    await database.dispose()
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))


async def all_pages(repo: Things, limit: int, **kwargs: Any) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = await repo.page(cursor=cursor, limit=limit, **kwargs)
        pages.append([t.id for t in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


async def test_get_applies_visibility(db) -> None:
    async with db.sessionmaker() as session:
        things = Things(session)
        assert (await things.get(2, user=STAFF)).nom == "b"
        assert (await things.get(1, user=TECH)).nom == "a"
        assert await things.get(2, user=TECH) is None  # another owner's: absent
        assert await things.get(99, user=STAFF) is None


async def test_get_for_update_locks_the_row(db) -> None:
    async with db.sessionmaker() as holder, holder.begin():
        assert (await Things(holder).get(3, for_update=True)) is not None
        async with db.engine.connect() as other:
            with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
                await other.execute(
                    sa.text(f"SELECT 1 FROM {SCHEMA}.things WHERE id = 3 FOR UPDATE NOWAIT")
                )
            await other.rollback()
            # another row is free
            await other.execute(
                sa.text(f"SELECT 1 FROM {SCHEMA}.things WHERE id = 4 FOR UPDATE NOWAIT")
            )


async def test_pages_in_each_order(db) -> None:
    async with db.sessionmaker() as session:
        assert await all_pages(Things(session), 2) == [[1, 2], [3, 4], [5]]
        assert await all_pages(ThingsNewestFirst(session), 2) == [[5, 4], [3, 2], [1]]
        assert await all_pages(ThingsByRang(session), 2) == [[2, 4], [3, 1], [5]]
        assert await all_pages(Things(session), 5) == [[1, 2, 3, 4, 5]]


async def test_pages_filtered_by_where_and_visibility(db) -> None:
    async with db.sessionmaker() as session:
        things = Things(session)
        assert await all_pages(things, 2, user=TECH) == [[1, 3], [4]]
        assert await all_pages(things, 1, where=[Thing.rang == 10]) == [[1], [5]]


async def test_page_maps_items_and_pages_a_statement_of_columns(db) -> None:
    async with db.sessionmaker() as session:
        things = Things(session)
        page = await things.page(cursor=None, limit=2, item=lambda t: t.nom)
        assert page.items == ["a", "b"]
        statement = sa.select(Thing.id, Thing.nom)
        page = await things.page(
            cursor=page.next_cursor, limit=2, statement=statement, item=lambda r: r.nom
        )
        assert page.items == ["c", "d"]


def forged(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("repo", "cursor"),
    [
        (Things, forged(["3"])),  # an id as a string
        (Things, forged([3, 4])),
        (Things, "not a cursor"),
        (ThingsByRang, encode_cursor([3])),  # another list's cursor
        (ThingsByRang, forged([{"t": "2026-01-01T00:00:00"}, 1])),
    ],
)
async def test_foreign_cursor_is_a_400(db, repo, cursor) -> None:
    async with db.sessionmaker() as session:
        with pytest.raises(Problem) as err:
            await repo(session).page(cursor=cursor, limit=2)
    assert err.value.status == 400


async def test_versioned_mixin_stamps_and_bumps_the_version(db) -> None:
    async with db.sessionmaker() as session, session.begin():
        thing = Thing(id=100, owner_id=1, rang=0, nom="v")
        session.add(thing)
        await session.flush()
        await session.refresh(thing)
        assert thing.version == 1
        created, updated = thing.created_at, thing.updated_at
        assert created is not None and created.tzinfo is not None
    async with db.sessionmaker() as session, session.begin():
        thing = await Things(session).get(100, for_update=True)
        thing.nom = "w"
        await session.flush()
        assert thing.version == 2
        assert thing.updated_at > updated
        assert thing.created_at == created
    # a change made from a stale copy (version 2 meanwhile bumped to 3) is refused
    async with db.sessionmaker() as stale_session:
        stale = await Things(stale_session).get(100)
        async with db.sessionmaker() as session, session.begin():
            (await Things(session).get(100)).nom = "x"
        stale.nom = "y"
        with pytest.raises(StaleDataError):
            await stale_session.flush()
