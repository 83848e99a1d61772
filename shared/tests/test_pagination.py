"""Cursors round-trip every sort-key type and reject anything we did not issue (400, never
500); `paginate` is the one place that fetches `limit + 1` rows and builds next_cursor."""

import base64
import datetime as dt
import decimal
import enum
import json
import uuid

import pytest
from shared.errors import Problem
from shared.pagination import Cursor, encode_cursor, paginate


class Priorite(enum.StrEnum):
    basse = "basse"
    haute = "haute"


def forged(values: object) -> str:
    """A cursor as a client could forge one: any JSON, base64url without padding."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


def test_typed_codec_round_trip() -> None:
    codec = Cursor(Priorite, dt.datetime, dt.date, decimal.Decimal, uuid.UUID, str, int)
    values = (
        Priorite.haute,
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
        dt.date(2026, 1, 2),
        decimal.Decimal("12.50"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "camion-3",
        42,
    )
    decoded = codec.decode(codec.encode(values))
    assert decoded == values
    assert decoded is not None and decoded[0] is Priorite.haute
    assert codec.decode(None) is None


@pytest.mark.parametrize("cursor", ["", "%%%", "bm90IGpzb24", encode_cursor([1, 2])])
def test_foreign_or_wrong_arity_cursor_is_a_400(cursor: str) -> None:
    with pytest.raises(Problem) as err:
        Cursor(int, int, int).decode(cursor)
    assert err.value.status == 400


@pytest.mark.parametrize(
    ("codec", "cursor"),
    [
        (Cursor(int), forged(["7"])),  # a string where an id is
        (Cursor(int), forged([True])),  # a boolean is not an id
        (Cursor(int), forged([1.5])),
        (Cursor(int), forged([None])),
        (Cursor(int), forged([2**70])),  # beyond bigint
        (Cursor(int), forged([{"x": 1}])),
        (Cursor(int), forged([[1]])),
        (Cursor(int), forged({"id": 1})),  # not a list
        (Cursor(int), forged([1, 2])),  # arity
        (Cursor(str, int), forged(["a\u0000b", 1])),  # PostgreSQL text has no NUL
        (Cursor(dt.datetime, int), forged([{"t": "yesterday"}, 1])),
        (Cursor(dt.datetime, int), forged([{"t": 5}, 1])),
        (Cursor(dt.datetime, int), forged([{"d": "2026-01-02"}, 1])),  # a date, not a time
        (Cursor(dt.date), forged([{"t": "2026-01-02T10:00:00+00:00"}])),
        (Cursor(decimal.Decimal), forged([{"n": "abc"}])),
        (Cursor(decimal.Decimal), forged([{"n": "NaN"}])),
        (Cursor(uuid.UUID), forged(["not-a-uuid"])),
        (Cursor(uuid.UUID), forged([12])),
        (Cursor(Priorite, int), forged(["urgente", 1])),
        (Cursor(int), "\u00e9\u00e9\u00e9\u00e9"),  # not ASCII
        (Cursor(int), "e30"),  # base64 of "{}"
        (Cursor(int), "A"),  # bad base64 length
    ],
)
def test_typed_codec_refuses_wrong_types_with_a_400(codec: Cursor, cursor: str) -> None:
    with pytest.raises(Problem) as err:
        codec.decode(cursor)
    assert err.value.status == 400
    assert err.value.detail == "invalid cursor"
    assert err.value.errors and err.value.errors[0]["field"] == "cursor"


async def test_paginate_fetches_limit_plus_one_after_the_cursor() -> None:
    rows = list(range(1, 8))  # ids 1..7
    calls: list[tuple[object, int]] = []

    async def fetch(after: tuple[int] | None, n: int) -> list[int]:
        calls.append((after, n))
        start = after[0] if after else 0
        return [r for r in rows if r > start][:n]

    codec = Cursor(int)
    first = await paginate(fetch, cursor=None, limit=3, codec=codec, key=lambda r: [r])
    assert first.items == [1, 2, 3]
    second = await paginate(
        fetch, cursor=first.next_cursor, limit=3, codec=codec, key=lambda r: [r],
        item=lambda r: {"id": r},
    )  # fmt: skip
    assert second.items == [{"id": 4}, {"id": 5}, {"id": 6}]
    third = await paginate(
        fetch, cursor=second.next_cursor, limit=3, codec=codec, key=lambda r: [r]
    )
    assert third.items == [7] and third.next_cursor is None
    assert calls == [(None, 4), ((3,), 4), ((6,), 4)]
