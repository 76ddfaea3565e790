"""The registration path's most frequent reads, written in SQL: seats held per quota, the ticket
page's offers, an order by its secret link and its valid tickets.

During a sales rush every ticket page, reservation (under the quota locks), refusal and order
page runs these; building them with the ORM cost more CPU than running them. Table and column
names come from the models' metadata (operations/core/sql.py), and "holds a seat" uses the same
status lists as ``seat_holding_q``.
"""

from django.db import connection

from operations.core.sql import DB, json_loaded, model_attnames, model_select, rows_split
from operations.events.models import Event
from operations.ticketing.models import Order, OrderPosition, Quota, Ticket, TicketType

_POSITIONS = OrderPosition._meta.db_table
_ORDERS = Order._meta.db_table
_TYPES = TicketType._meta.db_table
_QUOTAS = Quota._meta.db_table
_TYPE_QUOTAS = TicketType.quotas.through._meta.db_table
_TYPE_ATTNAMES = model_attnames(TicketType)

# Seats held per quota: positions not cancelled, of orders that hold seats at %(now)s.
_HELD = (f'SELECT tq."quota_id", COUNT(*) AS n FROM "{_POSITIONS}" p '
         f'JOIN "{_ORDERS}" o ON o."id" = p."order_id" '
         f'JOIN "{_TYPE_QUOTAS}" tq ON tq."tickettype_id" = p."ticket_type_id" '
         f'WHERE tq."quota_id" = ANY(%(quotas)s) AND NOT p."is_cancelled" '
         f'AND (o."status" = ANY(%(for_good)s) OR (o."status" = ANY(%(until_expiry)s) AND o."expires_at" > %(now)s)) '
         f'GROUP BY tq."quota_id"')
_EVENT_QUOTAS = (f'ARRAY(SELECT DISTINCT q."quota_id" FROM "{_TYPE_QUOTAS}" q '
                 f'JOIN "{_TYPES}" y ON y."id" = q."tickettype_id" WHERE y."event_id" = %(event)s)')
# Each listed type with its remaining seats: the smallest remainder over its quotas (NULL: none).
_OFFERS_SQL = (f'WITH held AS ({_HELD.replace("%(quotas)s", _EVENT_QUOTAS)}) '
               f'SELECT {model_select("t", TicketType)}, (SELECT MIN(q."size" - COALESCE(held.n, 0)) FROM "{_TYPE_QUOTAS}" tq '
               f'JOIN "{_QUOTAS}" q ON q."id" = tq."quota_id" LEFT JOIN held ON held."quota_id" = q."id" '
               f'WHERE tq."tickettype_id" = t."id") '
               f'FROM "{_TYPES}" t WHERE t."event_id" = %(event)s AND t."is_active" AND t."visibility" = %(visible)s '
               f'ORDER BY t."position", t."id"')


def _holding(now) -> dict:
    return {"for_good": list(Order.HOLDING_SEATS), "until_expiry": list(Order.HOLDING_UNTIL_EXPIRY), "now": now}


def seats_held(quota_ids: list[int], *, now) -> dict[int, int]:
    """Seats held per quota id (quotas holding none are left out)."""
    with connection.cursor() as cursor:
        cursor.execute(_HELD, {"quotas": list(quota_ids), **_holding(now)})
        return dict(cursor.fetchall())


def listed_types_with_remaining(event_id: int, *, now) -> list[tuple[TicketType, int | None]]:
    """The event's active, visible ticket types in display order, each with its remaining seats
    (None when it counts against no quota), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_OFFERS_SQL, {"event": event_id, "visible": TicketType.Visibility.VISIBLE, **_holding(now)})
        rows = cursor.fetchall()
    return [(TicketType.from_db(DB, _TYPE_ATTNAMES, row[:-1]), row[-1]) for row in rows]


_ORDER_LAYOUT = [(Order, model_attnames(Order)), (Event, model_attnames(Event))]
_ORDER_SQL = (f'SELECT {model_select("o", Order)}, {model_select("e", Event)} FROM "{_ORDERS}" o '
              f'JOIN "{Event._meta.db_table}" e ON e."id" = o."event_id" WHERE o."secret" = %s')
_TICKETS_LAYOUT = [(Ticket, model_attnames(Ticket)), (OrderPosition, model_attnames(OrderPosition)),
                   (TicketType, _TYPE_ATTNAMES)]
_TICKETS_SQL = (f'SELECT {model_select("k", Ticket)}, {model_select("p", OrderPosition)}, {model_select("t", TicketType)} '
                f'FROM "{Ticket._meta.db_table}" k JOIN "{_POSITIONS}" p ON p."id" = k."position_id" '
                f'JOIN "{_TYPES}" t ON t."id" = p."ticket_type_id" '
                f'WHERE p."order_id" = %s AND k."revoked_at" IS NULL AND NOT p."is_cancelled" ORDER BY p."id"')


def order_with_event(secret: str) -> Order | None:
    """The order behind a secret link, with its event loaded."""
    with connection.cursor() as cursor:
        cursor.execute(_ORDER_SQL, [secret])
        row = cursor.fetchone()
    if row is None:
        return None
    order, event = rows_split(row, _ORDER_LAYOUT)
    Order.event.field.set_cached_value(order, event)
    return order


def valid_tickets(order: Order) -> list[Ticket]:
    """The order's valid tickets (not revoked, position not cancelled) in position order, each with
    its position (whose order is ``order``) and ticket type loaded."""
    with connection.cursor() as cursor:
        cursor.execute(_TICKETS_SQL, [order.pk])
        rows = cursor.fetchall()
    tickets = []
    for row in rows:
        ticket, position, ticket_type = rows_split(row, _TICKETS_LAYOUT)
        position.answers = json_loaded(position.answers)
        position.order, position.ticket_type, ticket.position = order, ticket_type, position
        tickets.append(ticket)
    return tickets
