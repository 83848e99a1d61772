"""Cursors round-trip every sort-key type and reject anything we did not issue."""

import base64
import datetime as dt
import decimal

import orjson
import pytest
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor, page_of


def test_cursor_round_trip_keeps_types() -> None:
    values = [
        3,
        "haute",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
        dt.date(2026, 1, 2),
        decimal.Decimal("12.50"),
        None,
    ]
    assert decode_cursor(encode_cursor(values), len(values)) == values


@pytest.mark.parametrize("cursor", ["", "%%%", "bm90IGpzb24", encode_cursor([1, 2])])
def test_foreign_or_wrong_arity_cursor_is_a_400(cursor: str) -> None:
    with pytest.raises(Problem) as err:
        decode_cursor(cursor, 3)
    assert err.value.status == 400


@pytest.mark.parametrize(
    "raw", [b"[true]", b"[null, false]", b"[[1]]", b'[{"x": 1}]', b"[9223372036854775808]"]
)
def test_values_we_never_write_are_a_400(raw: bytes) -> None:
    """Issue 7, item 6: `[true]` passed `isinstance(value, int)` and reached SQL (500)."""
    cursor = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    with pytest.raises(Problem) as err:
        decode_cursor(cursor, len(orjson.loads(raw)))
    assert err.value.status == 400


def test_page_of_sets_next_cursor_only_when_more_rows() -> None:
    full = page_of([1, 2, 3], 2, key=lambda r: [r])
    assert full.items == [1, 2] and decode_cursor(full.next_cursor or "", 1) == [2]
    last = page_of([1, 2], 2, key=lambda r: [r])
    assert last.items == [1, 2] and last.next_cursor is None
