"""The organization's Team screen in its Wagtail admin: invite, change role, remove."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from operations.core.errors import refuse_without
from operations.core.http import render_with_error
from operations.organizations.errors import OrganizationError
from operations.organizations.forms import InviteForm, RoleForm
from operations.organizations.models import Membership
from operations.organizations.selectors import membership_list
from operations.organizations.services import (
    current_organization,
    membership_change_role,
    membership_invite,
    membership_remove,
)

PERMISSION = "organizations.manage_team"


def _team_page(request, *, invite_form=None, status=200, **context):
    organization = current_organization()
    response = TemplateResponse(request, "organizations/admin/team.html", {
        "organization": organization,
        "members": membership_list(organization=organization),
        "invite_form": invite_form or InviteForm(),
        "role_choices": RoleForm.base_fields["role"].choices,
        "may_manage_owners": request.user.has_perm("organizations.manage_owners"),
        **context,
    }, status=status)
    return response


def _guard(request):
    refuse_without(request.user, PERMISSION)


def team(request):
    _guard(request)
    return _team_page(request)


@require_POST
def team_invite(request):
    _guard(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, invite_form=form, status=400)
    try:
        membership = membership_invite(organization=current_organization(), email=form.cleaned_data["email"],
                                       role=form.cleaned_data["role"], actor=request.user)
    except OrganizationError as error:
        return render_with_error(lambda ctx: _team_page(request, invite_form=form, **ctx), error)
    messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}; an invitation is on its way.")
    return redirect("organizations_team")


@require_POST
def team_change_role(request, membership_id: int):
    _guard(request)
    membership = get_object_or_404(Membership, pk=membership_id, organization=current_organization())
    form = RoleForm(request.POST)
    if not form.is_valid():
        return render_with_error(lambda ctx: _team_page(request, **ctx),
                                 OrganizationError("Choose one of the listed roles.", code="role_invalid"))
    try:
        membership = membership_change_role(membership=membership, role=form.cleaned_data["role"], actor=request.user)
    except OrganizationError as error:
        return render_with_error(lambda ctx: _team_page(request, **ctx), error)
    messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}.")
    return redirect("organizations_team")


@require_POST
def team_remove(request, membership_id: int):
    _guard(request)
    membership = get_object_or_404(Membership, pk=membership_id, organization=current_organization())
    email = membership.user.email
    try:
        membership_remove(membership=membership, actor=request.user)
    except OrganizationError as error:
        return render_with_error(lambda ctx: _team_page(request, **ctx), error)
    messages.success(request, f"{email} no longer has access to this organization.")
    return redirect("organizations_team")
