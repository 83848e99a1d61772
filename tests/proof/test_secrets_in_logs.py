"""The output of every process of the system (the supervisor relays each one's stdout and
stderr) never holds a password, an access or refresh token, or a document's content,
after everything this package did to it: the world built in conftest (sign-ins, a
document upload), the authorization table, the fuzzing (run before this module), and the
scenario below (a refused sign-in, a refresh, a password change, a document read)."""

from __future__ import annotations

import uuid

import pytest

from tests.proof.conftest import DOCUMENT_MARKER, World
from tests.system.test_make_run import bearer, client_payload, login, user_payload

pytestmark = [pytest.mark.system, pytest.mark.timeout(300)]


def test_no_secret_in_any_log(world: World) -> None:
    http = world.http
    wrong = f"Wrong-{uuid.uuid4().hex}"
    refused = http.post("/api/v1/auth/login", json={"username": "admin", "password": wrong})
    assert refused.status_code == 401, refused.text
    world.secrets.add(wrong)

    # accounts of its own: the fuzzing before may have deactivated the package's ones
    admin = world.login("admin")
    user = user_payload("client")
    world.secrets.add(user["password"])
    created = http.post(
        "/api/v1/clients", headers=bearer(admin), json=client_payload(user, "Maroc Froid")
    )
    assert created.status_code == 201, created.text
    session = login(http, user["username"], user["password"])
    world.secrets.update({session["access_token"], session["refresh_token"]})
    rotated = http.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    session = rotated.json()
    world.secrets.update({session["access_token"], session["refresh_token"]})

    me = http.get("/api/v1/auth/me", headers=bearer(session)).json()
    new_password = f"Nouveau-{uuid.uuid4().hex[:12]}!"
    world.secrets.add(new_password)
    changed = http.post(
        f"/api/v1/users/{me['id']}/password",
        headers=bearer(session),
        json={"current_password": user["password"], "new_password": new_password},
    )
    assert changed.status_code in (200, 204), changed.text
    again = login(http, user["username"], new_password)
    world.secrets.update({again["access_token"], again["refresh_token"]})

    document = world.ids["admin"]["document_id"][0]
    content = http.get(f"/api/v1/documents/{document}/contenu", headers=bearer(admin))
    assert content.status_code == 200, content.text
    assert DOCUMENT_MARKER in content.text

    lines = list(world.run.lines)
    assert len(lines) > 100, "the system logged next to nothing: nothing was checked"
    secrets = {s for s in world.secrets if s} | {DOCUMENT_MARKER}
    # a token's signature alone is enough to be a leak (the rest is readable base64)
    secrets |= {s.rsplit(".", 1)[1] for s in world.secrets if s.count(".") == 2}
    leaks = [
        (secret[:12] + "...", line[:300]) for line in lines for secret in secrets if secret in line
    ]
    assert not leaks, leaks[:20]
    print(f"\n{len(lines)} log lines checked against {len(secrets)} secrets: none found")
