"""The scanner page and its JSON API on the organization's site (/checkin/).

Thin: parse, authenticate, call one service, answer. Clients authenticate with the session (and
the CSRF token, as any form) or with a scanner token (``Authorization: Token <t>``, no CSRF: it is
not a cookie); either way the user's membership in *this* organization must grant the permission.
"""

import base64
import json
from datetime import timedelta
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie

from operations.checkin import selectors
from operations.checkin.errors import CheckInError
from operations.checkin.models import CheckinList
from operations.checkin.queries import checkin_list_for_redeem
from operations.checkin.services.lists import checkin_list_default
from operations.checkin.services.redeem import checkin_redeem, checkin_sync, public_key_raw
from operations.checkin.services.tokens import scanner_token_issue, scanner_token_user
from operations.core.errors import DomainError
from operations.core.http import error_json
from operations.events.models import Event

SCAN = "checkin.scan_ticket"
MAX_BODY = 2_000_000


def _csrf_failure(request):
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})


def _api(permission: str = SCAN):
    """Authenticate (token or session + CSRF on writes), check the permission, map CheckInError
    and other DomainErrors to JSON 4xx."""

    def decorate(view):
        @csrf_exempt
        @never_cache
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            header = request.headers.get("Authorization", "")
            if header.startswith("Token "):
                user = scanner_token_user(header[6:].strip())
                if user is None:
                    return error_json(CheckInError("This scanner token is not valid here.", code="unauthenticated"))
                request.user = user
            else:
                if not request.user.is_authenticated:
                    return error_json(CheckInError("Sign in first.", code="unauthenticated"))
                if request.method == "POST" and _csrf_failure(request) is not None:
                    return error_json(CheckInError("The page expired: reload it.", code="csrf_failed"))
            if not request.user.has_perm(permission):
                return error_json(CheckInError("Your role in this organization does not include check-in.",
                                               code="forbidden"))
            try:
                return view(request, *args, **kwargs)
            except DomainError as error:
                return error_json(error)

        return wrapped

    return decorate


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise CheckInError("The request is too large.", code="too_large")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise CheckInError("The request body is not JSON.", code="bad_json") from None
    if not isinstance(data, dict):
        raise CheckInError("The request body is a JSON object.", code="bad_json")
    if b"\\u0000" in request.body:  # PostgreSQL text cannot hold NUL (raw NUL is not JSON at all)
        raise CheckInError("The request holds a NUL character (\\u0000), which text may not hold.", code="bad_json")
    return data


def _list(list_id) -> CheckinList:
    try:
        return CheckinList.objects.select_related("event").get(pk=int(list_id))
    except (CheckinList.DoesNotExist, TypeError, ValueError):
        raise CheckInError("No such check-in list.", code="not_found") from None


def _list_for_redeem(list_id) -> CheckinList:
    try:
        checkin_list = checkin_list_for_redeem(int(list_id))
    except (TypeError, ValueError):
        checkin_list = None
    if checkin_list is None:
        raise CheckInError("No such check-in list.", code="not_found")
    return checkin_list


def scanner_events():
    """Events a door may scan for today: not cancelled, not ended more than a day ago."""
    since = timezone.now() - timedelta(days=1)
    return Event.objects.filter(ends_at__gte=since).exclude(status="cancelled").order_by("starts_at")


@never_cache
@ensure_csrf_cookie
def scanner_page(request):
    if not request.user.is_authenticated:
        # Organization sites sign staff in through the admin's login (the root domain has the portal's).
        return redirect_to_login(request.get_full_path(), login_url="/admin/login/")
    if not request.user.has_perm(SCAN):
        raise CheckInError("Your role in this organization does not include check-in.", code="forbidden")
    lists = []
    for event in scanner_events():
        checkin_list_default(event=event, actor=request.user)
        lists += selectors.checkin_lists_for_event(event)
    return render(request, "checkin/scanner.html", {
        "lists": lists, "token": scanner_token_issue(user=request.user),
        "lists_json": [{"id": item.pk, "name": item.name, "event": item.event_id, "allow_exit": item.allow_exit}
                       for item in lists],
        "organization": getattr(connection, "tenant", None),
    })


@_api()
def api_redeem(request):
    if request.method != "POST":
        raise CheckInError("POST a scan.", code="method_not_allowed")
    data = _body(request)
    checkin_list = _list_for_redeem(data.get("list"))
    answer = checkin_redeem(checkin_list=checkin_list, scanned=str(data.get("scanned") or ""), actor=request.user,
                            nonce=str(data.get("nonce") or ""), kind=str(data.get("kind") or "entry"),
                            source=str(data.get("source") or "camera"), device=str(data.get("device") or ""))
    return JsonResponse(answer)


@_api()
def api_sync(request):
    if request.method != "POST":
        raise CheckInError("POST the queued scans.", code="method_not_allowed")
    data = _body(request)
    scans = data.get("scans")
    if not isinstance(scans, list) or len(scans) > 5000:
        raise CheckInError("Send up to 5,000 queued scans as a list.", code="bad_sync")
    lists = {checkin_list.pk: checkin_list for checkin_list in CheckinList.objects.with_rule_flags()}
    answers = checkin_sync(scans=scans, actor=request.user, device=str(data.get("device") or ""), lists=lists)
    return JsonResponse({"answers": answers})


@_api()
def api_list(request, list_id: int):
    """Everything the scanner keeps for offline work."""
    checkin_list = _list(list_id)
    return JsonResponse({
        "list": {"id": checkin_list.pk, "name": checkin_list.name, "event": checkin_list.event_id,
                 "event_name": checkin_list.event.name, "allow_exit": checkin_list.allow_exit,
                 "allow_reentry": checkin_list.allow_reentry,
                 "valid_from": checkin_list.valid_from.isoformat() if checkin_list.valid_from else None,
                 "valid_until": checkin_list.valid_until.isoformat() if checkin_list.valid_until else None},
        "public_key": base64.b64encode(public_key_raw()).decode(),
        "tickets": selectors.list_snapshot(checkin_list),
        "counts": selectors.list_counts(checkin_list),
        "at": timezone.now().isoformat(),
    })


@_api()
def api_counts(request, list_id: int):
    return JsonResponse(selectors.list_counts(_list(list_id)))


@_api()
def api_search(request, list_id: int):
    return JsonResponse({"results": selectors.ticket_search(_list(list_id), request.GET.get("q", ""))})


@_api()
def api_token(request):
    """A fresh scanner token for the signed-in user (e.g. for a dedicated scanning device)."""
    if request.method != "POST":
        raise CheckInError("POST to get a token.", code="method_not_allowed")
    return JsonResponse({"token": scanner_token_issue(user=request.user)})
