from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import connection, models
from django.utils import timezone
from django_tenants.utils import get_public_schema_name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_platform_operator", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_platform_operator=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """One account per person across the platform (public schema).

    Rights inside an organization come only from a membership there (MembershipBackend). The
    platform operator flag is honoured on the root domain only: ``is_superuser`` reads false in
    every organization's schema, so the operator gets no silent access to a tenant's admin.
    """

    email = models.EmailField("e-mail address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May sign in to the platform operator's admin on the root domain."
    )
    is_platform_operator = models.BooleanField(
        default=False, help_text="Full rights in the platform admin; none inside organizations."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    is_superuser = None  # replaced by the schema-aware property below

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    @property
    def is_superuser(self) -> bool:
        return self.is_platform_operator and connection.schema_name == get_public_schema_name()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email.split("@")[0]

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class AttendeeOrder(models.Model):
    """Where a person's orders are, across organizations: the public schema's copy of each order's
    identity, written in the same transaction as the order itself (operations.accounts.attendee_orders).
    "My tickets" on the root domain reads it and never crosses schemas (DESIGN.md)."""

    schema_name = models.CharField(max_length=63)
    order_id = models.BigIntegerField()
    code = models.CharField(max_length=24)
    secret = models.CharField(max_length=64, help_text="The attendee's link to the order page.")
    email = models.EmailField(blank=True, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendee_orders")
    status = models.CharField(max_length=20)
    event_name = models.CharField(max_length=200)
    event_starts_at = models.DateTimeField()
    event_timezone = models.CharField(max_length=64, default="UTC")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-event_starts_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["schema_name", "order_id"], name="attendee_order_unique")]

    def __str__(self):
        return f"{self.code} ({self.schema_name})"
