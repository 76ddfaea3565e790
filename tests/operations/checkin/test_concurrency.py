"""Invariant 3 under real concurrency (committed data, own schema): 200 tickets, each scanned at the
same moment by two scanners, end with exactly one ok and one already_checked_in per ticket."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from operations.checkin.models import Scan
from operations.checkin.selectors import list_counts
from operations.checkin.services.lists import checkin_list_default
from operations.checkin.services.redeem import checkin_redeem
from operations.ticketing.services.signing import ticket_payload
from tests.harness import committed_organization
from tests.operations.checkin.builders import event_make, ticket_make, ticket_type_make

TICKETS = 200
PAIRS = 8  # 16 connections; each pair scans its share of the tickets, both at the same moment

pytestmark = pytest.mark.committed


def test_two_scanners_on_each_of_200_tickets_admit_each_exactly_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_organization("race") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="race")
            ticket_type = ticket_type_make(event, seats=None)
            checkin_list = checkin_list_default(event=event)
            payloads = [ticket_payload(ticket_make(event, ticket_type)) for _ in range(TICKETS)]
        connection.set_schema_to_public()
        answers: dict[int, list[str]] = {i: [] for i in range(TICKETS)}
        errors: list[str] = []
        lock = threading.Lock()

        def scanner(pair: int, barrier: threading.Barrier):
            try:
                with schema_context(organization.schema_name):
                    for index in range(pair, TICKETS, PAIRS):
                        barrier.wait(timeout=60)
                        answer = checkin_redeem(checkin_list=checkin_list, scanned=payloads[index])
                        with lock:
                            answers[index].append(answer["reason"])
            except Exception as error:  # noqa: BLE001 - the assertion shows it
                errors.append(repr(error))
                barrier.abort()
            finally:
                connection.close()

        threads = []
        for pair in range(PAIRS):
            barrier = threading.Barrier(2)
            threads += [threading.Thread(target=scanner, args=(pair, barrier)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)

        assert not errors, errors
        assert all(sorted(reasons) == ["already_checked_in", "ok"] for reasons in answers.values()), answers
        with schema_context(organization.schema_name):
            assert Scan.objects.filter(result="ok").count() == TICKETS
            assert list_counts(checkin_list) == {"admitted": TICKETS, "expected": TICKETS}
        connection.set_schema_to_public()
