"""The platform operator's screens for organizations, their domains and memberships
(/platform-admin/ on the root domain, public schema).

Thin surface: creating, deactivating and re-roling go through operations.organizations.services;
the refusals they raise (OrganizationError) are shown to the operator, never as a 500.
"""

import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from operations.organizations.errors import OrganizationError
from operations.organizations.models import (
    LOCALE_CHOICES,
    TIMEZONE_CHOICES,
    Domain,
    Membership,
    Organization,
)
from operations.organizations.services import (
    EDITABLE_FIELDS,
    domain_add,
    domain_remove,
    domain_set_verified,
    membership_change_role,
    organization_create,
    organization_deactivate,
    organization_update,
)

# Which add-form field an OrganizationError is about; other codes are shown above the form.
CREATE_ERROR_FIELDS = {
    "slug_invalid": "slug",
    "slug_taken": "slug",
    "name_required": "name",
    "timezone_invalid": "timezone",
    "locale_invalid": "locale",
}
HOSTNAME_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _is_platform_host(host: str) -> bool:
    """The platform's own host names: its domain and every subdomain of it (one per organization)."""
    domain = settings.PLATFORM_DOMAIN
    return host == domain or host.endswith(f".{domain}")


# --- Organizations ----------------------------------------------------------------------------

_TEXT = forms.TextInput(attrs={"class": "vTextField"})
_EMAIL = forms.EmailInput(attrs={"class": "vTextField"})


class OrganizationCreateForm(forms.Form):
    """Input for services.organization_create; the service decides what is acceptable."""

    name = forms.CharField(max_length=200, widget=_TEXT)
    name_en = forms.CharField(label="English name", max_length=200, required=False, widget=_TEXT)
    slug = forms.CharField(
        label="Address",
        max_length=60,
        widget=_TEXT,
        help_text=f"Also the subdomain: <em>address</em>.{settings.PLATFORM_DOMAIN}. It cannot be changed later.",
    )
    owner_email = forms.EmailField(
        label="Owner's e-mail address",
        max_length=254,
        widget=_EMAIL,
        help_text="Becomes the organization's owner; receives an invitation if they have no account yet.",
    )
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="UTC")
    locale = forms.ChoiceField(label="Language", choices=LOCALE_CHOICES, initial="en")
    contact_email = forms.EmailField(
        label="Contact e-mail",
        max_length=254,
        required=False,
        widget=_EMAIL,
        help_text="Shown to attendees; the owner's address when empty.",
    )


class DomainInlineForm(forms.ModelForm):
    """A platform subdomain is fixed (it is the organization's address). A custom domain can be
    added (unverified), marked verified once its DNS TXT record checks out, or removed; its host
    name is not edited in place, so a verification never carries over to another name."""

    class Meta:
        model = Domain
        fields = ["domain", "is_verified"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # DomainMixin makes a new domain primary by default, which would send every link to an
            # address that may not route yet.
            self.instance.is_primary = False
            return
        self.fields["domain"].disabled = True
        if _is_platform_host(self.instance.domain):
            self.fields["is_verified"].disabled = True

    def clean_domain(self):
        if self.instance.pk:
            return self.instance.domain
        host = self.cleaned_data["domain"].strip().lower().rstrip(".")
        if _is_platform_host(host):
            raise ValidationError(
                f"Addresses under {settings.PLATFORM_DOMAIN} belong to the platform: an organization "
                "gets its own when it is created."
            )
        if not HOSTNAME_PATTERN.match(host):
            raise ValidationError(f"“{host}” is not a host name (for example tickets.example.org).")
        return host


class DomainInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form) and form.instance.pk:
                if _is_platform_host(form.instance.domain):
                    raise ValidationError(
                        f"{form.instance.domain} is the organization's platform address and cannot be removed."
                    )


