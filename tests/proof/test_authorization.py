"""Every operation of the merged OpenAPI document (the gateway's /openapi.json) x every role
x own / someone else's resource, through the gateway of a running system, against the
expected-access table below (from docs/API.md). An operation missing from the table fails
`test_the_table_covers_every_operation`: a new endpoint cannot be forgotten.

Codes, one per role in the order admin, responsable, technicien, client, anonymous:
  A  allowed, on its own resources and on others' (never 401/403/404 on a row that exists)
  O  allowed on its own resources; someone else's answers 404 (a list shows only its own)
  D  denied: 403, whatever the resource
  U  anonymous: 401 at the gateway
  P  public: no token needed (never 403; a 401 is the operation's own answer to bad
     credentials, not the gateway's)
Operations that destroy or revoke (DELETE, key retirement, password change, logout) are
called on an id that does not exist when allowed (404 after the access check), so the
rest of the run keeps its users and keys.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.proof.conftest import NOWHERE, ROLES, World

pytestmark = [pytest.mark.system, pytest.mark.timeout(900)]

V = "/api/v1"
EXPECTED: dict[str, str] = {
    # auth
    f"GET {V}/auth/jwks.json": "PPPPP",
    f"GET {V}/auth/keys": "ADDDU",
    f"POST {V}/auth/keys/rotate": "ADDDU",
    f"GET {V}/auth/keys/{{kid}}": "ADDDU",
    f"POST {V}/auth/keys/{{kid}}/retire": "ADDDU",
    f"POST {V}/auth/login": "PPPPP",
    f"POST {V}/auth/logout": "AAAAU",
    f"GET {V}/auth/me": "AAAAU",
    f"POST {V}/auth/refresh": "PPPPP",
    f"DELETE {V}/auth/refresh": "AAAAU",
    f"GET {V}/users": "ADDDU",
    f"POST {V}/users": "ADDDU",
    f"GET {V}/users/{{user_id}}": "ADDDU",
    f"PATCH {V}/users/{{user_id}}": "ADDDU",
    f"DELETE {V}/users/{{user_id}}": "ADDDU",
    f"POST {V}/users/{{user_id}}/password": "AOOOU",
    f"GET {V}/techniciens": "AADDU",
    f"POST {V}/techniciens": "AADDU",
    f"GET {V}/techniciens/{{technicien_id}}": "AAODU",
    f"PATCH {V}/techniciens/{{technicien_id}}": "AADDU",
    f"DELETE {V}/techniciens/{{technicien_id}}": "AADDU",
    f"GET {V}/techniciens/{{technicien_id}}/competences": "AAODU",
    f"PUT {V}/techniciens/{{technicien_id}}/competences/{{competence_id}}": "AADDU",
    f"DELETE {V}/techniciens/{{technicien_id}}/competences/{{competence_id}}": "AADDU",
    f"GET {V}/clients": "AADDU",
    f"POST {V}/clients": "AADDU",
    f"GET {V}/clients/{{client_id}}": "AADOU",
    f"PATCH {V}/clients/{{client_id}}": "AADDU",
    f"DELETE {V}/clients/{{client_id}}": "AADDU",
    f"GET {V}/competences": "AADDU",
    f"POST {V}/competences": "AADDU",
    f"GET {V}/competences/{{competence_id}}": "AADDU",
    f"PATCH {V}/competences/{{competence_id}}": "AADDU",
    f"DELETE {V}/competences/{{competence_id}}": "AADDU",
    # interventions
    f"GET {V}/equipements": "AAAOU",
    f"POST {V}/equipements": "AADDU",
    f"GET {V}/equipements/{{equipement_id}}": "AAAOU",
    f"GET {V}/equipements/{{equipement_id}}/historique": "AAAOU",
    f"PATCH {V}/equipements/{{equipement_id}}": "AADDU",
    f"DELETE {V}/equipements/{{equipement_id}}": "AADDU",
    f"POST {V}/equipements/{{equipement_id}}/statut": "AAADU",
    f"GET {V}/interventions": "AAOOU",
    f"POST {V}/interventions": "AADOU",
    f"GET {V}/interventions/{{intervention_id}}": "AAOOU",
    f"PATCH {V}/interventions/{{intervention_id}}": "AAOOU",
    f"POST {V}/interventions/{{intervention_id}}/affectation": "AADDU",
    f"POST {V}/interventions/{{intervention_id}}/transitions": "AAOOU",
    f"GET {V}/interventions/{{intervention_id}}/planning": "AAOOU",
    f"PUT {V}/interventions/{{intervention_id}}/planning": "AADDU",
    f"POST {V}/interventions/{{intervention_id}}/planning/confirmation": "AAODU",
    f"GET {V}/planning": "AAODU",
    f"GET {V}/interventions/{{intervention_id}}/documents": "AAOOU",
    f"POST {V}/interventions/{{intervention_id}}/documents": "AAOOU",
    f"GET {V}/documents/{{document_id}}": "AAOOU",
    f"GET {V}/documents/{{document_id}}/contenu": "AAOOU",
    f"GET {V}/interventions/{{intervention_id}}/historique": "AAOOU",
    f"POST {V}/interventions/{{intervention_id}}/evaluation": "DDDOU",
    # inventory
    f"GET {V}/pieces": "AAADU",
    f"POST {V}/pieces": "AADDU",
    f"GET {V}/pieces/{{piece_id}}": "AAADU",
    f"PATCH {V}/pieces/{{piece_id}}": "AADDU",
    f"DELETE {V}/pieces/{{piece_id}}": "AADDU",
    f"GET {V}/pieces/{{piece_id}}/mouvements": "AADDU",
    f"POST {V}/pieces/{{piece_id}}/mouvements": "AADDU",
    f"GET {V}/pieces/{{piece_id}}/stock": "AAADU",
    f"GET {V}/stock": "AAADU",
    f"GET {V}/interventions/{{intervention_id}}/reservations": "AADDU",
    f"POST {V}/interventions/{{intervention_id}}/reservations": "AADDU",
    f"GET {V}/interventions/{{intervention_id}}/pieces": "AAODU",
    f"POST {V}/interventions/{{intervention_id}}/pieces": "AAODU",
    f"POST {V}/interventions/{{intervention_id}}/pieces/retour": "AAODU",
    # billing
    f"GET {V}/contrats": "AADOU",
    f"POST {V}/contrats": "AADDU",
    f"GET {V}/contrats/{{contrat_id}}": "AADOU",
    f"PATCH {V}/contrats/{{contrat_id}}": "AADDU",
    f"GET {V}/contrats/{{contrat_id}}/sla": "AADOU",
    f"GET {V}/factures": "AADOU",
    f"POST {V}/factures": "AADDU",
    f"GET {V}/factures/{{facture_id}}": "AADOU",
    f"PATCH {V}/factures/{{facture_id}}": "AADDU",
    f"POST {V}/factures/{{facture_id}}/emission": "AADDU",
    f"POST {V}/factures/{{facture_id}}/paiements": "AADDU",
    f"POST {V}/factures/{{facture_id}}/annulation": "AADDU",
    f"POST {V}/factures/{{facture_id}}/avoirs": "AADDU",
    f"POST {V}/factures/{{facture_id}}/lignes": "AADDU",
    f"PATCH {V}/factures/{{facture_id}}/lignes/{{ligne_id}}": "AADDU",
    f"DELETE {V}/factures/{{facture_id}}/lignes/{{ligne_id}}": "AADDU",
    f"GET {V}/factures/{{facture_id}}/pdf": "AADOU",
    f"GET {V}/avoirs/{{avoir_id}}": "AADOU",
    f"GET {V}/avoirs/{{avoir_id}}/pdf": "AADOU",
    f"GET {V}/jours-feries": "AADDU",
    f"PUT {V}/jours-feries/{{jour}}": "ADDDU",
    f"GET {V}/factures/{{facture_id}}/penalites": "AADOU",
    # reporting
    f"POST {V}/reports": "AADDU",
    f"GET {V}/reports/{{report_id}}": "AODDU",
    f"GET {V}/reports/{{report_id}}/fichier": "AODDU",
    f"GET {V}/report-schedules": "AADDU",
    f"POST {V}/report-schedules": "AADDU",
    f"GET {V}/report-schedules/{{schedule_id}}": "AADDU",
    f"PATCH {V}/report-schedules/{{schedule_id}}": "AADDU",
    f"DELETE {V}/report-schedules/{{schedule_id}}": "AADDU",
    f"GET {V}/stats/techniciens": "AADDU",
    f"GET {V}/stats/clients": "AADOU",
    f"GET {V}/stats/kpis": "AADDU",
    # notifications: every signed-in user, each its own inbox
    f"GET {V}/notifications": "AAAAU",
    f"GET {V}/notifications/non-lues": "AAAAU",
    f"POST {V}/notifications/lecture": "AAAAU",
    f"GET {V}/notifications/preferences": "AAAAU",
    f"PUT {V}/notifications/preferences": "AAAAU",
    f"GET {V}/notifications/stream": "AAAAU",
    f"POST {V}/notifications/{{notification_id}}/lecture": "OOOOU",
}
DESTRUCTIVE = {
    f"POST {V}/auth/keys/{{kid}}/retire",
    f"POST {V}/users/{{user_id}}/password",
    f"POST {V}/auth/logout",
}
METHODS = ("get", "post", "put", "patch", "delete")
PARAM = re.compile(r"\{(\w+)\}")


def operations(document: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


@pytest.fixture(scope="module")
def document(world: World) -> dict[str, Any]:
    answer = world.http.get("/openapi.json")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_table_covers_every_operation(document: dict[str, Any]) -> None:
    served = operations(document)
    assert sorted(served - set(EXPECTED)) == [], "operations missing from EXPECTED"
    assert sorted(set(EXPECTED) - served) == [], "EXPECTED names operations nobody serves"


# -- request bodies: the smallest body the schema accepts, with the role's own ids --------


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def example(
    document: dict[str, Any], schema: dict[str, Any], name: str, ids: dict, which: int
) -> Any:
    """`which` picks the ids in the body: 0 the caller's own, 1 someone else's (so that an
    allowed call on someone else's resource does not hand it to the caller)."""
    schema = resolve(document, schema)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if resolve(document, s).get("type") != "null"]
        return example(document, options[0], name, ids, which) if options else None
    if name == "type_document":
        return "rapport"
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {
            key: example(document, sub, key, ids, which)
            for key, sub in schema.get("properties", {}).items()
            if key in required
        }
    if kind == "array":
        return []
    if kind == "integer":
        if name in ids:
            return ids[name][which]
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "date":
        return "2027-03-01"
    if fmt == "date-time":
        return "2027-03-01T08:00:00+01:00"
    if fmt == "email" or "email" in name:
        return "proof@example.ma"
    if "password" in name:
        return "Not-the-password-1"
    if fmt == "binary":
        return b"%PDF-1.4 proof"
    return "Proof " + name[:20]


