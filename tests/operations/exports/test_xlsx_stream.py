"""The streaming XLSX writer: what openpyxl reads back is what was written, typed."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from operations.exports.services.xlsx_stream import XlsxStream


def test_values_come_back_with_their_types_and_text_is_escaped():
    buffer = io.BytesIO()
    with XlsxStream(buffer, "Attendees: list/1") as sheet:
        sheet.header(["text", "money", "count", "ratio", "when", "day", "flag", "empty"])
        sheet.row(["Kim & <Co>\x01 ", Decimal("15000.500"), 3, 0.25, dt.datetime(2026, 11, 22, 9, 30, 15),
                   dt.date(2026, 11, 22), True, None])
        sheet.row(["김민지"] + [None] * 7)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["Attendees  list 1"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("text", "money", "count", "ratio", "when", "day", "flag", "empty")
    assert rows[1][:4] == ("Kim & <Co> ", 15000.5, 3, 0.25)
    assert rows[1][4] == dt.datetime(2026, 11, 22, 9, 30, 15)
    assert rows[1][5] == dt.datetime(2026, 11, 22) and rows[1][6] is True and rows[1][7] is None
    assert rows[2][0] == "김민지"
