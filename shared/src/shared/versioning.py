"""Optimistic locking: every resource has a `version`; `If-Match` guards PATCH."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from shared.errors import Problem

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=64, description="the version you last read"),
]


def check_version(if_match: str | None, current: int) -> None:
    """412 when the caller's `If-Match` names another version than the current one."""
    if if_match is None:
        return
    raw = if_match.strip().removeprefix("W/").strip('"')
    try:
        expected = int(raw)
    except ValueError as exc:
        raise Problem(400, "If-Match must be the resource's version number") from exc
    if expected != current:
        raise Problem(
            412,
            f"the resource is at version {current}, not {expected}: reload it and retry",
            current_version=current,
        )
