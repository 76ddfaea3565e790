"""Wagtail's part of creating an organization (called by operations' provisioning service through
settings.ORGANIZATION_PROVISIONERS / ORGANIZATION_TEMPLATE_PREPARERS, inside the new schema)."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Task,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms.models import Branding, HomePage

# Marketing drafts and submits; owners and admins also publish (and approve in the workflow).
EDIT_PERMISSIONS = ["add_page", "change_page", "lock_page", "unlock_page"]
PUBLISH_PERMISSIONS = ["publish_page", "bulk_delete_page"]
ROLE_PAGE_PERMISSIONS = {
    "owner": EDIT_PERMISSIONS + PUBLISH_PERMISSIONS,
    "admin": EDIT_PERMISSIONS + PUBLISH_PERMISSIONS,
    "marketing": EDIT_PERMISSIONS,
}
APPROVER_ROLES = ("owner", "admin")
WORKFLOW_NAME = "Marketing approval"
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"), ("wagtailimages", "change_image"), ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"), ("wagtaildocs", "change_document"), ("wagtaildocs", "choose_document"),
]
PAGE_EDITING_ROLES = tuple(ROLE_PAGE_PERMISSIONS)


def template_prepare() -> None:
    """Strip what Wagtail's migrations put in every schema: the default site and welcome page, the
    page/collection grants to its global "Moderators" and "Editors" groups (which would give
    anyone in those groups rights in every organization) and its default workflow, approved by
    the global "Moderators"."""
    GroupPagePermission.objects.all().delete()
    GroupCollectionPermission.objects.all().delete()
    WorkflowPage.objects.all().delete()
    WorkflowTask.objects.all().delete()
    Workflow.objects.all().delete()
    Task.objects.all().delete()
    Site.objects.all().delete()
    root = Page.get_first_root_node()
    for page in root.get_children():
        page.delete()


def site_create(organization) -> None:
    """Home page, Wagtail site on the organization's host, default branding, page and collection
    rights for the role groups that edit content, and the moderation workflow."""
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

    groups = _role_groups(organization)
    permissions = {p.codename: p for p in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=EDIT_PERMISSIONS + PUBLISH_PERMISSIONS)}
    collection_perms = [
        Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in COLLECTION_PERMISSIONS
    ]
    root_collection = Collection.get_first_root_node()
    for role, codenames in ROLE_PAGE_PERMISSIONS.items():
        GroupPagePermission.objects.bulk_create(
            GroupPagePermission(group=groups[role], page=home, permission=permissions[c]) for c in codenames
        )
        GroupCollectionPermission.objects.bulk_create(
            GroupCollectionPermission(group=groups[role], collection=root_collection, permission=perm)
            for perm in collection_perms
        )
    workflow_ensure(organization=organization, home=home)


def workflow_ensure(*, organization, home) -> Workflow:
    """The organization's moderation workflow on its whole site: pages submitted by marketing
    wait for an owner's or admin's approval. Idempotent (load_demo calls it for old databases)."""
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.workflow_tasks.exists():
        task = GroupApprovalTask.objects.create(name="Approval by an owner or admin")
        groups = _role_groups(organization)
        task.groups.set([groups[role] for role in APPROVER_ROLES])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    return workflow


def _role_groups(organization) -> dict[str, Group]:
    return {g.name.rsplit(":", 1)[1]: g for g in Group.objects.filter(name__startswith=f"{organization.schema_name}:")}
