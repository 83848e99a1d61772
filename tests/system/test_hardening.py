"""Issue 7, items 1-9 replayed from outside, through the gateway of a real `make run`
(every service, the relay, the worker): each probe that broke before now gets its answer;
the README's curl session (item 16) is tests/system/test_readme.py."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.system.supervised import Supervised
from tests.system.test_make_run import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    bearer,
    client_payload,
    fresh_database,
    login,
    private_redis,
    requires_full_system,
    retry_until,
    scratch_dir,
    supervisor_env,
    user_payload,
)

pytestmark = [pytest.mark.system, pytest.mark.timeout(420)]

BASE = "http://127.0.0.1:29000"
ROOT = Path(__file__).resolve().parents[2]


def cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def status_within(call: object, status: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        answer = call().status_code  # type: ignore[operator]
        if answer == status or time.monotonic() > deadline:
            return int(answer)
        time.sleep(0.1)


@requires_full_system
def test_issue_7_items_1_to_9_through_the_gateway(
    scratch_dir: Path,  # noqa: F811
    fresh_database: str,  # noqa: F811
    redis_url: str,
) -> None:
    env = supervisor_env(
        scratch_dir / "data",
        29000,
        DATABASE_URL=fresh_database,
        REDIS_URL=private_redis(redis_url),
        # a throttle window the test can fill quickly
        AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT="4",
    )
    run = Supervised(env).start()
    try:
        run.wait_ready(timeout=180)
        with httpx.Client(base_url=BASE, timeout=15) as http:
            admin = bearer(login(http, "admin", ADMIN_PASSWORD))
            customer_user = user_payload("client")
            created = http.post(
                "/api/v1/clients", headers=admin, json=client_payload(customer_user)
            )
            assert created.status_code == 201, created.text
            client_id = created.json()["id"]
            equipement = retry_until(
                lambda: http.post(
                    "/api/v1/equipements",
                    headers=admin,
                    json={"client_id": client_id, "nom": "Four", "numero_serie": uuid.uuid4().hex},
                ),
                201,
            )
            assert equipement.status_code == 201, equipement.text
            equipement_id = equipement.json()["id"]

            # 2. a time without its offset: 422, not 500
            naive = http.post(
                "/api/v1/interventions",
                headers=admin,
                json={
                    "equipement_id": equipement_id,
                    "titre": "Brûleur",
                    "date_limite": "2030-01-01T00:00:00",
                },
            )
            assert naive.status_code == 422, naive.text
            # 3. a forged X-Forwarded-For does not reach the audit trail
            created = http.post(
                "/api/v1/interventions",
                headers={**admin, "X-Forwarded-For": "6.6.6.6"},
                json={"equipement_id": equipement_id, "titre": "Brûleur"},
            )
            assert created.status_code == 201, created.text
            intervention_id = created.json()["id"]
            history = http.get(f"/api/v1/interventions/{intervention_id}/historique", headers=admin)
            assert history.status_code == 200, history.text
            addresses = {row.get("adresse_ip") for row in history.json()["items"]}
            assert "6.6.6.6" not in addresses and "127.0.0.1" in addresses, addresses

            # 1. a date far outside the window is refused before it is stored; reading holds
            for body in (
                {"date_limite": "9999-12-31T23:59:59-14:00"},
                {"date_limite": "1800-01-01T00:00:00Z"},
            ):
                answer = http.patch(
                    f"/api/v1/interventions/{intervention_id}", headers=admin, json=body
                )
                assert answer.status_code == 422, answer.text
            answer = http.patch(
                f"/api/v1/equipements/{equipement_id}",
                headers=admin,
                json={"derniere_maintenance": "9999-12-31T23:59:59-14:00"},
            )
            assert answer.status_code == 422, answer.text
            assert http.get("/api/v1/interventions", headers=admin).status_code == 200

            # 6. cursors the server did not make
            for path in ("/api/v1/equipements", "/api/v1/planning", "/api/v1/interventions"):
                answer = http.get(path, headers=admin, params={"cursor": cursor(b"[true]")})
                assert answer.status_code == 400, (path, answer.text)

            # 7. bounded input
            huge_header = http.get("/api/v1/users", headers={**admin, "X-Big": "a" * 65_536})
            assert huge_header.status_code == 431
            many = {f"X-H-{i}": "v" for i in range(200)}
            assert http.get("/api/v1/users", headers={**admin, **many}).status_code == 431
            big_body = http.post(
                "/api/v1/interventions",
                headers={**admin, "Content-Type": "application/json"},
                content=b'{"titre": "' + b"x" * (2 * 1024 * 1024) + b'"}',
            )
            assert big_body.status_code == 413

            # 8. two Authorization headers
            two = http.get(
                "/api/v1/users",
                headers=[("Authorization", admin["Authorization"])] * 2,
            )
            assert two.status_code == 400

            # 9. no redirect leaking an internal address; the caller's proto is not believed
            slash = http.get("/api/v1/users/", headers={**admin, "X-Forwarded-Proto": "https"})
            assert slash.status_code == 404 and "location" not in slash.headers

            # 4. no look-alike account; rotating a forged address does not reset the
            # throttle; the owner, from elsewhere, is never locked out by it
            victim = user_payload("responsable")
            made = http.post("/api/v1/users", headers=admin, json={**victim, "role": "responsable"})
            assert made.status_code == 201, made.text
            look_alike = {**user_payload("responsable"), "username": victim["username"].upper()}
            clash = http.post(
                "/api/v1/users", headers=admin, json={**look_alike, "role": "responsable"}
            )
            assert clash.status_code == 409, clash.text
            statuses = [
                http.post(
                    "/api/v1/auth/login",
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                    json={"username": victim["username"], "password": "wrong-password"},
                ).status_code
                for n in range(6)
            ]
            assert statuses == [401, 401, 401, 401, 429, 429]

            # 5. deactivation ends the access token at the gateway and in the services
            customer = bearer(login(http, customer_user["username"], customer_user["password"]))
            mine = f"/api/v1/equipements/{equipement_id}"
            assert http.get(mine, headers=customer).status_code == 200
            gone = http.delete(f"/api/v1/clients/{client_id}", headers=admin)
            assert gone.status_code == 204, gone.text
            assert status_within(lambda: http.get(mine, headers=customer), 401, 3) == 401
            # ... and a key just rotated signs tokens accepted at once
            rotated = http.post("/api/v1/auth/keys/rotate", headers=admin)
            assert rotated.status_code in (200, 201), rotated.text
            fresh = bearer(login(http, "admin", ADMIN_PASSWORD))
            assert http.get("/api/v1/users", headers=fresh).status_code == 200
            assert http.get("/api/v1/equipements", headers=fresh).status_code == 200
    finally:
        run.stop()