def destroys(key: str) -> bool:
    return key in DESTRUCTIVE or key.startswith("DELETE ")


def request_for(
    document: dict[str, Any], key: str, role: str, ids: dict, which: int
) -> dict[str, Any]:
    method, path = key.split(" ", 1)
    operation = document["paths"][path][method.lower()]
    params = {}
    for name in PARAM.findall(path):
        params[name] = ids[name][which]
    if destroys(key) and which == 0 and params:
        # destroying for real would take the run's users and keys away: the last id of the
        # path (the thing destroyed) does not exist
        params[PARAM.findall(path)[-1]] = NOWHERE
    url = PARAM.sub(lambda m: str(params[m.group(1)]), path)
    request: dict[str, Any] = {"method": method, "url": url}
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        request["json"] = example(document, body["application/json"]["schema"], "", ids, which)
    elif "multipart/form-data" in body:
        schema = resolve(document, body["multipart/form-data"]["schema"])
        fields = example(document, schema, "", ids, which)
        request["files"] = {
            k: ("proof.pdf", v, "application/pdf")
            for k, v in fields.items()
            if isinstance(v, bytes)
        }
        request["data"] = {k: v for k, v in fields.items() if not isinstance(v, bytes)}
    return request


def send(world: World, role: str, request: dict[str, Any]) -> httpx.Response:
    headers = world.headers(role)
    if request["url"].endswith("/notifications/stream"):
        with world.http.stream(request["method"], request["url"], headers=headers) as answer:
            return httpx.Response(answer.status_code, headers=answer.headers)
    return world.http.request(headers=headers, **request)


