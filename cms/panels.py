"""Editor panels of our own."""

from wagtail.admin.panels import Panel


class InvitationPanel(Panel):
    """Shows the invitation link of a page: with it, people open a password-protected page
    without the password."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/panels/invitation.html"

        def get_context_data(self, parent_context=None):
            from cms.access import page_invitation_token

            context = super().get_context_data(parent_context)
            page = self.instance
            context["invitation_url"] = ""
            if page.pk and page.url_path:
                url = page.get_full_url(self.request)
                if url:
                    context["invitation_url"] = f"{url}?invite={page_invitation_token(page=page)}"
            return context
