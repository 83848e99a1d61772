"""Access tokens for tests, signed by a throwaway Ed25519 key the apps under test trust."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

ISSUER = "mif-auth"
AUDIENCE = "mif-erp"


class TokenFactory:
    def __init__(self, kid: str = "test-key") -> None:
        self.kid = kid
        self.private_key = Ed25519PrivateKey.generate()
        public_jwk: dict[str, Any] = OKPAlgorithm.to_jwk(
            self.private_key.public_key(), as_dict=True
        )
        public_jwk.update(kid=kid, use="sig", alg="EdDSA")
        self.jwks = {"keys": [public_jwk]}

    def make(
        self,
        role: str = "admin",
        user_id: int = 1,
        *,
        username: str | None = None,
        technicien_id: int | None = None,
        client_id: int | None = None,
        expires_in: int = 900,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "username": username or f"{role}{user_id}",
            "role": role,
            "typ": "access",
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
        }
        if technicien_id is not None:
            claims["technicien_id"] = technicien_id
        if client_id is not None:
            claims["client_id"] = client_id
        claims.update(overrides)
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})

    def headers(self, role: str = "admin", user_id: int = 1, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.make(role, user_id, **kwargs)}"}
