"""Keyset cursors of this service: every list is ordered by its integer id."""

from __future__ import annotations

from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor


def after_id(cursor: str | None) -> int | None:
    """The id a cursor points after, or 400 for a cursor that is not ours."""
    if cursor is None:
        return None
    (value,) = decode_cursor(cursor, 1)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Problem(400, "invalid cursor", errors=[{"field": "cursor", "message": "not an id"}])
    return value


def id_cursor(row_id: int) -> str:
    return encode_cursor([row_id])
