"""The `parametres` each report type accepts (unknown keys are refused: 422)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from shared.errors import Problem

Id = Annotated[int, Field(ge=1, le=2**62)]
StatutIntervention = Literal[
    "ouverte", "affectee", "en_cours", "en_attente", "cloturee", "annulee", "archivee"
]
Priorite = Literal["urgente", "haute", "normale", "basse", "programmee"]
TypeIntervention = Literal["corrective", "preventive", "ameliorative", "diagnostic"]


class _Periode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    du: dt.date | None = None
    au: dt.date | None = None

    @model_validator(mode="after")
    def _ordre(self) -> _Periode:
        if self.du and self.au and self.du > self.au:
            raise ValueError("du must not be after au")
        for d in (self.du, self.au):
            if d is not None and not 1970 <= d.year <= 9000:
                raise ValueError("dates must be between 1970 and 9000")
        return self


class ParametresInterventions(_Periode):
    client_id: Id | None = None
    technicien_id: Id | None = None
    equipement_id: Id | None = None
    statut: StatutIntervention | None = None
    priorite: Priorite | None = None
    type_intervention: TypeIntervention | None = None


class ParametresPerformance(_Periode):
    technicien_id: Id | None = None


class ParametresStock(_Periode):
    sous_seuil: bool = False


class ParametresFacturation(_Periode):
    client_id: Id | None = None
    statut: Literal["brouillon", "emise", "payee", "en_retard", "annulee"] | None = None


class ParametresClient(_Periode):
    client_id: Id


PARAMETRES: dict[str, type[_Periode]] = {
    "interventions": ParametresInterventions,
    "performance": ParametresPerformance,
    "stock": ParametresStock,
    "facturation": ParametresFacturation,
    "client": ParametresClient,
}


def validate_parametres(type_report: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The parameters, checked against the type's model, JSON-ready; 422 with the reasons."""
    try:
        model = PARAMETRES[type_report].model_validate(raw)
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(["parametres", *(str(p) for p in e["loc"])]),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        raise Problem(422, f"invalid parametres for a {type_report} report", errors=errors) from exc
    return model.model_dump(mode="json", exclude_none=True)
