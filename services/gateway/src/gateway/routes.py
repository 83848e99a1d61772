"""Which service owns a public path: one dict lookup on the first segment after /api/v1/,
plus a second one for the few nested paths another service owns."""

from __future__ import annotations

from dataclasses import dataclass, field

API_PREFIX = "/api/v1/"
_PREFIX_LEN = len(API_PREFIX)

# first path segment -> owning service
OWNERS: dict[str, str] = {
    "auth": "auth",
    "users": "auth",
    "techniciens": "auth",
    "clients": "auth",
    "competences": "auth",
    "equipements": "interventions",
    "planning": "interventions",
    "documents": "interventions",
    "interventions": "interventions",
    "pieces": "inventory",
    "stock": "inventory",
    "contrats": "billing",
    "factures": "billing",
    "avoirs": "billing",
    "jours-feries": "billing",
    "reports": "reporting",
    "report-schedules": "reporting",
    "stats": "reporting",
    "notifications": "notifications",
}

# (first segment, third segment) -> owning service, for /first/{id}/third[/...]
NESTED: dict[tuple[str, str], str] = {
    ("interventions", "pieces"): "inventory",
    ("interventions", "reservations"): "inventory",
}

SERVICES = ("auth", "interventions", "inventory", "billing", "reporting", "notifications")


@dataclass(frozen=True, slots=True)
class Upstream:
    name: str
    base_url: str
    # the base URL without a trailing slash, to which the raw request path is appended
    origin: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "origin", self.base_url.rstrip("/"))


class RouteTable:
    """Precomputed owner lookup; `lookup` costs two dict probes and one bounded split."""

    def __init__(self, urls: dict[str, str]) -> None:
        missing = [name for name in SERVICES if name not in urls]
        if missing:
            raise ValueError(f"no URL for services: {', '.join(missing)}")
        self.upstreams = {name: Upstream(name, urls[name]) for name in SERVICES}
        self._first = {segment: self.upstreams[owner] for segment, owner in OWNERS.items()}
        self._nested = {key: self.upstreams[owner] for key, owner in NESTED.items()}

    def lookup(self, path: str) -> Upstream | None:
        """The upstream owning `path` (a path under /api/v1/), or None."""
        if not path.startswith(API_PREFIX):
            return None
        parts = path[_PREFIX_LEN:].split("/", 3)
        if len(parts) >= 3:
            nested = self._nested.get((parts[0], parts[2]))
            if nested is not None:
                return nested
        return self._first.get(parts[0])
