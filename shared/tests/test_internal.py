"""shared.internal: service tokens and the production refusal of placeholder secrets."""

import pytest
from shared.errors import Problem
from shared.internal import internal_url, mint_service_token, service_secret, verify_service_token


def test_a_token_names_its_caller_and_is_bound_to_its_owner() -> None:
    token = mint_service_token("billing", "auth")
    assert verify_service_token(token, "auth") == "billing"
    with pytest.raises(Problem) as refused:
        verify_service_token(token, "inventory")
    assert refused.value.status == 401


def test_production_refuses_a_placeholder_or_short_secret(monkeypatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("SERVICE_TOKEN_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="SERVICE_TOKEN_SECRET"):
        service_secret()
    monkeypatch.setenv("SERVICE_TOKEN_SECRET", "court")
    with pytest.raises(RuntimeError, match="SERVICE_TOKEN_SECRET"):
        service_secret()
    monkeypatch.setenv("SERVICE_TOKEN_SECRET", "x" * 40)
    assert service_secret() == "x" * 40


def test_internal_url_defaults_to_the_local_port_and_follows_the_environment(
    monkeypatch,
) -> None:
    monkeypatch.delenv("AUTH_INTERNAL_URL", raising=False)
    assert internal_url("auth") == "http://127.0.0.1:8001"
    monkeypatch.setenv("AUTH_INTERNAL_URL", "http://auth:8000")
    assert internal_url("auth") == "http://auth:8000"
