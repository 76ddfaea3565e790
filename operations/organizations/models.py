import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from operations.organizations.roles import Role

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]
LOCALE_CHOICES = [("en", "English"), ("ko", "한국어 (Korean)")]


class Organization(TenantMixin):
    """A tenant: one PostgreSQL schema holds everything the organization owns.

    Two rows are not organizations people see: the public schema's (the root domain) and the
    template that new organizations are cloned from. ``Organization.objects.real()`` skips both.
    """

    name = models.CharField(max_length=200)
    name_en = models.CharField("English name", max_length=200, blank=True)
    slug = models.SlugField(max_length=40, unique=True, help_text="Also the subdomain.")
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    locale = models.CharField(max_length=8, choices=LOCALE_CHOICES, default="en")
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    is_template = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # The provisioning service creates the schema itself (from the template) so that a failure
    # anywhere rolls back everything; a plain save() never creates one behind its back.
    auto_create_schema = False
    auto_drop_schema = True

    class QuerySet(models.QuerySet):
        def real(self):
            from django_tenants.utils import get_public_schema_name

            return self.exclude(is_template=True).exclude(schema_name=get_public_schema_name())

    objects = QuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.name_en or self.name

    def primary_host(self) -> str:
        domain = self.domains.filter(is_primary=True).first()
        return domain.domain if domain else f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    def url(self, path: str = "/") -> str:
        port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
        return f"{settings.PLATFORM_SCHEME}://{self.primary_host()}{port}{path}"


class Domain(DomainMixin):
    """A host name that reaches an organization. Subdomains of the platform are verified when
    created; a custom domain routes only once its DNS TXT record has been verified."""

    # Not primary unless said so: links are built from the primary domain.
    is_primary = models.BooleanField(default=False, db_index=True)
    is_verified = models.BooleanField(default=False)
    verification_token = models.CharField(max_length=64, default=secrets.token_urlsafe, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.domain


class Membership(models.Model):
    """A person's role in one organization: the only source of rights inside it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_organization")
        ]
        permissions = [
            ("manage_team", "Can invite members, change their roles and remove them"),
            ("manage_owners", "Can make or remove owners"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} at {self.organization}"
