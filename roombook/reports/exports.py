"""The report's tables as CSV and XLSX, as a German office reads them.

CSV: `;`-separated, a decimal comma, dates as TT.MM.JJJJ, UTF-8 with a BOM (so that Excel reads the umlauts);
a text cell starting with = + - @ (or a tab or carriage return) gets a leading apostrophe, so that no
spreadsheet runs it as a formula. XLSX (openpyxl): one sheet per table, numbers as numbers, dates as dates,
and every text cell stored as text, never as a formula.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from roombook.reports.council import Marker, Report, Table

# openpyxl (which imports NumPy) is imported where a workbook is written, so only that worker loads it
if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _head(report: Report) -> list[list[str]]:
    return [[str(_l("Bericht an den Rat")), f"{report.first:%d.%m.%Y}", f"{report.last:%d.%m.%Y}"]]


def report_csv(report: Report, only: str | None = None) -> bytes:
    """The tables (or the one named `only`) as one CSV: with several, each under its title, a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    tables = [report.tables[only]] if only else [t for t in report.tables.values() if not t.page_only]
    if not only:
        writer.writerows(_head(report))
        writer.writerow([])
    for table in tables:
        if not only:
            writer.writerow([_csv_cell(str(table.title))])
        writer.writerow([_csv_cell(str(c.label)) for c in table.columns])
        writer.writerows([[_csv_cell(v) for v in row] for row in table.rows])
        if not only:
            writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell | None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if value is None:
        return None
    if isinstance(value, (Marker, str)) or not isinstance(value, (int, float, dt.date)):
        cell = WriteOnlyCell(sheet, value=str(value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD.MM.YYYY"
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, float):
            cell.number_format = "0.00"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(book: Workbook, table: Table) -> None:
    sheet = book.create_sheet(table.key[:31])
    sheet.freeze_panes = "B2"
    sheet.append([_xlsx_cell(sheet, str(column.label), bold=True) for column in table.columns])
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])


def report_xlsx(report: Report) -> bytes:
    """The report as a workbook (written as it goes: a city's report has tens of thousands of cells): a first
    sheet naming it, then one sheet per table."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    cover = book.create_sheet("bericht")
    tables = [t for t in report.tables.values() if not t.page_only]
    for row in [*_head(report), *[[str(table.title), table.key] for table in tables]]:
        cover.append([_xlsx_cell(cover, value) for value in row])
    for table in tables:
        _sheet(book, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
