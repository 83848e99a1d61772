"""Keyset pagination: an opaque cursor carries the sort key of the last row of a page."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from shared.errors import Problem

T = TypeVar("T")
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size, at most 200")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the previous page")
]


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    raise TypeError(type(value))


def encode_cursor(values: list[Any] | tuple[Any, ...]) -> str:
    raw = orjson.dumps(list(values), default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _revive(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "t":
            return dt.datetime.fromisoformat(raw)
        if tag == "d":
            return dt.date.fromisoformat(raw)
        if tag == "n":
            return decimal.Decimal(raw)
    return value


_BIGINT = 2**63


def _scalar(value: Any) -> Any:
    """A sort-key value as `encode_cursor` writes them: never a bool (`[true]` is not an id,
    issue 7 item 6), an integer that fits a bigint, no nested list or unknown object."""
    if isinstance(value, bool) or isinstance(value, list | dict):
        raise ValueError("not a sort key value")
    if isinstance(value, int) and not -_BIGINT <= value < _BIGINT:
        raise ValueError("integer out of range")
    return value


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The sort key of a cursor, or 400 when the cursor is not one we issued."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError("wrong arity")
        return [_scalar(_revive(v)) for v in values]
    except (ValueError, TypeError, orjson.JSONDecodeError, UnicodeError) as exc:
        raise Problem(
            400, "invalid cursor", errors=[{"field": "cursor", "message": str(exc)}]
        ) from exc


def page_of(rows: list[T], limit: int, key: Any) -> Page[T]:
    """Build a page from `limit + 1` fetched rows; `key(row)` gives the row's sort key."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(key(rows[-1])) if has_more and rows else None
    return Page[Any](items=rows, next_cursor=next_cursor)
