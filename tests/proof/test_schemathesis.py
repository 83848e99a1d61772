"""Schemathesis through the gateway of a running system, on every operation of the merged
OpenAPI document, as each role, with valid and with invalid input (bounded: a few examples
per operation, role and mode). Checks: never a 5xx; every error is problem+json; a
response with a documented status matches its documented schema."""

from __future__ import annotations

import os
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import FailureGroup

from tests.proof.conftest import BASE, World

pytestmark = [pytest.mark.system, pytest.mark.timeout(600)]

# examples per operation, role and generation mode (positive, negative): the run stays
# bounded (about 104 operations x 5 roles x 2 modes); raise it for a longer fuzzing session
EXAMPLES = int(os.environ.get("PROOF_FUZZ_EXAMPLES", "3"))
# Least privileged first: what the admin's fuzzing changes (users deactivated, ...) cannot
# take a later role's access away.
ORDER = ("anonymous", "client", "technicien", "responsable", "admin")
# Pinned path parameters: the fuzzer must not deactivate or re-password the users the run
# signs in with (the bootstrap admin has a small id a fuzzer finds at once): these go to a
# user of its own (conftest's `victim`); the bodies are still fuzzed.
USER_OPERATIONS = (
    ("DELETE", "/api/v1/users/{user_id}"),
    ("PATCH", "/api/v1/users/{user_id}"),
    ("POST", "/api/v1/users/{user_id}/password"),
)
# Not fuzzed: an endless server-sent events stream (a request never ends). Its access rules
# are in test_authorization.
SKIPPED = {("GET", "/api/v1/notifications/stream")}


def pydantic_time(failure: BaseException) -> bool:
    """Pydantic documents a `datetime.time` as JSON Schema's `time` format, which wants a UTC
    offset (RFC 3339 full-time), and writes it without one ("17:30:00"): a mismatch of the
    library, not of a service; every other schema violation counts."""
    return 'is not a "time"' in f"{failure} {getattr(failure, 'message', '')}"


class ProblemJson(Exception):
    pass


def problem_json(response: Any) -> None:
    if response.status_code >= 400:
        kind = response.headers.get("content-type", "")
        kind = kind[0] if isinstance(kind, list) else kind
        if not kind.startswith("application/problem+json"):
            raise ProblemJson(
                f"{response.status_code} answered as {kind!r}, not problem+json: "
                f"{response.text[:200]}"
            )


@pytest.fixture(scope="module")
def schema(world: World) -> Any:
    return schemathesis.openapi.from_url(f"{BASE}/openapi.json")


def fuzz_operation(
    strategy: Any, key: tuple[str, str], role: str, mode: GenerationMode, headers: dict[str, str]
) -> tuple[int, list[str]]:
    """Up to EXAMPLES cases of one operation; (requests made, failures seen)."""
    seen: list[str] = []
    calls = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        # the role's token, never whatever Authorization the fuzzer generated
        generated = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers = {**generated, **headers}
        response = case.call(base_url=BASE, timeout=30)
        try:
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )
            except FailureGroup as group:
                kept = [f for f in group.exceptions if not pydantic_time(f)]
                if kept:
                    raise FailureGroup(kept, group.message) from None
            problem_json(response)
        except (Exception, FailureGroup) as exc:
            text = str(exc).strip().splitlines()
            seen.append(
                f"{key[0]} {key[1]} as {role} ({mode.value}): "
                f"{response.status_code} {' | '.join(text[:6])[:600]}\n"
                f"    reproduce: {case.as_curl_command()[:600]}"
            )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing to make invalid (no parameter, no body): the negative mode has no case
    except (Exception, FailureGroup) as exc:  # a generation error is a finding too
        seen.append(f"{key[0]} {key[1]} as {role} ({mode.value}): {exc!r}"[:600])
    return calls, seen[:1]  # the first failure of each operation is enough


def fuzz(world: World, schema: Any, role: str, mode: GenerationMode) -> tuple[int, list[str]]:
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in SKIPPED:
            continue
        headers = world.headers(role)
        if key == ("POST", "/api/v1/auth/logout") and role != "anonymous":
            # logging out revokes the session: a throwaway one
            session = world.login(role)
            headers = {"Authorization": f"Bearer {session['access_token']}"}
        pinned = {"user_id": world.shared["victim"]} if key in USER_OPERATIONS else None
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=pinned)
        made, found = fuzz_operation(strategy, key, role, mode, headers)
        calls += made
        failures += found
    return calls, failures


@pytest.mark.parametrize("role", ORDER)
def test_fuzz_every_operation(
    world: World, schema: Any, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    failures: list[str] = []
    calls = 0
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        made, found = fuzz(world, schema, role, mode)
        calls += made
        failures += found
    with capsys.disabled():
        print(f"\nschemathesis as {role}: {calls} requests, {len(failures)} failing operations")
    assert not failures, "\n".join(failures)
