"""Request and response shapes of clients, and the `client.*` event payload."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from auth.clients.models import Client
from auth.models import NiveauService, TypeClient
from auth.schemas import (
    Email,
    InputModel,
    LongText,
    PatchModel,
    ReadModel,
    Str20,
    Str30,
    Str100,
    Str200,
)
from auth.users.models import User
from auth.users.schemas import ProfileUserCreate

# Identifiant Commun de l'Entreprise: 15 digits
Ice = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{15}$")]


class ClientFields(InputModel):
    nom_entreprise: Str200
    secteur_activite: Str100 | None = None
    type_client: TypeClient = TypeClient.standard
    niveau_service: NiveauService = NiveauService.standard
    adresse: LongText | None = None
    ville: Str100 | None = None
    code_postal: Str20 | None = None
    telephone: Str30 | None = None
    email_commercial: Email | None = None
    contact_principal: Str200 | None = None
    notes_commerciales: LongText | None = None
    instructions_particulieres: LongText | None = None
    ice: Ice | None = None
    adresse_facturation: LongText | None = None


class ClientCreate(ClientFields):
    user: ProfileUserCreate


class ClientUpdate(PatchModel):
    non_nullable = frozenset({"nom_entreprise", "type_client", "niveau_service"})

    nom_entreprise: Str200 | None = None
    secteur_activite: Str100 | None = None
    type_client: TypeClient | None = None
    niveau_service: NiveauService | None = None
    adresse: LongText | None = None
    ville: Str100 | None = None
    code_postal: Str20 | None = None
    telephone: Str30 | None = None
    email_commercial: Email | None = None
    contact_principal: Str200 | None = None
    notes_commerciales: LongText | None = None
    instructions_particulieres: LongText | None = None
    ice: Ice | None = None
    adresse_facturation: LongText | None = None


STAFF_ONLY = frozenset({"notes_commerciales"})


class ClientRead(ReadModel):
    id: int
    user_id: int
    username: str
    email: str
    full_name: str
    is_active: bool
    nom_entreprise: str
    secteur_activite: str | None
    type_client: TypeClient
    niveau_service: NiveauService
    adresse: str | None
    ville: str | None
    code_postal: str | None
    telephone: str | None
    email_commercial: str | None
    contact_principal: str | None
    # staff only: absent when a client reads itself
    notes_commerciales: str | None = None
    instructions_particulieres: str | None
    ice: str | None
    adresse_facturation: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @classmethod
    def of(cls, client: Client, *, staff: bool = True) -> ClientRead:
        """`staff=False`: the client's own view, without the staff-only fields."""
        user = client.user
        profile = {
            name: getattr(client, name)
            for name in ClientFields.model_fields
            if staff or name not in STAFF_ONLY
        }
        return cls(
            id=client.id,
            user_id=client.user_id,
            username=user.username,
            email=user.email,
            full_name=user.full_name,
            is_active=user.is_active,
            created_at=client.created_at,
            updated_at=client.updated_at,
            version=client.version,
            **profile,
        )


class ClientEventData(BaseModel):
    """`data` of client.created|updated|deleted."""

    id: int
    user_id: int
    username: str
    nom_entreprise: str
    email_commercial: str | None
    type_client: TypeClient
    niveau_service: NiveauService
    ville: str | None
    is_active: bool
    ice: str | None = None
    adresse_facturation: str | None = None
    email: str | None = None
    full_name: str | None = None

    @classmethod
    def of(cls, client: Client, user: User) -> ClientEventData:
        return cls(
            id=client.id,
            user_id=user.id,
            username=user.username,
            nom_entreprise=client.nom_entreprise,
            email_commercial=client.email_commercial,
            type_client=client.type_client,
            niveau_service=client.niveau_service,
            ville=client.ville,
            is_active=user.is_active,
            ice=client.ice,
            adresse_facturation=client.adresse_facturation,
            email=user.email,
            full_name=user.full_name,
        )
