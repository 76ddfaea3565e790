"""django-import-export Resources: the columns of each export (key, header, how to read the value).

Rows are flat dicts built by operations.exports.rows (one query per chunk), so a Field's
``attribute`` is a key of that dict. Question columns are added per export: one column per
question's stable name (the clean_name fixed at first save), headed by its latest label, so an
answer given before a relabel still lands in its column.
"""

import json

from import_export import fields, resources

ANSWER_PREFIX = "answer:"


def _f(attribute: str, header: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=header)


class RowResource(resources.Resource):
    """A Resource over row dicts; ``columns`` picks and orders the fields (empty: all)."""

    def export_fields_for(self, columns: list[str] | None) -> list[fields.Field]:
        if not columns:
            return self.get_export_fields()
        return [self.fields[key] for key in columns if key in self.fields]

    def column_choices(self) -> list[tuple[str, str]]:
        return [(self.get_field_name(f), f.column_name) for f in self.get_export_fields()]


class AttendeeResource(RowResource):
    event = _f("event", "Event")
    order_code = _f("order_code", "Confirmation number")
    attendee_name = _f("attendee_name", "Attendee name")
    attendee_email = _f("attendee_email", "Attendee e-mail")
    ticket_type = _f("ticket_type", "Ticket type")
    sessions = _f("sessions", "Sessions")
    order_status = _f("order_status", "Order status")
    payment_status = _f("payment_status", "Payment status")
    price = _f("price", "Ticket price")
    discount = _f("discount", "Ticket discount")
    order_total = _f("order_total", "Order total")
    order_paid = _f("order_paid", "Order paid")
    currency = _f("currency", "Currency")
    promo_code = _f("promo_code", "Promo code")
    buyer_name = _f("buyer_name", "Buyer name")
    buyer_email = _f("buyer_email", "Buyer e-mail")
    buyer_phone = _f("buyer_phone", "Buyer phone")
    registered_at = _f("registered_at", "Registered at (event time)")
    checked_in = _f("checked_in", "Checked in")
    checked_in_at = _f("checked_in_at", "Checked in at (event time)")

    questions: tuple[str, ...] = ()

    def add_question_columns(self, questions: list[tuple[str, str]]) -> None:
        """questions: (clean_name, label) in column order."""
        self.questions = tuple(name for name, _ in questions)
        for name, label in questions:
            key = f"{ANSWER_PREFIX}{name}"
            self.fields[key] = fields.Field(attribute=None, column_name=label or name,
                                            dehydrate_method=_answer_reader(name))


def _answer_reader(name: str):
    def read(row: dict):
        value = row["answers"].get(name)
        # Multiple choices come as the text of a JSON array (rows.attendee_rows).
        if value and value[0] == "[" and value[-1] == "]":
            try:
                return ", ".join(str(v) for v in json.loads(value))
            except ValueError:
                return value
        return value

    return read


class OrderResource(RowResource):
    event = _f("event", "Event")
    code = _f("code", "Confirmation number")
    status = _f("status", "Status")
    payment_status = _f("payment_status", "Payment status")
    payment_method = _f("payment_method", "Payment method")
    name = _f("name", "Buyer name")
    email = _f("email", "Buyer e-mail")
    phone = _f("phone", "Phone")
    tickets = _f("tickets", "Tickets")
    subtotal = _f("subtotal", "Subtotal")
    discount = _f("discount", "Discount")
    total = _f("total", "Total")
    paid = _f("paid", "Paid")
    currency = _f("currency", "Currency")
    promo_code = _f("promo_code", "Promo code")
    created_at = _f("created_at", "Created at (event time)")
    confirmed_at = _f("confirmed_at", "Confirmed at (event time)")


class PaymentResource(RowResource):
    event = _f("event", "Event")
    order_code = _f("order_code", "Confirmation number")
    provider = _f("provider", "Provider")
    provider_reference = _f("provider_reference", "Provider reference")
    status = _f("status", "Status")
    amount = _f("amount", "Amount")
    currency = _f("currency", "Currency")
    created_at = _f("created_at", "Created at (event time)")
    settled_at = _f("settled_at", "Settled at (event time)")


class RefundResource(RowResource):
    event = _f("event", "Event")
    order_code = _f("order_code", "Confirmation number")
    status = _f("status", "Status")
    amount = _f("amount", "Amount")
    currency = _f("currency", "Currency")
    reason = _f("reason", "Reason")
    created_at = _f("created_at", "Created at (event time)")
    settled_at = _f("settled_at", "Settled at (event time)")


class CheckinResource(RowResource):
    event = _f("event", "Event")
    checkin_list = _f("checkin_list", "Check-in list")
    attendee_name = _f("attendee_name", "Attendee name")
    attendee_email = _f("attendee_email", "Attendee e-mail")
    ticket_type = _f("ticket_type", "Ticket type")
    order_code = _f("order_code", "Confirmation number")
    kind = _f("kind", "Entry or exit")
    result = _f("result", "Result")
    source = _f("source", "Source")
    scanned_at = _f("scanned_at", "Scanned at (event time)")
    staff = _f("staff", "Staff")
    undone = _f("undone", "Undone")


class WaitingListResource(RowResource):
    event = _f("event", "Event")
    email = _f("email", "E-mail")
    name = _f("name", "Name")
    ticket_type = _f("ticket_type", "Ticket type")
    status = _f("status", "Status")
    created_at = _f("created_at", "Joined at (event time)")
    offered_at = _f("offered_at", "Offered at (event time)")


RESOURCES = {
    "attendees": AttendeeResource,
    "orders": OrderResource,
    "payments": PaymentResource,
    "refunds": RefundResource,
    "checkins": CheckinResource,
    "waiting_list": WaitingListResource,
}
