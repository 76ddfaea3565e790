"""Read queries of ticketing (operations/ticketing/selectors.py)."""

from operations.ticketing.selectors import order_search
from operations.ticketing.services.orders import Item, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make


def test_an_order_is_found_by_part_of_its_confirmation_number_in_any_case(org_a, in_schema):
    with in_schema(org_a):
        event = event_make(slug="codes")
        general = ticket_type_make(event)
        order = order_reserve(event=event, items=[Item(general.pk, 1)])
        other = order_reserve(event=event, items=[Item(general.pk, 1)])
        suffix = order.code.rsplit("-", 1)[1]  # what people read out over the phone
        assert list(order_search(query=suffix.lower())) == [order]
        assert set(order_search(query=order.code.rsplit("-", 1)[0])) == {order, other}