class DomainInline(admin.TabularInline):
    model = Domain
    form = DomainInlineForm
    formset = DomainInlineFormSet
    fields = ["domain", "is_primary", "is_verified", "verification_token", "created_at"]
    readonly_fields = ["is_primary", "verification_token", "created_at"]
    extra = 0
    verbose_name = "domain"
    verbose_name_plural = "Domains (custom domains route only once verified)"


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "locale", "is_active", "created_at", "member_count", "site_link"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_en", "slug", "contact_email"]
    ordering = ["name"]
    actions = ["deactivate_organizations"]
    inlines = [DomainInline]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "slug", "schema_name", "site_link"]}),
        ("Region", {"fields": ["timezone", "locale"]}),
        ("Contact", {"fields": ["contact_email", "contact_phone"]}),
        ("Status", {"fields": ["is_active", "created_at"]}),
    ]
    readonly_fields = ["slug", "schema_name", "site_link", "created_at"]

    def get_queryset(self, request):
        # Only real organizations: the public schema's row and the template are the platform's own.
        return Organization.objects.real().annotate(member_count=Count("memberships"))

    def has_delete_permission(self, request, obj=None):
        # Deleting drops the schema with everything in it; that is services.organization_delete's job.
        return False

    @admin.display(description="members", ordering="member_count")
    def member_count(self, organization):
        return organization.member_count

    @admin.display(description="site")
    def site_link(self, organization):
        if organization.pk is None:
            return "–"
        url = organization.url("/")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.action(description="Deactivate selected organizations")
    def deactivate_organizations(self, request, queryset):
        deactivated = 0
        for organization in queryset.filter(is_active=True):
            try:
                organization_deactivate(organization=organization, actor=request.user)
            except OrganizationError as error:
                self.message_user(request, f"{organization}: {error.message}", messages.ERROR)
            else:
                deactivated += 1
        self.message_user(request, f"{deactivated} organization(s) deactivated.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        # Creation never reaches here (add_view). Edits go through the services so they are
        # audited; deactivating through the checkbox takes the same path as the action.
        changes = {field: form.cleaned_data[field] for field in form.changed_data if field in EDITABLE_FIELDS}
        deactivating = changes.get("is_active") is False
        changes.pop("is_active", None) if deactivating else None
        if changes:
            organization_update(organization=obj, actor=request.user, **changes)
        if deactivating:
            organization_deactivate(organization=obj, actor=request.user)
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Domain:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads what formset.save() would have recorded.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            domain = inline_form.instance
            if formset.can_delete and formset._should_delete_form(inline_form):
                if domain.pk:
                    domain_remove(domain=domain, actor=request.user)
                    formset.deleted_objects.append(domain)
            elif domain.pk is None and inline_form.has_changed():
                added = domain_add(organization=form.instance, host=inline_form.cleaned_data["domain"], actor=request.user)
                if inline_form.cleaned_data.get("is_verified"):
                    domain_set_verified(domain=added, verified=True, actor=request.user)
                formset.new_objects.append(added)
            elif "is_verified" in inline_form.changed_data:
                domain_set_verified(domain=domain, verified=inline_form.cleaned_data["is_verified"], actor=request.user)
                formset.changed_objects.append((domain, ["is_verified"]))

    def add_view(self, request, form_url="", extra_context=None):
        """Organizations are created by the provisioning service, not by saving a row: a schema, a
        domain, a site and an owner come with it. Not wrapped in the admin's transaction: the
        service has its own (and may first have to build the template schema)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OrganizationCreateForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                organization = organization_create(**form.cleaned_data, actor=request.user)
            except OrganizationError as error:
                form.add_error(CREATE_ERROR_FIELDS.get(error.code), ValidationError(error.message, code=error.code))
            else:
                self.log_addition(request, organization, [{"added": {}}])
                return self.response_add(request, organization)
        return self._render_service_form(request, form, add=True, form_url=form_url, extra_context=extra_context)

    def _render_service_form(self, request, form, *, add, form_url, extra_context):
        admin_form = helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Add {self.opts.verbose_name}",
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=add, form_url=form_url)


# --- Memberships ------------------------------------------------------------------------------

@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who holds which role where. Invitations and removals happen in the organization's own
    admin; here the operator can look up people and change a role (e.g. hand over ownership)."""

    list_display = ["user", "organization", "role", "invited_by", "created_at"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "role"]
    list_select_related = ["user", "organization", "invited_by"]
    search_fields = ["user__email", "organization__name", "organization__slug"]
    fields = ["user", "organization", "role", "invited_by", "created_at"]
    readonly_fields = ["user", "organization", "invited_by", "created_at"]
    ordering = ["organization__name", "user__email"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # services.membership_remove keeps the last owner and the role groups right; a row delete would not.
        return False

    def save_model(self, request, obj, form, change):
        if "role" in form.changed_data:
            # actor=None: the services check the actor's rights *inside* the organization, where the
            # operator has none. The admin's own change log records who did it.
            membership_change_role(membership=obj, role=obj.role, actor=None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            return super().change_view(request, object_id, form_url, extra_context)
        except OrganizationError as error:
            # Raised from save_model inside the admin's transaction, which has rolled back.
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)
