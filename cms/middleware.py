from django.db import connection
from django_tenants.utils import get_public_schema_name
from wagtail.contrib.redirects.middleware import RedirectMiddleware


class TenantRedirectMiddleware(RedirectMiddleware):
    """Wagtail's redirects, on organization sites only: the root domain's schema has no Wagtail
    tables, and looking them up there turned every 404 into a 500."""

    def process_response(self, request, response):
        if connection.schema_name == get_public_schema_name():
            return response
        return super().process_response(request, response)
