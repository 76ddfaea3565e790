"""The public registration flow on an organization's site:

choose tickets → seats held for 15 minutes → buyer and attendees (+ payment) → order page;
for one free seat with nothing to ask, one step: ticket and buyer on one page → order page.
Views parse input, call one service and translate OrderError into a 4xx page with the message.
"""

import uuid

from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cms.page_cache import KeptInProcess, content_generation
from operations.core.http import error_json
from operations.events.models import Event
from operations.invoicing.templatetags.invoicing_tags import event_tax_note
from operations.payments.errors import PaymentError
from operations.payments.models import Payment
from operations.payments.services.accounts import stripe_credentials, stripe_js_url
from operations.payments.services.payments import payment_card_confirm, payment_refresh, payment_start
from operations.payments.services.refunds import order_cancel_refunding
from operations.ticketing.answer_files import answer_files_dropped_on_error
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, TicketType
from operations.ticketing.queries import event_by_slug, event_with_listed_types, positions_with_types
from operations.ticketing.selectors import (
    order_and_tickets_by_secret, order_by_secret, promo_code_usable, sessions_with_places, ticket_type_offer,
    ticket_type_offers,
)
from operations.ticketing.services.documents import calendar_links, order_ics, qr_svg, tickets_pdf, valid_tickets
from operations.ticketing.services.lifecycle import payment_methods_offered
from operations.ticketing.services.orders import Attendee, order_complete, order_register, order_reserve
from operations.ticketing.services.signing import signing_key_get, signing_public_key_pem, ticket_payload
from operations.ticketing.services.waitlist import waiting_list_join
from portal.registration import forms
from portal.shell import shell_response

# A completed event's ticket page stays, saying registration is closed, rather than a 404.
PUBLIC_STATUSES = (Event.Status.PUBLISHED, Event.Status.ONGOING, Event.Status.COMPLETED)


def _event(slug: str) -> Event:
    event = event_by_slug(slug, PUBLIC_STATUSES)
    if event is None:
        raise Http404
    return event


def _order(secret: str) -> Order:
    order = order_by_secret(secret)
    if order is None:
        raise Http404
    return order


def _unlocked_offers(event: Event, promo) -> list[dict]:
    """Hidden types a usable promo code unlocks, shown with the visible ones."""
    if promo is None:
        return []
    now = timezone.now()
    is_open = event.registration_is_open(now)
    return [ticket_type_offer(t, event=event, remaining=None, is_open=is_open, now=now) for t in promo.unlocks.all()
            if t.is_active and t.visibility != TicketType.Visibility.VISIBLE]


def _one_step(event, offers: list[dict]) -> bool:
    """One free seat per person and nothing to pick or ask: the ticket page takes the buyer's name
    and e-mail and registers at once (a hold would only send the buyer to a second page)."""
    return (bool(offers) and not event.has_sessions
            and all(not o["price"] and min(o["max_per_order"], event.max_per_order) == 1 for o in offers)
            and not any(forms.questions_asked(event, o["id"]) for o in offers))


def _choose_page(request, event, *, status=200, error=None, data=None, buyer=None, listed=None, now=None,
                 promo_apply=False):
    """The ticket page. ``promo_apply``: the visitor pressed "Apply" (or Enter) with a code: the
    page says what the code does, keeping what was entered. A code in the query string (a link in
    a newsletter) is applied the same way."""
    promo = (data or request.GET).get("promo_code", "") if data is not None or "promo_code" in request.GET else ""
    usable = promo_code_usable(event=event, code=promo) if promo else None
    offers = ticket_type_offers(event=event, listed=listed, now=now) + _unlocked_offers(event, usable)
    one_step = _one_step(event, offers)
    quantities = {}
    if data is not None:
        for key, value in data.items():
            if key.startswith("qty_"):
                quantities[key[4:]] = value
    elif one_step and len(offers) == 1:
        quantities[str(offers[0]["id"])] = "1"  # the only ticket there is: nothing to choose
    for offer in offers:
        offer["quantity"] = quantities.get(str(offer["id"]), "0")
        offer["choices"] = range(0, min(offer["max_per_order"], event.max_per_order) + 1)
    sessions = sessions_with_places(event=event) if event.has_sessions else []
    organization = getattr(request, "tenant", None)
    title = f"Register · {event.name} · {getattr(organization, 'display_name', '')}"
    context = {
        "event": event, "offers": offers, "sessions": sessions,
        "full_sessions": [s for s in sessions if s.is_full and s.has_waiting_list],
        "promo_code": promo, "error": error, "open": event.registration_is_open(timezone.now()),
        # A code applied from the ticket page (GET): what it does, or that it does nothing.
        "promo": usable if data is None or promo_apply else None,
        "promo_checked": bool(promo) and (data is None or promo_apply),
        # Sold out: nothing left to choose and something sold out (not merely a sale yet to open).
        "sold_out": bool(offers) and not any(o["available"] for o in offers) and any(o["waiting_list"] for o in offers),
        "idempotency_key": (data or {}).get("idempotency_key") or uuid.uuid4().hex,
        "one_step": one_step, "buyer": (buyer or forms.BuyerForm(prefix="buyer")) if one_step else None,
    }
    plain = data is None and error is None and buyer is None and not promo and not sessions
    return shell_response(request, "portal/registration/choose.html", "portal/registration/_choose.html", context,
                          title=title, status=status, content_html=_choose_kept(request, context) if plain else None)


