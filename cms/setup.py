"""Wagtail's part of creating an organization (called by operations' provisioning service through
settings.ORGANIZATION_PROVISIONERS / ORGANIZATION_TEMPLATE_PREPARERS, inside the new schema)."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from cms.models import Branding, HomePage

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"), ("wagtailimages", "change_image"), ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"), ("wagtaildocs", "change_document"), ("wagtaildocs", "choose_document"),
]
PAGE_EDITING_ROLES = ("owner", "admin", "marketing")


def template_prepare() -> None:
    """Strip what Wagtail's migrations put in every schema: the default site and welcome page, and
    the page/collection grants to its global "Moderators" and "Editors" groups, which would give
    anyone in those groups rights in every organization."""
    GroupPagePermission.objects.all().delete()
    GroupCollectionPermission.objects.all().delete()
    Site.objects.all().delete()
    root = Page.get_first_root_node()
    for page in root.get_children():
        page.delete()


def site_create(organization) -> None:
    """Home page, Wagtail site on the organization's host, default branding, and page and
    collection rights for the role groups that edit content."""
    root = Page.get_first_root_node()
    home = root.add_child(
        instance=HomePage(
            title=organization.display_name,
            slug="home",
            hero_title=organization.name,
            hero_text="Events, tickets and everything you need to take part.",
        )
    )
    site = Site.objects.create(
        hostname=organization.primary_host(), port=80, root_page=home, is_default_site=True,
        site_name=organization.name,
    )
    Branding.objects.create(site=site)

    groups = {g.name.rsplit(":", 1)[1]: g for g in Group.objects.filter(name__startswith=f"{organization.schema_name}:")}
    page_perms = Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS)
    collection_perms = [
        Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in COLLECTION_PERMISSIONS
    ]
    root_collection = Collection.get_first_root_node()
    for role in PAGE_EDITING_ROLES:
        GroupPagePermission.objects.bulk_create(
            GroupPagePermission(group=groups[role], page=home, permission=perm) for perm in page_perms
        )
        GroupCollectionPermission.objects.bulk_create(
            GroupCollectionPermission(group=groups[role], collection=root_collection, permission=perm)
            for perm in collection_perms
        )
