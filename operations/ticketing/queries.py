"""The registration path's most frequent reads, written in SQL: an event by its slug, seats held
per quota, the ticket page's offers, the ticket types of a reservation with their quotas, the
quota locks, an order by its secret link or idempotency key, its positions and valid tickets,
and the active signing key.

During a sales rush every ticket page, reservation (under the quota locks), refusal and order
page runs these; building them with the ORM cost more CPU than running them. Table and column
names come from the models' metadata (operations/core/sql.py), and "holds a seat" uses the same
status lists as ``seat_holding_q``.
"""

from django.db import connection

from operations.core.sql import DB, json_loaded, model_attnames, model_select, rows_split
from operations.events.models import Event
from operations.invoicing.models import OrderTax, TaxRule
from operations.ticketing.models import Order, OrderPosition, Quota, Session, SigningKey, Ticket, TicketType

_POSITIONS = OrderPosition._meta.db_table
_ORDERS = Order._meta.db_table
_TYPES = TicketType._meta.db_table
_QUOTAS = Quota._meta.db_table
_TYPE_QUOTAS = TicketType.quotas.through._meta.db_table
_TYPE_ATTNAMES = model_attnames(TicketType)
_ORDER_ATTNAMES = model_attnames(Order)

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
_REMAINING = (f'(SELECT MIN(q."size" - COALESCE(held.n, 0)) FROM "{_TYPE_QUOTAS}" tq '
              f'JOIN "{_QUOTAS}" q ON q."id" = tq."quota_id" LEFT JOIN held ON held."quota_id" = q."id" '
              f'WHERE tq."tickettype_id" = t."id")')
_OFFERS_SQL = (f'WITH held AS ({_HELD.replace("%(quotas)s", _EVENT_QUOTAS)}) '
               f'SELECT {model_select("t", TicketType)}, {_REMAINING} '
               f'FROM "{_TYPES}" t WHERE t."event_id" = %(event)s AND t."is_active" AND t."visibility" = %(visible)s '
               f'ORDER BY t."position", t."id"')


_EVENT_LAYOUT = [(Event, model_attnames(Event)), (TaxRule, model_attnames(TaxRule))]
_EVENT_COLUMNS = sum(len(attnames) for _, attnames in _EVENT_LAYOUT) + 1  # and has_sessions
_EVENT_SELECT = (f'SELECT {model_select("e", Event)}, {model_select("r", TaxRule)}, '
                 f'EXISTS(SELECT 1 FROM "{Session._meta.db_table}" s WHERE s."event_id" = e."id")')
_EVENT_FROM = (f'FROM "{Event._meta.db_table}" e LEFT JOIN "{TaxRule._meta.db_table}" r ON r."event_id" = e."id"')
_EVENT_WHERE = 'WHERE e."slug" = %(slug)s AND e."status" = ANY(%(statuses)s)'
_EVENT_SQL = f'{_EVENT_SELECT} {_EVENT_FROM} {_EVENT_WHERE}'
# The ticket page's read: the event (as _EVENT_SQL) with its listed types and their remaining seats
# (as _OFFERS_SQL), one row per type; one row of NULL type columns when none is listed.
_EVENT_ID = f'(SELECT e0."id" FROM "{Event._meta.db_table}" e0 WHERE e0."slug" = %(slug)s)'
_EVENT_OFFERS_SQL = (
    f'WITH held AS ({_HELD.replace("%(quotas)s", _EVENT_QUOTAS.replace("%(event)s", _EVENT_ID))}) '
    f'{_EVENT_SELECT}, {model_select("t", TicketType)}, {_REMAINING} {_EVENT_FROM} '
    f'LEFT JOIN "{_TYPES}" t ON t."event_id" = e."id" AND t."is_active" AND t."visibility" = %(visible)s '
    f'{_EVENT_WHERE} ORDER BY t."position", t."id"')


