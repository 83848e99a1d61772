"""The `clients` table: the client-company profile of a user (one-to-one)."""

from __future__ import annotations

import sqlalchemy as sa
from shared.db import Versioned
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Base, NiveauService, NiveauServiceType, TypeClient, TypeClientType
from auth.users.models import User


class Client(Versioned, Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(sa.Integer, sa.Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("auth.users.id", ondelete="CASCADE"), unique=True
    )
    nom_entreprise: Mapped[str] = mapped_column(sa.String(200))
    secteur_activite: Mapped[str | None] = mapped_column(sa.String(100))
    type_client: Mapped[TypeClient] = mapped_column(
        TypeClientType, default=TypeClient.standard, server_default="standard"
    )
    niveau_service: Mapped[NiveauService] = mapped_column(
        NiveauServiceType, default=NiveauService.standard, server_default="standard"
    )
    adresse: Mapped[str | None] = mapped_column(sa.Text)
    ville: Mapped[str | None] = mapped_column(sa.String(100))
    code_postal: Mapped[str | None] = mapped_column(sa.String(20))
    telephone: Mapped[str | None] = mapped_column(sa.String(30))
    email_commercial: Mapped[str | None] = mapped_column(sa.String(254))
    contact_principal: Mapped[str | None] = mapped_column(sa.String(200))
    notes_commerciales: Mapped[str | None] = mapped_column(sa.Text)
    instructions_particulieres: Mapped[str | None] = mapped_column(sa.Text)
    # billing identity: the Identifiant Commun de l'Entreprise (15 digits), the address
    # invoices carry
    ice: Mapped[str | None] = mapped_column(sa.String(15))
    adresse_facturation: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship(lazy="raise", innerjoin=True)
