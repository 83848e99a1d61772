"""The generic repository: get by id (with a visibility hook and `for_update`) and the
keyset page of a SQLAlchemy statement, on the session of a unit of work.

    class Techniciens(Repository[Technicien]):
        model = Technicien
        keyset = Keyset(Technicien.id)

        def select(self) -> sa.Select[Any]:  # every read joins the user
            return sa.select(Technicien).join(Technicien.user).options(contains_eager(...))

        def visible(self, statement, user):  # a technician sees only itself
            if user is None or user.is_staff:
                return statement
            return statement.where(Technicien.user_id == user.id)

    techniciens = Techniciens(uow)
    one = await techniciens.get(7, user=uow.user, for_update=True)
    page = await techniciens.page(cursor=cursor, limit=limit, where=[...], item=Read.of)

`page` is `shared.pagination.paginate`: the only place that fetches `limit + 1` rows and
builds `next_cursor`; the cursor is decoded with the keyset's typed codec (400 if foreign).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.pagination import Cursor, Page, paginate
from shared.security import CurrentUser

M = TypeVar("M")


class HasSession(Protocol):
    @property
    def session(self) -> AsyncSession: ...


def _python_type(column: Any) -> type:
    kind = column.type
    enum_class = getattr(kind, "enum_class", None)
    if enum_class is not None:
        return enum_class  # type: ignore[no-any-return]
    python_type: type = kind.python_type
    return python_type


class Keyset:
    """The order of a list, unique on its last column (usually the id): its ORDER BY,
    the condition "after this sort key" and the typed cursor codec of its key.
    `descending` is one flag for every column or one per column."""

    __slots__ = ("codec", "columns", "descending")

    def __init__(
        self,
        *columns: Any,
        descending: bool | Sequence[bool] = False,
        types: Sequence[type] | None = None,
    ) -> None:
        if not columns:
            raise ValueError("a keyset orders by at least one column")
        self.columns = columns
        flags = [descending] * len(columns) if isinstance(descending, bool) else descending
        if len(flags) != len(columns):
            raise ValueError("one descending flag per column")
        self.descending = tuple(flags)
        kinds = types if types is not None else [_python_type(c) for c in columns]
        self.codec = Cursor(*kinds)

    def order_by(self) -> list[Any]:
        pairs = zip(self.columns, self.descending, strict=True)
        return [c.desc() if d else c.asc() for c, d in pairs]

    def after(self, values: Sequence[Any]) -> sa.ColumnElement[bool]:
        """Rows strictly after `values` in this order."""
        # bound with the columns' types: a tuple's values get none of their own (an enum
        # would otherwise be sent as text, which PostgreSQL does not compare to the enum)
        values = [
            sa.bindparam(None, value, type_=column.type)
            for column, value in zip(self.columns, values, strict=True)
        ]
        if len(set(self.descending)) == 1:
            # one direction: a row comparison, which an index on the columns serves
            left, right = sa.tuple_(*self.columns), sa.tuple_(*values)
            return left < right if self.descending[0] else left > right
        # mixed directions: (a > x) OR (a = x AND b < y) OR ...
        clauses = []
        for i, (column, descending) in enumerate(zip(self.columns, self.descending, strict=True)):
            equal = [self.columns[j] == values[j] for j in range(i)]
            beyond = column < values[i] if descending else column > values[i]
            clauses.append(sa.and_(*equal, beyond))
        return sa.or_(*clauses)

    def key(self, row: Any) -> list[Any]:
        """The sort key of a fetched row (an entity or a Row with the columns' names)."""
        return [getattr(row, column.key) for column in self.columns]


class Repository(Generic[M]):
    """Reads of one model on the session of a unit of work (or a bare session)."""

    model: ClassVar[type[Any]]
    keyset: ClassVar[Keyset | None] = None

    __slots__ = ("_source",)

    def __init__(self, source: HasSession | AsyncSession) -> None:
        self._source = source

    @property
    def session(self) -> AsyncSession:
        source = self._source
        return source if isinstance(source, AsyncSession) else source.session

    # -- hooks ----------------------------------------------------------------------------

    def select(self) -> sa.Select[Any]:
        """The statement every read starts from (override to join what is always shown)."""
        return sa.select(self.model)

    def visible(self, statement: sa.Select[Any], user: CurrentUser | None) -> sa.Select[Any]:
        """Only the rows `user` may see (None: no restriction, e.g. internal reads). What a
        caller may not see is answered as absent (404), not forbidden."""
        return statement

    # -- reads ----------------------------------------------------------------------------

    @classmethod
    def _id_column(cls) -> Any:
        return sa.inspect(cls.model).primary_key[0]

    async def get(
        self, id_: Any, *, user: CurrentUser | None = None, for_update: bool = False
    ) -> M | None:
        """The row with this id that `user` may see, locked (FOR UPDATE of the model's own
        table, not of what is joined) when `for_update`."""
        statement = self.visible(self.select().where(self._id_column() == id_), user)
        if for_update:
            statement = statement.with_for_update(of=self.model)
        row: M | None = (await self.session.execute(statement)).scalar_one_or_none()
        return row

    async def page(
        self,
        *,
        cursor: str | None,
        limit: int,
        where: Iterable[sa.ColumnElement[bool]] = (),
        user: CurrentUser | None = None,
        statement: sa.Select[Any] | None = None,
        item: Callable[[Any], Any] | None = None,
    ) -> Page[Any]:
        """A keyset page of `statement` (default: `select()`), filtered by `where` and by
        what `user` may see; entities (or rows, for a statement of columns) mapped by
        `item`."""
        keyset = self.keyset
        if keyset is None:
            raise TypeError(f"{type(self).__name__} has no keyset")
        base = self.visible(statement if statement is not None else self.select(), user)
        base = base.where(*where).order_by(*keyset.order_by())
        # select(Model) gives entities; a statement of columns gives rows
        described = base.column_descriptions
        scalars = len(described) == 1 and isinstance(described[0]["expr"], type)

        async def fetch(after: tuple[Any, ...] | None, n: int) -> Sequence[Any]:
            query = base if after is None else base.where(keyset.after(after))
            result = await self.session.execute(query.limit(n))
            return list(result.scalars() if scalars else result)

        return await paginate(
            fetch, cursor=cursor, limit=limit, codec=keyset.codec, key=keyset.key, item=item
        )
