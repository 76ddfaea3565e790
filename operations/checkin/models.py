"""Check-in: lists (which tickets a door admits, and when) and every scan made at a door.

A scan row is written for each answer the door gets, admitted or refused, so the dashboard can
count refusals by reason and a retried scan (same nonce) gets the same answer. The admissions of a
list are its scans with result ``ok`` that were neither undone nor lost an offline conflict.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from operations.events.models import Event
from operations.ticketing.models import Session, Ticket, TicketType


class CheckinListQuerySet(models.QuerySet):
    def with_rule_flags(self):
        """Whether a list admits by session, in the same query (saves the redeem path a query per
        scan on the common lists without sessions)."""
        return self.annotate(
            has_session_rule=models.Exists(CheckinList.sessions.through.objects.filter(checkinlist_id=models.OuterRef("pk"))))


class CheckinList(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_lists")
    name = models.CharField(max_length=120)
    all_ticket_types = models.BooleanField(default=True, help_text="Admit every ticket type of the event.")
    ticket_types = models.ManyToManyField(TicketType, blank=True, related_name="checkin_lists",
                                          help_text="Admit only these types (when not all).")
    sessions = models.ManyToManyField(Session, blank=True, related_name="checkin_lists",
                                      help_text="Session attendance: admit only attendees registered for one of these.")
    allow_exit = models.BooleanField(default=False, help_text="Staff scan people out as well as in.")
    allow_reentry = models.BooleanField(default=False, help_text="A ticket may enter again after it was admitted.")
    valid_from = models.DateTimeField(null=True, blank=True, help_text="Scans before this are refused (empty: any time).")
    valid_until = models.DateTimeField(null=True, blank=True, help_text="Scans after this are refused (empty: any time).")
    is_default = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CheckinListQuerySet.as_manager()

    class Meta:
        ordering = ["event", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(is_default=True), name="one_default_checkin_list"),
            models.CheckConstraint(condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True)
                                   | Q(valid_until__gt=models.F("valid_from")), name="checkin_list_window_ordered"),
        ]
        permissions = [
            ("scan_ticket", "Scan tickets at the door"),
            ("manual_checkin", "Check attendees in by hand"),
            ("undo_checkin", "Undo a check-in"),
            ("view_dashboard", "See the live check-in dashboard"),
        ]

    def __str__(self):
        return self.name


class Scan(models.Model):
    class Kind(models.TextChoices):
        ENTRY = "entry", "Entry"
        EXIT = "exit", "Exit"

    class Source(models.TextChoices):
        CAMERA = "camera", "Camera"
        CODE = "code", "Typed code"
        SEARCH = "search", "Search"
        OFFLINE = "offline", "Offline (synced later)"
        MANUAL = "manual", "By an admin"

    checkin_list = models.ForeignKey(CheckinList, on_delete=models.CASCADE, related_name="scans")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="scans")
    result = models.CharField(max_length=24, db_index=True, help_text="ok or the refusal's reason code.")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.ENTRY)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.CAMERA)
    # A client's idempotency key: the same nonce always gets the same answer.
    nonce = models.CharField(max_length=64, unique=True, null=True, blank=True)
    raw = models.CharField(max_length=80, blank=True, help_text="The start of what was scanned (unknown codes).")
    # When the door scanned it (the device's clock for offline scans), and when the server heard of it.
    scanned_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_constraint=False)
    actor_label = models.CharField(max_length=254, blank=True)
    device = models.CharField(max_length=64, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=254, blank=True)
    undo_reason = models.CharField(max_length=300, blank=True)
    # Offline conflicts: the admission that lost (a later scan of the same ticket on another device)
    # points at the one that won.
    lost_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["checkin_list", "ticket", "result"], name="checkin_scan_list_ticket"),
                   models.Index(fields=["checkin_list", "created_at"], name="checkin_scan_list_time")]

    def __str__(self):
        return f"{self.result} · {self.ticket_id or self.raw}"

    @property
    def is_admission(self) -> bool:
        return self.result == "ok" and self.undone_at is None and self.lost_to_id is None


ADMITTED = Q(result="ok", undone_at__isnull=True, lost_to__isnull=True)
