from django.urls import path, reverse
from wagtail import hooks

from operations.core.wagtail import PermissionMenuItem
from operations.organizations import views


@hooks.register("register_admin_urls")
def team_urls():
    return [
        path("team/", views.team, name="organizations_team"),
        path("team/invite/", views.team_invite, name="organizations_team_invite"),
        path("team/<int:membership_id>/role/", views.team_change_role, name="organizations_team_role"),
        path("team/<int:membership_id>/remove/", views.team_remove, name="organizations_team_remove"),
    ]


@hooks.register("register_settings_menu_item")
def team_menu_item():
    return PermissionMenuItem("Team", reverse("organizations_team"), permission=views.PERMISSION, icon_name="group",
                              order=100)


@hooks.register("construct_settings_menu")
def hide_platform_wide_user_screens(request, menu_items):
    # Wagtail's Users and Groups screens list every account on the platform; the Team screen
    # replaces them. (Nobody holds their permissions inside an organization anyway.)
    menu_items[:] = [item for item in menu_items if item.name not in {"users", "groups"}]
