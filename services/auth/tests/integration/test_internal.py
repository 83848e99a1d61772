"""/internal: other services' replicas read a client or technician here with a service
token; user tokens, foreign audiences and expired or forged tokens are refused."""

from __future__ import annotations

import time

import jwt
from shared.internal import DEV_SERVICE_SECRET, mint_service_token


def service(caller: str = "interventions", owner: str = "auth") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_service_token(caller, owner)}"}


async def test_a_service_reads_a_client_and_a_technician(client, factory) -> None:
    customer = await factory.client(ville="Agadir")
    answer = await client.get(f"/api/v1/internal/clients/{customer['id']}", headers=service())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["data"]["id"] == customer["id"]
    assert body["data"]["nom_entreprise"] == customer["nom_entreprise"]
    assert body["data"]["username"] == customer["username"]
    assert body["data"]["is_active"] is True
    assert body["as_of"].endswith("+00:00")

    technicien = await factory.technicien(specialite="Hydraulique")
    url = f"/api/v1/internal/techniciens/{technicien['id']}"
    body = (await client.get(url, headers=service())).json()
    assert (body["data"]["id"], body["data"]["specialite"]) == (technicien["id"], "Hydraulique")
    assert body["data"]["disponibilite"] == "disponible"

    missing = await client.get("/api/v1/internal/clients/987654321", headers=service())
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_only_a_valid_service_token_for_auth_is_accepted(client, factory) -> None:
    customer = await factory.client()
    url = f"/api/v1/internal/clients/{customer['id']}"
    now = int(time.time())
    expired = jwt.encode(
        {"sub": "service:billing", "aud": "mif-internal:auth", "iat": now - 120, "exp": now - 60},
        DEV_SERVICE_SECRET,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {"sub": "service:billing", "aud": "mif-internal:auth", "iat": now, "exp": now + 60},
        "another secret of at least thirty-two chars",
        algorithm="HS256",
    )
    not_a_service = jwt.encode(
        {"sub": "42", "aud": "mif-internal:auth", "iat": now, "exp": now + 60},
        DEV_SERVICE_SECRET,
        algorithm="HS256",
    )
    for headers in (
        {},
        factory.admin,  # a user's token, however powerful, is not a service credential
        service(owner="billing"),  # minted for another owner
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {not_a_service}"},
    ):
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
