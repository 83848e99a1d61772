"""HTTP endpoints of the signing keys: the public JWKS and their administration."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from shared.app import API_PREFIX
from shared.errors import not_found
from shared.security import AdminDep
from shared.uow import PublicUowDep, UowDep

from auth.deps import KeyStoreDep
from auth.keys import repository, service
from auth.keys.models import SigningKey
from auth.keys.schemas import JWKS, SigningKeyRead

router = APIRouter(prefix="/auth", tags=["keys"])


def _read(key: SigningKey, current_kid: str | None) -> SigningKeyRead:
    read = SigningKeyRead.model_validate(key)
    read.current = key.kid == current_kid
    return read


@router.get("/jwks.json", response_model=JWKS)
async def jwks(uow: PublicUowDep, response: Response) -> JWKS:
    """Every key not retired: tokens signed before a rotation keep verifying."""
    # Verifiers cache this and refetch on an unknown kid; a short max-age bounds staleness.
    response.headers["Cache-Control"] = "public, max-age=60"
    return JWKS(keys=[key.public_jwk for key in await repository.published(uow.session)])


@router.get("/keys", response_model=list[SigningKeyRead])
async def list_keys(uow: UowDep, actor: AdminDep) -> list[SigningKeyRead]:
    current = await repository.current(uow.session)
    current_kid = current.kid if current else None
    return [_read(key, current_kid) for key in await repository.all_keys(uow.session)]


@router.get("/keys/{kid}", response_model=SigningKeyRead)
async def get_key(kid: str, uow: UowDep, actor: AdminDep) -> SigningKeyRead:
    key = await repository.get(uow.session, kid)
    if key is None:
        raise not_found("signing key")
    current = await repository.current(uow.session)
    return _read(key, current.kid if current else None)


@router.post("/keys/rotate", status_code=status.HTTP_201_CREATED, response_model=SigningKeyRead)
async def rotate(
    uow: UowDep,
    actor: AdminDep,
    key_store: KeyStoreDep,
    response: Response,
) -> SigningKeyRead:
    """A new current signing key; the previous ones stay published until retired."""
    key = await service.rotate(uow.session, key_store.fernet)
    key_store.forget()
    response.headers["Location"] = f"{API_PREFIX}/auth/keys/{key.kid}"
    return _read(key, key.kid)


@router.post("/keys/{kid}/retire", response_model=SigningKeyRead)
async def retire(kid: str, uow: UowDep, actor: AdminDep, key_store: KeyStoreDep) -> SigningKeyRead:
    """Unpublish a key: tokens it signed stop verifying (not allowed for the current key)."""
    key = await service.retire(uow.session, kid)
    key_store.forget()
    return _read(key, None)
