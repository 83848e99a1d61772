"""Ed25519 signing keys: generation, encryption at rest, rotation, and the in-process
key store that both signs new tokens and verifies this service's own tokens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from shared.db import utcnow
from shared.errors import Problem, conflict, not_found
from shared.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.keys import repository
from auth.keys.models import SigningKey

log = get_logger(__name__)


def fernet_for(secret: str) -> Fernet:
    """A Fernet cipher from any secret string (its SHA-256 is the 32-byte Fernet key)."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def public_jwk(kid: str, public_key: Ed25519PublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    jwk.update(kid=kid, use="sig", alg="EdDSA")
    return jwk


def new_signing_key(fernet: Fernet) -> SigningKey:
    """A fresh Ed25519 key, its private half encrypted."""
    private_key = Ed25519PrivateKey.generate()
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    kid = secrets.token_urlsafe(12)
    return SigningKey(
        kid=kid,
        private_key_encrypted=fernet.encrypt(raw).decode(),
        public_jwk=public_jwk(kid, private_key.public_key()),
        created_at=utcnow(),
    )


@dataclass(frozen=True, slots=True)
class SigningMaterial:
    kid: str
    private_key: Ed25519PrivateKey


class KeyStore:
    """Signing keys of this service, cached in memory.

    It is the `KeyProvider` of the service's own TokenVerifier, so the auth service verifies
    its tokens without calling itself over HTTP. An unknown `kid` reloads the published keys
    from the database (at most every `reload_min_seconds`: forged kids cannot hammer it);
    the current signing key is re-read after `current_ttl_seconds`, so a rotation made by
    another replica is picked up.
    """

    def __init__(
        self,
        sessions: Callable[[], async_sessionmaker[AsyncSession]],
        fernet: Fernet,
        *,
        reload_min_seconds: float = 5.0,
        current_ttl_seconds: float = 60.0,
    ) -> None:
        self._sessions = sessions
        self.fernet = fernet
        self.reload_min_seconds = reload_min_seconds
        self.current_ttl_seconds = current_ttl_seconds
        self._public: dict[str, Ed25519PublicKey] = {}
        self._loaded_at = float("-inf")
        self._current: SigningMaterial | None = None
        self._current_at = float("-inf")
        self._lock = asyncio.Lock()

    def decrypt(self, key: SigningKey) -> Ed25519PrivateKey:
        try:
            raw = self.fernet.decrypt(key.private_key_encrypted.encode())
        except InvalidToken as exc:
            # The key encryption key changed without re-encrypting the stored keys.
            raise Problem(
                503, "signing key cannot be decrypted: check AUTH_KEY_ENCRYPTION_KEY"
            ) from exc
        return Ed25519PrivateKey.from_private_bytes(raw)

    def _remember(self, keys: list[SigningKey]) -> None:
        loaded: dict[str, Ed25519PublicKey] = {}
        for key in keys:
            public = OKPAlgorithm.from_jwk(key.public_jwk)
            if isinstance(public, Ed25519PublicKey):
                loaded[key.kid] = public
        self._public = loaded
        self._loaded_at = time.monotonic()

    def forget(self) -> None:
        """Drop the caches (after a rotation or retirement in this process)."""
        self._public = {}
        self._loaded_at = float("-inf")
        self._current = None
        self._current_at = float("-inf")

    async def signing_key(self, session: AsyncSession) -> SigningMaterial:
        """The key new tokens are signed with; created if the store is empty."""
        fresh = time.monotonic() - self._current_at < self.current_ttl_seconds
        if self._current is not None and fresh:
            return self._current
        key = await repository.current(session)
        if key is None:
            key = await ensure_signing_key(session, self.fernet)
        material = SigningMaterial(key.kid, self.decrypt(key))
        self._current, self._current_at = material, time.monotonic()
        self._public.setdefault(key.kid, material.private_key.public_key())
        return material

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        """KeyProvider: the public key of `kid` if it is published."""
        key = self._public.get(kid)
        if key is not None:
            return key
        async with self._lock:
            if kid in self._public:
                return self._public[kid]
            if time.monotonic() - self._loaded_at < self.reload_min_seconds:
                return None
            await self.reload()
        return self._public.get(kid)

    async def reload(self) -> None:
        async with self._sessions()() as session, session.begin():
            self._remember(await repository.published(session))


async def ensure_signing_key(session: AsyncSession, fernet: Fernet) -> SigningKey:
    """The current key, creating one if none exists. Replicas starting together serialise
    on an advisory lock, so exactly one key is created."""
    await repository.lock_key_creation(session)
    key = await repository.current(session)
    if key is not None:
        return key
    key = await repository.add(session, new_signing_key(fernet))
    log.info("signing_key.created", kid=key.kid)
    return key


async def rotate(session: AsyncSession, fernet: Fernet) -> SigningKey:
    """A new current key; older keys stay published until retired, so the tokens they
    signed keep verifying."""
    await repository.lock_key_creation(session)
    key = await repository.add(session, new_signing_key(fernet))
    log.info("signing_key.rotated", kid=key.kid)
    return key


async def retire(session: AsyncSession, kid: str) -> SigningKey:
    """Stop publishing `kid` (tokens it signed stop verifying); never the current key."""
    await repository.lock_key_creation(session)
    key = await repository.get(session, kid, for_update=True)
    if key is None:
        raise not_found("signing key")
    if key.retired_at is not None:
        return key
    current = await repository.current(session)
    if current is not None and current.kid == kid:
        raise conflict("the current signing key cannot be retired: rotate first")
    key.retired_at = utcnow()
    await session.flush()
    log.info("signing_key.retired", kid=kid)
    return key
