"""Printable name badges: one A6 page per attendee, or A4 label sheets (8 labels of 99.1 x 67.7 mm,
the common L7165 layout). fpdf2, as the ticket PDFs (operations.ticketing.services.documents)."""

import io

from fpdf import FPDF

from operations.checkin.selectors import VALID_STATUSES
from operations.core.pdf import pdf_fonts
from operations.ticketing.models import Ticket
from operations.ticketing.services.documents import qr_png

LAYOUTS = ("a6", "labels")
_LABEL_W, _LABEL_H, _LEFT, _TOP, _GAP = 99.1, 67.7, 4.65, 13.1, 2.5


def badge_tickets(*, event, ticket_ids: list[int] | None = None) -> list[Ticket]:
    tickets = (Ticket.objects.filter(position__order__event=event, revoked_at__isnull=True, position__is_cancelled=False,
                                     position__order__status__in=VALID_STATUSES)
               .select_related("position__order", "position__ticket_type").order_by("position__attendee_name", "id"))
    if ticket_ids is not None:
        tickets = tickets.filter(pk__in=ticket_ids)
    return list(tickets)


def badges_pdf(*, event, tickets: list[Ticket], layout: str = "a6", organization_name: str = "",
               primary_colour: str = "#1d4ed8") -> bytes:
    """A PDF of name badges (attendee name large, ticket type, event, a small QR of the ticket code
    so a badge can be scanned at session doors)."""
    if layout not in LAYOUTS:
        layout = "a6"
    pdf = FPDF(format=(105, 148) if layout == "a6" else "A4", unit="mm")
    pdf.set_auto_page_break(False)
    names = [organization_name, event.name, *(t.position.attendee_name or t.position.order.name for t in tickets),
             *(t.position.ticket_type.name for t in tickets)]
    family, text = pdf_fonts(pdf, texts=names)

    colour = tuple(int(primary_colour[i:i + 2], 16) for i in (1, 3, 5))
    if not tickets:
        pdf.add_page()
        pdf.set_font(family, size=12)
        pdf.text(10, 20, text("No attendees to print."))
    for index, ticket in enumerate(tickets):
        if layout == "a6":
            pdf.add_page()
            _badge(pdf, ticket, event, 0, 0, 105, 148, family, text, colour, organization_name, big=True)
        else:
            slot = index % 8
            if slot == 0:
                pdf.add_page()
            x = _LEFT + (slot % 2) * (_LABEL_W + _GAP)
            y = _TOP + (slot // 2) * _LABEL_H
            _badge(pdf, ticket, event, x, y, _LABEL_W, _LABEL_H, family, text, colour, organization_name, big=False)
    return bytes(pdf.output())


def _badge(pdf, ticket, event, x, y, w, h, family, text, colour, organization_name, *, big):
    position = ticket.position
    band = 16 if big else 9
    pdf.set_fill_color(*colour)
    pdf.rect(x, y, w, band, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(family, size=11 if big else 8)
    pdf.set_xy(x + 4, y + (4 if big else 2))
    pdf.cell(w - 8, 6 if big else 5, text(f"{organization_name} · {event.name}"[:70] if organization_name else event.name[:70]))
    pdf.set_text_color(20, 20, 20)
    name = position.attendee_name or position.order.name or "Guest"
    size = 26 if big else 18
    pdf.set_font(family, size=size)
    while size > 10 and pdf.get_string_width(text(name)) > w - 10:
        size -= 1
        pdf.set_font(family, size=size)
    pdf.set_xy(x + 4, y + (h * 0.32 if big else band + 6))
    pdf.cell(w - 8, size * 0.45, text(name), align="C")
    pdf.set_font(family, size=12 if big else 9)
    pdf.set_xy(x + 4, y + (h * 0.32 + 16 if big else band + 18))
    pdf.cell(w - 8, 6, text(position.ticket_type.name), align="C")
    qr = 30 if big else 18
    pdf.image(io.BytesIO(qr_png(ticket.code, box_size=4)), x=x + w - qr - 4, y=y + h - qr - 4, w=qr, h=qr)
    pdf.set_font(family, size=7)
    pdf.set_xy(x + 4, y + h - 8)
    pdf.cell(w - qr - 12, 4, text(f"Order {position.order.code}"))
