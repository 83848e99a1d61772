"""Settings: prefixed variables win, unprefixed are shared, dev secrets refused in production."""

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")
    signing_secret: SecretStr = SecretStr("dev-insecure-demo")


def test_prefixed_variable_wins_over_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    assert DemoSettings().database_url == "postgresql://shared/db"
    monkeypatch.setenv("DEMO_DATABASE_URL", "postgresql://own/db")
    assert DemoSettings().database_url == "postgresql://own/db"


def test_development_default_secret_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="signing_secret"):
        DemoSettings()
    monkeypatch.setenv("DEMO_SIGNING_SECRET", "a-real-secret")
    assert DemoSettings().signing_secret.get_secret_value() == "a-real-secret"


def test_broker_url_for_unix_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "unix:///tmp/r.sock")
    assert DemoSettings().effective_broker_url == "redis+socket:///tmp/r.sock"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEMO_SIGNING_SECRET", "CHANGE-ME"),
        ("DEMO_SIGNING_SECRET", "please-change-me-now"),
        ("DATABASE_URL", "postgresql://mif:mif@postgres:5432/mif"),
        ("DATABASE_URL", "postgresql://mif:CHANGE-ME@postgres:5432/mif"),
        ("REDIS_URL", "redis://:changeme@redis:6379/0"),
        ("BROKER_URL", "redis://:password@redis:6379/0"),
    ],
)
def test_placeholders_and_default_passwords_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("DEMO_SIGNING_SECRET", "a-real-secret")
    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("ENVIRONMENT", "development")
    assert DemoSettings().environment == "development"  # accepted in development
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match=r"development default|default password"):
        DemoSettings()


def test_real_passwords_and_passwordless_urls_accepted_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DEMO_SIGNING_SECRET", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://mif:Zr8%40q1xLw@db:5432/mif")
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    settings = DemoSettings()
    assert settings.database_url == "postgresql://mif:Zr8%40q1xLw@db:5432/mif"
