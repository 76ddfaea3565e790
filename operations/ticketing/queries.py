"""The seat counts of the registration path, written in SQL.

Every ticket page, every reservation (under the quota locks) and every refusal counts the seats
held per quota; during a sales rush these are the most frequent reads there are, and building
them with the ORM cost more CPU than running them. Table and column names come from the models'
metadata, and "holds a seat" uses the same status lists as ``seat_holding_q``.
"""

from django.db import connection

from operations.ticketing.models import Order, OrderPosition, Quota, TicketType

_DB = "default"
_POSITIONS = OrderPosition._meta.db_table
_ORDERS = Order._meta.db_table
_TYPES = TicketType._meta.db_table
_QUOTAS = Quota._meta.db_table
_TYPE_QUOTAS = TicketType.quotas.through._meta.db_table
_TYPE_COLUMNS = ", ".join(f't."{field.column}"' for field in TicketType._meta.concrete_fields)
_TYPE_ATTNAMES = [field.attname for field in TicketType._meta.concrete_fields]

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
               f'SELECT {_TYPE_COLUMNS}, (SELECT MIN(q."size" - COALESCE(held.n, 0)) FROM "{_TYPE_QUOTAS}" tq '
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
    return [(TicketType.from_db(_DB, _TYPE_ATTNAMES, row[:-1]), row[-1]) for row in rows]
