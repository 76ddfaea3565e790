"""Organizer screens in the organization's Wagtail admin: generic model screens that audit every
change, and the orders list / detail with their actions (each action calls one service)."""

import csv
import json
from pathlib import PurePath

from django.contrib import messages
from django.core import serializers
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST
from django import forms
from django.urls import reverse
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.ui.menus import MenuItem as ActionMenuItem

from operations.core.errors import DomainError, refuse_without
from operations.events.services import event_clone

from operations.audit.models import AuditEntry
from operations.audit.services import audit_record
from operations.events.models import Event
from operations.ticketing.answer_files import answer_files_storage
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, OrderPosition, TicketType
from operations.ticketing.selectors import order_search
from operations.ticketing.services.attendees import order_resend, position_attendee_change
from operations.ticketing.services.lifecycle import (
    order_approve,
    order_mark_paid,
    order_refund,
    order_reject,
)

VIEW, CHANGE = "ticketing.view_order", "ticketing.change_order"


class EventCloneForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=80, label="Web address (slug)")
    starts_at = forms.DateTimeField(label="New start (UTC)", help_text="Everything else moves by the same amount.")


class OrderFilterForm(forms.Form):
    """The orders list's query string. A value that does not parse is reported and not applied."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any")] + Order.Status.choices, label="Status")
    event = forms.ModelChoiceField(required=False, queryset=Event.objects.all(), label="Event")
    ticket_type = forms.ModelChoiceField(required=False, queryset=TicketType.objects.select_related("event"),
                                         label="Ticket type")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these are declared here rather than in the class body.
        self.fields["from"] = forms.DateField(required=False, label="Created from",
                                              error_messages={"invalid": "Enter a date as YYYY-MM-DD."})
        self.fields["to"] = forms.DateField(required=False, label="Created to",
                                            error_messages={"invalid": "Enter a date as YYYY-MM-DD."})
        for name in ("event", "ticket_type"):
            self.fields[name].error_messages["invalid_choice"] = "No such choice: pick one from the list."

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", "The end date is before the start date.")
        return data

    def problems(self) -> list[str]:
        """One line per filter that was not applied: its label, what was sent, and why."""
        return [f"{self.fields[name].label or name.capitalize()} “{self.data.get(name, '')}”: {' '.join(errors)}"
                for name, errors in self.errors.items() if name in self.fields]


class EventScopedForm(forms.ModelForm):
    """Quotas, ticket types and sessions belong to one event. The pickers offer only the edited
    row's event's choices once that event is known, and a choice of another event is refused with
    a clear message: two events silently sharing a quota would sell the same seats twice."""

    scoped = ("quotas", "ticket_types", "unlocks", "ticket_type", "session")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event_id = self._event_id()
        for name in self.scoped:
            if (field := self.fields.get(name)) is None:
                continue
            if event_id is not None:
                field.queryset = field.queryset.filter(event_id=event_id)
            field.queryset = field.queryset.select_related("event")
            field.error_messages["invalid_choice"] = (
                "Choose only from this event's options: a choice belongs to another event or no longer exists.")

    def _event_id(self) -> int | None:
        if self.is_bound and "event" in self.fields:
            try:
                return int(self.data.get(self.add_prefix("event")))
            except (TypeError, ValueError):
                return None  # the event field reports it
        return self.instance.event_id or None

    def clean(self):
        data = super().clean()
        if "quotas" in self.fields and "quotas" not in self.errors and not data.get("quotas"):
            # Seats are only ever sold against a quota: a ticket type without one shows as sold out.
            self.add_error("quotas", "Choose at least one quota: a ticket type that counts against none cannot be sold.")
        event = data.get("event") or (self.instance.event if self.instance.event_id else None)
        if event is None:
            return data
        for name in self.scoped:
            chosen = data.get(name)
            if name not in self.fields or not chosen:
                continue
            rows = chosen if hasattr(chosen, "__iter__") else [chosen]
            if others := [str(row) for row in rows if row.event_id != event.pk]:
                self.add_error(name, f"These belong to another event: {', '.join(others)}. Choose this event's only.")
        return data


def snapshot(instance) -> dict:
    """JSON-safe field values (Decimals and dates as strings, many-to-many as ids)."""
    return json.loads(serializers.serialize("json", [instance]))[0]["fields"]


def _action(instance, verb: str) -> str:
    return f"{instance._meta.model_name}.{verb}"


class AuditedCreateView(CreateView):
    def save_instance(self):
        instance = super().save_instance()
        audit_record(_action(instance, "created"), actor=self.request.user, target=instance,
                     after=snapshot(instance), request=self.request)
        return instance


class AuditedEditView(EditView):
    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        self._before = snapshot(type(instance).objects.get(pk=instance.pk))
        return instance

    def save_instance(self):
        instance = super().save_instance()
        audit_record(_action(instance, "changed"), actor=self.request.user, target=instance, before=self._before,
                     after=snapshot(instance), request=self.request)
        return instance


class CapacityEditView(AuditedEditView):
    """Raising a capacity frees places: the waiting list hears about it once the change commits.
    ``capacity_field`` names the field; empty (None) means no limit."""

    capacity_field = ""

    def save_instance(self):
        instance = super().save_instance()
        before, after = self._before.get(self.capacity_field), getattr(instance, self.capacity_field)
        if before is not None and (after is None or after > int(before)):
            from operations.core.queue import after_commit
            from operations.ticketing.tasks import waiting_list_offer

            after_commit(waiting_list_offer, event_id=instance.event_id)
        return instance


class QuotaEditView(CapacityEditView):
    capacity_field = "size"


class SessionEditView(CapacityEditView):
    capacity_field = "capacity"


class AuditedDeleteView(DeleteView):
    def delete_action(self):
        instance = self.object
        before, pk = snapshot(instance), instance.pk
        super().delete_action()
        instance.pk = pk  # Django cleared it; the entry still names what was deleted
        audit_record(_action(instance, "deleted"), actor=self.request.user, target=instance, before=before,
                     request=self.request)


class EventIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm("events.add_event"):
            buttons.append(ActionMenuItem("Clone", url=reverse("ticketing_event_clone", args=[instance.pk]),
                                          icon_name="copy", priority=25))
        return buttons


def event_clone_view(request, event_id: int):
    """Clone an event (ticket types, quotas, sessions, promo codes) to a new date, as a draft."""
    _guard(request, "events.add_event")
    source = get_object_or_404(Event, pk=event_id)
    form = EventCloneForm(request.POST or None, initial={"name": f"{source.name} (copy)", "slug": f"{source.slug}-copy",
                                                         "starts_at": source.starts_at})
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                copy = event_clone(event=source, actor=request.user, request=request, **form.cleaned_data)
            except DomainError as exc:
                error, status = exc, exc.http_status
            else:
                messages.success(request, f"“{copy.name}” was created as a draft.")
                return redirect("event:edit", copy.pk)
        else:
            status = 400
    return TemplateResponse(request, "ticketing/admin/event_clone.html", {"source": source, "form": form, "error": error},
                            status=status)


def _guard(request, permission: str) -> None:
    refuse_without(request.user, permission)


def orders_list(request):
    """Search and filter orders. Filters that do not parse are named on the page (400) and the
    list shows what the valid ones select."""
    _guard(request, VIEW)
    params = request.GET
    form = OrderFilterForm(params)
    valid = form.is_valid()
    query = form.cleaned_data
    event, ticket_type = query.get("event"), query.get("ticket_type")
    orders = order_search(query=query.get("q", ""), status=query.get("status", ""),
                          event_id=event.pk if event else None, ticket_type_id=ticket_type.pk if ticket_type else None,
                          created_from=query.get("from"), created_to=query.get("to"))
    page = Paginator(orders, 50).get_page(params.get("page"))
    return TemplateResponse(request, "ticketing/admin/orders.html", {
        "page": page, "params": params, "form": form, "statuses": Order.Status.choices, "events": Event.objects.all(),
        "ticket_types": TicketType.objects.select_related("event"), "may_change": request.user.has_perm(CHANGE),
    }, status=200 if valid else 400)


@require_POST
def orders_bulk(request):
    _guard(request, CHANGE)
    orders = list(Order.objects.filter(pk__in=request.POST.getlist("order")).select_related("event"))
    action = request.POST.get("action")
    if action == "export":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="orders.csv"'
        writer = csv.writer(response)
        writer.writerow(["code", "status", "event", "buyer", "email", "total", "currency", "attendee", "attendee_email",
                         "ticket_type", "created_at"])
        for order in orders:
            for position in order.positions.select_related("ticket_type"):
                writer.writerow([order.code, order.status, order.event.name, order.name, order.email, order.total,
                                 order.currency, position.attendee_name, position.attendee_email,
                                 position.ticket_type.name, order.created_at.isoformat()])
        audit_record("order.exported", actor=request.user, after={"orders": [o.code for o in orders]}, request=request)
        return response
    done = failed = 0
    for order in orders:
        try:
            if action == "approve":
                order_approve(order=order, actor=request.user, request=request)
            elif action == "resend":
                order_resend(order=order, actor=request.user, request=request)
            else:
                raise OrderError("Unknown action.", code="invalid_action")
            done += 1
        except OrderError:
            failed += 1
    messages.success(request, f"{done} orders done." + (f" {failed} could not be changed." if failed else ""))
    return redirect("ticketing_orders")


def order_detail(request, order_id: int, *, error=None, status=200):
    _guard(request, VIEW)
    order = get_object_or_404(Order.objects.select_related("event", "promo_code"), pk=order_id)
    history = AuditEntry.objects.filter(target_type="ticketing.order", target_id=str(order.pk))
    return TemplateResponse(request, "ticketing/admin/order_detail.html", {
        "order": order, "positions": order.positions.select_related("ticket_type").prefetch_related("tickets"),
        "history": history, "error": error, "may_change": request.user.has_perm(CHANGE),
    }, status=status)


def order_answer_file(request, order_id: int, position_id: int, question: str):
    """A file an attendee uploaded as an answer, for staff who may see the order (never a public
    URL: CVs and ID scans are personal data)."""
    _guard(request, VIEW)
    position = get_object_or_404(OrderPosition, pk=position_id, order_id=order_id)
    path = (position.answers.get(question) or {}).get("file") if isinstance(position.answers, dict) else None
    storage = answer_files_storage()
    if not path or not storage.exists(path):
        raise Http404("No file was kept for this answer.")
    response = FileResponse(storage.open(path), as_attachment=True, filename=PurePath(path).name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def order_act(request, order_id: int):
    _guard(request, CHANGE)
    order = get_object_or_404(Order, pk=order_id)
    action, reason = request.POST.get("action"), request.POST.get("reason", "")
    try:
        if action == "approve":
            order_approve(order=order, actor=request.user, request=request)
        elif action == "reject":
            order_reject(order=order, actor=request.user, reason=reason, request=request)
        elif action == "cancel":
            from operations.payments.services.refunds import order_cancel_refunding  # money goes back the way it came

            order_cancel_refunding(order=order, actor=request.user, reason=reason, request=request)
        elif action == "mark_paid":
            order_mark_paid(order=order, actor=request.user, request=request)
        elif action == "resend":
            order_resend(order=order, actor=request.user, request=request)
        elif action == "refund":
            order_refund(order=order, amount=request.POST.get("amount", ""), actor=request.user, request=request)
        elif action == "attendee":
            position = get_object_or_404(OrderPosition, pk=request.POST.get("position"), order=order)
            position_attendee_change(position=position, name=request.POST.get("name", ""),
                                     email=request.POST.get("email", ""), actor=request.user, request=request)
        else:
            raise OrderError("Unknown action.", code="invalid_action")
    except DomainError as error:  # OrderError, or PaymentError from a cancellation's refund
        return order_detail(request, order_id, error=error, status=error.http_status)
    messages.success(request, "Done.")
    return redirect("ticketing_order", order_id=order.pk)
