from django.db.models import Q

from operations.audit.models import AuditEntry


def audit_entries(*, action_prefix: str = "", who: str = "", what: str = "", since=None, until=None):
    """Entries newest first: ``action_prefix`` ("order." for every order action), ``who`` and
    ``what`` match part of the actor's e-mail or the target's label, ``since``/``until`` are
    dates, both included."""
    entries = AuditEntry.objects.all()
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    if who:
        entries = entries.filter(actor_label__icontains=who)
    if what:
        entries = entries.filter(Q(target_label__icontains=what) | Q(target_id=what))
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries
