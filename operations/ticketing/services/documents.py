"""Files an attendee receives: PDF tickets with a signed QR code, an .ics calendar entry, and
add-to-calendar links. Pure functions of the order (no writes except the signing key's creation)."""

import io
from datetime import timezone as dt_timezone
from urllib.parse import urlencode

import qrcode
from fpdf import FPDF
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from operations.core.pdf import pdf_fonts
from operations.invoicing.branding import Brand, brand_current
from operations.ticketing.models import Order, Session
from operations.ticketing.money import money_format
from operations.ticketing.queries import valid_tickets
from operations.ticketing.selectors import order_sessions_by_position
from operations.ticketing.services.signing import signing_key_get, ticket_payload


def session_when(session: Session, tz) -> str:
    """When a session runs, in the time zone ``tz`` (the event's): "Sat 22 Nov 2026, 10:00–11:30",
    the end with its own date when it falls on another day."""
    starts, ends = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    day = "{0:%a} {0.day} {0:%b %Y}".format
    end = f"{ends:%H:%M}" if ends.date() == starts.date() else f" {day(ends)}, {ends:%H:%M}"
    return f"{day(starts)}, {starts:%H:%M}–{end}"


def session_line(session: Session, tz) -> str:
    """A session as one line of plain text (PDF ticket, e-mail): title, when, room."""
    return " · ".join(filter(None, [session.title, session_when(session, tz), session.room]))


def _qr(payload: str, **kwargs):
    # A fixed mask pattern skips trying all eight (pure Python, most of the cost); any mask is valid.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=0, **kwargs)
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_png(payload: str, *, box_size: int = 8) -> bytes:
    image = _qr(payload, box_size=box_size).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(payload: str) -> str:
    """An inline SVG (one path of horizontal runs): far cheaper than qrcode's SVG factories."""
    matrix = _qr(payload).get_matrix()  # includes the border
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>')


def tickets_pdf(order: Order, *, organization_name: str = "", brand: Brand | None = None, tickets=None) -> bytes:
    """One A6-like page per ticket (``tickets``, else each valid ticket of the order) with the
    signed QR code, in the organization's brand: its colour and logo (``brand``, else the current
    organization's)."""
    pdf = FPDF(format=(105, 170), unit="mm")
    pdf.set_auto_page_break(False)
    event = order.event
    brand = brand or brand_current()
    tickets = valid_tickets(order) if tickets is None else tickets
    chosen = order_sessions_by_position(order=order)
    session_lines = {position_id: [session_line(s, event.tz) for s in sessions]
                     for position_id, sessions in chosen.items()}
    names = [organization_name, event.name, event.venue_name, order.name,
             *(t.position.attendee_name for t in tickets), *(t.position.ticket_type.name for t in tickets),
             *(line for lines in session_lines.values() for line in lines)]
    family, text = pdf_fonts(pdf, texts=names)
    red, green, blue = (int(brand.colour[i:i + 2], 16) for i in (1, 3, 5))
    key = signing_key_get()
    for ticket in tickets:
        position = ticket.position
        pdf.add_page()
        pdf.set_fill_color(red, green, blue)
        pdf.rect(0, 0, 105, 22, style="F")
        heading = 93 - (_logo_print(pdf, brand.logo_path) if brand.logo_path else 0)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(family, size=11)
        pdf.set_xy(6, 5)
        pdf.cell(heading, 6, text(organization_name or "Ticket"))
        pdf.set_font(family, size=14)
        pdf.set_xy(6, 12)
        pdf.cell(heading, 7, text(event.name[:60]))
        pdf.set_text_color(31, 41, 51)
        pdf.set_font(family, size=10)
        pdf.set_xy(6, 28)
        starts = event.local_starts_at
        lines = [
            position.attendee_name or "—",
            position.ticket_type.name,
            f"{starts:%Y-%m-%d %H:%M} ({event.timezone})",
            event.venue_name,
            online_url_for(order),
            f"Order {order.code}",
        ]
        for line in filter(None, lines):
            pdf.set_x(6)
            pdf.multi_cell(93, 5.5, text(line))
        qr_top = _sessions_print(pdf, text, family, session_lines.get(position.pk, []), event.timezone)
        size = 140 - qr_top
        pdf.image(io.BytesIO(qr_png(ticket_payload(ticket, key=key))), x=(105 - size) / 2, y=qr_top, w=size, h=size)
        pdf.set_xy(6, 145)
        pdf.set_font(family, size=7)
        pdf.multi_cell(93, 3.5, text(f"Ticket {ticket.code}\nShow this code at the entrance. "
                                     f"Price {money_format(position.price - position.discount, order.currency)}"))
    return bytes(pdf.output())