def event_by_slug(slug: str, statuses) -> Event | None:
    """The event with this slug in one of ``statuses``, with its tax rule loaded (the ticket
    page's tax note and the reservation read it) and ``has_sessions`` set (the ticket page reads
    the sessions only when there are some)."""
    with connection.cursor() as cursor:
        cursor.execute(_EVENT_SQL, {"slug": slug, "statuses": list(statuses)})
        row = cursor.fetchone()
    return _event_loaded(row) if row is not None else None


def event_with_listed_types(slug: str, statuses, *, now) -> tuple[Event, list[tuple[TicketType, int | None]]] | None:
    """event_by_slug and listed_types_with_remaining in one statement: the ticket page's read."""
    with connection.cursor() as cursor:
        cursor.execute(_EVENT_OFFERS_SQL, {"slug": slug, "statuses": list(statuses),
                                           "visible": TicketType.Visibility.VISIBLE, **_holding(now)})
        rows = cursor.fetchall()
    if not rows:
        return None
    listed = [(TicketType.from_db(DB, _TYPE_ATTNAMES, row[_EVENT_COLUMNS:-1]), row[-1])
              for row in rows if row[_EVENT_COLUMNS] is not None]
    return _event_loaded(rows[0][:_EVENT_COLUMNS]), listed


def _event_loaded(row) -> Event:
    event, rule = rows_split(row[:-1], _EVENT_LAYOUT)
    if rule.pk is None:
        rule = None
    else:
        TaxRule.event.field.set_cached_value(rule, event)
    Event.tax_rule.related.set_cached_value(event, rule)
    event.has_sessions = row[-1]
    return event


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


_QUOTA_ATTNAMES = model_attnames(Quota)
_TYPES_QUOTAS_LAYOUT = [(TicketType, _TYPE_ATTNAMES), (Quota, _QUOTA_ATTNAMES)]
_TYPES_QUOTA_IDS = (f'ARRAY(SELECT tq."quota_id" FROM "{_TYPE_QUOTAS}" tq '
                    f'WHERE tq."tickettype_id" = ANY(%(types)s))')
_TYPES_QUOTAS_SQL = (f'WITH held AS ({_HELD.replace("%(quotas)s", _TYPES_QUOTA_IDS)}) '
                     f'SELECT {model_select("t", TicketType)}, {model_select("q", Quota)}, COALESCE(held."n", 0) '
                     f'FROM "{_TYPES}" t '
                     f'LEFT JOIN "{_TYPE_QUOTAS}" tq ON tq."tickettype_id" = t."id" '
                     f'LEFT JOIN "{_QUOTAS}" q ON q."id" = tq."quota_id" '
                     f'LEFT JOIN held ON held."quota_id" = q."id" '
                     f'WHERE t."event_id" = %(event)s AND t."id" = ANY(%(types)s) ORDER BY t."id", q."id"')


def types_with_quotas(event_id: int, type_ids, *, now) -> dict[int, TicketType]:
    """The event's ticket types among ``type_ids`` by id, each with ``counted_quotas``: the
    quotas it counts against, in id order, each with ``held``, the seats it holds at ``now`` (as
    seats_held counts them; read in the same statement, for the check before any lock)."""
    with connection.cursor() as cursor:
        cursor.execute(_TYPES_QUOTAS_SQL, {"event": event_id, "types": list(type_ids), **_holding(now)})
        rows = cursor.fetchall()
    types: dict[int, TicketType] = {}
    for row in rows:
        ticket_type, quota = rows_split(row[:-1], _TYPES_QUOTAS_LAYOUT)
        if ticket_type.pk not in types:
            ticket_type.counted_quotas = []
            types[ticket_type.pk] = ticket_type
        ticket_type = types[ticket_type.pk]
        if quota.pk is not None:
            quota.held = row[-1]
            ticket_type.counted_quotas.append(quota)
    return types


