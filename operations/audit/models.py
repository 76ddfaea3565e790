from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who changed what in an organization, with the state before and after (tenant schema)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text="The actor's e-mail when the entry was made.")
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.target_label}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field the entry changed or set, in the order recorded;
        fields that kept their value are left out. Entries of other shapes (not two dicts) give
        one row under "value"."""
        before, after = self.before, self.after
        if not isinstance(before, dict) or not isinstance(after, dict):
            if before is None and isinstance(after, dict):
                return [(name, None, value) for name, value in after.items()]
            return [] if before is None and after is None else [("value", before, after)]
        names = list(before) + [name for name in after if name not in before]
        return [(name, before.get(name), after.get(name)) for name in names if before.get(name) != after.get(name)]
