from decimal import Decimal

from operations.ticketing.demo import demo_ticketing_load
from operations.ticketing.models import Order, PromoCode, Quota, Session, TicketType
from tests.operations.ticketing.builders import event_make


def test_demo_ticketing_is_priced_in_each_currency_and_idempotent(org_a, in_schema):
    with in_schema(org_a):
        krw = event_make(slug="demo-krw", currency="KRW")
        eur = event_make(slug="demo-eur", currency="EUR")
    demo_ticketing_load(org_a)
    demo_ticketing_load(org_a)
    with in_schema(org_a):
        assert TicketType.objects.get(event=krw, name="General admission").price == Decimal("45000")
        assert TicketType.objects.get(event=eur, name="General admission").price == Decimal("45")
        for event in (krw, eur):
            assert TicketType.objects.filter(event=event).count() == 3
            assert Quota.objects.filter(event=event).count() == 3
            assert Session.objects.filter(event=event).count() == 3
            assert PromoCode.objects.filter(event=event).count() == 2
            assert Order.objects.filter(event=event, status=Order.Status.AWAITING_PAYMENT).count() == 3
        assert (krw.tax_rule.name, krw.tax_rule.rate, krw.tax_rule.prices_include_tax) == ("부가세", Decimal(10), True)
        assert (eur.tax_rule.name, eur.tax_rule.rate) == ("MwSt.", Decimal(19))


def test_demo_free_entry_event_registers_in_one_step_and_is_idempotent(org_a, in_schema, site_client):
    from operations.ticketing.demo import FREE_ENTRY

    with in_schema(org_a):
        event = event_make(slug=next(iter(FREE_ENTRY)), currency="EUR")
    demo_ticketing_load(org_a)
    demo_ticketing_load(org_a)
    with in_schema(org_a):
        entry = TicketType.objects.get(event=event)
        assert (entry.name, entry.price, entry.max_per_order) == ("Free entry", Decimal(0), 1)
        assert Order.objects.filter(event=event, status=Order.Status.CONFIRMED).count() == 3
        assert not Session.objects.filter(event=event).exists() and not PromoCode.objects.filter(event=event).exists()
    page = site_client(org_a).get(f"/register/{event.slug}/").content.decode()
    assert 'name="flow" value="one_step"' in page
