"""A person's orders across organizations ("My tickets").

Each organization's orders live in its own schema; the root domain may not read across schemas in
a request. So every save of an order writes its identity (code, secret link, status, event) to
``AttendeeOrder`` in the public schema, inside the same transaction: the copy can never disagree
with a committed order, and a rolled-back order leaves nothing behind.
"""

from allauth.account.models import EmailAddress
from django.db import connection
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from operations.accounts.models import AttendeeOrder

# Orders a person has something to look at for (not abandoned baskets).
SHOWN_STATUSES = ("awaiting_payment", "awaiting_approval", "confirmed", "partially_refunded", "refunded",
                  "cancelled", "on_hold")

STATUS_LABELS = {"awaiting_payment": "Awaiting payment", "awaiting_approval": "Awaiting approval",
                 "confirmed": "Confirmed", "partially_refunded": "Partly refunded", "refunded": "Refunded",
                 "cancelled": "Cancelled", "on_hold": "Held for review"}


# The order fields the copy holds; a save that touches none of them leaves it alone.
COPIED_FIELDS = {"code", "secret", "email", "user", "user_id", "status", "event", "event_id"}

# One INSERT … ON CONFLICT DO UPDATE (orders are saved several times on the way to confirmed),
# written in SQL: it runs in every registration's transaction, where the ORM's bulk_create with
# update_conflicts cost several times the statement (column names from the model, as in
# operations/core/sql.py).
_COPY_COLUMNS = [f'"{AttendeeOrder._meta.get_field(name).column}"' for name in (
    "schema_name", "order_id", "code", "secret", "email", "user", "status", "event_name", "event_starts_at",
    "event_timezone", "updated_at")]
_COPY_SQL = (f'INSERT INTO "{AttendeeOrder._meta.db_table}" ({", ".join(_COPY_COLUMNS)}) '
             f'VALUES ({", ".join(["%s"] * len(_COPY_COLUMNS))}) '
             f'ON CONFLICT ({", ".join(_COPY_COLUMNS[:2])}) DO UPDATE SET '
             + ", ".join(f"{column} = EXCLUDED.{column}" for column in _COPY_COLUMNS[2:]))


def order_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not COPIED_FIELDS & set(update_fields):
        return
    # A pending order is a basket, never listed; orders only leave pending, so the copy is first
    # written when the order is submitted (two writes fewer per registration).
    if instance.status == "pending":
        return
    event = instance.event
    with connection.cursor() as cursor:
        cursor.execute(_COPY_SQL, [
            connection.schema_name, instance.pk, instance.code, instance.secret, (instance.email or "").lower(),
            instance.user_id, instance.status, event.name, event.starts_at, event.timezone, timezone.now()])


def order_deleted(sender, instance, **kwargs) -> None:
    AttendeeOrder.objects.filter(schema_name=connection.schema_name, order_id=instance.pk).delete()


def event_saved(sender, instance, created=False, **kwargs) -> None:
    if not created:
        AttendeeOrder.objects.filter(schema_name=connection.schema_name, order_id__in=instance.orders.values("pk")).update(
            event_name=instance.name, event_starts_at=instance.starts_at, event_timezone=instance.timezone)


def receivers_connect() -> None:
    post_save.connect(order_saved, sender="ticketing.Order", dispatch_uid="accounts.attendee_order.saved")
    post_delete.connect(order_deleted, sender="ticketing.Order", dispatch_uid="accounts.attendee_order.deleted")
    post_save.connect(event_saved, sender="events.Event", dispatch_uid="accounts.attendee_order.event")


def attendee_orders(*, user) -> list[AttendeeOrder]:
    """The orders ``user`` placed while signed in, or that carry one of their verified e-mail
    addresses, from every organization (active ones only), each with ``organization``, ``link``
    (its order page) and ``status_label`` set."""
    from operations.organizations.models import Organization

    emails = [e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)]
    orders = list(AttendeeOrder.objects.filter(Q(user=user) | Q(email__in=emails), status__in=SHOWN_STATUSES))
    organizations = {o.schema_name: o for o in Organization.objects.real().filter(
        schema_name__in={order.schema_name for order in orders}, is_active=True)}
    shown = []
    for order in orders:
        if organization := organizations.get(order.schema_name):
            order.organization = organization
            order.link = organization.url(f"/register/order/{order.secret}/")
            order.status_label = STATUS_LABELS.get(order.status, order.status.replace("_", " ").capitalize())
            shown.append(order)
    return shown