def _logo_print(pdf: FPDF, path: str) -> float:
    """The organization's logo at the right of the ticket's band, at most 30 × 16 mm; returns the
    width it takes from the heading (none when the file cannot be read: the ticket goes out)."""
    try:
        pdf.image(path, x=105 - 6 - 30, y=3, w=30, h=16, keep_aspect_ratio=True)
    except Exception:  # noqa: BLE001 - a logo is decoration; an unreadable one is left out
        return 0
    return 32


# The QR code is 70 mm wide under the ticket's lines; sessions take room from it, down to 46 mm
# (still read at once from a phone), and past that the rest is counted, not listed.
_QR_TOP, _QR_TOP_LOWEST = 70, 94


def _sessions_print(pdf: FPDF, text, family: str, lines: list[str], timezone_name: str) -> float:
    """Print a ticket's sessions under its lines; returns where the QR code goes."""
    if not lines:
        return _QR_TOP
    pdf.set_font(family, size=8)
    pdf.set_x(6)
    pdf.multi_cell(93, 4, text(f"Sessions ({timezone_name}):"))
    limit = _QR_TOP_LOWEST - 2
    for shown, line in enumerate(lines):
        last = shown == len(lines) - 1
        # Room for this line (up to two rows) and, unless it is the last, for the "more" line after it.
        if pdf.get_y() + (8 if last else 12) > limit:
            pdf.set_x(6)
            pdf.multi_cell(93, 4, text(f"and {len(lines) - shown} more: see your order page"))
            break
        pdf.set_x(6)
        pdf.multi_cell(93, 4, text(f"• {line}"))
    pdf.set_font(family, size=10)
    return min(max(_QR_TOP, pdf.get_y() + 2), _QR_TOP_LOWEST)


def online_url_for(order: Order) -> str:
    """The event's online link when this order may join: it is the attendee's access, so only
    orders that keep their tickets (confirmed, partly refunded) get it, and only online or hybrid
    events have one to give."""
    event = order.event
    if event.format == event.Format.IN_PERSON or order.status not in Order.HOLDING_FOR_GOOD:
        return ""
    return event.online_url


def _location(order: Order) -> str:
    event = order.event
    return ", ".join(filter(None, [event.venue_name, event.city])) or online_url_for(order)


def order_ics(order: Order, *, url: str = "") -> bytes:
    event = order.event
    calendar = Calendar()
    calendar.add("prodid", "-//Tessera//Registration//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"{order.code}@tessera")
    entry.add("summary", event.name)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("dtstamp", order.created_at)
    location = _location(order)
    if location:
        entry.add("location", location)
    entry.add("description", f"Order {order.code}" + (f"\n{url}" if url else ""))
    if url:
        entry.add("url", url)
    calendar.add_component(entry)
    return calendar.to_ical()


def calendar_links(order: Order) -> dict[str, str]:
    event = order.event
    fmt = "%Y%m%dT%H%M%SZ"
    # In UTC whatever zone the datetimes carry (read back they are UTC; set from a form, the event's):
    # Google's format says "Z", and Outlook is given the same instant.
    starts, ends = event.starts_at.astimezone(dt_timezone.utc), event.ends_at.astimezone(dt_timezone.utc)
    location = _location(order)
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": event.name, "dates": f"{starts:{fmt}}/{ends:{fmt}}",
        "location": location, "details": f"Order {order.code}"})
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": event.name,
        "startdt": starts.isoformat(), "enddt": ends.isoformat(), "location": location})
    return {"google": google, "outlook": outlook}
