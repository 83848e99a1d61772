"""The inbox API: one's own notifications only, filters, keyset pages, read marks, the
unread count, preferences; bad input is a problem+json, never a 500."""

from __future__ import annotations

from typing import Any

from notifications.main import create_app

from .conftest import World, event, new_id


async def notify(world: World, count: int) -> list[int]:
    """`count` closings of new interventions (told to the client and responsables)."""
    for _ in range(count):
        i = new_id()
        await world.apply(event("intervention.cloturee", world.intervention(i)))
    rows = await world.rows(
        "SELECT id FROM notifications.notifications WHERE user_id = :u ORDER BY id",
        u=world.client_user,
    )
    return [r[0] for r in rows]


async def test_list_read_marks_and_count(world: World, app_client: Any, tokens: Any) -> None:
    ids = await notify(world, 3)
    assert len(ids) == 3
    me = tokens.headers("client", world.client_user, client_id=world.client)
    other = tokens.headers("client", world.autre_client_user, client_id=world.autre_client)
    async with app_client(create_app()) as http:
        page = await http.get("/api/v1/notifications", headers=me, params={"limit": 2})
        assert page.status_code == 200, page.text
        body = page.json()
        assert [n["id"] for n in body["items"]] == [ids[2], ids[1]]
        assert body["items"][0]["type_notification"] == "success"
        assert body["items"][0]["lien"].startswith("/interventions/")
        assert body["items"][0]["lu"] is False
        rest = await http.get(
            "/api/v1/notifications", headers=me, params={"limit": 2, "cursor": body["next_cursor"]}
        )
        assert [n["id"] for n in rest.json()["items"]] == [ids[0]]
        assert rest.json()["next_cursor"] is None

        assert (await http.get("/api/v1/notifications", headers=other)).json()["items"] == []

        unread = await http.get("/api/v1/notifications/non-lues", headers=me)
        assert unread.json() == {"non_lues": 3}
        read = await http.post(f"/api/v1/notifications/{ids[0]}/lecture", headers=me)
        assert read.status_code == 200, read.text
        assert read.json()["lu"] is True and read.json()["date_lu"] is not None
        again = await http.post(f"/api/v1/notifications/{ids[0]}/lecture", headers=me)
        assert again.json()["date_lu"] == read.json()["date_lu"]
        assert (await http.get("/api/v1/notifications/non-lues", headers=me)).json() == {
            "non_lues": 2
        }
        only_read = await http.get("/api/v1/notifications", headers=me, params={"lu": "true"})
        assert [n["id"] for n in only_read.json()["items"]] == [ids[0]]
        by_type = await http.get(
            "/api/v1/notifications", headers=me, params={"type_notification": "planning"}
        )
        assert by_type.json()["items"] == []
        all_read = await http.post("/api/v1/notifications/lecture", headers=me)
        assert all_read.json() == {"marquees": 2}
        assert (await http.get("/api/v1/notifications/non-lues", headers=me)).json() == {
            "non_lues": 0
        }
    # someone else's notification: 404 (last: shared.uow's request dependency leaves its
    # savepoint to the garbage collector after an error, see the report)
    async with app_client(create_app()) as http:
        stolen = await http.post(f"/api/v1/notifications/{ids[0]}/lecture", headers=other)
        assert stolen.status_code == 404
        assert stolen.headers["content-type"].startswith("application/problem+json")


async def test_bad_input_is_a_problem(world: World, app_client: Any, tokens: Any) -> None:
    me = tokens.headers("technicien", world.technicien_user)
    async with app_client(create_app()) as http:
        for params in (
            {"cursor": "not-a-cursor"},
            {"limit": "0"},
            {"type_notification": "spam"},
            {"lu": "peut-etre"},
        ):
            answer = await http.get("/api/v1/notifications", headers=me, params=params)
            assert answer.status_code in (400, 422), (params, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
        for path in ("/api/v1/notifications/0/lecture", "/api/v1/notifications/x/lecture"):
            assert (await http.post(path, headers=me)).status_code == 422
        huge = await http.post(f"/api/v1/notifications/{2**63}/lecture", headers=me)
        assert huge.status_code == 422
        assert (await http.get("/api/v1/notifications")).status_code == 401
        stream = await http.get(
            "/api/v1/notifications/stream", headers={**me, "Last-Event-ID": "abc"}
        )
        assert stream.status_code == 400
        assert stream.headers["content-type"].startswith("application/problem+json")
        bad = await http.put(
            "/api/v1/notifications/preferences",
            headers=me,
            json={"types": [{"type_notification": "planning", "email": "jamais"}]},
        )
        assert bad.status_code == 422


async def test_preferences(world: World, app_client: Any, tokens: Any) -> None:
    me = tokens.headers("client", world.client_user, client_id=world.client)
    async with app_client(create_app()) as http:
        first = await http.get("/api/v1/notifications/preferences", headers=me)
        assert first.status_code == 200
        assert first.json()["suivi_interventions"] is True
        assert {t["type_notification"]: t["email"] for t in first.json()["types"]} == {
            "info": True,
            "warning": True,
            "error": True,
            "success": True,
            "intervention": True,
            "planning": True,
        }
        put = await http.put(
            "/api/v1/notifications/preferences",
            headers=me,
            json={
                "types": [{"type_notification": "intervention", "email": False}],
                "suivi_interventions": False,
            },
        )
        assert put.status_code == 200, put.text
        emails = {t["type_notification"]: t["email"] for t in put.json()["types"]}
        assert emails["intervention"] is False and emails["planning"] is True
        assert all(t["in_app"] for t in put.json()["types"])
        assert put.json()["suivi_interventions"] is False
        again = await http.get("/api/v1/notifications/preferences", headers=me)
        assert again.json() == put.json()
