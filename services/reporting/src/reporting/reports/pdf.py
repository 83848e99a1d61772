"""The PDF layout (reportlab): page header and footer, a summary, two charts of the
monthly series (bars, then a line), and the detail table repeated headers on each page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reporting.reports.queries import ReportQuery

PAGE = landscape(A4)
BLUE = colors.HexColor("#1F3B63")
LIGHT = colors.HexColor("#EEF2F7")
MOIS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def _mois(d: dt.date) -> str:
    return f"{MOIS[d.month - 1]} {d.year % 100:02d}"


def _chart(title: str, labels: list[str], values: list[float], kind: str) -> Drawing:
    width, height = PAGE[0] - 4 * cm, 6.5 * cm
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, title, fontName="Helvetica-Bold", fontSize=10))
    chart: Any = VerticalBarChart() if kind == "bar" else HorizontalLineChart()
    chart.x, chart.y = 40, 30
    chart.width, chart.height = width - 60, height - 60
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or ["—"]
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(labels) > 12 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 12 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    top = max(values) if values else 0
    chart.valueAxis.valueMax = top * 1.15 if top else 1
    if kind == "bar":
        chart.bars[0].fillColor = BLUE
    else:
        chart.lines[0].strokeColor = colors.HexColor("#C0392B")
        chart.lines[0].strokeWidth = 2
    drawing.add(chart)
    return drawing


def build(
    path: Path,
    *,
    nom: str,
    query: ReportQuery,
    parametres: dict[str, Any],
    total: int,
    rows: list[list[str]],
    chart_rows: list[tuple[Any, ...]],
) -> None:
    styles = getSampleStyleSheet()
    generated = dt.datetime.now(ZoneInfo("Africa/Casablanca")).strftime("%d/%m/%Y %H:%M")

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(BLUE)
        canvas.rect(0, PAGE[1] - 1.2 * cm, PAGE[0], 1.2 * cm, fill=1, stroke=0)
        canvas.setFillColor(colors.white)
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(1.5 * cm, PAGE[1] - 0.8 * cm, f"MIF Maroc — {query.titre}")
        canvas.setFont("Helvetica", 9)
        canvas.drawRightString(PAGE[0] - 1.5 * cm, PAGE[1] - 0.8 * cm, nom[:90])
        canvas.setFillColor(colors.grey)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(1.5 * cm, 0.8 * cm, f"Généré le {generated} (heure de Casablanca)")
        canvas.drawRightString(PAGE[0] - 1.5 * cm, 0.8 * cm, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=PAGE,
        topMargin=1.8 * cm,
        bottomMargin=1.5 * cm,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        title=nom,
        author="MIF Maroc",
    )
    story: list[Any] = [Paragraph(escape(nom), styles["Title"])]
    params = ", ".join(f"{k} : {v}" for k, v in sorted(parametres.items())) or "aucun"
    story.append(Paragraph(f"Paramètres : {escape(params)}", styles["Normal"]))
    story.append(Paragraph(f"Nombre de lignes : {total}", styles["Normal"]))
    story.append(Spacer(1, 0.4 * cm))
    labels = [_mois(r[0]) for r in chart_rows]
    story.append(
        _chart(query.series_titres[0], labels, [float(r[1] or 0) for r in chart_rows], "bar")
    )
    story.append(Spacer(1, 0.3 * cm))
    story.append(
        _chart(query.series_titres[1], labels, [float(r[2] or 0) for r in chart_rows], "line")
    )
    story.append(Spacer(1, 0.4 * cm))
    if len(rows) < total:
        story.append(
            Paragraph(
                f"Les {len(rows)} premières lignes sur {total} ;"
                " l'export CSV ou Excel contient tout.",
                styles["Italic"],
            )
        )
    small = styles["BodyText"].clone("cell", fontSize=7, leading=8)
    head = styles["BodyText"].clone(
        "head", fontSize=7, leading=8, textColor=colors.white, fontName="Helvetica-Bold"
    )
    data = [[Paragraph(escape(c.titre), head) for c in query.columns]]
    data += [[Paragraph(escape(v), small) for v in row] for row in rows]
    if not rows:
        data.append([Paragraph("Aucune donnée", small)] + [""] * (len(query.columns) - 1))
    table = Table(
        data,
        repeatRows=1,
        hAlign="LEFT",
        colWidths=[(PAGE[0] - 3 * cm) / len(query.columns)] * len(query.columns),
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, LIGHT]),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B8C4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
