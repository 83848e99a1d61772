"""Token verification refuses everything but a valid access token signed by a known key."""

import base64
import json

import jwt
import pytest
from shared.errors import Problem
from shared.security import Role, StaticKeys, TokenVerifier, bearer_token
from shared.testing.tokens import AUDIENCE, ISSUER, TokenFactory

trusted = TokenFactory(kid="trusted")
verifier = TokenVerifier(StaticKeys(trusted.jwks), issuer=ISSUER, audience=AUDIENCE)


async def test_valid_token_gives_current_user() -> None:
    user = await verifier.verify(trusted.make("technicien", 7, technicien_id=3))
    assert (user.id, user.role, user.technicien_id) == (7, Role.technicien, 3)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _tampered() -> str:
    header, payload, signature = trusted.make("client", 5).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    return ".".join([header, _b64(claims), signature])


def _alg_none() -> str:
    claims = jwt.decode(trusted.make(), options={"verify_signature": False})
    return ".".join([_b64({"alg": "none", "typ": "JWT", "kid": "trusted"}), _b64(claims), ""])


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(_tampered(), id="tampered"),
        pytest.param(trusted.make(expires_in=-10), id="expired"),
        pytest.param(_alg_none(), id="alg-none"),
        pytest.param(TokenFactory(kid="trusted").make(), id="foreign-key-same-kid"),
        pytest.param(TokenFactory(kid="other").make(), id="foreign-key"),
        pytest.param(trusted.make(aud="someone-else"), id="wrong-audience"),
        pytest.param(trusted.make(typ="refresh"), id="not-access"),
        pytest.param("not.a.token", id="garbage"),
    ],
)
async def test_bad_tokens_are_401(token: str) -> None:
    with pytest.raises(Problem) as err:
        await verifier.verify(token)
    assert err.value.status == 401


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer"])
def test_bearer_header_required(header: str | None) -> None:
    with pytest.raises(Problem) as err:
        bearer_token(header)
    assert err.value.status == 401
