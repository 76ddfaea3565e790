"""Exports: exactly the filtered rows, answers in their question's column (also after a relabel),
XLSX types, JSON/PDF, presets, large exports through Celery with a signed link that only works in
its own organization, permissions and audit."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from operations.audit.models import AuditEntry
from operations.exports.errors import ExportError
from operations.exports.models import ColumnPreset, ExportJob
from operations.exports.services import exporting
from operations.ticketing.models import Order
from tests.operations.exports.builders import answer, order_make
from tests.operations.ticketing.builders import event_make, ticket_type_make


def _csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _export(kind="attendees", fmt="csv", columns=None, **filters) -> bytes:
    plan = exporting.export_plan(kind=kind, format=fmt, filters=filters, columns=columns)
    out = io.BytesIO()
    exporting.export_write(plan, out)
    return out.getvalue()


@pytest.fixture
def fair(org_a, in_schema):
    with in_schema(org_a):
        event = event_make(slug="fair", currency="KRW")
        other = event_make(slug="other")
        general = ticket_type_make(event, name="General", price="15000")
        vip = ticket_type_make(event, name="VIP", price="50000")
        order_make(event, general, name="Kim Minji", price="15000",
                   answers={"company": answer("Company", "Acme"), "diet": answer("Diet", "vegan")})
        order_make(event, vip, name="Lee Jiwoo", price="50000", answers={"company": answer("Company", "Beta")})
        order_make(event, general, name="Park Expired", status=Order.Status.EXPIRED, price="15000")
        order_make(event, general, name="Choi Old", price="15000", created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
        order_make(other, ticket_type_make(other, name="Other seat"), name="Elsewhere Person")
        yield {"event": event, "other": other, "general": general, "vip": vip}


def test_export_holds_exactly_the_filtered_rows(fair):
    event = fair["event"].pk
    names = lambda rows: sorted(r["Attendee name"] for r in rows)  # noqa: E731
    assert names(_csv(_export(event=event))) == ["Choi Old", "Kim Minji", "Lee Jiwoo", "Park Expired"]
    assert names(_csv(_export(event=event, ticket_type=fair["vip"].pk))) == ["Lee Jiwoo"]
    assert names(_csv(_export(event=event, status="confirmed"))) == ["Choi Old", "Kim Minji", "Lee Jiwoo"]
    assert names(_csv(_export(event=event, date_from="2026-01-01", date_to="2026-01-31"))) == ["Choi Old"]
    assert len(_csv(_export())) == 5


def test_answers_land_in_their_question_column_also_after_a_relabel(fair):
    # The question "company" was relabelled later: the newest answer carries the new label.
    order_make(fair["event"], fair["general"], name="Han Later",
               answers={"company": answer("Organisation", "Gamma")})
    rows = _csv(_export(event=fair["event"].pk))
    by_name = {r["Attendee name"]: r for r in rows}
    assert "Organisation" in rows[0] and "Company" not in rows[0]  # one column, headed by the current label
    assert by_name["Kim Minji"]["Organisation"] == "Acme" and by_name["Kim Minji"]["Diet"] == "vegan"
    assert by_name["Lee Jiwoo"]["Organisation"] == "Beta" and by_name["Lee Jiwoo"]["Diet"] == ""
    assert by_name["Han Later"]["Organisation"] == "Gamma"


def test_xlsx_opens_with_dates_as_datetimes_and_amounts_as_numbers(fair):
    content = _export(fmt="xlsx", event=fair["event"].pk, status="confirmed")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    record = dict(zip(header, next(r for r in rows[1:] if "Kim Minji" in r), strict=True))
    assert isinstance(record["Registered at (event time)"], dt.datetime)
    assert isinstance(record["Ticket price"], int | float) and record["Ticket price"] == 15000
    assert record["Order total"] == 15000 and record["Payment status"] == "paid" and record["Company"] == "Acme"
    assert len(rows) == 4


def test_json_keeps_money_exact_and_columns_follow_the_chosen_order(fair):
    content = _export(fmt="json", event=fair["event"].pk, ticket_type=fair["vip"].pk,
                      columns=["ticket_type", "attendee_name", "price", "answer:company"])
    [record] = json.loads(content)
    assert list(record) == ["ticket_type", "attendee_name", "price", "answer:company"]
    assert record == {"ticket_type": "VIP", "attendee_name": "Lee Jiwoo", "price": "50000.000", "answer:company": "Beta"}
    csv_header = _export(event=fair["event"].pk, columns=["price", "attendee_name"]).decode("utf-8-sig").splitlines()[0]
    assert csv_header == "Ticket price,Attendee name"


def test_pdf_attendee_list_and_other_kinds(fair):
    assert _export(fmt="pdf", event=fair["event"].pk).startswith(b"%PDF")
    with pytest.raises(ExportError) as error:
        exporting.export_plan(kind="orders", format="pdf", filters={})
    assert error.value.code == "format_invalid"
    orders = _csv(_export(kind="orders", event=fair["event"].pk, status="confirmed"))
    assert sorted(r["Buyer name"] for r in orders) == ["Choi Old", "Kim Minji", "Lee Jiwoo"]
    assert {r["Tickets"] for r in orders} == {"1"}
    for kind in ("payments", "refunds", "checkins", "waiting_list"):
        assert _export(kind=kind).decode("utf-8-sig").count("\n") == 1  # the header only


def test_bad_filters_are_refused_with_a_code(fair):
    for filters, code in (({"event": "x"}, "filter_invalid"), ({"date_from": "yesterday"}, "filter_invalid"),
                          ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "filter_invalid")):
        with pytest.raises(ExportError) as error:
            exporting.export_plan(kind="attendees", format="csv", filters=filters)
        assert error.value.code == code


def test_one_organization_never_exports_another_organizations_rows(fair, org_b, in_schema):
    with in_schema(org_b):
        # Even asked for org A's event id, org B's export reads only org B's schema.
        assert _csv(_export(event=fair["event"].pk)) == []
        assert _csv(_export()) == []
        # Not even org A's question labels reach org B's file.
        header = _export().decode("utf-8-sig").splitlines()[0]
        assert "Company" not in header and "Diet" not in header


@pytest.fixture
def finance(org_a, member, site_client, fair):
    user = member(org_a, "finance")
    return site_client(org_a, user), user


def test_small_export_downloads_at_once_and_is_audited(finance, fair):
    client, user = finance
    response = client.post(reverse("exports_index"), {
        "kind": "attendees", "format": "csv", "event": fair["event"].pk, "status": "confirmed", "action": "export",
        "col:attendee_name": "1", "pos:attendee_name": "2", "col:ticket_type": "1", "pos:ticket_type": "1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv(response.content)
    assert list(rows[0]) == ["Ticket type", "Attendee name"] and len(rows) == 3
    entry = AuditEntry.objects.get(action="export.downloaded")
    assert entry.actor == user and entry.after["rows"] == 3
    assert entry.after["filters"] == {"event": fair["event"].pk, "status": "confirmed"}


@override_settings(EXPORTS_SYNC_MAX_ROWS=1)
def test_large_export_runs_in_celery_with_progress_signed_link_and_email(finance, fair, org_a, org_b, site_client,
                                                                          member, in_schema, tmp_path, settings,
                                                                          django_capture_on_commit_callbacks):
    settings.EXPORTS_ROOT = tmp_path
    client, user = finance
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports_index"), {"kind": "attendees", "format": "xlsx", "action": "export",
                                                          "col:attendee_name": "1"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports_job", args=[job.pk])
    # Eager Celery in tests: the task ran when the request's transaction committed.
    status = client.get(reverse("exports_job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["percent"] == 100 and status["rows_done"] == 5
    page = client.get(reverse("exports_job", args=[job.pk])).content.decode()
    assert 'id="export-progress"' in page and status["download_url"] in page
    download = client.get(status["download_url"])
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 6
    assert [m.to for m in mail.outbox if "export is ready" in m.subject] == [[user.email]]
    assert {"export.started", "export.finished", "export.file_downloaded"} <= set(
        AuditEntry.objects.values_list("action", flat=True))
    # The same link on another organization's domain finds nothing, even for its owner.
    token = status["download_url"].split("/")[-2]
    with in_schema(org_b):
        other = site_client(org_b, member(org_b, "owner", email="boss@beta.test"))
        assert other.get(f"/exports/download/{token}/").status_code == 404
    # A forged or expired link is refused.
    assert client.get("/exports/download/forged-token/").status_code == 404
    settings.EXPORTS_LINK_MAX_AGE = -1
    assert client.get(status["download_url"]).status_code == 410


def test_presets_save_columns_in_order(finance, fair):
    client, _ = finance
    response = client.post(reverse("exports_index"), {
        "kind": "attendees", "action": "save_preset", "preset_name": "Badges", "col:attendee_name": "1",
        "pos:attendee_name": "2", "col:answer:company": "1", "pos:answer:company": "1"})
    assert response.status_code == 302
    preset = ColumnPreset.objects.get(name="Badges")
    assert preset.columns == ["answer:company", "attendee_name"]
    assert AuditEntry.objects.filter(action="export.preset_saved").exists()
    page = client.get(reverse("exports_index") + f"?kind=attendees&preset={preset.pk}").content.decode()
    assert page.index('name="col:answer:company"') < page.index('name="col:attendee_name"')


@pytest.mark.parametrize("role", ["marketing", "staff"])
def test_roles_without_exports_are_refused(org_a, member, site_client, role):
    client = site_client(org_a, member(org_a, role))
    for name in ("exports_index", "exports_imports", "exports_reports"):
        assert client.get(reverse(name)).status_code == 403
    assert "/admin/exports/" not in client.get("/admin/").content.decode()  # no menu entry


def test_owner_admin_and_finance_may_export(org_a, member, site_client):
    for role in ("owner", "admin", "finance"):
        client = site_client(org_a, member(org_a, role))
        for name in ("exports_index", "exports_imports", "exports_reports"):
            assert client.get(reverse(name)).status_code == 200, (role, name)
        assert "/admin/exports/reports/" in client.get("/admin/").content.decode()  # the menu


def test_checkin_and_payment_data_appear_in_attendee_and_own_exports(fair):
    from operations.checkin.models import CheckinList, Scan
    from operations.payments.models import Payment, Refund

    from operations.exports import reports

    kim = Order.objects.get(name="Kim Minji")
    ticket = kim.positions.get().tickets.get()
    door = CheckinList.objects.create(event=fair["event"], name="Main door")
    scanned_at = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)
    Scan.objects.create(checkin_list=door, ticket=ticket, result="ok", scanned_at=scanned_at, actor_label="door@a.test")
    Scan.objects.create(checkin_list=door, ticket=ticket, result="already_checked_in", actor_label="door@a.test")
    Payment.objects.create(order=kim, provider="stripe", amount=Decimal(15000), currency="KRW", status="succeeded",
                           provider_reference="pi_1")
    Refund.objects.create(order=kim, amount=Decimal(5000), currency="KRW", status="succeeded", reason="Goodwill")
    pending = order_make(fair["event"], fair["general"], name="Yoon Card", status=Order.Status.AWAITING_PAYMENT,
                         price="15000", paid="0")
    Payment.objects.create(order=pending, provider="stripe", amount=Decimal(15000), currency="KRW", status="failed")

    by_name = {r["Attendee name"]: r for r in _csv(_export(event=fair["event"].pk))}
    assert by_name["Kim Minji"]["Checked in"] == "yes"
    assert by_name["Kim Minji"]["Checked in at (event time)"] == "2026-12-01 09:30:00"  # Seoul
    assert by_name["Lee Jiwoo"]["Checked in"] == "no" and by_name["Lee Jiwoo"]["Checked in at (event time)"] == ""
    assert by_name["Yoon Card"]["Payment status"] == "unpaid (failed)"
    scans = _csv(_export(kind="checkins", event=fair["event"].pk))
    assert sorted(r["Result"] for r in scans) == ["already_checked_in", "ok"]
    assert [r["Result"] for r in _csv(_export(kind="checkins", status="ok"))] == ["ok"]
    payments = _csv(_export(kind="payments", event=fair["event"].pk, status="succeeded"))
    assert [(p["Confirmation number"], p["Amount"], p["Provider reference"]) for p in payments] == [
        (kim.code, "15000.000", "pi_1")]
    refunds = _csv(_export(kind="refunds"))
    assert [(r["Amount"], r["Reason"]) for r in refunds] == [("5000.000", "Goodwill")]
    rng = reports.range_parse(None, None)
    assert reports.checkin_rate(fair["event"].pk, rng) == {"tickets": 2, "checked_in": 1, "rate": 50.0}


def test_an_oversized_printable_list_is_refused_with_advice(fair, finance, monkeypatch):
    monkeypatch.setattr(exporting, "PDF_MAX_ROWS", 2)
    client, _ = finance
    response = client.post(reverse("exports_index"), {"kind": "attendees", "format": "pdf", "action": "export",
                                                      "col:attendee_name": "1"})
    assert response.status_code == 400 and "choose CSV or XLSX" in response.content.decode()
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_rows_are_read_and_written_a_chunk_at_a_time(fair, settings):
    settings.EXPORTS_CHUNK_ROWS = 2
    from operations.exports.rows import rows_for

    chunks = list(rows_for("attendees", {"event": fair["event"].pk}))
    assert [len(c) for c in chunks] == [2, 2]
    progress = []
    plan = exporting.export_plan(kind="attendees", format="xlsx", filters={"event": fair["event"].pk})
    exporting.export_write(plan, io.BytesIO(), progress=progress.append)
    assert progress == [2, 4]


@pytest.mark.parametrize("kind", ["attendees", "orders", "payments", "refunds", "checkins", "waiting_list"])
def test_export_screen_offers_the_columns_and_statuses_of_each_kind(finance, kind):
    client, _ = finance
    page = client.get(reverse("exports_index") + f"?kind={kind}").content.decode()
    assert 'name="col:event"' in page and '<select id="status" name="status"' in page
    if kind == "payments":
        assert '<option value="succeeded">Succeeded</option>' in page


def test_expired_export_files_are_deleted_and_their_links_stop_working(fair, tmp_path, settings):
    settings.EXPORTS_ROOT = tmp_path
    job = ExportJob.objects.create(kind="attendees", format="csv", rows_total=5)
    exporting.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    path, token = exporting.job_path(job), exporting.link_token(job)
    assert job.status == "done" and path.exists() and exporting.link_open(token) == job
    assert exporting.export_files_purge(now=job.finished_at + dt.timedelta(hours=1)) == 0
    assert exporting.export_files_purge(now=job.finished_at + dt.timedelta(days=2)) == 1
    job.refresh_from_db()
    assert job.status == "expired" and not path.exists()
    with pytest.raises(ExportError) as error:
        exporting.link_open(token)
    assert error.value.code == "link_invalid"
