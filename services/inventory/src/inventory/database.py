"""The inventory service's schema name and the location naming rule."""

from __future__ import annotations

import re

SCHEMA = "inventory"
PRODUCER = "inventory"

# A location is a warehouse (any name, e.g. `entrepot`, `entrepot-agadir`) or a
# technician's van, named `van-<technicien_id>`.
_VAN = re.compile(r"^van-(\d{1,9})$")
EMPLACEMENT_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


def van(technicien_id: int) -> str:
    return f"van-{technicien_id}"


def van_owner(emplacement: str) -> int | None:
    """The technician whose van `emplacement` is, or None for a warehouse."""
    match = _VAN.match(emplacement)
    return int(match.group(1)) if match else None
