"""The editor's page form: slugs of pages at the top of a site may not take a path the site
serves itself (search, register, checkin, admin ...), or the page (or its children) would be
unreachable."""

from functools import cache

from django import forms
from django.urls import get_resolver
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Site


@cache
def reserved_slugs() -> frozenset[str]:
    """First path segments of the organization site's own URLs (everything before Wagtail's
    catch-all, whose pattern is empty)."""
    patterns = get_resolver("config.urls_tenant").url_patterns
    return frozenset(str(p.pattern).lstrip("^").split("/")[0] for p in patterns if str(p.pattern).strip("^"))


class SitePageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        slug = cleaned_data.get("slug")
        parent = self.parent_page
        if slug in reserved_slugs() and parent is not None and Site.objects.filter(root_page=parent).exists():
            self.add_error("slug", forms.ValidationError(
                f"“{slug}” is taken by a page the site provides itself (/{slug}/); choose another slug."))
        return cleaned_data
