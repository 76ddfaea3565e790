"""Organizer screens in the Wagtail admin: the live dashboard (server-sent events), undo, manual
check-in and name badges. Each action calls one service."""

import json
from datetime import timedelta
import time

from django.contrib import messages
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from operations.checkin import selectors
from operations.checkin.errors import CheckInError
from operations.checkin.models import CheckinList
from operations.checkin.services.badges import LAYOUTS, badge_tickets, badges_pdf
from operations.checkin.services.lists import checkin_list_default
from operations.checkin.services.live import marker_get
from operations.checkin.services.undo import checkin_manual, checkin_undo
from operations.core.errors import refuse_without
from operations.events.models import Event

DASHBOARD, UNDO, MANUAL = "checkin.view_dashboard", "checkin.undo_checkin", "checkin.manual_checkin"
# A stream ends after this long; EventSource reconnects by itself (retry below). Bounded so that a
# forgotten tab never holds a server thread for ever.
STREAM_SECONDS = 55
POLL_SECONDS = 0.25


def _event(request, event_id=None) -> Event | None:
    events = Event.objects.order_by("-starts_at")
    if event_id:
        return get_object_or_404(events, pk=event_id)
    now = timezone.now()
    return events.filter(ends_at__gte=now - timedelta(days=1)).order_by("starts_at").first() or events.first()


def dashboard(request, event_id: int | None = None):
    refuse_without(request.user, DASHBOARD)
    event = _event(request, event_id)
    data = None
    if event is not None:
        checkin_list_default(event=event, actor=request.user)
        data = selectors.dashboard_data(event)
    return TemplateResponse(request, "checkin/admin/dashboard.html", {
        "event": event, "events": Event.objects.order_by("-starts_at")[:50], "data": data,
        "data_json": data, "can_undo": request.user.has_perm(UNDO), "can_manual": request.user.has_perm(MANUAL),
        "layouts": LAYOUTS,
    })


def dashboard_stream(request, event_id: int):
    """Server-sent events: the dashboard's data whenever the event's change marker moves (checked
    every 250 ms, one Redis read). Each stream holds one server thread for up to STREAM_SECONDS."""
    refuse_without(request.user, DASHBOARD)
    event = get_object_or_404(Event, pk=event_id)
    schema = connection.schema_name

    def stream():
        if connection.schema_name != schema:
            connection.set_schema(schema)
        yield "retry: 1000\n\n"
        seen = object()
        started = last_sent = last_beat = time.monotonic()
        try:
            while time.monotonic() - started < STREAM_SECONDS:
                marker = marker_get(event.pk)
                # Also a full refresh every 15 s: keeps proxies from closing the stream and covers a
                # Redis outage (no marker).
                if marker != seen or time.monotonic() - last_sent > 15:
                    seen, last_sent = marker, time.monotonic()
                    yield f"event: update\ndata: {json.dumps(selectors.dashboard_data(event))}\n\n"
                elif time.monotonic() - last_beat > 2:
                    # A comment line: a closed tab is noticed on the next write, so the thread is
                    # freed within seconds instead of at the end of the stream.
                    yield ": beat\n\n"
                else:
                    time.sleep(POLL_SECONDS)
                    continue
                last_beat = time.monotonic()
        finally:
            connection.close()  # the stream held a connection outside the request cycle

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@require_POST
def undo(request, scan_id: int):
    refuse_without(request.user, UNDO)
    try:
        scan = checkin_undo(scan_id=scan_id, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "Check-in undone.")
        event_id = scan.checkin_list.event_id
    except CheckInError as error:
        messages.error(request, error.message)
        event_id = request.POST.get("event") or None
    return redirect(reverse("checkin_dashboard_event", args=[event_id]) if event_id else reverse("checkin_dashboard"))


@require_POST
def manual(request, list_id: int):
    refuse_without(request.user, MANUAL)
    checkin_list = get_object_or_404(CheckinList, pk=list_id)
    answer = checkin_manual(checkin_list=checkin_list, ticket_code=request.POST.get("code", ""), actor=request.user,
                            nonce=request.POST.get("nonce", ""))
    (messages.success if answer["ok"] else messages.error)(
        request, f"{answer['name'] or request.POST.get('code', '')}: {answer['message']}")
    return redirect(reverse("checkin_dashboard_event", args=[checkin_list.event_id]))


def attendee_search(request, list_id: int):
    refuse_without(request.user, MANUAL)
    checkin_list = get_object_or_404(CheckinList.objects.select_related("event"), pk=list_id)
    query = request.GET.get("q", "")
    return TemplateResponse(request, "checkin/admin/search.html", {
        "checkin_list": checkin_list, "query": query, "results": selectors.ticket_search(checkin_list, query, limit=50)})


def badges(request, event_id: int):
    """Badges of every valid ticket of the event, or of one (?ticket=<id>); ?layout=a6|labels."""
    refuse_without(request.user, DASHBOARD)
    event = get_object_or_404(Event, pk=event_id)
    ticket_ids = None
    if request.GET.get("ticket"):
        try:
            ticket_ids = [int(request.GET["ticket"])]
        except ValueError:
            raise CheckInError("The ticket is a number.", code="bad_ticket") from None
    layout = request.GET.get("layout", "a6")
    if layout not in LAYOUTS:
        raise CheckInError("Choose the A6 or the label-sheet layout.", code="bad_layout")
    organization = getattr(connection, "tenant", None)
    pdf = badges_pdf(event=event, tickets=badge_tickets(event=event, ticket_ids=ticket_ids), layout=layout,
                     organization_name=getattr(organization, "name", ""))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="badges-{event.slug}-{layout}.pdf"'
    return response
