"""Pure rules of the auth service: input validation, passwords, keys, settings."""

from __future__ import annotations

import pytest
from auth.config import Settings
from auth.keys.service import KeyStore, fernet_for, new_signing_key
from auth.tokens.service import hash_token
from auth.users.passwords import hash_password, verify_password
from auth.users.schemas import UserCreate, UserUpdate
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError


def valid_user(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "username": "karim.t",
        "email": "Karim@Example.MA",
        "full_name": " Karim T ",
        "password": "Cedre-Ifrane-2031",
        "role": "responsable",
    }
    body.update(overrides)
    return body


def test_user_input_is_normalised() -> None:
    user = UserCreate.model_validate(valid_user())
    assert user.email == "karim@example.ma" and user.full_name == "Karim T"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "no-at-sign"),
        ("email", "two@@example.ma"),
        ("email", "space in@example.ma"),
        ("password", "1234567"),
        ("password", "x" * 257),
        ("username", "ab"),
        ("username", "bad name"),
        ("full_name", "   "),
        ("role", "boss"),
    ],
)
def test_bad_user_input_names_its_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        UserCreate.model_validate(valid_user(**{field: value}))
    assert raised.value.errors()[0]["loc"][0] == field


def test_patch_keeps_only_sent_fields_and_refuses_null_where_the_column_does() -> None:
    assert UserUpdate.model_validate({"full_name": "A"}).changes() == {"full_name": "A"}
    with pytest.raises(ValidationError) as raised:
        UserUpdate.model_validate({"email": None})
    assert raised.value.errors()[0]["loc"] == ("email",)
    with pytest.raises(ValidationError):
        UserUpdate.model_validate({"password": "sneaky-change"})


async def test_passwords_are_argon2id_and_verify() -> None:
    hashed = await hash_password("s3cret-password")
    assert hashed.startswith("$argon2id$")
    assert await verify_password(hashed, "s3cret-password")
    assert not await verify_password(hashed, "s3cret-passwore")
    assert not await verify_password(None, "anything")
    assert not await verify_password("not-a-hash", "anything")


def test_signing_keys_are_encrypted_at_rest_and_decrypt_with_the_same_secret() -> None:
    fernet = fernet_for("dev-insecure-one")
    key = new_signing_key(fernet)
    assert key.public_jwk["kid"] == key.kid and key.public_jwk["alg"] == "EdDSA"
    assert key.public_jwk["crv"] == "Ed25519" and "d" not in key.public_jwk
    store = KeyStore(lambda: None, fernet)  # type: ignore[arg-type,return-value]
    assert isinstance(store.decrypt(key), Ed25519PrivateKey)
    wrong = KeyStore(lambda: None, fernet_for("another"))  # type: ignore[arg-type,return-value]
    with pytest.raises(Exception) as raised:
        wrong.decrypt(key)
    assert getattr(raised.value, "status", None) == 503


def test_production_refuses_the_development_key_encryption_key() -> None:
    with pytest.raises(ValidationError):
        Settings(environment="production")
    settings = Settings(environment="production", key_encryption_key="a-real-secret-from-vault")
    assert settings.key_encryption_key.get_secret_value() == "a-real-secret-from-vault"


def test_refresh_tokens_are_stored_as_sha256() -> None:
    assert len(hash_token("abc")) == 64 and hash_token("abc") != hash_token("abd")
