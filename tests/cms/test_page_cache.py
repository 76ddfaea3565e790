"""Anonymous visitors get a kept render of the event page (cms.page_cache); the ticket offers in it
are always live, and any content change shows at once."""

from decimal import Decimal

from cms.models import Speaker
from operations.ticketing.models import Order, OrderPosition, Quota, TicketType
from tests.cms.conftest import event_make, event_page_publish


def page_with_tickets(seats: int):
    event = event_make("kept")
    quota = Quota.objects.create(event=event, name="All seats", size=seats)
    ticket_type = TicketType.objects.create(event=event, name="General admission", price=Decimal("30000"))
    ticket_type.quotas.add(quota)
    speaker = Speaker.objects.create(name="Ada Lovelace")
    event_page_publish(event, slug="kept", content=[
        {"type": "speakers", "value": {"title": "Speakers", "speakers": [speaker.pk]}},
        {"type": "tickets", "value": {"title": "Tickets", "intro": "Seats are limited"}},
    ])
    return event, ticket_type, speaker


def seat_sell(event, ticket_type) -> None:
    order = Order.objects.create(event=event, code="REG-KEPT-1", currency="KRW", status=Order.Status.CONFIRMED,
                                 total=ticket_type.price)
    OrderPosition.objects.create(order=order, ticket_type=ticket_type, price=ticket_type.price)


def test_kept_page_shows_live_availability_and_json_ld_offers(org_a, in_schema, site_client):
    with in_schema(org_a):
        event, ticket_type, speaker = page_with_tickets(seats=1)
        Speaker.objects.filter(pk=speaker.pk).update(name="Grace Hopper")  # no signal: the kept page won't know
    client = site_client(org_a)
    first = client.get("/kept/").content.decode()
    assert "Only 1 left" in first and '"availability": "https://schema.org/InStock"' in first

    with in_schema(org_a):
        seat_sell(event, ticket_type)
    second = client.get("/kept/").content.decode()
    assert "Sold out" in second and '"availability": "https://schema.org/SoldOut"' in second
    assert "Seats are limited" in second and "tessera:live" not in second
    assert second.count('application/ld+json') == 1


def test_content_changes_retire_the_kept_page(org_a, in_schema, site_client):
    with in_schema(org_a):
        page_with_tickets(seats=5)
    client = site_client(org_a)
    assert "Ada Lovelace" in client.get("/kept/").content.decode()

    with in_schema(org_a):
        Speaker.objects.filter(name="Ada Lovelace").update(name="Grace Hopper")  # bypasses signals
    assert "Ada Lovelace" in client.get("/kept/").content.decode(), "the page was not kept"

    with in_schema(org_a):
        speaker = Speaker.objects.get(name="Grace Hopper")
        speaker.save()  # an editor's save
    assert "Grace Hopper" in client.get("/kept/").content.decode()


def test_signed_in_people_and_query_strings_get_a_fresh_render(org_a, in_schema, site_client, member):
    with in_schema(org_a):
        page_with_tickets(seats=5)
    client = site_client(org_a)
    client.get("/kept/")
    with in_schema(org_a):
        Speaker.objects.filter(name="Ada Lovelace").update(name="Grace Hopper")

    assert "Grace Hopper" in client.get("/kept/?utm_source=newsletter").content.decode()
    client.force_login(member(org_a, "marketing"), backend="operations.accounts.backends.EmailBackend")
    assert "Grace Hopper" in client.get("/kept/").content.decode()


def test_layout_follows_branding_and_organization_changes_at_once(org_a, in_schema, site_client):
    from operations.organizations.services import organization_update
    from tests.cms.conftest import branding_set

    with in_schema(org_a):
        page_with_tickets(seats=5)
        branding_set(primary_colour="#1d4ed8")
    client = site_client(org_a)
    assert "--brand-primary: #1d4ed8" in client.get("/register/kept/").text

    with in_schema(org_a):
        branding_set(primary_colour="#7c2d12")
    organization_update(organization=org_a, actor=None, name="Alpha Events Renamed")
    for path in ("/register/kept/", "/kept/"):
        shown = client.get(path).text
        assert "--brand-primary: #7c2d12" in shown and "Alpha Events Renamed" in shown, path


def test_generations_never_repeat_after_the_cache_is_emptied(org_a, in_schema):
    """Processes keep layouts and question lists by generation: a generation number that came back
    after a Redis restart would bring back what an old one kept."""
    from cms.page_cache import content_changed, content_generation
    from operations.core.generations import content_key
    from operations.core.redis import redis_client

    with in_schema(org_a):
        content_changed()
        before = content_generation()
        redis_client().delete(content_key(org_a.schema_name))
        assert content_generation() > before


def test_generation_is_read_once_per_request_and_an_edit_in_the_request_is_seen(org_a, org_b, in_schema):
    """Within a request the generation comes from the first read (the frame, the questions and
    the kept page all ask); another organization's is read for itself; the request's own edit
    moves it on; the next request reads afresh."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from cms.page_cache import content_changed, content_generation
    from operations.core.generations import content_key
    from operations.core.redis import redis_client

    def another_process_edits(organization):
        redis_client().incr(content_key(organization.schema_name))

    # As Django's test client does: the test's connection holds its transaction across "requests".
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.send(sender=None)
    try:
        with in_schema(org_a):
            first = content_generation()
            another_process_edits(org_a)  # seen from the next request on
            assert content_generation() == first
        with in_schema(org_b):
            other = content_generation()
            assert content_generation() == other
        with in_schema(org_a):
            content_changed()
            assert content_generation() == first + 2
    finally:
        request_finished.send(sender=None)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    with in_schema(org_a):
        another_process_edits(org_a)
        assert content_generation() == first + 3


def test_a_request_reads_its_routing_and_content_generations_in_one_round_trip(org_a, site_client):
    """The access generation and the content generation of the organization the host routed to
    last come in one MGET as the request starts; nothing else asks Redis for a generation."""
    from operations.core.redis import redis_client

    client = site_client(org_a)
    client.get("/register/no-such-event/")  # the host's route is kept from here on
    commands = []
    real = redis_client().execute_command

    def counted(*args, **options):
        commands.append(args[0])
        return real(*args, **options)

    redis_client().execute_command = counted
    try:
        page = client.get("/")
    finally:
        del redis_client().execute_command
    assert page.status_code == 200
    assert commands.count("MGET") == 1 and "GET" not in commands, commands
