"""Tables of the billing service: the seed's `contrats` and `factures`, their lines,
payments, credit notes (`avoirs`), the per-year numbering counters, the client replica,
closed interventions and consumed parts (the billing inputs), SLA tracking, holidays."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from billing.database import Base, pg_enum

MONEY = sa.Numeric(14, 2)
RATE = sa.Numeric(6, 4)
QTY = sa.Numeric(12, 3)
TS = sa.DateTime(timezone=True)


def _now() -> Any:
    return sa.func.now()


class TypeContrat(enum.StrEnum):
    maintenance = "maintenance"
    support = "support"
    full_service = "full_service"


class StatutContrat(enum.StrEnum):
    actif = "actif"
    expire = "expire"
    suspendu = "suspendu"
    resilie = "resilie"


class StatutFacture(enum.StrEnum):
    brouillon = "brouillon"
    envoyee = "envoyee"
    payee = "payee"
    en_retard = "en_retard"
    annulee = "annulee"


class ModePaiement(enum.StrEnum):
    virement = "virement"
    cheque = "cheque"
    especes = "especes"
    effet = "effet"


class NatureLigne(enum.StrEnum):
    main_oeuvre = "main_oeuvre"
    deplacement = "deplacement"
    piece = "piece"
    penalite_sla = "penalite_sla"
    manuelle = "manuelle"


class ClientReplica(Base):
    """auth's clients as billing needs them (ICE and billing address for article 145)."""

    __tablename__ = "clients_replica"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    nom_entreprise: Mapped[str | None] = mapped_column(sa.String(255))
    full_name: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(255))
    ice: Mapped[str | None] = mapped_column(sa.String(15))
    adresse_facturation: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)


class Contrat(Base):
    __tablename__ = "contrats"
    __table_args__ = (
        sa.CheckConstraint("date_fin >= date_debut", name="dates"),
        sa.CheckConstraint("delai_paiement_jours BETWEEN 1 AND 120", name="delai_69_21"),
        sa.CheckConstraint("nb_interventions_incluses >= 0", name="incluses"),
        sa.Index("ix_contrats_client_statut", "client_id", "statut"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    numero_contrat: Mapped[str] = mapped_column(sa.String(50), nullable=False, unique=True)
    type_contrat: Mapped[TypeContrat] = mapped_column(
        pg_enum(TypeContrat, "type_contrat"), nullable=False
    )
    statut: Mapped[StatutContrat] = mapped_column(
        pg_enum(StatutContrat, "statut_contrat"), nullable=False, default=StatutContrat.actif
    )
    date_debut: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    date_fin: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    montant: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0"))
    devise: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="MAD")
    conditions: Mapped[str | None] = mapped_column(sa.Text)
    sla_details: Mapped[str | None] = mapped_column(sa.Text)
    nb_interventions_incluses: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    nb_interventions_utilisees: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    taux_horaire: Mapped[Decimal | None] = mapped_column(MONEY)
    facturer_deplacement: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    frais_deplacement: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal(0))
    majoration_pieces: Mapped[Decimal] = mapped_column(RATE, nullable=False, default=Decimal(0))
    delai_paiement_jours: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=60)
    penalite_sla: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal(0))
    # {"haute": {"reponse_heures": "4", "resolution_heures": "16"}, ...}
    sla: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    jours_ouvres: Mapped[list[int]] = mapped_column(
        ARRAY(sa.SmallInteger), nullable=False, default=lambda: [1, 2, 3, 4, 5]
    )
    heure_debut: Mapped[dt.time] = mapped_column(sa.Time, nullable=False, default=dt.time(8, 30))
    heure_fin: Mapped[dt.time] = mapped_column(sa.Time, nullable=False, default=dt.time(17, 30))
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        TS, nullable=False, server_default=_now(), onupdate=_now()
    )


class InterventionCloturee(Base):
    """Each closed intervention once: the quota count and the billing decision."""

    __tablename__ = "interventions_cloturees"
    intervention_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    contrat_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing.contrats.id"))
    dans_quota: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    facturable: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    sous_garantie: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    duree_reelle: Mapped[Decimal] = mapped_column(QTY, nullable=False, default=Decimal(0))
    cloturee_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False)


class PieceConsommee(Base):
    """`piece.consommee` events, kept until (and after) their intervention is billed."""

    __tablename__ = "pieces_consommees"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    intervention_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    client_id: Mapped[int | None] = mapped_column(sa.Integer)
    piece_id: Mapped[int | None] = mapped_column(sa.Integer)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    nom: Mapped[str | None] = mapped_column(sa.String(255))
    quantite: Mapped[Decimal] = mapped_column(QTY, nullable=False)
    prix_unitaire: Mapped[Decimal] = mapped_column(MONEY, nullable=False)


