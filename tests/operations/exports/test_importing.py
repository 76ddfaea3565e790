"""Imports: the dry run writes nothing; bad rows come back with their line numbers; re-importing
creates nothing new; a file larger than the remaining capacity is refused whole; XLSX works; the
older system's events and registrations come in once; everything applied is audited."""

import io

import openpyxl
import pytest
from django.urls import reverse

from operations.audit.models import AuditEntry
from operations.events.models import Event
from operations.exports.errors import ExportError
from operations.exports.services.importing import import_apply, import_check
from operations.exports.services.legacy import legacy_apply, legacy_check
from operations.ticketing.models import Order, OrderPosition, Ticket
from tests.operations.ticketing.builders import event_make, ticket_type_make

GOOD = b"email,name,ticket_type,Company\nminji@example.com,Kim Minji,General,Acme\njiwoo@example.com,Lee Jiwoo,VIP,Beta\n"
BAD = (b"email,name,ticket_type\nminji@example.com,Kim Minji,General\nnot-an-email,Lee Jiwoo,General\n"
       b"han@example.com,,Nope\nminji@example.com,Kim Again,General\n")


@pytest.fixture
def summit(org_a, in_schema):
    with in_schema(org_a):
        event = event_make(slug="summit")
        general = ticket_type_make(event, name="General", price="20", seats=3)
        vip = ticket_type_make(event, name="VIP", price="90", seats=1)
        yield {"event": event, "general": general, "vip": vip}


def _counts():
    return Order.objects.count(), OrderPosition.objects.count(), Ticket.objects.count(), AuditEntry.objects.count()


def test_dry_run_writes_nothing(summit):
    before = _counts()
    preview = import_check(event=summit["event"], content=GOOD, filename="people.csv")
    assert len(preview.new) == 2 and not preview.problems and preview.fits
    assert _counts() == before


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(summit):
    preview = import_check(event=summit["event"], content=BAD, filename="people.csv")
    assert [(p.line, p.message) for p in preview.problems] == [
        (3, "“not-an-email” is not a valid e-mail address."),
        (4, "The name is empty; no ticket type “Nope” in this event."),
        (5, "Same person and ticket type as line 2 (add an external_id column for several tickets)."),
    ]
    with pytest.raises(ExportError) as error:
        import_apply(event=summit["event"], content=BAD, filename="people.csv", complimentary=True)
    assert error.value.code == "rows_invalid" and [p["line"] for p in error.value.details["problems"]] == [3, 4, 5]
    assert Order.objects.count() == 0


def test_import_creates_confirmed_tickets_with_answers_and_reimport_creates_nothing(summit):
    result = import_apply(event=summit["event"], content=GOOD, filename="people.csv", complimentary=False)
    assert result == {"created": 2, "existing": 0, "rows": 2}
    vip = OrderPosition.objects.get(ticket_type=summit["vip"])
    assert vip.order.status == "confirmed" and vip.order.paid == 90 and vip.tickets.count() == 1
    assert vip.answers == {"company": {"label": "Company", "type": "imported", "value": "Beta"}}
    before = _counts()
    again = import_apply(event=summit["event"], content=GOOD, filename="people.csv", complimentary=False)
    assert again == {"created": 0, "existing": 2, "rows": 2}
    assert _counts()[:3] == before[:3]
    entry = AuditEntry.objects.filter(action="import.applied").first()
    assert entry.after["rows"] == 2 and entry.after["created"] == 0


def test_imported_and_migrated_orders_are_not_emailed_by_the_tickets_catch_up(summit):
    from datetime import timedelta

    from django.utils import timezone

    from operations.ticketing.services.lifecycle import order_emails_catch_up

    import_apply(event=summit["event"], content=GOOD, filename="people.csv", complimentary=False)
    legacy_apply(content=LEGACY, filename="old.csv")
    assert not Order.objects.filter(tickets_emailed_at__isnull=True).exists()
    assert order_emails_catch_up(now=timezone.now() + timedelta(minutes=10)) == 0


def test_a_file_larger_than_the_remaining_capacity_is_refused_whole(summit):
    rows = "".join(f"p{i}@example.com,Person {i}\n" for i in range(4))
    content = f"email,name\n{rows}".encode()
    preview = import_check(event=summit["event"], content=content, filename="many.csv", ticket_type=summit["general"])
    assert not preview.fits and preview.capacity == [{"quota": "General seats", "wanted": 4, "remaining": 3}]
    with pytest.raises(ExportError) as error:
        import_apply(event=summit["event"], content=content, filename="many.csv", ticket_type=summit["general"],
                     complimentary=True)
    assert error.value.code == "capacity_exceeded" and error.value.http_status == 409
    assert "only 3 seats are left" in error.value.message
    assert Order.objects.count() == 0


