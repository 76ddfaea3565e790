"""Private pages: invitation links that let someone in without the page's password."""

from django.core import signing

SALT = "cms.page-invitation"
MAX_AGE = 60 * 60 * 24 * 180  # half a year; a new link can be copied from the editor at any time


def page_invitation_token(*, page) -> str:
    return signing.dumps({"page": page.pk}, salt=SALT, compress=True)


def page_invitation_valid(*, page, token: str) -> bool:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    return isinstance(data, dict) and data.get("page") == page.pk


def page_invitation_accept(*, page, request) -> bool:
    """If the request carries a valid invitation for ``page``, remember in the session that its
    view restrictions are passed (as Wagtail does after the right password). True if accepted."""
    token = request.GET.get("invite", "")
    if not token or not page_invitation_valid(page=page, token=token):
        return False
    for restriction in page.get_view_restrictions():
        restriction.mark_as_passed(request)
    return True
