"""/users: admin CRUD, uniqueness, validation, If-Match, deactivation, passwords, events."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

OUTBOX = "SELECT type, payload FROM auth.outbox WHERE payload->>'aggregate_id' = :id ORDER BY seq"


async def outbox_types(db_session: Any, aggregate_id: int) -> list[str]:
    async with db_session() as session:
        rows = (await session.execute(sa.text(OUTBOX), {"id": str(aggregate_id)})).all()
    return [row.type for row in rows]


async def test_create_returns_201_location_version_and_writes_user_created(
    client, factory, db_session
) -> None:
    body = factory.user_body()
    response = await client.post(
        "/api/v1/users", json={**body, "role": "responsable"}, headers=factory.admin
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert response.headers["location"] == f"/api/v1/users/{user['id']}"
    assert user["version"] == 1 and user["role"] == "responsable" and user["is_active"] is True
    assert "password" not in user and "hashed_password" not in user
    async with db_session() as session:
        row = (await session.execute(sa.text(OUTBOX), {"id": str(user["id"])})).one()
    assert row.type == "user.created"
    assert row.payload["producer"] == "auth"
    assert row.payload["data"] == {
        "id": user["id"],
        "username": body["username"],
        "email": body["email"],
        "full_name": body["full_name"],
        "role": "responsable",
        "is_active": True,
    }


async def test_duplicate_username_or_email_is_409(client, factory) -> None:
    user = await factory.user()
    for clash in ({"username": user["username"]}, {"email": user["email"].upper()}):
        body = {**factory.user_body(**clash), "role": "admin"}
        response = await client.post("/api/v1/users", json=body, headers=factory.admin)
        assert response.status_code == 409, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        field = next(iter(clash))
        assert response.json()["errors"][0]["field"] == field


async def test_invalid_input_is_422_problem_naming_fields(client, factory) -> None:
    body = {
        "username": "x",
        "email": "not-an-email",
        "full_name": "",
        "password": "short",
        "role": "boss",
        "extra": 1,
    }
    response = await client.post("/api/v1/users", json=body, headers=factory.admin)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and problem["title"]
    fields = {error["field"] for error in problem["errors"]}
    assert {"username", "email", "full_name", "password", "role", "extra"} <= fields


async def test_malformed_json_and_huge_ids_never_500(client, factory) -> None:
    response = await client.post(
        "/api/v1/users",
        content=b"{not json",
        headers={**factory.admin, "content-type": "application/json"},
    )
    assert response.status_code == 422
    response = await client.get("/api/v1/users/99999999999999999999", headers=factory.admin)
    assert response.status_code in (404, 422)
    response = await client.get("/api/v1/users?cursor=garbage!!", headers=factory.admin)
    assert response.status_code == 400


async def test_technicien_and_client_users_are_created_with_their_profile(client, factory) -> None:
    body = {**factory.user_body(), "role": "technicien"}
    response = await client.post("/api/v1/users", json=body, headers=factory.admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


async def test_only_admins_manage_users(client, factory, tokens) -> None:
    user = await factory.user()
    for role in ("responsable", "technicien", "client"):
        headers = tokens.headers(role, 999)
        assert (await client.get("/api/v1/users", headers=headers)).status_code == 403
        assert (await client.get(f"/api/v1/users/{user['id']}", headers=headers)).status_code == 403
        body = {**factory.user_body(), "role": "admin"}
        assert (await client.post("/api/v1/users", json=body, headers=headers)).status_code == 403
    assert (await client.get("/api/v1/users")).status_code == 401


async def test_list_is_keyset_paginated_and_filtered(client, factory) -> None:
    created = [await factory.user(role="responsable") for _ in range(3)]
    ids = {u["id"] for u in created}
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "role": "responsable"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/users", params=params, headers=factory.admin)).json()
        assert len(page["items"]) <= 2
        seen.extend(u["id"] for u in page["items"])
        assert all(u["role"] == "responsable" for u in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids <= set(seen) and seen == sorted(seen) and len(seen) == len(set(seen))
    assert (await client.get("/api/v1/users?limit=201", headers=factory.admin)).status_code == 422


async def test_patch_with_stale_if_match_is_412(client, factory, db_session) -> None:
    user = await factory.user()
    url = f"/api/v1/users/{user['id']}"
    first = await client.patch(
        url, json={"full_name": "New Name"}, headers={**factory.admin, "If-Match": "1"}
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2 and first.json()["full_name"] == "New Name"
    stale = await client.patch(
        url, json={"full_name": "Other"}, headers={**factory.admin, "If-Match": "1"}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert (await client.get(url, headers=factory.admin)).json()["full_name"] == "New Name"
    assert await outbox_types(db_session, user["id"]) == ["user.created", "user.updated"]
    bad = await client.patch(url, json={"email": None}, headers=factory.admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"


async def test_patch_duplicate_email_is_409(client, factory) -> None:
    one, two = await factory.user(), await factory.user()
    response = await client.patch(
        f"/api/v1/users/{two['id']}", json={"email": one["email"]}, headers=factory.admin
    )
    assert response.status_code == 409


async def test_delete_deactivates_and_revokes_refresh_tokens(client, factory, db_session) -> None:
    user = await factory.user()
    pair = await factory.login(user["username"])
    response = await client.delete(f"/api/v1/users/{user['id']}", headers=factory.admin)
    assert response.status_code == 204
    after = (await client.get(f"/api/v1/users/{user['id']}", headers=factory.admin)).json()
    assert after["is_active"] is False
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401
    login = await client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": factory.password}
    )
    assert login.status_code == 401
    assert await outbox_types(db_session, user["id"]) == ["user.created", "user.deactivated"]
    # deleting again changes nothing
    assert (
        await client.delete(f"/api/v1/users/{user['id']}", headers=factory.admin)
    ).status_code == 204
    assert await outbox_types(db_session, user["id"]) == ["user.created", "user.deactivated"]


async def test_users_change_their_own_password_with_the_current_one(client, factory) -> None:
    user = await factory.user()
    pair = await factory.login(user["username"])
    url = f"/api/v1/users/{user['id']}/password"
    me = factory.bearer(pair)
    wrong = await client.post(
        url,
        json={"current_password": "wrong-password", "new_password": "Cedre-Ifran-9"},
        headers=me,
    )
    assert wrong.status_code == 403
    missing = await client.post(url, json={"new_password": "Cedre-Ifran-9"}, headers=me)
    assert missing.status_code == 403
    short = await client.post(
        url, json={"current_password": factory.password, "new_password": "short"}, headers=me
    )
    assert short.status_code == 422
    ok = await client.post(
        url,
        json={"current_password": factory.password, "new_password": "Cedre-Ifran-9"},
        headers=me,
    )
    assert ok.status_code == 200, ok.text
    # the old password no longer works, the new one does, other sessions are revoked
    old = await client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": factory.password}
    )
    assert old.status_code == 401
    await factory.login(user["username"], "Cedre-Ifran-9")
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_password_of_someone_else(client, factory) -> None:
    user, other = await factory.user(), await factory.user()
    me = factory.bearer(await factory.login(user["username"]))
    body = {"current_password": factory.password, "new_password": "Cedre-Ifran-9"}
    response = await client.post(f"/api/v1/users/{other['id']}/password", json=body, headers=me)
    assert response.status_code == 404
    by_admin = await client.post(
        f"/api/v1/users/{other['id']}/password",
        json={"new_password": "set-by-admin"},
        headers=factory.admin,
    )
    assert by_admin.status_code == 200
    await factory.login(other["username"], "set-by-admin")


async def test_role_of_staff_can_change_but_not_into_a_profile_role(client, factory) -> None:
    user = await factory.user(role="responsable")
    url = f"/api/v1/users/{user['id']}"
    assert (
        await client.patch(url, json={"role": "admin"}, headers=factory.admin)
    ).status_code == 200
    response = await client.patch(url, json={"role": "technicien"}, headers=factory.admin)
    assert response.status_code == 422


async def test_a_create_sent_again_with_its_idempotency_key_answers_the_same_user(
    client, factory, db_session
) -> None:
    body = {**factory.user_body(), "role": "responsable"}
    headers = {**factory.admin, "Idempotency-Key": factory.unique("key-")}
    first = await client.post("/api/v1/users", json=body, headers=headers)
    again = await client.post("/api/v1/users", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["location"] == f"/api/v1/users/{first.json()['id']}"
    assert await outbox_types(db_session, first.json()["id"]) == ["user.created"]


async def test_an_admin_cannot_lock_itself_out(client, factory) -> None:
    me = await factory.user("admin")
    own = factory.tokens.headers("admin", me["id"])
    for attempt in (
        client.delete(f"/api/v1/users/{me['id']}", headers=own),
        client.patch(f"/api/v1/users/{me['id']}", json={"is_active": False}, headers=own),
        client.patch(f"/api/v1/users/{me['id']}", json={"role": "responsable"}, headers=own),
    ):
        refused = await attempt
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    renamed = await client.patch(
        f"/api/v1/users/{me['id']}", json={"full_name": "Admin Renamed"}, headers=own
    )
    assert renamed.status_code == 200, renamed.text
    # another admin may deactivate it
    assert (
        await client.delete(f"/api/v1/users/{me['id']}", headers=factory.admin)
    ).status_code == 204


async def test_usernames_and_emails_are_unique_ignoring_case(client, factory) -> None:
    """Issue 7, item 4: no `ADMIN` beside `admin`, by create or by PATCH; `Admin` signs in
    as `admin`."""
    first = await factory.user()
    name = first["username"]
    clash = factory.user_body(username=name.upper())
    response = await client.post(
        "/api/v1/users", json={**clash, "role": "responsable"}, headers=factory.admin
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "username", "message": "already taken"}]
    second = await factory.user()
    response = await client.patch(
        f"/api/v1/users/{second['id']}", json={"username": name.capitalize()}, headers=factory.admin
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "username"
    profile = {"user": factory.user_body(username=name.swapcase()), "nom_entreprise": "SARL X"}
    response = await client.post("/api/v1/clients", json=profile, headers=factory.admin)
    assert response.status_code == 409
    pair = await factory.login(name.upper())
    me = await client.get("/api/v1/auth/me", headers=factory.bearer(pair))
    assert me.json()["id"] == first["id"]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password123", "too easy to guess"),  # among the most common passwords
        ("azertyuiop", "too easy to guess"),  # a keyboard row
        ("qwerty2024!", "too easy to guess"),
    ],
)
async def test_common_passwords_are_refused(client, factory, password: str, why: str) -> None:
    """Issue 7, item 10: more than 8 characters of anything is not enough."""
    body = {**factory.user_body(password=password), "role": "responsable"}
    response = await client.post("/api/v1/users", json=body, headers=factory.admin)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "password"
    assert why in error["message"]


async def test_passwords_containing_the_users_names_are_refused(client, factory) -> None:
    """Issue 7, item 10: the username, the e-mail's local part and the words of the full
    name, in any case, on create (users and profiles) and on change."""
    body = {
        "username": "khadija.benali",
        "email": "kbenali@atlas-ciments.ma",
        "full_name": "Khadija Benali",
    }
    for password in ("Khadija.Benali-1987", "xKBENALI@2031zz", "Vive-Benali-7731"):
        create = {**body, "password": password, "role": "responsable"}
        response = await client.post("/api/v1/users", json=create, headers=factory.admin)
        assert response.status_code == 422, password
        assert response.json()["errors"][0]["field"] == "password"
        assert "name, username or e-mail" in response.json()["errors"][0]["message"]
    profile = {"user": {**body, "password": "Khadija-Souss-2044"}, "specialite": "froid"}
    response = await client.post("/api/v1/techniciens", json=profile, headers=factory.admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "user.password"
    user = await factory.user(full_name="Youssef Alaoui")
    pair = await factory.login(user["username"])
    change = {"current_password": factory.password, "new_password": "Alaoui-Agadir-2044"}
    response = await client.post(
        f"/api/v1/users/{user['id']}/password", json=change, headers=factory.bearer(pair)
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "new_password",
            "message": "the password must not contain the user's name, username or e-mail",
        }
    ]
    change["new_password"] = "password1234"
    response = await client.post(
        f"/api/v1/users/{user['id']}/password", json=change, headers=factory.bearer(pair)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "new_password"
