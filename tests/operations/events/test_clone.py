from datetime import timedelta
from decimal import Decimal

import pytest

from operations.events.models import Event, EventSeries
from operations.events.services import EventError, event_clone
from operations.ticketing.models import PromoCode, Session, TicketType
from tests.operations.ticketing.builders import event_make, ticket_type_make


def test_clone_copies_what_is_sold_shifted_to_the_new_date(org_a, in_schema):
    with in_schema(org_a):
        series = EventSeries.objects.create(name="Summit", slug="summit")
        source = event_make(slug="summit-2026", series=series)
        general = ticket_type_make(event=source, price="10", seats=50, sale_ends_at=source.starts_at)
        Session.objects.create(event=source, title="Keynote", starts_at=source.starts_at, ends_at=source.ends_at)
        promo = PromoCode.objects.create(event=source, code="X", value=Decimal(5), max_uses=3)
        PromoCode.objects.filter(pk=promo.pk).update(used_count=2)
        promo.ticket_types.add(general)
        later = source.starts_at + timedelta(days=365)
        copy = event_clone(event=source, name="Summit 2027", slug="summit-2027", starts_at=later)
        assert copy.status == Event.Status.DRAFT and copy.series == series and copy.ends_at - copy.starts_at == source.ends_at - source.starts_at
        cloned_type = TicketType.objects.get(event=copy)
        assert cloned_type.sale_ends_at == later and cloned_type.quotas.get().size == 50 and cloned_type.quotas.get().event == copy
        assert Session.objects.get(event=copy).starts_at == later
        cloned_promo = PromoCode.objects.get(event=copy)
        assert cloned_promo.used_count == 0 and list(cloned_promo.ticket_types.all()) == [cloned_type]
        assert list(series.events.order_by("starts_at")) == [source, copy]
        with pytest.raises(EventError) as error:
            event_clone(event=source, name="Again", slug="summit-2027", starts_at=later)
        assert error.value.code == "slug_taken"


def test_clone_asks_the_same_questions_with_the_same_identities(org_a, in_schema):
    from cms.models.registration import RegistrationForm, RegistrationQuestion

    with in_schema(org_a):
        source = event_make(slug="summit-2026")
        student = ticket_type_make(event=source, name="Student", seats=20)
        form = RegistrationForm.objects.create(event=source, intro="Tell us about you")
        RegistrationQuestion.objects.create(form=form, label="Dietary needs", required=True)
        RegistrationQuestion.objects.create(form=form, label="University", ticket_type_id=student.pk)
        RegistrationQuestion.objects.filter(form=form, label="Dietary needs").update(label="Food")  # relabelled

        copy = event_clone(event=source, name="Summit 2027", slug="summit-2027",
                           starts_at=source.starts_at + timedelta(days=365))
        copied = {q.clean_name: q for q in RegistrationForm.objects.get(event=copy).questions.all()}
        assert set(copied) == {"dietary_needs", "university"}
        assert copied["dietary_needs"].label == "Food" and copied["dietary_needs"].required
        assert copied["university"].ticket_type_id == TicketType.objects.get(event=copy, name="Student").pk
        assert RegistrationForm.objects.get(event=source).questions.count() == 2  # the source keeps its own


def test_clone_refuses_an_event_linked_to_another_events_quota_or_ticket_types(org_a, in_schema):
    from operations.ticketing.models import Quota

    with in_schema(org_a):
        source = event_make(slug="summit-2026")
        other = event_make(slug="other-2026")
        general = ticket_type_make(event=source, seats=50)
        foreign_type = ticket_type_make(event=other, name="Other")
        general.quotas.add(Quota.objects.create(event=other, name="Shared", size=5))
        promo = PromoCode.objects.create(event=source, code="X", value=Decimal(5))
        promo.unlocks.add(foreign_type)
        with pytest.raises(EventError) as error:
            event_clone(event=source, name="Summit 2027", slug="summit-2027",
                        starts_at=source.starts_at + timedelta(days=365))
        assert error.value.code == "cross_event_link" and error.value.http_status == 400
        assert len(error.value.details["links"]) == 2
        assert not Event.objects.filter(slug="summit-2027").exists()


def test_a_clone_charges_the_tax_its_source_charges(org_a, in_schema):
    from operations.invoicing.models import TaxRule

    with in_schema(org_a):
        source = event_make(slug="taxed-2026")
        TaxRule.objects.create(event=source, name="VAT", rate=Decimal("10"), prices_include_tax=False)
        copy = event_clone(event=source, name="Taxed 2027", slug="taxed-2027", starts_at=source.starts_at + timedelta(days=365))
        rule = TaxRule.objects.get(event=copy)
        assert (rule.name, rule.rate, rule.prices_include_tax) == ("VAT", Decimal("10"), False)
        untaxed = event_make(slug="free-2026")
        assert not TaxRule.objects.filter(event=event_clone(event=untaxed, name="Free", slug="free-2027",
                                                             starts_at=untaxed.starts_at)).exists()
