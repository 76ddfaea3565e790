"""The platform operator's screen for accounts (/platform-admin/, public schema).

Our user has no username and no is_superuser column: the e-mail address is the login, and the
operator flag only counts on the root domain. Groups and user-level permissions are not shown:
rights inside an organization come from memberships alone (MembershipBackend ignores both).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group

from operations.accounts.models import User


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]
        field_classes = {}


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ["email", "password", "first_name", "last_name", "is_active", "is_staff", "is_platform_operator"]
        field_classes = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_platform_operator"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "is_platform_operator",
                    "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_platform_operator"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    filter_horizontal = []

    def has_delete_permission(self, request, obj=None):
        # A user's rows live in several schemas (NOTES-STACK: deleting fails across them);
        # untick "active" instead.
        return False


# Role groups ("<schema>:<role>") are kept in step with memberships by the services; editing them
# here would silently desynchronise an organization's page permissions.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
