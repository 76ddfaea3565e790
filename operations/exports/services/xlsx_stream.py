"""A streaming XLSX writer for large exports: rows go straight into the zipped sheet XML.

openpyxl's write-only mode keeps memory flat but spends ~12 µs per cell serialising through an
element tree (100,000 attendees × 23 columns took 45 s, the target is 30 s). This writes the same
minimal SpreadsheetML by string formatting: inline strings, numbers exact from Decimal, dates as
serial numbers with a date-time format, one worksheet. Files open in Excel, LibreOffice and
openpyxl (which the tests use to read them back with their types).
"""

import datetime as dt
import re
import zipfile
from decimal import Decimal

_EPOCH = dt.datetime(1899, 12, 30)
# One pass per string: escape markup and drop the control characters XML 1.0 does not allow.
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                       **{chr(c): None for c in [*range(0, 9), 11, 12, *range(14, 32)]}})
_DATE_STYLE, _DATETIME_STYLE = 1, 2

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
_SHEET_START = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>"""
_SHEET_END = "</sheetData></worksheet>"


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    return value.translate(_TEXT)


class XlsxStream:
    """with XlsxStream(out, title) as sheet: sheet.row([...]) … (out: a binary file)."""

    def __init__(self, out, title: str = "Export"):
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3)
        self.title = _text(re.sub(r"[\\/?*\[\]:]", " ", title)[:31] or "Export")
        self.rows = 0
        self.columns: list[str] = []

    def __enter__(self):
        self.sheet = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.sheet.write(_SHEET_START.encode())
        return self

    def header(self, names: list[str]) -> None:
        self._row(names, style=' s="3"')

    def row(self, values) -> None:
        self._row(values)

    def rows_write(self, rows) -> None:
        for values in rows:
            self._row(values)

    def _row(self, values, style="") -> None:
        self.rows += 1
        n = self.rows
        if len(values) > len(self.columns):
            self.columns = [_column(i) for i in range(len(values))]
        parts = [f'<row r="{n}">']
        append = parts.append
        for col, value in zip(self.columns, values, strict=False):
            if value is None or value == "":
                continue
            ref = f"{col}{n}"
            if isinstance(value, str):
                append(f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{_text(value)}</t></is></c>')
            elif isinstance(value, bool):
                append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float | Decimal):
                append(f'<c r="{ref}"><v>{value}</v></c>')
            elif isinstance(value, dt.datetime):
                serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
                append(f'<c r="{ref}" s="{_DATETIME_STYLE}"><v>{serial:.10f}</v></c>')
            elif isinstance(value, dt.date):
                append(f'<c r="{ref}" s="{_DATE_STYLE}"><v>{(value - _EPOCH.date()).days}</v></c>')
            else:
                append(f'<c r="{ref}" t="inlineStr"><is><t>{_text(str(value))}</t></is></c>')
        append("</row>")
        self.sheet.write("".join(parts).encode())

    def __exit__(self, *exc):
        self.sheet.write(_SHEET_END.encode())
        self.sheet.close()
        self.zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self.zip.writestr("_rels/.rels", _RELS)
        self.zip.writestr("xl/workbook.xml", _WORKBOOK.format(name=self.title))
        self.zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.close()
        return False
