"""The auth service's FastAPI app."""

from __future__ import annotations

import redis.asyncio as aioredis
from fastapi import FastAPI
from shared.app import create_service_app
from shared.db import Database
from shared.security import TokenVerifier
from shared.settings import redis_client_url
from shared.uow import unit_of_work

from auth.clients.router import router as clients_router
from auth.competences.router import router as competences_router
from auth.config import Settings
from auth.internal.router import router as internal_router
from auth.keys.router import router as keys_router
from auth.keys.service import KeyStore, ensure_signing_key, fernet_for
from auth.techniciens.router import router as techniciens_router
from auth.tokens import revocation
from auth.tokens.router import router as tokens_router
from auth.tokens.throttle import LoginThrottle
from auth.users.router import router as users_router

SERVICE = "auth"


async def _startup(app: FastAPI) -> None:
    """Make sure a signing key exists (race-safe across replicas) and load the keys."""
    db: Database = app.state.db
    store: KeyStore = app.state.key_store
    async with unit_of_work(db, schema=SERVICE) as uow:
        await ensure_signing_key(uow.session, store.fernet)
    await store.reload()


async def _shutdown(app: FastAPI) -> None:
    await app.state.redis.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        service=SERVICE,
        settings=settings,
        routers=[
            tokens_router,
            keys_router,
            users_router,
            techniciens_router,
            clients_router,
            competences_router,
            internal_router,
        ],
        description="Users, technicians, clients, competences, tokens and keys.",
        on_startup=_startup,
        on_shutdown=_shutdown,
    )
    # Sessions are looked up at call time: tests swap app.state.db.sessionmaker.
    app.state.key_store = KeyStore(
        lambda: app.state.db.sessionmaker,
        fernet_for(settings.key_encryption_key.get_secret_value()),
        reload_min_seconds=settings.key_reload_min_seconds,
        current_ttl_seconds=settings.signing_key_cache_seconds,
    )
    # The auth service verifies its own tokens against its own key store, not over HTTP.
    # Revoked users and sessions are refused here too (the markers create_service_app reads).
    app.state.verifier = TokenVerifier(
        app.state.key_store,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        revocations=app.state.verifier.revocations,
    )
    app.state.redis = aioredis.from_url(redis_client_url(settings.redis_url))
    revocation.configure(
        app.state.redis, settings.access_token_ttl_seconds, settings.revocation_prefix
    )
    app.state.login_throttle = LoginThrottle(
        app.state.redis,
        max_per_account=settings.login_max_failures_per_account,
        max_per_ip=settings.login_max_failures_per_ip,
        window_seconds=settings.login_failure_window_seconds,
        account_delay_after=settings.login_account_delay_after,
        account_delay_max_seconds=settings.login_account_delay_max_seconds,
    )
    return app
