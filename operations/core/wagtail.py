"""Small pieces shared by the operations screens in each organization's Wagtail admin."""

from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    """A menu item shown only to members whose role holds ``permission`` in this organization."""

    def __init__(self, label, url, *, permission: str, **kwargs):
        super().__init__(label, url, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
