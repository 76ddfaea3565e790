from django.conf import settings
from django_tenants.utils import get_public_schema_name


def platform(request):
    tenant = getattr(request, "tenant", None)
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return {
        "platform_name": settings.PLATFORM_NAME,
        "platform_url": f"{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}{port}/",
        "organization": tenant if tenant is not None and tenant.schema_name != get_public_schema_name() else None,
    }
