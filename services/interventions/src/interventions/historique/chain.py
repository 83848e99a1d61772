"""The hash chain of the audit trail: pure functions, shared by writer and verifier."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import ipaddress
import uuid
from typing import Any

import orjson

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The value exactly as JSONB will give it back (so the hash survives the round trip)."""
    if value is None:
        return None
    result: dict[str, Any] = orjson.loads(orjson.dumps(value, default=_default))
    return result


def normalise_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def row_hash(
    *,
    intervention_id: int | None = None,
    equipement_id: int | None = None,
    user_id: int | None,
    action: str,
    description: str,
    ancienne_valeur: dict[str, Any] | None,
    nouvelle_valeur: dict[str, Any] | None,
    horodatage: dt.datetime,
    adresse_ip: str | None,
    user_agent: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON (sorted keys, UTC times) of a row and its predecessor;
    the row belongs to an intervention's trail or to an equipment's."""
    subject = (
        {"intervention_id": intervention_id}
        if equipement_id is None
        else {"equipement_id": equipement_id}
    )
    document = {
        **subject,
        "user_id": user_id,
        "action": str(action),
        "description": description,
        "ancienne_valeur": ancienne_valeur,
        "nouvelle_valeur": nouvelle_valeur,
        "horodatage": horodatage.astimezone(dt.UTC).isoformat(),
        "adresse_ip": normalise_ip(str(adresse_ip)) if adresse_ip is not None else None,
        "user_agent": user_agent,
        "prev_hash": prev_hash,
    }
    canonical = orjson.dumps(document, default=_default, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()
