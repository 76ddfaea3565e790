from operations.audit.models import AuditEntry


def audit_entries(*, action_prefix: str = ""):
    entries = AuditEntry.objects.all()
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    return entries