def verdict(key: str, role: str, code: str, own: httpx.Response, other: httpx.Response | None):
    """What is wrong with the answers, or None."""
    statuses = (own.status_code, other.status_code if other is not None else None)
    problem = f"{key} as {role} ({code}): own {statuses[0]}, other's {statuses[1]}"
    for answer in (own, other):
        if answer is not None and answer.status_code >= 500:
            return f"{problem}: server error {answer.text[:200]}"
    if code == "U":
        return None if statuses[0] == 401 and statuses[1] in (401, None) else problem
    if code == "P":
        return None if 403 not in statuses else problem
    if code == "D":
        return None if statuses[0] == 403 and statuses[1] in (403, None) else problem
    if destroys(key) and other is not None:
        # the own call went to an id that does not exist: past the access check, 404
        ok_own = statuses[0] == 404
    else:
        ok_own = statuses[0] not in (401, 403, 404)
    if other is None:  # no resource in the path
        return None if statuses[0] not in (401, 403) else problem
    if code == "A":
        # (an allowed destruction is never tried on a row that exists)
        ok_other = destroys(key) or statuses[1] not in (401, 403, 404)
    else:  # "O"
        ok_other = statuses[1] == 404
    return None if ok_own and ok_other else problem


COLLECTION_IDS = {
    f"GET {V}/interventions": "intervention_id",
    f"GET {V}/equipements": "equipement_id",
    f"GET {V}/contrats": "contrat_id",
    f"GET {V}/factures": "facture_id",
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_access(world: World, document: dict[str, Any], key: str) -> None:
    if key not in operations(document):
        pytest.fail(f"{key} is in EXPECTED but not served")
    path = key.split(" ", 1)[1]
    has_resource = bool(PARAM.search(path))
    problems = []
    codes = dict(zip(ROLES, EXPECTED[key], strict=True))
    # least privileged first: what an allowed staff call changes (an intervention sent
    # back to `ouverte` loses its technician) comes after the scoped roles were checked
    for role in ("anonymous", "client", "technicien", "responsable", "admin"):
        code = codes[role]
        ids = world.ids[role]
        if key == f"POST {V}/auth/logout" and role != "anonymous":
            # a session of its own: logging out revokes it
            session = world.login(role)
            answer = world.http.post(
                key.split(" ", 1)[1],
                headers={"Authorization": f"Bearer {session['access_token']}"},
                json={"refresh_token": session["refresh_token"]},
            )
            if answer.status_code in (401, 403) or answer.status_code >= 500:
                problems.append(f"{key} as {role}: {answer.status_code} {answer.text[:200]}")
            continue
        own = send(world, role, request_for(document, key, role, ids, 0))
        other = None
        if has_resource and not (destroys(key) and code == "A"):
            other = send(world, role, request_for(document, key, role, ids, 1))
        elif has_resource:
            other = own  # stands in: the verdict of an allowed destruction is on `own`
        wrong = verdict(key, role, code, own, other)
        if wrong:
            problems.append(wrong + f" | {own.text[:160]}")
        if code == "O" and key in COLLECTION_IDS and own.status_code == 200:
            shown = {item["id"] for item in own.json()["items"]}
            theirs = ids[COLLECTION_IDS[key]][1]
            if theirs in shown:
                problems.append(f"{key} as {role} lists someone else's {theirs}")
    if any("server error" in p for p in problems):
        # what the services logged about it (a 5xx is always logged with its exception)
        problems += [line for line in world.run.lines if "error" in line.lower()][-8:]
    assert not problems, "\n".join(problems)
