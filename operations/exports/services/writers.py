"""Writing rows to a binary file, one chunk at a time: CSV, JSON and XLSX stream (XLSX through
xlsx_stream, see there why not openpyxl), the PDF attendee list is built page by page."""

import codecs
import csv
import datetime as dt
import json
from decimal import Decimal

from operations.core.pdf import pdf_fonts
from operations.exports.services.xlsx_stream import XlsxStream

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
}


def _getters(fields, resource):
    """One callable per column: a Field's dehydrate callable, else a dict lookup by attribute."""
    getters = []
    for field in fields:
        if callable(field.dehydrate_method):
            getters.append(field.dehydrate_method)
        elif field.attribute and "__" not in field.attribute:
            getters.append(lambda row, key=field.attribute: row.get(key))
        else:
            getters.append(lambda row, field=field, resource=resource: resource.export_field(field, row))
    return getters


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_csv(out, headers, rows, getters, progress):
    # A byte-order mark so that Excel reads UTF-8 names correctly.
    out.write(codecs.BOM_UTF8)
    writer = csv.writer(codecs.getwriter("utf-8")(out))
    writer.writerow(headers)
    count = 0
    for chunk in rows:
        writer.writerows([[v if (v := get(row)).__class__ is str else _text(v) for get in getters] for row in chunk])
        count += len(chunk)
        progress(count)
    return count


def write_xlsx(out, headers, rows, getters, progress, *, title="Export"):
    with XlsxStream(out, title) as sheet:
        sheet.header(headers)
        count = 0
        for chunk in rows:
            sheet.rows_write([[get(row) for get in getters] for row in chunk])
            count += len(chunk)
            progress(count)
    return count


def write_json(out, headers, keys, rows, getters, progress):
    out.write(b"[")
    count = 0
    for chunk in rows:
        parts = []
        for row in chunk:
            record = {key: get(row) for key, get in zip(keys, getters, strict=True)}
            parts.append(json.dumps(record, default=_json_default, ensure_ascii=False))
        if parts:
            out.write((("," if count else "") + "\n" + ",\n".join(parts)).encode())
        count += len(chunk)
        progress(count)
    out.write(b"\n]\n")
    return count


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)  # exact: a float would round
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def write_pdf(out, headers, rows, getters, progress, *, title="Attendees"):
    """A printable list: landscape A4, repeated header, a box to tick at the door."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    family, _ = pdf_fonts(pdf, korean=True)  # rows stream in: names in any script may come
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font(family, size=14)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=8)
    shown = min(len(headers), 6)
    width = (pdf.epw - 10) / max(shown, 1)
    count = 0

    def header():
        pdf.set_fill_color(230, 230, 230)
        pdf.cell(10, 7, "✓" if family == "Body" else "In", border=1, fill=True)
        for name in headers[:shown]:
            pdf.cell(width, 7, str(name)[:40], border=1, fill=True)
        pdf.ln()

    header()
    for chunk in rows:
        for row in chunk:
            if pdf.get_y() > pdf.h - 20:
                pdf.add_page()
                header()
            pdf.cell(10, 6, "", border=1)
            for get in getters[:shown]:
                pdf.cell(width, 6, _text(get(row))[:48], border=1)
            pdf.ln()
        count += len(chunk)
        progress(count)
    out.write(bytes(pdf.output()))
    return count
