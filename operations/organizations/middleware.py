from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from operations.core import generations
from operations.organizations import access

_routes = access.KeptAnswers()


class OrganizationMiddleware(TenantMainMiddleware):
    """Routes a request to its organization's schema by host name.

    Only verified domains of active organizations route; every other host gets a friendly 404
    page (never a 500, never another organization's site). Routes are kept per process
    (operations.organizations.access) and retired as soon as a domain or organization changes."""

    def process_request(self, request):
        # The generations the request will read, in one round trip: the access generation (this
        # routing) and the content generation of the organization this host routed to last.
        routed = _routes.peek(("host", self.hostname_from_request(request)))
        generations.prefetch([generations.ACCESS_KEY, *([generations.content_key(routed.schema_name)] if routed else [])])
        return super().process_request(request)

    def get_tenant(self, domain_model, hostname):
        return _routes.get(("host", hostname), lambda: self._organization_load(domain_model, hostname))

    @staticmethod
    def _organization_load(domain_model, hostname):
        domain = domain_model.objects.select_related("tenant").get(
            domain=hostname, is_verified=True, tenant__is_active=True, tenant__is_template=False
        )
        return domain.tenant

    def no_tenant_found(self, request, hostname):
        return render(request, "errors/unknown_host.html", {"hostname": hostname}, status=404)
