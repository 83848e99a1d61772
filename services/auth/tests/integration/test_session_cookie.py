"""The browser session: a login with `"cookie": true` keeps the refresh token in an
HttpOnly, SameSite=Strict cookie on the refresh path (Secure over TLS), never in the body;
refresh and DELETE /auth/refresh read it; another origin is refused."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def set_cookie(response: httpx.Response) -> dict[str, str]:
    """The response's one Set-Cookie as {"value": ..., attribute: ...} (flags as "")."""
    headers = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    parsed = SimpleCookie()
    parsed.load(headers[0])
    morsel = parsed["mif_refresh"]
    attributes = {k.lower(): str(v) for k, v in morsel.items() if v}
    flags = {f.strip().lower() for f in headers[0].split(";")[1:] if "=" not in f}
    return {"value": morsel.value, **attributes, **{f: "" for f in flags}}


async def cookie_login(client: httpx.AsyncClient, username: str, password: str, **headers: str):
    client.cookies.clear()
    response = await client.post(
        LOGIN,
        json={"username": username, "password": password, "cookie": True},
        headers={**SAME_ORIGIN, **headers},
    )
    client.cookies.clear()  # each test sends the cookie it means to send
    return response


async def refresh_with(client: httpx.AsyncClient, value: str, **headers: str) -> httpx.Response:
    client.cookies.clear()
    response = await client.post(
        REFRESH, headers={"Cookie": f"mif_refresh={value}", **SAME_ORIGIN, **headers}
    )
    client.cookies.clear()
    return response


async def test_cookie_login_sets_an_httponly_strict_cookie_on_the_refresh_path(
    client, factory
) -> None:
    user = await factory.user()
    response = await cookie_login(client, user["username"], factory.password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] is None and body["access_token"]
    cookie = set_cookie(response)
    assert len(cookie["value"]) == 43  # 32 random bytes, base64url
    assert cookie["path"] == "/api/v1/auth/refresh"
    assert cookie["httponly"] == "" and cookie["samesite"] == "strict"
    assert cookie["max-age"] == "1209600"
    assert "secure" not in cookie  # plain http here
    me = await client.get("/api/v1/auth/me", headers=factory.bearer(body))
    assert me.status_code == 200 and me.json()["username"] == user["username"]


async def test_over_tls_the_cookie_is_secure(client, factory) -> None:
    user = await factory.user()
    response = await cookie_login(
        client, user["username"], factory.password, **{"X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200, response.text
    assert set_cookie(response)["secure"] == ""


async def test_a_login_without_the_flag_sets_no_cookie(client, factory) -> None:
    user = await factory.user()
    response = await client.post(
        LOGIN, json={"username": user["username"], "password": factory.password}
    )
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie") == []
    assert response.json()["refresh_token"]


async def test_refresh_from_the_cookie_rotates_it_and_reuse_ends_the_session(
    client, factory
) -> None:
    user = await factory.user()
    first = set_cookie(await cookie_login(client, user["username"], factory.password))["value"]
    rotated = await refresh_with(client, first)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["refresh_token"] is None
    second = set_cookie(rotated)
    assert second["value"] != first and second["path"] == "/api/v1/auth/refresh"
    me = await client.get("/api/v1/auth/me", headers=factory.bearer(rotated.json()))
    assert me.status_code == 200
    # the first cookie again: reuse revokes the family and the answer clears the cookie
    reused = await refresh_with(client, first)
    assert reused.status_code == 401 and "reused" in reused.json()["detail"]
    cleared = set_cookie(reused)
    assert cleared["value"] == "" and cleared["max-age"] == "0"
    assert (await refresh_with(client, second["value"])).status_code == 401


async def test_refresh_without_body_or_cookie_is_401(client) -> None:
    client.cookies.clear()
    response = await client.post(REFRESH, headers=SAME_ORIGIN)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "no session cookie" in response.json()["detail"]


async def test_the_cookie_from_another_origin_is_refused(client, factory) -> None:
    user = await factory.user()
    value = set_cookie(await cookie_login(client, user["username"], factory.password))["value"]
    for site in ("cross-site", "same-site"):
        refused = await refresh_with(client, value, **{"Sec-Fetch-Site": site})
        assert refused.status_code == 403, (site, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        login = await cookie_login(
            client, user["username"], factory.password, **{"Sec-Fetch-Site": site}
        )
        assert login.status_code == 403
        assert login.headers.get_list("set-cookie") == []
    # the refused attempts did not spend the token
    assert (await refresh_with(client, value)).status_code == 200


async def test_delete_refresh_ends_the_cookie_session_and_clears_the_cookie(
    client, factory
) -> None:
    user = await factory.user()
    login = await cookie_login(client, user["username"], factory.password)
    value = set_cookie(login)["value"]
    headers = {"Cookie": f"mif_refresh={value}", **SAME_ORIGIN}
    assert (await client.delete(REFRESH, headers=headers)).status_code == 401  # no bearer
    cross = {**headers, "Sec-Fetch-Site": "cross-site", **factory.bearer(login.json())}
    assert (await client.delete(REFRESH, headers=cross)).status_code == 403
    ended = await client.delete(REFRESH, headers={**headers, **factory.bearer(login.json())})
    assert ended.status_code == 204
    cleared = set_cookie(ended)
    assert cleared["value"] == "" and cleared["max-age"] == "0"
    assert cleared["path"] == "/api/v1/auth/refresh"
    client.cookies.clear()
    assert (await refresh_with(client, value)).status_code == 401
