"""The redeem path's queries, written in SQL.

A scan is the most frequent request the platform answers under pressure (a queue at the door), and
building these queries with the ORM cost more CPU than everything else in the request together.
They return ordinary model instances (``Model.from_db``), with exactly the fields the redeem
service reads, so the rules in services/redeem.py stay plain Python. Table and column names come
from the models' metadata, so a renamed table or column fails loudly, not silently.
"""

from django.db import connection

from operations.checkin.models import CheckinList, Scan
from operations.core.sql import DB, json_loaded, model_attnames, model_select, rows_split
from operations.ticketing.models import Order, OrderPosition, Ticket, TicketType

_LIST_FIELDS = ["id", "event", "name", "all_ticket_types", "allow_exit", "allow_reentry", "valid_from", "valid_until",
                "is_default"]
_TICKET_FIELDS = ["id", "position", "code", "issued_at", "revoked_at"]
_POSITION_FIELDS = ["id", "order", "ticket_type", "attendee_name", "answers", "is_cancelled"]
_ORDER_FIELDS = ["id", "event", "code", "name", "status"]
_TYPE_FIELDS = ["id", "event", "name"]
_SCAN_FIELDS = ["id", "checkin_list", "ticket", "result", "kind", "source", "nonce", "scanned_at", "created_at",
                "actor_label", "undone_at", "lost_to"]

# Built once: the statements and row layouts come from the models' metadata.
_SESSIONS = CheckinList.sessions.through._meta.db_table
_LIST_SQL = (f'SELECT {model_select("l", CheckinList, _LIST_FIELDS)}, '
             f'EXISTS (SELECT 1 FROM "{_SESSIONS}" s WHERE s."checkinlist_id" = l."id") '
             f'FROM "{CheckinList._meta.db_table}" l WHERE l."id" = %s')
_TICKET_SQL = (f'SELECT {model_select("t", Ticket, _TICKET_FIELDS)}, {model_select("p", OrderPosition, _POSITION_FIELDS)}, '
               f'{model_select("o", Order, _ORDER_FIELDS)}, {model_select("y", TicketType, _TYPE_FIELDS)} '
               f'FROM "{Ticket._meta.db_table}" t '
               f'JOIN "{OrderPosition._meta.db_table}" p ON p."id" = t."position_id" '
               f'JOIN "{Order._meta.db_table}" o ON o."id" = p."order_id" '
               f'JOIN "{TicketType._meta.db_table}" y ON y."id" = p."ticket_type_id" '
               f'WHERE t."code" = %s FOR UPDATE OF t')
_STANDING_SQL = (f'SELECT {model_select("s", Scan, _SCAN_FIELDS)} FROM "{Scan._meta.db_table}" s '
                 f'WHERE s."checkin_list_id" = %s AND s."ticket_id" = %s AND s."result" = \'ok\' '
                 f'AND s."undone_at" IS NULL AND s."lost_to_id" IS NULL ORDER BY s."scanned_at", s."id"')
_INSERT_FIELDS = ["checkin_list", "ticket", "result", "kind", "source", "nonce", "raw", "scanned_at", "created_at",
                  "actor", "actor_label", "device", "undone_by", "undo_reason", "lost_to"]
_INSERT_ATTNAMES = [Scan._meta.get_field(name).attname for name in _INSERT_FIELDS]
_INSERT_COLUMNS = ", ".join(f'"{Scan._meta.get_field(name).column}"' for name in _INSERT_FIELDS)
_INSERT_SQL = (f'INSERT INTO "{Scan._meta.db_table}" ({_INSERT_COLUMNS}) '
               f'VALUES ({", ".join(["%s"] * len(_INSERT_FIELDS))}) RETURNING "id"')
# Row layouts for Model.from_db: attribute names in each model's own order.
_LIST_ATTNAMES = model_attnames(CheckinList, _LIST_FIELDS)
_TICKET_PARTS = [(model, model_attnames(model, names)) for model, names in (
    (Ticket, _TICKET_FIELDS), (OrderPosition, _POSITION_FIELDS), (Order, _ORDER_FIELDS), (TicketType, _TYPE_FIELDS))]
_SCAN_ATTNAMES = model_attnames(Scan, _SCAN_FIELDS)


def checkin_list_for_redeem(list_id: int) -> CheckinList | None:
    """The list with ``has_session_rule`` (whether it admits by session) in one query."""
    if not 0 < list_id < 2**63:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_LIST_SQL, [list_id])
        row = cursor.fetchone()
    if row is None:
        return None
    checkin_list = CheckinList.from_db(DB, _LIST_ATTNAMES, row[:-1])
    checkin_list.has_session_rule = row[-1]
    return checkin_list


def ticket_lock(code: str) -> Ticket | None:
    """The ticket with this code, locked until the transaction ends (SELECT ... FOR UPDATE), with
    its position, order and ticket type loaded."""
    with connection.cursor() as cursor:
        cursor.execute(_TICKET_SQL, [code])
        row = cursor.fetchone()
    if row is None:
        return None
    ticket, position, order, ticket_type = rows_split(row, _TICKET_PARTS)
    position.answers = json_loaded(position.answers)
    position.order, position.ticket_type, ticket.position = order, ticket_type, position
    return ticket


def scans_standing(list_id: int, ticket_id: int) -> list[Scan]:
    """A ticket's admissions on a list that still stand (not undone, not lost to an earlier
    offline scan), earliest first. Read after ticket_lock(), in a new statement, so that it sees
    every admission committed before the lock was granted."""
    with connection.cursor() as cursor:
        cursor.execute(_STANDING_SQL, [list_id, ticket_id])
        rows = cursor.fetchall()
    return [Scan.from_db(DB, _SCAN_ATTNAMES, row) for row in rows]


def scan_insert(**values) -> Scan:
    """Write a scan (keyword arguments: the model's field names in _INSERT_FIELDS) and return it."""
    scan = Scan(**values)
    params = [getattr(scan, attname) for attname in _INSERT_ATTNAMES]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, params)
        scan.pk = cursor.fetchone()[0]
    scan._state.adding = False
    return scan
