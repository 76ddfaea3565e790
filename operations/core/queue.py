"""Tasks queued once the change that needs them commits.

A queued task is a side effect of a committed change: when the broker cannot be reached at that
moment the change stands, and the request must not fail with it (it answered 500 for an order that
exists, and the buyer's retry met their own order). The failure is logged with the task and its
arguments. Errors of the task itself are not caught: under eager execution (the tests) they
propagate as before.
"""

import logging

from django.db import connection, transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def after_commit(task, **kwargs) -> None:
    """Queue ``task`` with ``kwargs`` when the current transaction commits (at once outside one),
    to run in the organization whose schema is in place now: the commit may come after the caller
    left that schema (a fan-out over organizations inside one transaction)."""
    schema = connection.schema_name

    def queue():
        try:
            task.apply_async(kwargs=kwargs, headers={"_schema_name": schema})
        except OperationalError:
            log.exception("broker unreachable: %s %r not queued", task.name, kwargs)

    transaction.on_commit(queue)
