from django.core.management import call_command
from django_tenants.utils import schema_context

from cms.models import EventPage, RegistrationQuestion
from operations.events.models import Event
from operations.organizations.models import Membership, Organization
from operations.ticketing.demo import FREE_ENTRY
from operations.ticketing.models import Order, TicketType

DEMO = {"seoul-tech": "KRW", "wellington-jazz": "NZD", "berlin-design": "EUR"}


def counts():
    result = {"memberships": Membership.objects.filter(organization__slug__in=DEMO).count()}
    for organization in Organization.objects.filter(slug__in=DEMO):
        with schema_context(organization.schema_name):
            result[organization.slug] = (Event.objects.count(), EventPage.objects.live().count(),
                                         set(Event.objects.values_list("currency", flat=True)),
                                         TicketType.objects.count(), Order.objects.count(),
                                         RegistrationQuestion.objects.count())
    return result


def test_demo_loads_three_organizations_and_a_second_run_changes_nothing(db, site_client, capsys):
    call_command("load_demo", "--password", "demo-password-123")
    first = counts()
    assert first["memberships"] == 15
    for slug, currency in DEMO.items():
        events, pages, currencies, ticket_types, orders, _ = first[slug]
        assert 2 <= events <= 3 and pages == events and currencies == {currency}
        assert ticket_types >= 2 * events and orders >= events  # a living system: tickets and orders
        organization = Organization.objects.get(slug=slug)
        assert site_client(organization).get("/").status_code == 200

    for organization in Organization.objects.filter(slug__in=DEMO):  # the questions attendees answer
        with schema_context(organization.schema_name):
            for event in Event.objects.all():
                asked = RegistrationQuestion.objects.filter(form__event=event)
                if event.slug in FREE_ENTRY:  # registers in one step: nothing to ask
                    assert not asked.exists()
                    continue
                assert asked.count() >= 4 and asked.exclude(show_if_question="").exists()
                student = TicketType.objects.filter(event=event, name="Student").first()
                assert student is None or asked.filter(ticket_type_id=student.pk, required=True).exists()

    call_command("load_demo", "--password", "demo-password-123")
    assert counts() == first

    capsys.readouterr()
    call_command("load_demo", "--describe")
    described = capsys.readouterr().out
    assert "http://seoul-tech.localhost/admin/" in described and "operator@tessera.example" in described
