from operations.organizations.models import Membership


def membership_list(*, organization):
    return Membership.objects.filter(organization=organization).select_related("user", "invited_by").order_by(
        "role", "user__email"
    )