_QUOTAS_LOCK_SQL = (f'SELECT {model_select("q", Quota)} FROM "{_QUOTAS}" q WHERE q."id" = ANY(%s) '
                    f'ORDER BY q."id" FOR UPDATE')


def quotas_locked(quota_ids: list[int]) -> list[Quota]:
    """Lock the quota rows in id order (inside a transaction) and read them."""
    with connection.cursor() as cursor:
        cursor.execute(_QUOTAS_LOCK_SQL, [quota_ids])
        return [Quota.from_db(DB, _QUOTA_ATTNAMES, row) for row in cursor.fetchall()]


_ORDER_BY_KEY_SQL = f'SELECT {model_select("o", Order)} FROM "{_ORDERS}" o WHERE o."idempotency_key" = %s'


def order_by_idempotency_key(key: str) -> Order | None:
    with connection.cursor() as cursor:
        cursor.execute(_ORDER_BY_KEY_SQL, [key])
        row = cursor.fetchone()
    return Order.from_db(DB, _ORDER_ATTNAMES, row) if row else None


_ORDER_LAYOUT = [(Order, _ORDER_ATTNAMES), (Event, model_attnames(Event)), (OrderTax, model_attnames(OrderTax))]
# Whether the order's attendees chose any session (pages read the choices only when they did).
_SESSIONS_CHOSEN = (f'EXISTS(SELECT 1 FROM "{OrderPosition.sessions.through._meta.db_table}" c '
                    f'JOIN "{_POSITIONS}" c_p ON c_p."id" = c."orderposition_id" WHERE c_p."order_id" = o."id")')
_ORDER_SELECT = (f'SELECT {model_select("o", Order)}, {model_select("e", Event)}, {model_select("x", OrderTax)}, '
                 f'{_SESSIONS_CHOSEN}')
_ORDER_SQL = (f'{_ORDER_SELECT} FROM "{_ORDERS}" o JOIN "{Event._meta.db_table}" e ON e."id" = o."event_id" '
              f'LEFT JOIN "{OrderTax._meta.db_table}" x ON x."order_id" = o."id" WHERE o.%s = %%s')


def _order_read(column: str, value, *, lock: bool = False) -> Order | None:
    with connection.cursor() as cursor:
        cursor.execute(_ORDER_SQL % f'"{column}"' + (' FOR UPDATE OF o' if lock else ''), [value])
        row = cursor.fetchone()
    return _order_loaded(row) if row is not None else None


def _order_loaded(row) -> Order:
    """An order read by _ORDER_SELECT, with its event, its tax and ``has_chosen_sessions`` set."""
    order, event, tax = rows_split(row[:-1], _ORDER_LAYOUT)
    order.has_chosen_sessions = row[-1]
    Order.event.field.set_cached_value(order, event)
    Order.tax.related.set_cached_value(order, tax if tax.pk is not None else None)
    return order


def order_with_event(secret: str) -> Order | None:
    """The order behind a secret link, with its event and its tax (``order.tax``) loaded."""
    return _order_read("secret", secret)


def order_locked(order_id: int) -> Order | None:
    """The order row locked for update (inside a transaction), with its event and tax loaded."""
    return _order_read("id", order_id, lock=True)


_POSITIONS_LAYOUT = [(OrderPosition, model_attnames(OrderPosition)), (TicketType, _TYPE_ATTNAMES)]
_POSITIONS_SQL = (f'SELECT {model_select("p", OrderPosition)}, {model_select("t", TicketType)} FROM "{_POSITIONS}" p '
                  f'JOIN "{_TYPES}" t ON t."id" = p."ticket_type_id" WHERE p."order_id" = %s ORDER BY p."id"')


