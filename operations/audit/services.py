import threading
from contextlib import contextmanager

from operations.audit.models import AuditEntry

# Entries of the innermost audit_batch() block on this thread, written when it ends.
_batch = threading.local()


def audit_record(
    action: str, *, actor=None, target=None, before: dict | None = None, after: dict | None = None, request=None
) -> AuditEntry:
    """Append an entry to the current organization's audit log (call inside the change's transaction)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        action=action,
        actor=actor,
        actor_label=actor.email if actor else "",
        before=before,
        after=after,
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        entry.target_label = str(target)[:254]
    if request is not None:
        entry.ip_address = request.META.get("REMOTE_ADDR") or None
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    pending = getattr(_batch, "entries", None)
    if pending is not None:
        pending.append(entry)
    else:
        entry.save()
    return entry


@contextmanager
def audit_batch():
    """Entries recorded inside the block are written together, in one statement, when it ends
    without an error (inside the change's transaction): a registration records two."""
    outer = getattr(_batch, "entries", None)
    _batch.entries = entries = []
    try:
        yield
    finally:
        _batch.entries = outer
    if outer is not None:
        outer.extend(entries)
    elif entries:
        AuditEntry.objects.bulk_create(entries)
