"""Issue 7, items 1, 2 and 10 (ids): dates outside the documented window or without an
offset are 422 before anything is stored; a stored date Python cannot represent does not
break reading; ids are strict integers in paths and bodies."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import sqlalchemy as sa

IV = "/api/v1/interventions"
E = "/api/v1/equipements"


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
        "2201-01-01T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "2200-12-31T23:00:00-02:00",  # 2201 in UTC
    ],
)
async def test_times_outside_the_window_are_422(world, value: str) -> None:
    i = await world.intervention()
    r = await world.http.patch(
        f"{IV}/{i['id']}", json={"date_limite": value}, headers=world.h("admin")
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    e = await world.equipement()
    r = await world.http.patch(
        f"{E}/{e['id']}", json={"derniere_maintenance": value}, headers=world.h("admin")
    )
    assert r.status_code == 422, r.text
    r = await world.http.put(
        f"{IV}/{i['id']}/planning",
        json={"date_debut": "2030-01-01T08:00:00Z", "date_fin": value},
        headers=world.h("admin"),
    )
    assert r.status_code == 422, r.text
    r = await world.http.get(IV, params={"cree_apres": value}, headers=world.h("admin"))
    assert r.status_code == 422, r.text
    r = await world.http.get("/api/v1/planning", params={"au": value}, headers=world.h("admin"))
    assert r.status_code == 422, r.text


async def test_the_window_edges_are_accepted(world) -> None:
    e = await world.equipement()
    for value, stored in [
        ("2200-12-31T23:59:59Z", "2200-12-31T23:59:59Z"),
        ("1900-01-01T01:00:00+01:00", "1900-01-01T00:00:00Z"),
    ]:
        r = await world.http.patch(
            f"{E}/{e['id']}", json={"derniere_maintenance": value}, headers=world.h("admin")
        )
        assert r.status_code == 200, r.text
        got = dt.datetime.fromisoformat(r.json()["derniere_maintenance"])
        assert got == dt.datetime.fromisoformat(stored)


@pytest.mark.parametrize(
    ("field", "value"),
    [("prochaine_maintenance", "10000-01-01"), ("date_installation", "1899-12-31")],
)
async def test_dates_outside_the_window_are_422(world, field: str, value: str) -> None:
    e = await world.equipement()
    r = await world.http.patch(f"{E}/{e['id']}", json={field: value}, headers=world.h("admin"))
    assert r.status_code == 422, r.text


async def test_a_time_without_offset_is_422_not_500(world) -> None:
    e = await world.equipement()
    for field in ("date_limite", "date_planifiee"):
        r = await world.http.post(
            IV,
            json={"equipement_id": e["id"], "titre": "x", field: "2030-01-01T00:00:00"},
            headers=world.h("admin"),
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"].endswith(field)
    r = await world.http.patch(
        f"{E}/{e['id']}", json={"derniere_maintenance": "2030-01-01T00:00:00"},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 422, r.text
    r = await world.http.get("/api/v1/planning", params={"du": "2030-01-01T00:00:00"},
                             headers=world.h("admin"))  # fmt: skip
    assert r.status_code == 422, r.text


async def test_a_stored_date_python_cannot_read_does_not_break_reading(world) -> None:
    """Rows written before the window existed (or by hand) stay readable: the value comes
    back as the latest representable time and the row can be repaired through the API."""
    i = await world.intervention()
    e = await world.equipement()
    async with world.session_factory() as session, session.begin():
        await session.execute(
            sa.text(
                "UPDATE interventions.interventions SET date_limite = "
                "'10000-01-01 09:59:59+00' WHERE id = :id"
            ),
            {"id": i["id"]},
        )
        await session.execute(
            sa.text(
                "UPDATE interventions.equipements SET derniere_maintenance = 'infinity',"
                " prochaine_maintenance = '10000-01-01' WHERE id = :id"
            ),
            {"id": e["id"]},
        )
    r = await world.http.get(f"{IV}/{i['id']}", headers=world.h("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["date_limite"].startswith("9999-12-31T23:59:59")
    r = await world.http.get(IV, params={"equipement_id": i["equipement_id"]},
                             headers=world.h("admin"))  # fmt: skip
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["items"]] == [i["id"]]
    r = await world.http.get(f"{E}/{e['id']}", headers=world.h("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["prochaine_maintenance"] == "9999-12-31"
    r = await world.http.patch(
        f"{IV}/{i['id']}", json={"date_limite": "2031-01-01T00:00:00Z"}, headers=world.h("admin")
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("bad", [True, "1", 1.0, "1_000"])
async def test_ids_in_bodies_are_strict_integers(world, bad: object) -> None:
    e = await world.equipement()
    r = await world.http.post(
        IV, json={"equipement_id": bad, "titre": "x"}, headers=world.h("admin")
    )
    assert r.status_code == 422, r.text
    i = await world.intervention(equipement_id=e["id"])
    r = await world.http.post(
        f"{IV}/{i['id']}/affectation", json={"technicien_id": bad}, headers=world.h("admin")
    )
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("bad", ["1.0", "1_0", "+1", "%201", "0x1", "true", "0"])
async def test_ids_in_paths_are_strict_integers(world, bad: str) -> None:
    i = await world.intervention()
    assert i["id"] >= 1
    r = await world.http.get(f"{IV}/{bad}", headers=world.h("admin"))
    assert r.status_code == 422, (bad, r.text)
    r = await world.http.get(IV, params={"equipement_id": bad}, headers=world.h("admin"))
    assert r.status_code == 422, (bad, r.text)


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "raw",
    [
        b"[true]",  # a bool is not an id (500 on /equipements and documents before)
        b"[false, 1]",
        b"[99999999999999999999999]",  # beyond bigint
        b"[[1]]",
        b'[{"x": 1}]',
        b"[1.5]",
        b'[{"t": "not a time"}]',
        b'["haute", {"t": "2026-01-01T00:00:00"}, true]',  # no offset, bool id
    ],
)
async def test_any_cursor_the_server_did_not_make_is_400(world, raw: bytes) -> None:
    """Issue 7, item 6."""
    i = await world.intervention()
    cursor = _cursor(raw)
    for path in (E, IV, f"{IV}/{i['id']}/documents", "/api/v1/planning"):
        r = await world.http.get(path, params={"cursor": cursor}, headers=world.h("admin"))
        assert r.status_code == 400, (path, raw, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
