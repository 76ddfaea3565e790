"""Beat fan-outs over organizations (operations.organizations.selectors.in_each_organization)."""

from django.db import connection

from operations.organizations.selectors import in_each_organization


def test_work_runs_in_each_organization_and_one_failure_does_not_hold_back_the_others(org_a, org_b, caplog):
    seen = []

    def work() -> int:
        seen.append(connection.schema_name)
        if connection.schema_name == org_a.schema_name:
            raise RuntimeError("broken organization")
        return 2

    total = in_each_organization(work, name="probe")
    assert {org_a.schema_name, org_b.schema_name} <= set(seen)
    assert total == 2 * (len(seen) - 1)
    assert f"probe failed in {org_a.schema_name}" in caplog.text
