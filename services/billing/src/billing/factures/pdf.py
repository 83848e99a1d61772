"""Invoices and credit notes as PDF (reportlab), in French, with the mentions of article
145 of the Code Général des Impôts: the company's raison sociale, address, ICE, IF, RC
and its city, taxe professionnelle, CNSS, capital; the client's name, address and ICE;
number and date; each line; HT, TVA per rate and TTC; the amount in words; the due date,
the payment terms and the late-payment penalty clause (law 69-21); page numbers."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.config import Settings
from billing.money import totals as compute_totals
from billing.words import montant_en_lettres


def fmt_money(value: Decimal) -> str:
    """1234567.5 -> "1 234 567,50" (French grouping with a narrow space)."""
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return text


def fmt_rate(value: Decimal) -> str:
    pct = (value * 100).normalize()
    return f"{pct:f}".replace(".", ",") + " %"


def fmt_qty(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def fmt_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "-"


class _NumberedCanvas(rl_canvas.Canvas):
    """Writes "<document> - Page n / N" on every page once the total is known."""

    label = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.drawRightString(
                A4[0] - 15 * mm, 10 * mm, f"{self.label}Page {self._pageNumber} / {total}"
            )
            super().showPage()
        super().save()


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=16, spaceAfter=4),
        "normal": ParagraphStyle("n", parent=base["Normal"], fontSize=9, leading=11),
        "small": ParagraphStyle("s", parent=base["Normal"], fontSize=7.5, leading=9),
        "right": ParagraphStyle("r", parent=base["Normal"], fontSize=9, alignment=TA_RIGHT),
        "bold": ParagraphStyle("b", parent=base["Normal"], fontSize=9, fontName="Helvetica-Bold"),
    }


def _company(s: Settings) -> list[str]:
    return [
        f"<b>{escape(s.societe_raison_sociale)}</b>",
        escape(s.societe_adresse),
        f"ICE : {escape(s.societe_ice)}",
        f"IF : {escape(s.societe_if)}",
        f"RC : {escape(s.societe_rc)} ({escape(s.societe_rc_ville)})",
        f"Taxe professionnelle : {escape(s.societe_tp)}",
        f"CNSS : {escape(s.societe_cnss)}",
        f"Capital social : {escape(s.societe_capital)}",
    ]


def render(
    *,
    kind: str,  # "FACTURE" or "AVOIR"
    numero: str | None,
    date_emission: dt.date | None,
    client_nom: str,
    client_adresse: str,
    client_ice: str | None,
    lignes: list[Any],
    devise: str,
    settings: Settings,
    date_echeance: dt.date | None = None,
    delai_jours: int | None = None,
    reference: str | None = None,
    motif: str | None = None,
    taux_directeur: Decimal | None = None,
) -> bytes:
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"{kind.title()} {numero or 'brouillon'}",
        author=settings.societe_raison_sociale,
    )
    story: list[Any] = []
    client_lines = [
        "<b>Client</b>",
        f"<b>{escape(client_nom)}</b>",
        escape(client_adresse or "").replace("\n", "<br/>") or "Adresse non renseignée",
        f"ICE client : {escape(client_ice or 'non renseigné')}",
    ]
    head = Table(
        [
            [
                Paragraph("<br/>".join(_company(settings)), st["normal"]),
                Paragraph("<br/>".join(client_lines), st["normal"]),
            ]
        ],
        colWidths=[95 * mm, 85 * mm],
    )
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (1, 0), (1, 0), 0.5, colors.grey),
                ("LEFTPADDING", (1, 0), (1, 0), 6),
            ]
        )
    )
    story += [head, Spacer(1, 6 * mm)]
    title = "FACTURE" if kind == "FACTURE" else "FACTURE D'AVOIR"
    story.append(Paragraph(f"{title} N° {escape(numero or 'BROUILLON')}", st["title"]))
    meta = [f"Date d'émission : {fmt_date(date_emission)}"]
    if kind == "FACTURE":
        meta.append(f"Date d'échéance : {fmt_date(date_echeance)}")
    if reference:
        meta.append(f"Facture d'origine : {escape(reference)}")
    if motif:
        meta.append(f"Motif : {escape(motif)}")
    story += [Paragraph(" &nbsp;&nbsp; ".join(meta), st["normal"]), Spacer(1, 4 * mm)]

    rows: list[list[Any]] = [["Désignation", "Qté", "P.U. HT", "TVA", "Montant HT"]]
    for ln in lignes:
        rows.append(
            [
                Paragraph(escape(ln.designation), st["normal"]),
                fmt_qty(ln.quantite),
                fmt_money(ln.prix_unitaire),
                fmt_rate(ln.taux_tva),
                fmt_money(ln.montant_ht),
            ]
        )
    table = Table(rows, colWidths=[92 * mm, 18 * mm, 26 * mm, 18 * mm, 26 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]

    t = compute_totals((ln.montant_ht, ln.taux_tva) for ln in lignes)
    sums: list[list[str]] = [["Total HT", f"{fmt_money(t.montant_ht)} {devise}"]]
    for taux, (base, tva) in t.tva_par_taux.items():
        sums.append(
            [f"TVA {fmt_rate(taux)} (base {fmt_money(base)})", f"{fmt_money(tva)} {devise}"]
        )
    sums.append(["Total TVA", f"{fmt_money(t.montant_tva)} {devise}"])
    sums.append(["Total TTC", f"{fmt_money(t.montant_ttc)} {devise}"])
    totals_table = Table(sums, colWidths=[60 * mm, 40 * mm], hAlign="RIGHT")
    totals_table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    story += [totals_table, Spacer(1, 4 * mm)]
    words = montant_en_lettres(t.montant_ttc)
    phrase = "Arrêtée la présente facture" if kind == "FACTURE" else "Arrêté le présent avoir"
    story.append(Paragraph(f"{phrase} à la somme de : <b>{escape(words)}</b> TTC.", st["normal"]))
    story.append(Spacer(1, 4 * mm))
    if kind == "FACTURE":
        rate = fmt_rate(taux_directeur) if taux_directeur is not None else "le taux directeur"
        story.append(
            Paragraph(
                f"<b>Conditions de paiement</b> : paiement à {delai_jours or 60} jours à compter "
                f"de la date d'émission, au plus tard le {fmt_date(date_echeance)}, par virement "
                f"sur le RIB {escape(settings.societe_rib)}, par chèque, effet ou en espèces.",
                st["normal"],
            )
        )
        story.append(
            Paragraph(
                "<b>Pénalités de retard</b> (loi n° 69-21 modifiant la loi n° 15-95 formant "
                f"code de commerce) : tout retard de paiement entraîne de plein droit des "
                f"pénalités au taux directeur de Bank Al-Maghrib ({rate}) pour le premier mois "
                "de retard, majoré de 0,85 % pour chaque mois ou fraction de mois "
                "supplémentaire, appliqué au montant restant dû.",
                st["normal"],
            )
        )
    else:
        story.append(
            Paragraph(
                "Cet avoir est imputé sur la facture d'origine ou remboursé au client.",
                st["normal"],
            )
        )
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            " - ".join(
                [
                    escape(settings.societe_raison_sociale),
                    f"ICE {escape(settings.societe_ice)}",
                    f"IF {escape(settings.societe_if)}",
                    f"RC {escape(settings.societe_rc)} {escape(settings.societe_rc_ville)}",
                    f"TP {escape(settings.societe_tp)}",
                    f"CNSS {escape(settings.societe_cnss)}",
                    f"RIB {escape(settings.societe_rib)}",
                ]
            ),
            st["small"],
        )
    )
    label = f"{title.title()} {numero or 'brouillon'} - "
    canvas_class = type("_Canvas", (_NumberedCanvas,), {"label": label})
    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()
