"""Login, refresh rotation and reuse detection, logout, /auth/me, token verification."""

from __future__ import annotations

import time
import uuid

import jwt
import psycopg
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from shared.testing.tokens import AUDIENCE, ISSUER


async def test_login_issues_eddsa_access_token_with_the_contract_claims(client, factory) -> None:
    technicien = await factory.technicien(specialite="hydraulique")
    pair = await factory.login(technicien["username"])
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 900
    header = jwt.get_unverified_header(pair["access_token"])
    assert header["alg"] == "EdDSA" and header["kid"]
    jwks = (await client.get("/api/v1/auth/jwks.json")).json()
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"])).key
    claims = jwt.decode(pair["access_token"], key, algorithms=["EdDSA"], audience=AUDIENCE)
    assert claims["sub"] == str(technicien["user_id"])
    assert claims["username"] == technicien["username"]
    assert claims["role"] == "technicien" and claims["typ"] == "access"
    assert claims["technicien_id"] == technicien["id"] and "client_id" not in claims
    assert claims["iss"] == ISSUER and claims["jti"]
    assert round(claims["exp"] - claims["iat"], 3) == 900


async def test_me_returns_the_user_with_its_profile_id(client, factory) -> None:
    customer = await factory.client()
    me = await client.get(
        "/api/v1/auth/me", headers=factory.bearer(await factory.login(customer["username"]))
    )
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["id"] == customer["user_id"] and body["client_id"] == customer["id"]
    assert body["technicien_id"] is None and body["role"] == "client" and body["version"] == 1
    assert "hashed_password" not in body


async def test_bad_credentials_are_401(client, factory) -> None:
    user = await factory.user()
    for body in (
        {"username": user["username"], "password": "wrong-password"},
        {"username": factory.unique(), "password": factory.password},
    ):
        response = await client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.post("/api/v1/auth/login", json={"username": "x"})).status_code == 422


async def test_refresh_rotates_and_reuse_revokes_the_family(client, factory) -> None:
    user = await factory.user()
    first = await factory.login(user["username"])
    second = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200, second.text
    second_pair = second.json()
    assert second_pair["refresh_token"] != first["refresh_token"]
    me = await client.get("/api/v1/auth/me", headers=factory.bearer(second_pair))
    assert me.status_code == 200
    # the first token again: reuse, the whole family dies (including the second one)
    reuse = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reuse.status_code == 401
    assert "reused" in reuse.json()["detail"]
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second_pair["refresh_token"]}
    )
    assert after.status_code == 401
    # another session of the same user is untouched
    other = await factory.login(user["username"])
    ok = await client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert ok.status_code == 200


async def test_unknown_and_expired_refresh_tokens_are_401(client, factory, db_session) -> None:
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    ).status_code == 401
    user = await factory.user()
    pair = await factory.login(user["username"])
    async with db_session() as session, session.begin():
        await session.execute(
            sa.text(
                "UPDATE auth.refresh_tokens SET expires_at = now() - interval '1 second' "
                "WHERE user_id = :id"
            ),
            {"id": user["id"]},
        )
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert response.status_code == 401 and "expired" in response.json()["detail"]


async def test_inactive_user_cannot_refresh(client, factory, db_session) -> None:
    user = await factory.user()
    pair = await factory.login(user["username"])
    # deactivated behind the API's back: refresh still checks the account
    async with db_session() as session, session.begin():
        await session.execute(
            sa.text("UPDATE auth.users SET is_active = false WHERE id = :id"), {"id": user["id"]}
        )
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert response.status_code == 401
    login = await client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": factory.password}
    )
    assert login.status_code == 401


async def test_logout_revokes_the_refresh_token(client, factory) -> None:
    user = await factory.user()
    pair = await factory.login(user["username"])
    body = {"refresh_token": pair["refresh_token"]}
    assert (await client.post("/api/v1/auth/logout", json=body)).status_code == 401
    response = await client.post("/api/v1/auth/logout", json=body, headers=factory.bearer(pair))
    assert response.status_code == 204
    assert (await client.post("/api/v1/auth/refresh", json=body)).status_code == 401


async def test_logout_ignores_someone_elses_token(client, factory) -> None:
    alice, bob = await factory.user(), await factory.user()
    alice_pair, bob_pair = (
        await factory.login(alice["username"]),
        await factory.login(bob["username"]),
    )
    response = await client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": bob_pair["refresh_token"]},
        headers=factory.bearer(alice_pair),
    )
    assert response.status_code == 204
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": bob_pair["refresh_token"]}
    )
    assert refresh.status_code == 200


def _forge(claims: dict, key: Ed25519PrivateKey, kid: str) -> str:
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


