from operations.audit.models import AuditEntry


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
    entry.save()
    return entry
