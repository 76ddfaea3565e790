"""The public schema's copy of what the index lists, for when the search server is unreachable.

Requests on the root domain never read across schemas (DESIGN.md), so the portal's fallback list
cannot come from the organizations' tables. The same tasks that write the index write these rows
(first, in the same call), and ``search_rebuild`` refreshes them: the list is as fresh as the
index, and is still there when the index is not.
"""

from django.db import models


class ListedEvent(models.Model):
    schema_name = models.CharField(max_length=63)
    page_id = models.BigIntegerField()
    title = models.CharField(max_length=255)
    summary = models.CharField(max_length=300, blank=True)
    organization_name = models.CharField(max_length=200)
    organization_slug = models.CharField(max_length=63)
    url = models.URLField(max_length=500)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)
    timezone = models.CharField(max_length=64, default="UTC")
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    format = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["schema_name", "page_id"], name="listed_event_unique_page")]

    def __str__(self):
        return self.title

    @property
    def document_id(self) -> str:
        return f"{self.schema_name}:{self.page_id}"
