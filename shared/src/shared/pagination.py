"""Keyset pagination: an opaque cursor carries the sort key of the last row of a page.

One codec (`Cursor`, typed fields) and one page builder (`paginate`, the only place that
fetches `limit + 1` rows and builds `next_cursor`). A repository's `page(...)`
(shared.repository) is `paginate` over a SQLAlchemy statement; raw-SQL lists call
`paginate` with their own fetch:

    ID = Cursor(int)

    async def fetch(after: tuple[int] | None, n: int) -> list[Row]:
        ...  # WHERE id > after[0] ... ORDER BY id LIMIT n

    return await paginate(fetch, cursor=cursor, limit=limit, codec=ID, key=lambda r: [r.id])
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from shared.errors import Problem

T = TypeVar("T")
R = TypeVar("R")
MAX_LIMIT = 200
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size, at most 200")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the previous page")
]


def _invalid(message: str) -> Problem:
    return Problem(400, "invalid cursor", errors=[{"field": "cursor", "message": message}])


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    raise TypeError(type(value))


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps(
        [v.value if isinstance(v, enum.Enum) else v for v in values],
        default=_default,
        option=orjson.OPT_PASSTHROUGH_DATETIME,
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _revive(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if not isinstance(raw, str):
            raise ValueError("malformed value")
        if tag == "t":
            return dt.datetime.fromisoformat(raw)
        if tag == "d":
            return dt.date.fromisoformat(raw)
        if tag == "n":
            return decimal.Decimal(raw)
    if isinstance(value, dict | list):
        raise ValueError("malformed value")
    return value


def _raw_values(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(values, list):
            raise ValueError("not a list")
        return [_revive(v) for v in values]
    except (ValueError, TypeError, ArithmeticError, binascii.Error, UnicodeError) as exc:
        # orjson.JSONDecodeError and decimal.InvalidOperation are ValueError/ArithmeticError
        raise _invalid("not a cursor of this list") from exc


def _typed(value: Any, kind: type, position: int) -> Any:
    """`value` as a `kind`, or 400: what PostgreSQL gets is always the type it compares to."""
    wrong = _invalid(f"value {position} is not a {kind.__name__}")
    if value is None:
        raise wrong
    if issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            raise wrong from None
    if kind is int:
        if type(value) is not int or not _INT_MIN <= value <= _INT_MAX:
            raise wrong
        return value
    if kind is str:
        if not isinstance(value, str) or "\x00" in value:
            raise wrong
        return value
    if kind is dt.datetime:
        if not isinstance(value, dt.datetime):
            raise wrong
        return value
    if kind is dt.date:
        if type(value) is not dt.date:
            raise wrong
        return value
    if kind is decimal.Decimal:
        if not isinstance(value, decimal.Decimal) or not value.is_finite():
            raise wrong
        return value
    if kind is uuid.UUID:  # orjson writes a UUID as its string
        try:
            return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        except (TypeError, ValueError, AttributeError):
            raise wrong from None
    if kind is float:
        if type(value) not in (int, float):
            raise wrong
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise wrong
    return value


class Cursor:
    """The codec of one list's cursors: the types of its sort key, in order.
    `Cursor(int)` (by id), `Cursor(dt.datetime, int)` (by date then id), enums too.
    A cursor that is garbage, of another arity or whose values have other types is a
    400 problem, never a 500."""

    __slots__ = ("fields",)

    def __init__(self, *fields: type) -> None:
        if not fields:
            raise ValueError("a cursor has at least one field")
        self.fields = fields

    def encode(self, values: Sequence[Any]) -> str:
        return encode_cursor(values)

    def decode(self, cursor: str | None) -> tuple[Any, ...] | None:
        """The sort key a cursor points after, None without a cursor, 400 when foreign."""
        if cursor is None:
            return None
        values = _raw_values(cursor)
        if len(values) != len(self.fields):
            raise _invalid(f"expected {len(self.fields)} values")
        pairs = enumerate(zip(values, self.fields, strict=True))
        return tuple(_typed(value, kind, i) for i, (value, kind) in pairs)


ID_CURSOR = Cursor(int)
"""The cursor of a list ordered by an integer id."""


Fetch = Callable[[tuple[Any, ...] | None, int], Awaitable[Sequence[R]]]


async def paginate(
    fetch: Fetch[R],
    *,
    cursor: str | None,
    limit: int,
    codec: Cursor,
    key: Callable[[R], Sequence[Any]],
    item: Callable[[R], Any] | None = None,
) -> Page[Any]:
    """One keyset page: `fetch(after, limit + 1)` (after: the decoded cursor or None)
    returns rows in the list's order after the cursor; `key(row)` is a row's sort key
    (what the next cursor carries); `item(row)` what the page shows of it."""
    after = codec.decode(cursor)
    rows = list(await fetch(after, limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = codec.encode(key(rows[-1])) if has_more and rows else None
    items = [item(row) for row in rows] if item is not None else rows
    return Page[Any](items=items, next_cursor=next_cursor)