async def test_the_service_refuses_bad_tokens_with_its_own_keys(client, factory, auth_app) -> None:
    """Verified by the production wiring: the app's own key store, no test key trusted."""
    user = await factory.user()
    pair = await factory.login(user["username"])
    auth_app.state.verifier = factory.own_verifier(auth_app)
    good = pair["access_token"]
    assert (await client.get("/api/v1/auth/me", headers=factory.bearer(pair))).status_code == 200

    kid = jwt.get_unverified_header(good)["kid"]
    claims = jwt.decode(good, options={"verify_signature": False})
    head, payload, signature = good.split(".")
    tampered_claims = jwt.utils.base64url_encode(
        jwt.api_jws.json.dumps({**claims, "role": "admin"}).encode()
    ).decode()
    tampered = f"{head}.{tampered_claims}.{signature}"
    flipped_signature = (
        f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    )
    foreign = Ed25519PrivateKey.generate()
    now = int(time.time())
    expired = {**claims, "iat": now - 3600, "exp": now - 60, "jti": uuid.uuid4().hex}
    none_header = jwt.utils.base64url_encode(
        b'{"alg":"none","typ":"JWT","kid":"%s"}' % kid.encode()
    )
    alg_none = f"{none_header.decode()}.{payload}."
    bad_tokens = {
        "tampered": tampered,
        "bad signature": flipped_signature,
        "alg none": alg_none,
        "foreign key, our kid": _forge(claims, foreign, kid),
        "foreign key, unknown kid": _forge(claims, foreign, "someone-else"),
        "garbage": "not.a.token",
    }
    # expired, wrong audience, wrong type: properly signed with our current key
    store = auth_app.state.key_store
    async with auth_app.state.db.sessionmaker() as session:
        material = await store.signing_key(session)
    bad_tokens["expired"] = _forge(expired, material.private_key, material.kid)
    bad_tokens["wrong audience"] = _forge(
        {**claims, "aud": "someone-else"}, material.private_key, material.kid
    )
    bad_tokens["not an access token"] = _forge(
        {**claims, "typ": "refresh"}, material.private_key, material.kid
    )
    for name, token in bad_tokens.items():
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.headers["content-type"].startswith("application/problem+json"), name
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_rotation_keeps_old_tokens_valid_until_the_key_is_retired(
    client, factory, auth_app, tokens
) -> None:
    admin = await factory.user(role="admin")
    before = await factory.login(admin["username"])
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    auth_app.state.verifier = factory.own_verifier(auth_app)

    assert (
        await client.post("/api/v1/auth/keys/rotate", headers=tokens.headers("responsable"))
    ).status_code == 401  # the test key is not trusted by the service's own verifier
    rotated = await client.post("/api/v1/auth/keys/rotate", headers=factory.bearer(before))
    assert rotated.status_code == 201, rotated.text
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid and rotated.json()["current"] is True
    assert rotated.headers["location"] == f"/api/v1/auth/keys/{new_kid}"

    published = {k["kid"] for k in (await client.get("/api/v1/auth/jwks.json")).json()["keys"]}
    assert {old_kid, new_kid} <= published
    after = await factory.login(admin["username"])
    assert jwt.get_unverified_header(after["access_token"])["kid"] == new_kid
    assert (await client.get("/api/v1/auth/me", headers=factory.bearer(before))).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=factory.bearer(after))).status_code == 200

    current = await client.post(
        f"/api/v1/auth/keys/{new_kid}/retire", headers=factory.bearer(after)
    )
    assert current.status_code == 409
    retired = await client.post(
        f"/api/v1/auth/keys/{old_kid}/retire", headers=factory.bearer(after)
    )
    assert retired.status_code == 200 and retired.json()["retired_at"]
    published = {k["kid"] for k in (await client.get("/api/v1/auth/jwks.json")).json()["keys"]}
    assert old_kid not in published
    # a fresh verifier (another replica) no longer accepts tokens of the retired key
    auth_app.state.verifier = factory.own_verifier(auth_app)
    assert (await client.get("/api/v1/auth/me", headers=factory.bearer(before))).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=factory.bearer(after))).status_code == 200


async def test_rotation_is_admin_only(client, tokens) -> None:
    for role in ("responsable", "technicien", "client"):
        response = await client.post("/api/v1/auth/keys/rotate", headers=tokens.headers(role))
        assert response.status_code == 403
    assert (
        await client.get("/api/v1/auth/keys", headers=tokens.headers("admin"))
    ).status_code == 200


async def test_me_is_one_query(client, factory, monkeypatch) -> None:
    """The benchmarks' hot path: verified from the key cache, then one indexed SELECT.
    Counted at the driver (psycopg), under SQLAlchemy: the read runs on the driver
    connection."""
    technicien = await factory.technicien()
    headers = factory.bearer(await factory.login(technicien["username"]))
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    statements: list[str] = []
    execute = psycopg.AsyncCursor.execute

    async def record(cursor, query, *args, **kwargs):
        statements.append(query if isinstance(query, str) else str(query))
        return await execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncCursor, "execute", record)
    response = await client.get("/api/v1/auth/me", headers=headers)
    monkeypatch.undo()
    assert response.json()["technicien_id"] == technicien["id"]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, statements


async def test_metrics_show_the_outbox_backlog_its_age_and_the_pool(client, factory) -> None:
    """Issue 7, item 13: the relay's backlog and lateness, and the database pool, on the
    service's /metrics (the relay is not running here: the event just written waits)."""
    await factory.user()
    text = (await client.get("/metrics")).text
    values = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in text.splitlines()
        if line.startswith(("mif_outbox", "mif_db_pool")) and 'service="auth"' in line
    }
    assert values['mif_outbox_backlog{service="auth"}'] >= 1
    assert values['mif_outbox_oldest_age_seconds{service="auth"}'] >= 0
    assert 'mif_db_pool_checked_out{service="auth"}' in values
    assert 'mif_db_pool_size{service="auth"}' in values
