"""What each report type contains: its columns, its detail rows' SELECT and the monthly
series its PDF charts. Parameters are bound as literals (psycopg.sql), so the same SELECT
serves `COPY (...) TO STDOUT` and a server-side cursor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from reporting.database import SCHEMA
from reporting.stats.repository import window

S = sql.Identifier(SCHEMA)
HOURS = "coalesce(i.heures_travail, i.duree_reelle)"


@dataclass(frozen=True, slots=True)
class Column:
    titre: str
    kind: str = "text"  # text, int, decimal, money, datetime, date


@dataclass(frozen=True, slots=True)
class ReportQuery:
    titre: str
    columns: tuple[Column, ...]
    select: sql.Composed  # detail rows, in column order
    series: sql.Composed  # (mois date, barre numeric, ligne numeric)
    series_titres: tuple[str, str]


def _lit(value: Any) -> sql.Literal:
    return sql.Literal(value)


def _window(p: dict[str, Any], column: str) -> sql.Composable:
    parts: list[sql.Composable] = []
    du = dt.date.fromisoformat(p["du"]) if p.get("du") else None
    au = dt.date.fromisoformat(p["au"]) if p.get("au") else None
    if du or au:
        start, end = window(du or dt.date(1970, 1, 1), au or dt.date(9000, 1, 1))
        if du:
            parts.append(sql.SQL(" AND {} >= {}").format(sql.SQL(column), _lit(start)))
        if au:
            parts.append(sql.SQL(" AND {} < {}").format(sql.SQL(column), _lit(end)))
    return sql.Composed(parts)


def _eq(p: dict[str, Any], fields: dict[str, str]) -> sql.Composable:
    return sql.Composed(
        [
            sql.SQL(" AND {} = {}").format(sql.SQL(column), _lit(p[name]))
            for name, column in fields.items()
            if p.get(name) is not None
        ]
    )


MONTH = "date_trunc('month', {} AT TIME ZONE 'Africa/Casablanca')::date"

INTERVENTION_COLUMNS = (
    Column("N°", "int"),
    Column("Titre"),
    Column("Type"),
    Column("Statut"),
    Column("Priorité"),
    Column("Client"),
    Column("Équipement"),
    Column("Technicien"),
    Column("Créée le", "datetime"),
    Column("Clôturée le", "datetime"),
    Column("Heures de travail", "decimal"),
    Column("Coût réel (MAD)", "money"),
)


def _interventions(p: dict[str, Any], titre: str) -> ReportQuery:
    where = sql.Composed(
        [
            _window(p, "i.date_creation"),
            _eq(
                p,
                {
                    "client_id": "i.client_id",
                    "technicien_id": "i.technicien_id",
                    "equipement_id": "i.equipement_id",
                    "statut": "i.statut",
                    "priorite": "i.priorite",
                    "type_intervention": "i.type_intervention",
                },
            ),
        ]
    )
    select = sql.SQL(
        "SELECT i.id, i.titre, i.type_intervention, i.statut, i.priorite, c.nom_entreprise,"
        " e.nom, t.full_name, date_trunc('second', i.date_creation),"
        " date_trunc('second', i.date_fin), " + HOURS + ", i.cout_reel"
        " FROM {s}.rm_interventions i"
        " LEFT JOIN {s}.rm_clients c ON c.id = i.client_id"
        " LEFT JOIN {s}.rm_equipements e ON e.id = i.equipement_id"
        " LEFT JOIN {s}.rm_techniciens t ON t.id = i.technicien_id"
        " WHERE true{w} ORDER BY i.id"
    ).format(s=S, w=where)
    series = sql.SQL(
        "SELECT " + MONTH.format("i.date_fin") + " AS mois, count(*),"
        " round(avg(" + HOURS + ") FILTER (WHERE i.type_intervention = 'corrective'), 2)"
        " FROM {s}.rm_interventions i"
        " WHERE i.statut IN ('cloturee', 'archivee') AND i.date_fin IS NOT NULL{w}"
        " GROUP BY 1 ORDER BY 1"
    ).format(s=S, w=where)
    return ReportQuery(
        titre,
        INTERVENTION_COLUMNS,
        select,
        series,
        ("Interventions clôturées par mois", "MTTR (heures) par mois"),
    )


def _performance(p: dict[str, Any]) -> ReportQuery:
    closed = sql.Composed([_window(p, "i.date_fin")])
    techs = _eq(p, {"technicien_id": "t.id"})
    select = sql.SQL(
        "SELECT t.id, t.full_name, t.equipe, count(i.id),"
        " coalesce(sum(" + HOURS + "), 0),"
        " round(avg(" + HOURS + ") FILTER (WHERE i.type_intervention = 'corrective'), 2),"
        " round(count(i.id) FILTER (WHERE i.date_fin <= i.date_limite)::numeric"
        "   / nullif(count(i.id) FILTER (WHERE i.date_limite IS NOT NULL), 0), 4),"
        " round(avg(i.satisfaction_client), 2)"
        " FROM {s}.rm_techniciens t LEFT JOIN {s}.rm_interventions i"
        " ON i.technicien_id = t.id AND i.statut IN ('cloturee', 'archivee'){c}"
        " WHERE NOT t.supprime{t} GROUP BY t.id, t.full_name, t.equipe ORDER BY t.id"
    ).format(s=S, c=closed, t=techs)
    series = sql.SQL(
        "SELECT " + MONTH.format("i.date_fin") + " AS mois, count(*),"
        " round(avg(" + HOURS + ") FILTER (WHERE i.type_intervention = 'corrective'), 2)"
        " FROM {s}.rm_interventions i"
        " WHERE i.statut IN ('cloturee', 'archivee') AND i.date_fin IS NOT NULL"
        " AND i.technicien_id IS NOT NULL{c}{t} GROUP BY 1 ORDER BY 1"
    ).format(s=S, c=closed, t=_eq(p, {"technicien_id": "i.technicien_id"}))
    columns = (
        Column("N°", "int"),
        Column("Technicien"),
        Column("Équipe"),
        Column("Interventions clôturées", "int"),
        Column("Heures de travail", "decimal"),
        Column("MTTR (heures)", "decimal"),
        Column("Taux à temps", "decimal"),
        Column("Satisfaction moyenne", "decimal"),
    )
    return ReportQuery(
        "Performance des techniciens",
        columns,
        select,
        series,
        ("Interventions clôturées par mois", "MTTR (heures) par mois"),
    )


def _stock(p: dict[str, Any]) -> ReportQuery:
    consumed = _window(p, "pc.occurred_at")
    seuil = sql.SQL(" AND p.stock_disponible <= p.stock_minimum" if p.get("sous_seuil") else "")
    select = sql.SQL(
        "SELECT p.id, p.reference, p.nom, p.stock_disponible, p.stock_minimum,"
        " coalesce(sum(pc.quantite), 0), coalesce(sum(pc.montant), 0)"
        " FROM {s}.rm_pieces p LEFT JOIN {s}.rm_pieces_consommees pc"
        " ON pc.piece_id = p.id{c} WHERE p.actif{seuil}"
        " GROUP BY p.id ORDER BY p.reference NULLS LAST, p.id"
    ).format(s=S, c=consumed, seuil=seuil)
    series = sql.SQL(
        "SELECT " + MONTH.format("pc.occurred_at") + " AS mois, sum(pc.montant),"
        " sum(pc.quantite) FROM {s}.rm_pieces_consommees pc WHERE true{c}"
        " GROUP BY 1 ORDER BY 1"
    ).format(s=S, c=consumed)
    columns = (
        Column("N°", "int"),
        Column("Référence"),
        Column("Pièce"),
        Column("Stock disponible", "decimal"),
        Column("Stock minimum", "decimal"),
        Column("Quantité consommée", "decimal"),
        Column("Montant consommé (MAD)", "money"),
    )
    return ReportQuery(
        "État du stock",
        columns,
        select,
        series,
        ("Consommation par mois (MAD)", "Quantités consommées par mois"),
    )


def _facturation(p: dict[str, Any]) -> ReportQuery:
    where = sql.Composed(
        [_window(p, "f.date_emission"), _eq(p, {"client_id": "f.client_id", "statut": "f.statut"})]
    )
    select = sql.SQL(
        "SELECT f.kind, f.numero, c.nom_entreprise, f.date_emission, f.date_echeance,"
        " f.statut, f.montant_ht, f.montant_tva, f.montant_ttc, f.date_paiement"
        " FROM {s}.rm_factures f LEFT JOIN {s}.rm_clients c ON c.id = f.client_id"
        " WHERE true{w} ORDER BY f.date_emission, f.kind, f.id"
    ).format(s=S, w=where)
    series = sql.SQL(
        "SELECT " + MONTH.format("f.date_emission") + " AS mois,"
        " sum(f.montant_ttc) FILTER (WHERE f.kind = 'facture'"
        "   AND f.statut IS DISTINCT FROM 'annulee'),"
        " sum(f.montant_ttc) FILTER (WHERE f.kind = 'facture' AND f.date_paiement IS NOT NULL)"
        " FROM {s}.rm_factures f WHERE f.date_emission IS NOT NULL{w} GROUP BY 1 ORDER BY 1"
    ).format(s=S, w=where)
    columns = (
        Column("Pièce"),
        Column("Numéro"),
        Column("Client"),
        Column("Émise le", "datetime"),
        Column("Échéance", "datetime"),
        Column("Statut"),
        Column("Montant HT (MAD)", "money"),
        Column("TVA (MAD)", "money"),
        Column("Montant TTC (MAD)", "money"),
        Column("Payée le", "datetime"),
    )
    return ReportQuery(
        "Facturation",
        columns,
        select,
        series,
        ("Facturé TTC par mois (MAD)", "Dont payé (MAD)"),
    )


def report_query(type_report: str, parametres: dict[str, Any]) -> ReportQuery:
    if type_report == "interventions":
        return _interventions(parametres, "Interventions")
    if type_report == "performance":
        return _performance(parametres)
    if type_report == "stock":
        return _stock(parametres)
    if type_report == "facturation":
        return _facturation(parametres)
    if type_report == "client":
        return _interventions(parametres, "Rapport client")
    raise ValueError(f"unknown report type {type_report}")
