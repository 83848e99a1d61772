"""Small helpers the features of this service share: snapshots and change sets (events are
written with `uow.emit`, the only way)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# fields that change on every write and say nothing about the change itself
_NOISE = frozenset({"version", "updated_at"})


def snapshot(schema: type[BaseModel], obj: object) -> dict[str, Any]:
    """The resource as the API shows it, JSON-ready (money as strings, times ISO 8601)."""
    return schema.model_validate(obj).model_dump(mode="json")


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ: (old values, new values)."""
    keys = [k for k in after if k not in _NOISE and before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
