"""Day rules in Africa/Casablanca and the equipment warranty (issue 8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from interventions.interventions import periodic

from shared import clock

from .conftest import World


@dataclass
class SavepointDatabase:
    sessionmaker: Any


# 23:30 UTC on 8 December is 00:30 on 9 December in Casablanca (UTC+1)
LATE = dt.datetime(2026, 12, 8, 23, 30, tzinfo=dt.UTC)


def test_day_rules_use_the_local_date() -> None:
    assert clock.local_date(LATE) == dt.date(2026, 12, 9)
    assert periodic.horizon_end(LATE, 3) == dt.date(2026, 12, 12)
    # archival: closed before local midnight of (today - n days), as a UTC instant
    assert periodic.archive_cutoff(LATE, 730) == dt.datetime(2024, 12, 8, 23, 0, tzinfo=dt.UTC)
    assert clock.end_of_local_day(dt.date(2026, 12, 12)) == dt.datetime(
        2026, 12, 12, 22, 59, 59, tzinfo=dt.UTC
    )


async def test_preventive_horizon_at_2330_utc_uses_the_local_date(world: World) -> None:
    # due on the 12th: inside a 3-day horizon counted from the local 9th, outside from the
    # UTC 8th
    edge = await world.equipement(prochaine_maintenance="2026-12-12")
    db = SavepointDatabase(world.session_factory)
    await periodic.generate_preventive(db, horizon_days=3, now=LATE)
    rows = await world.rows(
        "SELECT date_echeance_maintenance, date_limite FROM interventions.interventions"
        " WHERE equipement_id = :e",
        e=edge["id"],
    )
    assert rows == [(dt.date(2026, 12, 12), dt.datetime(2026, 12, 12, 22, 59, 59, tzinfo=dt.UTC))]


async def test_warranty_fields_and_the_flag_on_interventions(world: World, monkeypatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: LATE)
    # installed 9 Dec 2025 with 12 months: covered until 9 Dec 2026 inclusive, which is
    # already "today" in Casablanca at 23:30 UTC on the 8th
    covered = await world.equipement(date_installation="2025-12-09", duree_garantie_mois=12)
    assert covered["date_fin_garantie"] == "2026-12-09"
    ended = await world.equipement(date_fin_garantie="2026-12-08")
    none = await world.equipement()
    assert none["date_fin_garantie"] is None and none["duree_garantie_mois"] is None
    flags = {}
    for name, e in (("covered", covered), ("ended", ended), ("none", none)):
        i = await world.intervention(equipement_id=e["id"])
        flags[name] = i["sous_garantie"]
    assert flags == {"covered": True, "ended": False, "none": False}
    rows = await world.rows(
        "SELECT payload->'data'->>'sous_garantie' FROM interventions.outbox"
        " WHERE type = 'intervention.created' AND payload->'data'->>'equipement_id' = :e",
        e=str(covered["id"]),
    )
    assert rows == [("true",)]
    r = await world.http.patch(
        f"/api/v1/equipements/{covered['id']}",
        json={"duree_garantie_mois": 24},
        headers=world.h("admin"),
    )
    assert r.json()["date_fin_garantie"] == "2027-12-09"
    r = await world.http.post(
        "/api/v1/equipements",
        json={"client_id": world.client_id, "nom": "x", "numero_serie": "SN-g-neg",
              "duree_garantie_mois": -1},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 422
