"""Fixtures of the auth service's tests: the app on the rolled-back test transaction, and
small factories that create users, technicians and clients through the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from auth.config import Settings
from auth.main import create_app
from fastapi import FastAPI
from shared.security import StaticKeys, TokenVerifier
from shared.testing.tokens import AUDIENCE, ISSUER, TokenFactory

PASSWORD = "correct horse battery"


class ChainKeys:
    """Keys of several providers: the plugin's test key first, then the app's own store."""

    def __init__(self, *providers: Any) -> None:
        self.providers = providers

    async def get(self, kid: str) -> Any | None:
        for provider in self.providers:
            key = await provider.get(kid)
            if key is not None:
                return key
        return None


def unique(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def own_verifier(app: FastAPI) -> TokenVerifier:
    """The verifier the service runs with in production: its own key store only."""
    return TokenVerifier(app.state.key_store, issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def auth_app(migrate: Any) -> FastAPI:
    migrate("auth")
    # Every test shares the client IP 203.0.113.7: the per-IP limit is tested on its own.
    # Revocation markers of its own: the test tokens' user ids (admin 1) are real ids too.
    return create_app(
        Settings(login_max_failures_per_ip=1_000_000, revocation_prefix=f"{unique('rv')}:")
    )


@pytest.fixture
async def client(
    auth_app: FastAPI, app_client: Any, tokens: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """The auth app on the test's rolled-back transaction, trusting both the plugin's test
    tokens and the tokens it issues itself."""
    revocations = auth_app.state.verifier.revocations  # as in production: markers checked
    async with app_client(auth_app) as http:
        auth_app.state.verifier = TokenVerifier(
            ChainKeys(StaticKeys(tokens.jwks), auth_app.state.key_store),
            issuer=ISSUER,
            audience=AUDIENCE,
            revocations=revocations,
        )
        yield http


@dataclass
class Factory:
    """Test data through the API (tests import nothing from here: use this fixture)."""

    http: httpx.AsyncClient
    tokens: TokenFactory
    password: str = PASSWORD

    unique = staticmethod(unique)
    own_verifier = staticmethod(own_verifier)

    @staticmethod
    def bearer(pair: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {pair['access_token']}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.tokens.headers("admin", 1)

    def user_body(self, **overrides: Any) -> dict[str, Any]:
        name = unique()
        body = {
            "username": name,
            "email": f"{name}@example.ma",
            "full_name": f"User {name}",
            "password": PASSWORD,
        }
        body.update(overrides)
        return body

    async def user(self, role: str = "responsable", **overrides: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/api/v1/users", json={**self.user_body(**overrides), "role": role}, headers=self.admin
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def technicien(self, **profile: Any) -> dict[str, Any]:
        body = {"user": self.user_body(), **profile}
        response = await self.http.post("/api/v1/techniciens", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def client(self, **profile: Any) -> dict[str, Any]:
        body = {"user": self.user_body(), "nom_entreprise": f"SARL {unique()}", **profile}
        response = await self.http.post("/api/v1/clients", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def competence(self, **fields: Any) -> dict[str, Any]:
        body = {"nom": unique("comp-"), **fields}
        response = await self.http.post("/api/v1/competences", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def factory(client: httpx.AsyncClient, tokens: TokenFactory) -> Factory:
    return Factory(client, tokens)