def test_xlsx_with_external_ids_allows_several_tickets_per_person(summit):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["external_id", "email", "name"])
    sheet.append(["A-1", "team@example.com", "Team One"])
    sheet.append(["A-2", "team@example.com", "Team Two"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_apply(event=summit["event"], content=buffer.getvalue(), filename="team.xlsx",
                          ticket_type=summit["general"], complimentary=True)
    assert result["created"] == 2
    assert set(Order.objects.values_list("total", "payment_method")) == {(0, "free")}


def test_unreadable_files_are_refused_clearly(summit):
    for content, name, code in ((b"\xff\xfe\x00", "x.csv", "file_unreadable"), (b"x", "x.txt", "file_type"),
                                (b"who,what\n1,2\n", "x.csv", "columns_missing"), (b"not a zip", "x.xlsx", "file_unreadable")):
        with pytest.raises(ExportError) as error:
            import_check(event=summit["event"], content=content, filename=name, ticket_type=summit["general"])
        assert error.value.code == code, name


LEGACY = (b"event_ref,event_name,event_starts_at,event_ends_at,event_timezone,currency,ticket_type,price,"
          b"registration_ref,email,name,status,registered_at,amount_paid\n"
          b"E1,Old Conf 2024,2024-05-01 09:00,2024-05-01 18:00,Asia/Seoul,KRW,Standard,30000,R1,a@example.com,Ann,"
          b"confirmed,2024-04-01 10:00,30000\n"
          b"E1,Old Conf 2024,2024-05-01 09:00,2024-05-01 18:00,Asia/Seoul,KRW,Standard,30000,R2,b@example.com,Ben,"
          b"cancelled,2024-04-02 10:00,0\n")


def test_older_system_import_brings_events_and_registrations_once(org_a, in_schema):
    with in_schema(org_a):
        preview = legacy_check(content=LEGACY, filename="old.csv")
        assert len(preview.registrations_new) == 2 and preview.events_new == {"E1"} and Event.objects.count() == 0
        assert legacy_apply(content=LEGACY, filename="old.csv")["created"] == 2
        event = Event.objects.get(slug="legacy-e1")
        assert event.currency == "KRW" and event.status == "completed"
        ann = Order.objects.get(email="a@example.com")
        assert ann.status == "confirmed" and ann.paid == 30000 and ann.positions.get().tickets.count() == 1
        assert ann.created_at.isoformat() == "2024-04-01T01:00:00+00:00"  # Seoul time, stored in UTC
        assert legacy_apply(content=LEGACY, filename="old.csv")["created"] == 0
        assert Order.objects.count() == 2
        bad = LEGACY.replace(b"a@example.com", b"nope").replace(b"2024-04-02 10:00", b"2024-04-02 10:00")
        with pytest.raises(ExportError) as error:
            legacy_apply(content=bad.replace(b"R1", b"R9"), filename="old.csv")
        assert error.value.details["problems"][0]["line"] == 2


def test_admin_import_previews_then_applies(summit, org_a, member, site_client):
    client = site_client(org_a, member(org_a, "finance"))
    upload = io.BytesIO(GOOD)
    upload.name = "people.csv"
    response = client.post(reverse("exports_imports"), {"kind": "complimentary", "event": summit["event"].pk,
                                                        "file": upload, "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200 and "nothing has been written yet" in page and Order.objects.count() == 0
    token = page.split('name="token" value="')[1].split('"')[0]
    response = client.post(reverse("exports_imports"), {"kind": "complimentary", "event": summit["event"].pk,
                                                        "token": token, "action": "apply"})
    assert response.status_code == 302 and Order.objects.count() == 2
    bad = io.BytesIO(BAD)
    bad.name = "bad.csv"
    response = client.post(reverse("exports_imports"), {"kind": "attendees", "event": summit["event"].pk, "file": bad,
                                                        "action": "preview"})
    assert response.status_code == 400 and "<td>3</td>" in response.content.decode()


def test_nonsense_form_values_are_clear_4xx_never_500(summit, org_a, member, site_client):
    client = site_client(org_a, member(org_a, "admin"))
    upload = io.BytesIO(GOOD)
    upload.name = "people.csv"
    for data in ({"kind": "attendees", "event": "abc", "file": upload, "action": "preview"},
                 {"kind": "attendees", "event": summit["event"].pk, "ticket_type": "x", "action": "apply", "token": "t"},
                 {"kind": "bogus", "action": "preview"},
                 {"kind": "legacy", "action": "preview"}):
        upload.seek(0)
        response = client.post(reverse("exports_imports"), data)
        assert 400 <= response.status_code < 500, data
    bad_date = LEGACY.replace(b"2024-05-01 09:00,2024-05-01 18:00", b"2024-13-01 09:00,2024-05-01 18:00", 1)
    preview = legacy_check(content=bad_date, filename="old.csv")
    assert [(p.line, p.message) for p in preview.problems] == [(2, "Event_starts_at is not a date and time.")]


def test_admin_preview_of_a_file_too_large_for_the_seats_offers_no_import(summit, org_a, member, site_client):
    client = site_client(org_a, member(org_a, "owner", email="boss@alpha.test"))
    upload = io.BytesIO(b"email,name\n" + b"".join(b"p%d@example.com,P %d\n" % (i, i) for i in range(4)))
    upload.name = "many.csv"
    response = client.post(reverse("exports_imports"), {"kind": "complimentary", "event": summit["event"].pk,
                                                        "ticket_type": summit["general"].pk, "file": upload,
                                                        "action": "preview"})
    page = response.content.decode()
    assert "more seats than are left" in page and 'value="apply"' not in page
    legacy = io.BytesIO(LEGACY)
    legacy.name = "old.csv"
    page = client.post(reverse("exports_imports"), {"kind": "legacy", "file": legacy, "action": "preview"}).content.decode()
    assert 'value="apply"' in page and "Event_" not in page