class Facture(Base):
    __tablename__ = "factures"
    __table_args__ = (
        sa.Index(
            "uq_factures_brouillon_auto",
            "client_id",
            unique=True,
            postgresql_where=sa.text("statut = 'brouillon' AND automatique"),
        ),
        sa.Index("ix_factures_client", "client_id", "id"),
        sa.Index(
            "ix_factures_echeance",
            "date_echeance",
            postgresql_where=sa.text("statut = 'envoyee'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    contrat_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing.contrats.id"))
    numero_facture: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    statut: Mapped[StatutFacture] = mapped_column(
        pg_enum(StatutFacture, "statut_facture"),
        nullable=False,
        default=StatutFacture.brouillon,
    )
    automatique: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    date_emission: Mapped[dt.date | None] = mapped_column(sa.Date)
    date_echeance: Mapped[dt.date | None] = mapped_column(sa.Date)
    date_paiement: Mapped[dt.date | None] = mapped_column(sa.Date)
    delai_paiement_jours: Mapped[int | None] = mapped_column(sa.Integer)
    montant_ht: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0.00"))
    taux_tva: Mapped[Decimal] = mapped_column(RATE, nullable=False, default=Decimal("0.20"))
    montant_tva: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0.00"))
    montant_ttc: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0.00"))
    montant_paye: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0.00"))
    montant_avoirs: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0.00"))
    devise: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="MAD")
    description: Mapped[str | None] = mapped_column(sa.Text)
    mode_paiement: Mapped[str | None] = mapped_column(sa.String(20))
    # the client block, frozen at emission (an issued invoice never changes)
    client_nom: Mapped[str | None] = mapped_column(sa.String(255))
    client_ice: Mapped[str | None] = mapped_column(sa.String(15))
    client_adresse: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        TS, nullable=False, server_default=_now(), onupdate=_now()
    )

    @property
    def solde(self) -> Decimal:
        """What is left to pay: TTC minus credit notes minus payments."""
        return self.montant_ttc - self.montant_avoirs - self.montant_paye


class _Ligne:
    id: Mapped[int] = mapped_column(primary_key=True)
    nature: Mapped[NatureLigne] = mapped_column(
        pg_enum(NatureLigne, "nature_ligne"), nullable=False, default=NatureLigne.manuelle
    )
    intervention_id: Mapped[int | None] = mapped_column(sa.Integer)
    designation: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    quantite: Mapped[Decimal] = mapped_column(QTY, nullable=False)
    prix_unitaire: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    taux_tva: Mapped[Decimal] = mapped_column(RATE, nullable=False)
    montant_ht: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    montant_tva: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    montant_ttc: Mapped[Decimal] = mapped_column(MONEY, nullable=False)


class LigneFacture(_Ligne, Base):
    __tablename__ = "lignes_facture"
    facture_id: Mapped[int] = mapped_column(
        sa.ForeignKey("billing.factures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # what produced an automatic line ("mo:42", "piece:7", "sla:42:resolution"): once only
    source: Mapped[str | None] = mapped_column(sa.String(100), unique=True)


class Paiement(Base):
    __tablename__ = "paiements"
    __table_args__ = (sa.CheckConstraint("montant > 0", name="positif"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    facture_id: Mapped[int] = mapped_column(
        sa.ForeignKey("billing.factures.id"), nullable=False, index=True
    )
    date_paiement: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    montant: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    mode_paiement: Mapped[ModePaiement] = mapped_column(
        pg_enum(ModePaiement, "mode_paiement"), nullable=False
    )
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=_now())


class Avoir(Base):
    __tablename__ = "avoirs"
    id: Mapped[int] = mapped_column(primary_key=True)
    numero_avoir: Mapped[str] = mapped_column(sa.String(20), nullable=False, unique=True)
    facture_id: Mapped[int] = mapped_column(
        sa.ForeignKey("billing.factures.id"), nullable=False, index=True
    )
    client_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    date_emission: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    motif: Mapped[str] = mapped_column(sa.Text, nullable=False)
    montant_ht: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    montant_tva: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    montant_ttc: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    devise: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="MAD")
    client_nom: Mapped[str | None] = mapped_column(sa.String(255))
    client_ice: Mapped[str | None] = mapped_column(sa.String(15))
    client_adresse: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(TS, nullable=False, server_default=_now())


class LigneAvoir(_Ligne, Base):
    __tablename__ = "lignes_avoir"
    avoir_id: Mapped[int] = mapped_column(
        sa.ForeignKey("billing.avoirs.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Compteur(Base):
    """The last number given in a series (`FAC`, `AV`) and year; its row is locked by the
    emitting transaction, so numbers are gapless and in commit order."""

    __tablename__ = "compteurs"
    serie: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    annee: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    dernier: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class SlaSuivi(Base):
    """The SLA clocks of one covered intervention."""

    __tablename__ = "sla_suivis"
    __table_args__ = (
        sa.Index("ix_sla_ouverts", "intervention_id", postgresql_where=sa.text("ouvert")),
    )
    intervention_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    contrat_id: Mapped[int] = mapped_column(sa.ForeignKey("billing.contrats.id"), nullable=False)
    client_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    priorite: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    date_creation: Mapped[dt.datetime] = mapped_column(TS, nullable=False)
    date_prise_en_charge: Mapped[dt.datetime | None] = mapped_column(TS)
    date_cloture: Mapped[dt.datetime | None] = mapped_column(TS)
    pause_debut: Mapped[dt.datetime | None] = mapped_column(TS)
    pauses: Mapped[list[list[str]]] = mapped_column(JSONB, nullable=False, default=list)
    echeance_reponse: Mapped[dt.datetime | None] = mapped_column(TS)
    echeance_resolution: Mapped[dt.datetime | None] = mapped_column(TS)
    risque_reponse: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    risque_resolution: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    depasse_reponse: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    depasse_resolution: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    ouvert: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class JourFerie(Base):
    """Overrides of the library's Moroccan holidays: `ferie` adds (True) or removes a date."""

    __tablename__ = "jours_feries"
    date: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    nom: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    ferie: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
