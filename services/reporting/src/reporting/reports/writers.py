"""Writing a report's file: CSV straight from PostgreSQL (`COPY ... TO STDOUT`), Excel in
xlsxwriter's constant-memory mode, PDF with reportlab (tables, page header and footer,
bar and line charts). Rows are never all in memory; `progress(done, total)` is awaited as
the rows go by (it renews the lease and may raise to stop the work)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from reporting.reports.queries import Column, ReportQuery

Progress = Callable[[int, int], Awaitable[None]]
TZ = "Africa/Casablanca"
EXCEL_MAX_ROWS = 1_048_575  # one header row per sheet


async def count_rows(conn: psycopg.AsyncConnection[Any], query: ReportQuery) -> int:
    cur = await conn.execute(sql.SQL("SELECT count(*) FROM ({}) q").format(query.select))
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def write_csv(
    conn: psycopg.AsyncConnection[Any], query: ReportQuery, path: Path, progress: Progress
) -> None:
    total = await count_rows(conn, query)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([c.titre for c in query.columns])
    done = 0
    with path.open("wb") as out:
        out.write(b"\xef\xbb\xbf" + header.getvalue().encode())
        async with conn.cursor().copy(
            sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv)").format(query.select)
        ) as copy:
            async for chunk in copy:
                out.write(chunk)
                done += bytes(chunk).count(b"\n")
                await progress(min(done, total), total)
    await progress(total, total)


async def _rows(conn: psycopg.AsyncConnection[Any], query: ReportQuery, batch: int) -> Any:
    async with conn.cursor(name="report_rows") as cur:
        await cur.execute(query.select)
        while rows := await cur.fetchmany(batch):
            yield rows


async def series(conn: psycopg.AsyncConnection[Any], query: ReportQuery) -> list[tuple[Any, ...]]:
    cur = await conn.execute(query.series)
    return [tuple(r) for r in await cur.fetchall()]


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)  # already in Casablanca time (session time zone)
    return value


async def write_excel(
    conn: psycopg.AsyncConnection[Any],
    query: ReportQuery,
    path: Path,
    progress: Progress,
    *,
    batch: int,
) -> None:
    import xlsxwriter

    total = await count_rows(conn, query)
    chart_rows = await series(conn, query)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        bold = book.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1})
        formats = {
            "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "money": book.add_format({"num_format": "#,##0.00"}),
            "decimal": book.add_format({"num_format": "0.00"}),
        }
        col_formats = [formats.get(c.kind) for c in query.columns]

        def new_sheet(n: int) -> Any:
            sheet = book.add_worksheet(query.titre[:25] + (f" {n}" if n > 1 else ""))
            for j, column in enumerate(query.columns):
                sheet.set_column(j, j, max(12, len(column.titre) + 2))
                sheet.write(0, j, column.titre, bold)
            sheet.freeze_panes(1, 0)
            return sheet

        sheets = 1
        sheet = new_sheet(sheets)
        r = 0
        done = 0
        async for rows in _rows(conn, query, batch):
            for row in rows:
                if r >= EXCEL_MAX_ROWS:
                    sheets += 1
                    sheet = new_sheet(sheets)
                    r = 0
                r += 1
                for j, value in enumerate(row):
                    if value is None:
                        continue
                    fmt = col_formats[j]
                    if isinstance(value, dt.datetime):
                        sheet.write_datetime(r, j, _cell(value), fmt)
                    elif isinstance(value, dt.date):
                        sheet.write_datetime(r, j, value, formats["date"])
                    else:
                        sheet.write(r, j, _cell(value), fmt)
            done += len(rows)
            await progress(done, total)
        summary = book.add_worksheet("Synthèse")
        summary.write_row(0, 0, ["Mois", *query.series_titres], bold)
        summary.set_column(0, 2, 30)
        for i, (mois, a, b) in enumerate(chart_rows, start=1):
            summary.write_datetime(i, 0, mois, formats["date"])
            summary.write(i, 1, _cell(a) if a is not None else "")
            summary.write(i, 2, _cell(b) if b is not None else "")
    finally:
        book.close()
    await progress(total, total)


def _text(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        if column.kind == "money":
            return f"{value:,.2f}".replace(",", " ")
        return f"{value:.2f}"
    return str(value)


async def write_pdf(
    conn: psycopg.AsyncConnection[Any],
    query: ReportQuery,
    path: Path,
    progress: Progress,
    *,
    nom: str,
    parametres: dict[str, Any],
    batch: int,
    max_rows: int,
) -> None:
    from reporting.reports import pdf

    total = await count_rows(conn, query)
    chart_rows = await series(conn, query)
    shown = min(total, max_rows)
    rows: list[list[str]] = []
    async for chunk in _rows(conn, query, min(batch, max_rows)):
        for row in chunk:
            if len(rows) >= shown:
                break
            rows.append([_text(v, c) for v, c in zip(row, query.columns, strict=True)])
        await progress(len(rows), max(shown, 1))
        if len(rows) >= shown:
            break
    pdf.build(
        path,
        nom=nom,
        query=query,
        parametres=parametres,
        total=total,
        rows=rows,
        chart_rows=chart_rows,
    )
    await progress(max(shown, 1), max(shown, 1))