# The ticket page as everyone first sees it, kept per process by everything it shows: the event
# (its content generation), each offer as read live (name, price, availability, seats left...), the
# tax note, whether registration is open. Only the CSRF token and the form's idempotency key
# differ from one visitor to the next: they are filled in. Pages with an error, entered values,
# a promo code or sessions are rendered afresh.
_choose_pages = KeptInProcess(512)
_CSRF_MARK, _KEY_MARK = "\ue011csrf\ue011", "\ue011key\ue011"


def _shown(offer: dict) -> tuple:
    """An offer as the page shows it: the seats left only when few are (_choose.html says "Only
    N left" from 10 down), so that a sale does not make every page a new one."""
    few = offer["remaining"] is not None and offer["remaining"] <= 10
    return tuple(sorted((name, str(value) if name != "remaining" or few else "many") for name, value in offer.items()))


def _choose_kept(request, context: dict) -> str:
    event, offers = context["event"], context["offers"]
    key = (connection.schema_name, content_generation(), event.pk, event_tax_note(event), context["open"],
           context["sold_out"], context["one_step"], tuple(_shown(offer) for offer in offers))
    html = _choose_pages.get_or_make(key, lambda: render_to_string(
        "portal/registration/_choose.html", {**context, "csrf_token": _CSRF_MARK, "idempotency_key": _KEY_MARK},
        request))
    return html.replace(_CSRF_MARK, get_token(request)).replace(_KEY_MARK, context["idempotency_key"])


@never_cache
@require_http_methods(["GET", "POST"])
def choose(request, slug: str):
    if request.method == "GET":
        now = timezone.now()
        found = event_with_listed_types(slug, PUBLIC_STATUSES, now=now)  # the event and its offers: one read
        if found is None:
            raise Http404
        event, listed = found
        return _choose_page(request, event, listed=listed, now=now)
    event = _event(slug)
    if request.POST.get("apply_promo") and request.POST.get("promo_code", "").strip():
        # "Apply" is the form's first button, so Enter in any field presses it: with no code
        # entered, the visitor meant to go on, and does.
        entered = {name: request.POST.get(f"buyer-{name}", "") for name in forms.BuyerForm.base_fields}
        return _choose_page(request, event, data=request.POST, promo_apply=True,
                            buyer=forms.BuyerForm(prefix="buyer", initial=entered))
    if request.POST.get("flow") == "one_step":
        return _register_one_step(request, event)
    try:
        items, promo_code = forms.items_parse(request.POST)
        key = (request.POST.get("idempotency_key") or "")[:64]
        order = order_reserve(event=event, items=items, promo_code=promo_code, idempotency_key=key,
                              user=request.user, request=request)
    except OrderError as error:
        return _choose_page(request, event, status=error.http_status, error=error, data=request.POST)
    if order.status != Order.Status.PENDING:  # a repeated submission of a completed order
        return redirect("registration:order", secret=order.secret)
    return redirect("registration:details", secret=order.secret)


def _register_one_step(request, event):
    buyer = forms.BuyerForm(request.POST, prefix="buyer")
    try:
        items, promo_code = forms.items_parse(request.POST)
        if any(forms.questions_asked(event, item.ticket_type_id) for item in items):
            # A form made for another page: these tickets come with questions to answer.
            raise OrderError("Please register in steps: this ticket has questions to answer.",
                             code="one_step_unavailable")
        if not buyer.is_valid():
            raise OrderError("Please correct the fields marked below.", code="form_invalid")
        order = order_register(event=event, items=items, name=buyer.cleaned_data["name"],
                               email=buyer.cleaned_data["email"], phone=buyer.cleaned_data["phone"],
                               promo_code=promo_code, idempotency_key=(request.POST.get("idempotency_key") or "")[:64],
                               user=request.user, request=request)
    except OrderError as error:
        return _choose_page(request, event, status=error.http_status, error=error, data=request.POST, buyer=buyer)
    if order.status == Order.Status.PENDING:  # the key of a reservation made in steps
        return redirect("registration:details", secret=order.secret)
    return redirect("registration:order", secret=order.secret)


