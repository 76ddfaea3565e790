"""Receipt and credit note PDFs (A4), rendered from the receipt's frozen data: the same receipt
always prints the same amounts. Fonts from operations.core.pdf (Korean only when needed)."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from fpdf import FPDF

from operations.core.pdf import pdf_fonts
from operations.invoicing.branding import Brand
from operations.invoicing.models import Receipt
from operations.ticketing.money import money_format

_INK, _MUTED = (31, 41, 51), (82, 96, 109)
WIDTH = 210
MARGIN = 15
COLUMNS = [(78, "Description", "L"), (14, "Qty", "R"), (30, "Unit price", "R"), (28, "Tax", "R"), (30, "Amount", "R")]


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


class _Document:
    def __init__(self, receipt: Receipt, brand: Brand):
        self.receipt, self.brand, self.data = receipt, brand, receipt.data
        self.currency = receipt.currency
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(True, margin=20)
        self.family, self._printable = pdf_fonts(self.pdf, texts=_strings(self.data))

    def text(self, value) -> str:
        return self._printable(value)

    def money(self, amount) -> str:
        return money_format(Decimal(amount), self.currency)

    def font(self, size: float, colour=_INK):
        self.pdf.set_font(self.family, size=size)
        self.pdf.set_text_color(*colour)

    def header(self):
        pdf, seller = self.pdf, self.data.get("seller", {})
        colour = self.brand.colour
        pdf.add_page()
        pdf.set_fill_color(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))
        pdf.rect(0, 0, WIDTH, 28, style="F")
        if self.brand.logo_path:
            try:
                pdf.image(self.brand.logo_path, x=WIDTH - MARGIN - 40, y=4, h=20, keep_aspect_ratio=True, w=40)
            except Exception:  # noqa: BLE001 - an unreadable logo is left out, the receipt is not
                pass
        pdf.set_xy(MARGIN, 8)
        self.font(16, (255, 255, 255))
        pdf.cell(130, 8, self.text(seller.get("name") or "Receipt"))
        pdf.set_xy(MARGIN, 17)
        self.font(10, (255, 255, 255))
        pdf.cell(130, 5, self.text(self.data.get("event", {}).get("name", "")))

    def parties(self):
        pdf, data = self.pdf, self.data
        is_credit = self.receipt.kind == Receipt.Kind.CREDIT_NOTE
        pdf.set_xy(MARGIN, 36)
        self.font(18)
        pdf.cell(0, 9, "Credit note" if is_credit else "Receipt", new_x="LMARGIN", new_y="NEXT")
        self.font(10)
        issued = self.receipt.issued_at.astimezone(ZoneInfo(data.get("event", {}).get("timezone") or "UTC"))
        facts = [f"No. {self.receipt.display_number}", f"Issued {issued:%Y-%m-%d}",
                 f"Order {data.get('order', {}).get('code', '')}"]
        if is_credit:
            facts.append(f"Corrects receipt {data.get('credits', '')}")
        for fact in facts:
            pdf.cell(0, 5.5, self.text(fact), new_x="LMARGIN", new_y="NEXT")
        top = pdf.get_y() + 4
        seller, buyer = data.get("seller", {}), data.get("buyer", {})
        tax_id = f"Tax ID {seller['tax_id']}" if seller.get("tax_id") else ""
        self._block(MARGIN, top, "From", [seller.get("name"), seller.get("address"), tax_id, seller.get("email")])
        self._block(110, top, "Billed to", [buyer.get("name"), buyer.get("email"), data.get("event", {}).get("name"),
                                            data.get("event", {}).get("starts_at")])
        pdf.set_y(max(pdf.get_y(), self._bottom) + 6)

    _bottom = 0

    def _block(self, x, y, title, lines):
        pdf = self.pdf
        pdf.set_xy(x, y)
        self.font(8, _MUTED)
        pdf.cell(85, 5, title.upper(), new_x="LEFT", new_y="NEXT")
        self.font(10)
        for line in filter(None, lines):
            pdf.set_x(x)
            pdf.multi_cell(85, 5, self.text(line), new_x="LEFT", new_y="NEXT")
        self._bottom = max(self._bottom, pdf.get_y())

    def lines(self):
        pdf = self.pdf
        self.font(9, _MUTED)
        for width, title, align in COLUMNS:
            pdf.cell(width, 7, title, border="B", align=align)
        pdf.ln()
        self.font(10)
        for line in self.data.get("lines", []):
            unit = Decimal(line["unit_price"]) - Decimal(line["unit_discount"])
            description = line["description"]
            if Decimal(line["unit_discount"]):
                description += f" (discount {self.money(line['unit_discount'])})"
            values = [description, str(line["quantity"]), self.money(unit), self.money(line["tax"]),
                      self.money(line["amount"])]
            for (width, _, align), value in zip(COLUMNS, values, strict=True):
                pdf.cell(width, 7, self.text(value)[:60], border="B", align=align)
            pdf.ln()

    def totals(self):
        pdf, data = self.pdf, self.data
        pdf.ln(3)
        rows = []
        tax = data.get("tax")
        if tax:
            rows.append(("Net amount", self.money(tax["net"])))
            included = " (included)" if tax["inclusive"] else ""
            rows.append((f"{tax['name']} {tax['rate']}%{included}", self.money(tax["amount"])))
        rows.append(("Total", self.money(data["total"])))
        for index, (label, value) in enumerate(rows):
            last = index == len(rows) - 1
            self.font(11 if last else 10)
            pdf.set_x(MARGIN + 92)
            pdf.cell(58, 7, self.text(label), border="T" if last else 0)
            pdf.cell(30, 7, self.text(value), border="T" if last else 0, align="R", new_x="LMARGIN", new_y="NEXT")
        self.font(9, _MUTED)
        pdf.ln(4)
        method = data.get("order", {}).get("payment_method")
        if self.receipt.kind == Receipt.Kind.RECEIPT and method:
            pdf.multi_cell(0, 5, self.text(f"Paid by: {method}"), new_x="LMARGIN", new_y="NEXT")
        if data.get("reason"):
            pdf.multi_cell(0, 5, self.text(f"Reason: {data['reason']}"), new_x="LMARGIN", new_y="NEXT")
        if footer := data.get("seller", {}).get("footer"):
            pdf.ln(2)
            pdf.multi_cell(0, 5, self.text(footer), new_x="LMARGIN", new_y="NEXT")

    def render(self) -> bytes:
        self.header()
        self.parties()
        self.lines()
        self.totals()
        self.pdf.set_title(f"{'Credit note' if self.receipt.kind == Receipt.Kind.CREDIT_NOTE else 'Receipt'} "
                           f"{self.receipt.display_number}")
        return bytes(self.pdf.output())


def receipt_pdf(receipt: Receipt, *, brand: Brand | None = None) -> bytes:
    """The receipt or credit note as a PDF in the organization's colour (and logo, if any)."""
    return _Document(receipt, brand or Brand()).render()


def receipt_filename(receipt: Receipt) -> str:
    kind = "credit-note" if receipt.kind == Receipt.Kind.CREDIT_NOTE else "receipt"
    return f"{kind}-{receipt.display_number}.pdf"
