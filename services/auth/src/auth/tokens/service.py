"""Login, access tokens, rotating refresh tokens with reuse detection, logout, /auth/me.
Never commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
import uuid
from typing import Any

import jwt
from shared.db import utcnow
from shared.errors import unauthorized
from shared.logging import get_logger
from shared.security import CurrentUser
from shared.uow import UnitOfWork

from auth.config import Settings
from auth.keys.service import KeyStore
from auth.tokens import repository, revocation
from auth.tokens.models import RefreshToken
from auth.tokens.schemas import MeRead, TokenPair
from auth.tokens.throttle import LoginThrottle
from auth.users import repository as users_repository
from auth.users.passwords import hash_password, needs_rehash, verify_password
from auth.users.repository import Principal

log = get_logger(__name__)


class RefreshTokenReused(Exception):
    """A used refresh token came back: its family has been revoked. The router answers 401
    without raising, so that the revocation is committed."""


def hash_token(token: str) -> str:
    # Refresh tokens are 256 random bits: a plain SHA-256 is enough to make a leaked table
    # useless, and it keeps the lookup an index hit.
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_access_token(
    principal: Principal,
    key_store: KeyStore,
    uow: UnitOfWork,
    settings: Settings,
    family_id: uuid.UUID,
) -> str:
    key = await key_store.signing_key(uow.session)
    # `iat` to the millisecond: a token issued just after a revocation is not taken for
    # one issued before it; `sid` (the refresh-token family) lets logout revoke a session.
    issued_at = round(time.time(), 3)
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(principal.id),
        "username": principal.username,
        "role": str(principal.role),
        "typ": "access",
        "iat": issued_at,
        "exp": round(issued_at + settings.access_token_ttl_seconds, 3),
        "jti": uuid.uuid4().hex,
        "sid": str(family_id),
    }
    if principal.technicien_id is not None:
        claims["technicien_id"] = principal.technicien_id
    if principal.client_id is not None:
        claims["client_id"] = principal.client_id
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


async def _new_refresh_token(
    uow: UnitOfWork, user_id: int, family_id: uuid.UUID, settings: Settings
) -> tuple[str, RefreshToken]:
    meta = uow.meta
    token = secrets.token_urlsafe(32)
    row = RefreshToken(
        id=uuid.uuid4(),
        token_hash=hash_token(token),
        family_id=family_id,
        user_id=user_id,
        expires_at=utcnow() + dt.timedelta(seconds=settings.refresh_token_ttl_seconds),
        user_agent=(meta.user_agent or "")[:512] or None,
        ip_address=(meta.client_ip or "")[:64] or None,
    )
    await repository.add(uow.session, row)
    return token, row


async def _pair(
    uow: UnitOfWork,
    principal: Principal,
    family_id: uuid.UUID,
    key_store: KeyStore,
    settings: Settings,
) -> tuple[TokenPair, RefreshToken]:
    refresh_token, row = await _new_refresh_token(uow, principal.id, family_id, settings)
    access_token = await issue_access_token(principal, key_store, uow, settings, family_id)
    pair = TokenPair(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
    )
    return pair, row


async def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    key_store: KeyStore,
    throttle: LoginThrottle,
    settings: Settings,
) -> TokenPair:
    """A token pair for valid credentials of an active user; 401 otherwise, 429 when
    throttled (checked first, so a throttled account is refused even with the right one)."""
    meta = uow.meta
    await throttle.check(username, meta.client_ip)
    principal = await users_repository.principal_by_username(uow, username)
    valid = await verify_password(principal.hashed_password if principal else None, password)
    if principal is None or not valid:
        await throttle.record_failure(username, meta.client_ip)
        log.info("login.failed", username=username[:150], client_ip=meta.client_ip)
        raise unauthorized("wrong username or password")
    if not principal.is_active:
        raise unauthorized("this account is deactivated")
    await throttle.reset_account(username, meta.client_ip)
    if needs_rehash(principal.hashed_password):
        user = await users_repository.Users(uow).get(principal.id, for_update=True)
        if user is not None:
            user.hashed_password = await hash_password(password)
    pair, _ = await _pair(uow, principal, uuid.uuid4(), key_store, settings)
    log.info("login.succeeded", user_id=principal.id)
    return pair


async def refresh(
    uow: UnitOfWork, refresh_token: str, *, key_store: KeyStore, settings: Settings
) -> TokenPair:
    """Rotate: the presented token is marked used and a new one of the same family issued.
    A token presented twice revokes its whole family (raises RefreshTokenReused)."""
    session = uow.session
    row = await repository.by_hash_for_update(session, hash_token(refresh_token))
    if row is None:
        raise unauthorized("unknown refresh token")
    now = utcnow()
    if row.revoked_at is not None:
        raise unauthorized("refresh token revoked")
    if row.used_at is not None:
        revoked = await repository.revoke_family(session, row.family_id, now)
        log.warning(
            "refresh_token.reused",
            user_id=row.user_id,
            family_id=str(row.family_id),
            revoked=revoked,
        )
        await revocation.revoke_session(str(row.family_id))
        raise RefreshTokenReused
    if row.expires_at <= now:
        raise unauthorized("refresh token expired")
    principal = await users_repository.principal_by_id(uow, row.user_id)
    if principal is None or not principal.is_active:
        raise unauthorized("this account is deactivated")
    pair, new_row = await _pair(uow, principal, row.family_id, key_store, settings)
    row.used_at = now
    row.replaced_by = new_row.id
    await session.flush()
    return pair


async def logout(uow: UnitOfWork, actor: CurrentUser, refresh_token: str) -> None:
    """Ends the session of `refresh_token` (its whole family). A token that is unknown or
    not the caller's is ignored: the answer does not reveal which tokens exist."""
    row = await repository.by_hash_for_update(uow.session, hash_token(refresh_token))
    if row is None or row.user_id != actor.id:
        return
    await repository.revoke_family(uow.session, row.family_id, utcnow())
    await revocation.revoke_session(str(row.family_id))


async def me(uow: UnitOfWork, actor: CurrentUser) -> MeRead:
    principal = await users_repository.principal_by_id(uow, actor.id)
    if principal is None or not principal.is_active:
        raise unauthorized("this account no longer exists or is deactivated")
    return MeRead.model_validate(principal)