def _details_forms(order, data=None, files=None):
    buyer = forms.BuyerForm(data, prefix="buyer", initial={"name": order.name, "email": order.email})
    buyer_data = {}
    if data is not None and buyer.is_valid():
        buyer_data = buyer.cleaned_data
    attendees = []
    for index, position in enumerate(positions_with_types(order), 1):
        form = forms.AttendeeForm(data, prefix=f"a{index}", buyer=buyer_data,
                                  initial={"same_as_buyer": index == 1 and data is None})
        questions_form, questions = forms.questions_form(position, data, files, prefix=f"a{index}-q")
        attendees.append({"index": index, "position": position, "form": form, "questions_form": questions_form,
                          "questions": questions})
    return buyer, attendees


def _details_page(request, order, buyer, attendees, *, status=200, error=None):
    return shell_response(request, "portal/registration/details.html", "portal/registration/_details.html", {
        "order": order, "event": order.event, "buyer": buyer, "attendees": attendees, "error": error,
        # Free orders offer no payment method: no need to look up the organization's card keys.
        "card_payments": bool(order.total) and Order.PaymentMethod.STRIPE in payment_methods_offered(),
        "seconds_left": max(int((order.expires_at - timezone.now()).total_seconds()), 0) if order.expires_at else None,
    }, title=f"Your details · {order.event.name}", status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def details(request, secret: str):
    order = _order(secret)
    if order.status != Order.Status.PENDING:
        return redirect("registration:order", secret=order.secret)
    if request.method == "GET":
        if order.expires_at and order.expires_at <= timezone.now():
            error = OrderError("Your reservation has expired. Please choose your tickets again.", code="reservation_expired")
            return _details_page(request, order, *_details_forms(order), status=error.http_status, error=error)
        return _details_page(request, order, *_details_forms(order))
    try:
        forms.uploads_check(request.FILES)
    except OrderError as error:
        return _details_page(request, order, *_details_forms(order), status=error.http_status, error=error)
    buyer, attendees = _details_forms(order, request.POST, request.FILES)
    valid = buyer.is_valid()
    for attendee in attendees:
        valid = attendee["form"].is_valid() and valid
        if attendee["questions_form"] is not None:
            valid = attendee["questions_form"].is_valid() and valid
    if not valid:
        error = OrderError("Please correct the fields marked below.", code="form_invalid")
        return _details_page(request, order, buyer, attendees, status=400, error=error)
    people, stored = [], []
    for a in attendees:
        answers = {}
        if a["questions_form"] is not None:
            answers = forms.answers_snapshot(a["questions"], a["questions_form"].cleaned_data)
            stored += forms.answer_files_store(a["questions"], a["questions_form"].cleaned_data, answers)
        people.append(Attendee(a["form"].cleaned_data["name"], a["form"].cleaned_data["email"], answers))
    try:
        with answer_files_dropped_on_error(stored):
            order = order_complete(order=order, name=buyer.cleaned_data["name"], email=buyer.cleaned_data["email"],
                                   phone=buyer.cleaned_data["phone"], attendees=people,
                                   payment_method=request.POST.get("payment_method", ""), request=request)
    except OrderError as error:
        if error.code == "already_submitted":
            return redirect("registration:order", secret=order.secret)
        return _details_page(request, order, buyer, attendees, status=error.http_status, error=error)
    if order.status == Order.Status.AWAITING_PAYMENT and order.payment_method == Order.PaymentMethod.STRIPE:
        return redirect("registration:pay", secret=order.secret)
    return redirect("registration:order", secret=order.secret)


def _card_payment_refresh(order: Order) -> Payment | None:
    """The latest card payment of an order awaiting one, brought up to date with the provider
    (the attendee just came back from paying; the webhook may not have arrived yet)."""
    payment = order.payments.filter(provider="stripe").first()
    if payment is not None and payment.status in Payment.OPEN and payment.provider_reference:
        try:
            payment = payment_refresh(payment=payment, source="return").payment or payment
        except PaymentError:
            pass  # the provider did not answer: show the state we know; reconciliation follows up
        order.refresh_from_db()
    return payment


def _cancellable(order: Order, now) -> bool:
    """Whether the order page offers self-cancellation (the service decides; this only shows it)."""
    return (order.status in (Order.Status.CONFIRMED, Order.Status.AWAITING_PAYMENT, Order.Status.AWAITING_APPROVAL)
            and order.event.self_cancel_until is not None and now < order.event.self_cancel_until)


@never_cache
def order_page(request, secret: str, *, error: OrderError | None = None, answers_bound=None):
    """``answers_bound``: (position id, answers form) sent back with its errors."""
    found = order_and_tickets_by_secret(secret)
    if found is None:
        raise Http404
    order, valid = found
    payment = None
    if order.status == Order.Status.AWAITING_PAYMENT and order.payment_method == Order.PaymentMethod.STRIPE:
        payment = _card_payment_refresh(order)
        valid = valid_tickets(order)  # a payment confirmed just now issued them
    now = timezone.now()
    editable = (order.status == Order.Status.CONFIRMED and order.event.attendee_edit_until is not None
                and now < order.event.attendee_edit_until)
    tickets = []
    if order.status in Order.HOLDING_FOR_GOOD:
        key = signing_key_get()
        for t in valid:
            answers_form, opened = None, False
            if editable:
                if answers_bound and answers_bound[0] == t.position.pk:
                    answers_form, opened = answers_bound[1], True
                else:
                    answers_form = forms.answers_form(t.position)[0]
            tickets.append({"ticket": t, "position": t.position, "payload": ticket_payload(t, key=key),
                            "answers_form": answers_form, "opened": opened})
    return shell_response(request, "portal/registration/order.html", "portal/registration/_order.html", {
        "order": order, "event": order.event, "tickets": tickets, "positions": order.positions.select_related("ticket_type"),
        "calendar": calendar_links(order), "cancellable": _cancellable(order, now), "editable": editable,
        "error": error, "payment": payment, "refunds": order.refunds.all() if order.total else [],  # free: never paid
    }, title=f"Order {order.code} · {order.event.name}", status=error.http_status if error else 200)


@never_cache
def pay(request, secret: str):
    """The payment step: Stripe's Payment Element for an order awaiting card payment."""
    order = _order(secret)
    if order.status != Order.Status.AWAITING_PAYMENT or order.payment_method != Order.PaymentMethod.STRIPE:
        return redirect("registration:order", secret=order.secret)
    credentials = stripe_credentials()
    payment, error = None, None
    try:
        payment = payment_start(order=order, request=request)
    except PaymentError as failure:
        error = failure
    return TemplateResponse(request, "portal/registration/pay.html", {
        "order": order, "event": order.event, "payment": payment, "error": error,
        "publishable_key": credentials.publishable_key if credentials else "",
        "stripe_account": credentials.account_id if credentials else "",
        "test_mode": credentials is not None and credentials.is_test_mode,
        "stripe_js_url": stripe_js_url(),
        "return_url": request.build_absolute_uri(reverse("registration:order", args=[order.secret])),
    }, status=error.http_status if error else 200)


@require_POST
def pay_card(request, secret: str):
    """Test mode with the Stripe.js stand-in: confirm with a card id tokenised at the provider."""
    order = _order(secret)
    payment = order.payments.filter(provider="stripe").first()
    try:
        if payment is None:
            raise PaymentError("Open the payment page again.", code="not_payable")
        outcome = payment_card_confirm(payment=payment, payment_method=request.POST.get("payment_method", "")[:120],
                                       request=request)
    except PaymentError as error:
        return error_json(error)
    payment = outcome.payment
    return JsonResponse({"status": payment.status, "message": payment.failure_message})


def order_tickets_pdf(request, secret: str):
    order = _order(secret)
    if order.status not in Order.HOLDING_FOR_GOOD:
        raise Http404
    organization = getattr(request, "tenant", None)
    # The organization's name and brand, as on the PDF the order's e-mail carries.
    pdf = tickets_pdf(order, organization_name=getattr(organization, "display_name", ""))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tickets-{order.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def ticket_qr(request, secret: str, ticket_id: int):
    """A ticket's QR code as SVG, for browsers without JavaScript (tickets.js draws it otherwise)."""
    order = _order(secret)
    ticket = None
    if order.status in Order.HOLDING_FOR_GOOD:
        ticket = next((t for t in valid_tickets(order) if t.pk == ticket_id), None)
    if ticket is None:
        raise Http404
    response = HttpResponse(qr_svg(ticket_payload(ticket)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


def order_calendar(request, secret: str):
    order = _order(secret)
    response = HttpResponse(order_ics(order, url=request.build_absolute_uri(f"/register/order/{order.secret}/")),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{order.code}.ics"'
    return response


@require_POST
def order_resend(request, secret: str):
    from operations.ticketing.services.attendees import order_resend

    order = _order(secret)
    try:
        order_resend(order=order, by_attendee=True, request=request)
    except OrderError as error:
        response = order_page(request, secret, error=error)
        if retry_after := error.details.get("retry_after"):
            response["Retry-After"] = str(retry_after)
        return response
    messages.success(request, f"We sent your order again to {order.email}.")
    return redirect("registration:order", secret=order.secret)


def _cancel_page(request, order, *, status=200, error=None):
    return shell_response(request, "portal/registration/cancel.html", "portal/registration/_cancel.html", {
        "order": order, "event": order.event, "error": error, "tickets": valid_tickets(order),
        "positions": order.positions.select_related("ticket_type"),
    }, title=f"Cancel order {order.code} · {order.event.name}", status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def order_cancel_view(request, secret: str):
    """GET: what cancelling does, and a button that confirms it. POST: cancels, only with the
    confirmation field (a bare POST, e.g. an old page's one-click form, is shown the question)."""
    order = _order(secret)
    if request.method == "GET":
        if not _cancellable(order, timezone.now()):
            return redirect("registration:order", secret=order.secret)
        return _cancel_page(request, order)
    if request.POST.get("confirm") != "yes":
        error = OrderError("Please confirm that you want to cancel this order.", code="confirmation_required")
        return _cancel_page(request, order, status=error.http_status, error=error)
    try:
        order_cancel_refunding(order=order, by_attendee=True, reason="Cancelled by the attendee.", request=request)
    except (OrderError, PaymentError) as error:
        return order_page(request, secret, error=error)
    messages.success(request, "Your order is cancelled.")
    return redirect("registration:order", secret=order.secret)


@require_POST
def order_attendee(request, secret: str, position_id: int):
    """Attendee self-service: correct details, or transfer the ticket (new code, old one revoked)."""
    from operations.ticketing.services.attendees import position_attendee_change, ticket_transfer

    order = _order(secret)
    position = get_object_or_404(order.positions, pk=position_id)
    name, email = request.POST.get("name", ""), request.POST.get("email", "")
    try:
        if request.POST.get("action") == "transfer":
            ticket_transfer(position=position, name=name, email=email, by_attendee=True, request=request)
            messages.success(request, f"The ticket now belongs to {name}; the previous code no longer works.")
        else:
            position_attendee_change(position=position, name=name, email=email, by_attendee=True, request=request)
            messages.success(request, "Attendee details saved.")
    except OrderError as error:
        return order_page(request, secret, error=error)
    return redirect("registration:order", secret=order.secret)


@require_POST
def order_attendee_answers(request, secret: str, position_id: int):
    """Attendee self-service: change the answers to the event's questions (same rules as when
    registering; a file not sent again stays as stored)."""
    from operations.ticketing.services.attendees import position_answers_change

    order = _order(secret)
    position = get_object_or_404(order.positions.select_related("order__event"), pk=position_id)
    try:
        forms.uploads_check(request.FILES)
        form, questions = forms.answers_form(position, request.POST, request.FILES)
        if form is None:
            raise OrderError("This ticket has no questions to answer.", code="no_questions")
    except OrderError as error:
        return order_page(request, secret, error=error)
    if not form.is_valid():
        error = OrderError("Please correct the answers marked below.", code="form_invalid")
        return order_page(request, secret, error=error, answers_bound=(position.pk, form))
    answers, keep = forms.answers_parse(position, questions, form.cleaned_data)
    stored = forms.answer_files_store(questions, form.cleaned_data, answers)
    try:
        with answer_files_dropped_on_error(stored):
            position_answers_change(position=position, answers=answers, keep=keep, by_attendee=True, request=request)
    except OrderError as error:
        return order_page(request, secret, error=error)
    messages.success(request, "Your answers are saved.")
    return redirect("registration:order", secret=order.secret)


@require_POST
def waitlist_join(request, slug: str):
    event = _event(slug)
    try:
        waiting_list_join(event=event, email=request.POST.get("email", ""), name=request.POST.get("name", ""),
                          session_id=forms.session_choice(request.POST.get("session")), request=request)
    except OrderError as error:
        return _choose_page(request, event, status=error.http_status, error=error)
    messages.success(request, "You are on the waiting list. We will e-mail you when a seat is free.")
    return redirect("registration:choose", slug=event.slug)


def public_key(request):
    """The organization's Ed25519 public key (PEM) for verifying ticket QR codes offline."""
    return HttpResponse(signing_public_key_pem(), content_type="application/x-pem-file")
