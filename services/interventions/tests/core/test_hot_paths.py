"""Create and get by id run on the driver connection: the same resource, audit row and
event as the ORM path gave."""

from __future__ import annotations

from typing import Any


async def test_create_writes_the_same_resource_audit_row_and_event(world: Any) -> None:
    i = await world.intervention(
        description="fuite", duree_estimee="2.50", cout_estime="1200.00", urgence=True
    )
    got = await world.http.get(f"/api/v1/interventions/{i['id']}", headers=world.h("admin"))
    assert got.status_code == 200
    assert got.json() == i
    assert i["statut"] == "ouverte" and i["version"] == 1 and i["cout_estime"] == "1200.00"

    ((action, prev_hash, nouvelle, ancienne),) = await world.rows(
        "SELECT action, prev_hash, nouvelle_valeur, ancienne_valeur "
        "FROM interventions.historiques_interventions WHERE intervention_id = :i",
        i=i["id"],
    )
    assert (action, prev_hash, nouvelle, ancienne) == ("creation", "0" * 64, i, None)

    ((type_, payload),) = await world.rows(
        "SELECT type, payload FROM interventions.outbox "
        "WHERE payload->>'aggregate_id' = :i AND type = 'intervention.created'",
        i=str(i["id"]),
    )
    assert type_ == "intervention.created"
    assert payload["data"] == i and payload["producer"] == "interventions"
    assert payload["actor_id"] == 1 and payload["type"] == type_

    trail = await world.http.get(
        f"/api/v1/interventions/{i['id']}/historique?verifier=true", headers=world.h("admin")
    )
    assert trail.json()["verification"]["intact"] is True