def positions_with_types(order: Order) -> list[OrderPosition]:
    """The order's positions in order, each with its ticket type and ``order`` loaded."""
    with connection.cursor() as cursor:
        cursor.execute(_POSITIONS_SQL, [order.pk])
        rows = cursor.fetchall()
    positions = []
    for row in rows:
        position, ticket_type = rows_split(row, _POSITIONS_LAYOUT)
        position.answers = json_loaded(position.answers)
        position.order, position.ticket_type = order, ticket_type
        positions.append(position)
    return positions


_TICKETS_LAYOUT = [(Ticket, model_attnames(Ticket)), (OrderPosition, model_attnames(OrderPosition)),
                   (TicketType, _TYPE_ATTNAMES)]
_TICKETS_SQL = (f'SELECT {model_select("k", Ticket)}, {model_select("p", OrderPosition)}, {model_select("t", TicketType)} '
                f'FROM "{Ticket._meta.db_table}" k JOIN "{_POSITIONS}" p ON p."id" = k."position_id" '
                f'JOIN "{_TYPES}" t ON t."id" = p."ticket_type_id" '
                f'WHERE p."order_id" = %s AND k."revoked_at" IS NULL AND NOT p."is_cancelled" ORDER BY p."id"')


def valid_tickets(order: Order) -> list[Ticket]:
    """The order's valid tickets (not revoked, position not cancelled) in position order, each with
    its position (whose order is ``order``) and ticket type loaded."""
    with connection.cursor() as cursor:
        cursor.execute(_TICKETS_SQL, [order.pk])
        return [_ticket_loaded(row, order) for row in cursor.fetchall()]


def _ticket_loaded(row, order: Order) -> Ticket:
    ticket, position, ticket_type = rows_split(row, _TICKETS_LAYOUT)
    position.answers = json_loaded(position.answers)
    position.order, position.ticket_type, ticket.position = order, ticket_type, position
    return ticket


# The order page's read: an order by its secret with event and tax, and its valid tickets, one row
# per ticket (one row of NULL ticket columns when it has none).
_ORDER_COLUMNS = sum(len(attnames) for _, attnames in _ORDER_LAYOUT) + 1  # and has_chosen_sessions
_ORDER_TICKETS_SQL = (
    f'{_ORDER_SELECT}, {model_select("k", Ticket)}, {model_select("p", OrderPosition)}, {model_select("t", TicketType)} '
    f'FROM "{_ORDERS}" o JOIN "{Event._meta.db_table}" e ON e."id" = o."event_id" '
    f'LEFT JOIN "{OrderTax._meta.db_table}" x ON x."order_id" = o."id" '
    f'LEFT JOIN ("{_POSITIONS}" p JOIN "{Ticket._meta.db_table}" k ON k."position_id" = p."id" AND k."revoked_at" IS NULL '
    f'JOIN "{_TYPES}" t ON t."id" = p."ticket_type_id") ON p."order_id" = o."id" AND NOT p."is_cancelled" '
    f'WHERE o."secret" = %s ORDER BY p."id"')


def order_with_tickets(secret: str) -> tuple[Order, list[Ticket]] | None:
    """The order behind a secret link (as order_with_event) and its valid tickets (as valid_tickets),
    in one statement: the order page's read."""
    with connection.cursor() as cursor:
        cursor.execute(_ORDER_TICKETS_SQL, [secret])
        rows = cursor.fetchall()
    if not rows:
        return None
    order = _order_loaded(rows[0][:_ORDER_COLUMNS])
    return order, [_ticket_loaded(row[_ORDER_COLUMNS:], order) for row in rows if row[_ORDER_COLUMNS] is not None]


_KEY_ATTNAMES = model_attnames(SigningKey)
_KEY_SQL = f'SELECT {model_select("k", SigningKey)} FROM "{SigningKey._meta.db_table}" k WHERE k."is_active"'


def active_signing_key() -> SigningKey | None:
    """The organization's active key pair (at most one: a unique constraint)."""
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL)
        row = cursor.fetchone()
    return SigningKey.from_db(DB, _KEY_ATTNAMES, row) if row else None
